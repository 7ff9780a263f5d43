"""Where the shipped models live, in the source tree and in a frozen (PyInstaller) bundle alike."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def resource_dir() -> Path:
    """The folder holding `exported/`: the bundle's root when frozen, else the repository root."""
    if getattr(sys, "frozen", False):
        return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent))
    return Path(__file__).resolve().parent.parent


def models_dir() -> Path:
    """$VAE_DIGITS_MODELS if set, else `exported/` beside the app."""
    env = os.environ.get("VAE_DIGITS_MODELS")
    return Path(env) if env else resource_dir() / "exported"


def list_models(root: Path | None = None) -> list[Path]:
    """Sub-folders of `root` that hold a model card, sorted by name."""
    root = models_dir() if root is None else root
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if (p / "metadata.json").is_file())


def _quality(folder: Path) -> tuple[int, float]:
    """Sort key: MNIST models first, then the lowest test negative ELBO; unreadable cards last."""
    try:
        card = json.loads((folder / "metadata.json").read_text())
        return (0 if card["dataset"]["name"] == "mnist" else 1, float(card["test_metrics"]["neg_elbo"]))
    except (OSError, ValueError, KeyError, TypeError):
        return (2, float("inf"))


def default_model(root: Path | None = None) -> Path | None:
    """The best-quality MNIST model among the shipped ones (None when there is none)."""
    models = list_models(root)
    return min(models, key=_quality) if models else None

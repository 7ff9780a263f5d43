"""Checkpoints: everything a run needs to continue exactly (state dicts, generators, history),
written atomically and read back with every problem turned into one line."""
from __future__ import annotations

import os
from pathlib import Path

import torch

REQUIRED = ("model_config", "train_config", "model", "step", "generator", "torch_rng", "history", "replay")


class CheckpointError(Exception):
    """A checkpoint cannot be resumed; str() is one line naming the file and the problem."""


def save(path: Path, state: dict) -> None:
    """Write to a temporary file beside `path` and rename: a kill mid-save keeps the previous epoch."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        torch.save(state, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def load(path: Path, device: torch.device) -> dict:
    """The checkpoint's state, checked for the keys a resume needs (weights_only: no code runs)."""
    if not path.is_file():
        raise CheckpointError(f"{path}: no checkpoint to resume from")
    try:
        state = torch.load(path, map_location=device, weights_only=True)
    except Exception as e:  # torch raises RuntimeError, UnpicklingError, EOFError, zipfile errors...
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise CheckpointError(f"{path}: not a readable checkpoint ({first[:160]})") from None
    if not isinstance(state, dict):
        raise CheckpointError(f"{path}: not a vae-train checkpoint (holds a {type(state).__name__})")
    missing = [k for k in REQUIRED if k not in state]
    if missing:
        raise CheckpointError(f"{path}: not a vae-train checkpoint of this version (no {', '.join(missing)})")
    return state


def check_same_settings(path: Path, state: dict, model_cfg: dict, train_cfg: dict) -> None:
    """A resume continues the same run: every model and training setting must match the checkpoint's."""
    for kind, saved, asked in (("model", state["model_config"], model_cfg), ("training", state["train_config"], train_cfg)):
        for key in asked:
            if key in saved and _norm(saved[key]) != _norm(asked[key]):
                option = "--" + key.replace("_", "-")
                raise CheckpointError(f"{path}: the checkpoint's {kind} setting {key} is {saved[key]!r}, not "
                                      f"{asked[key]!r} ({option} or --preset); resume with the run's own settings "
                                      f"or start afresh without --resume")


def _norm(v):
    return list(v) if isinstance(v, tuple) else v

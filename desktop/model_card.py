"""The model card (metadata.json) of an exported model folder, checked before anything runs."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SUPPORTED_FORMAT = 1
MODEL_FILES = ("encoder.onnx", "decoder.onnx", "latents.npz")


class ModelError(Exception):
    """A model folder cannot be used; str() is one line naming the file and the problem."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass
class ModelCard:
    folder: Path
    data: dict  # the whole metadata.json

    @property
    def name(self) -> str:
        return self.data.get("name") or self.folder.name

    @property
    def latent_dim(self) -> int:
        return int(self.data["latent_dim"])

    @property
    def image_size(self) -> tuple[int, int]:
        """(height, width) in pixels."""
        return int(self.data["image"]["height"]), int(self.data["image"]["width"])

    @property
    def pixels(self) -> int:
        h, w = self.image_size
        return h * w

    @property
    def class_names(self) -> list[str]:
        return list(self.data["dataset"]["class_names"])

    @property
    def neg_elbo_samples(self) -> int:
        return int(self.data["test_metrics"].get("neg_elbo_samples", 10))

    def path(self, name: str) -> Path:
        return self.folder / name

    @classmethod
    def load(cls, folder: str | Path) -> "ModelCard":
        """Read metadata.json, check its fields and every listed file's sha256."""
        folder = Path(folder)
        meta = folder / "metadata.json"
        if not folder.is_dir():
            raise ModelError(f"{folder}: model folder not found")
        if not meta.is_file():
            raise ModelError(f"{meta}: model card missing")
        try:
            data = json.loads(meta.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ModelError(f"{meta}: not a readable JSON model card ({e})") from None
        card = cls(folder, data)
        card._check_fields(meta)
        card.verify_files()
        return card

    def _check_fields(self, meta: Path) -> None:
        d = self.data
        try:
            if d.get("format_version") != SUPPORTED_FORMAT:
                raise ModelError(f"{meta}: format_version {d.get('format_version')!r} is not supported (expected {SUPPORTED_FORMAT})")
            if not (isinstance(d["latent_dim"], int) and d["latent_dim"] >= 1):
                raise ModelError(f"{meta}: latent_dim must be a positive integer")
            h, w = self.image_size
            if h < 1 or w < 1:
                raise ModelError(f"{meta}: image size {h}x{w} is not valid")
            self.class_names  # noqa: B018 - must be present
            for name in MODEL_FILES:
                digest = d["files"][name]["sha256"]
                if not (isinstance(digest, str) and len(digest) == 64):
                    raise ModelError(f"{meta}: sha256 of {name} is malformed")
        except (KeyError, TypeError, ValueError) as e:
            raise ModelError(f"{meta}: model card lacks a required field ({e})") from None

    def verify_files(self) -> None:
        for name in MODEL_FILES:
            p = self.path(name)
            if not p.is_file():
                raise ModelError(f"{p}: file missing from the model folder")
            if _sha256(p) != self.data["files"][name]["sha256"]:
                raise ModelError(f"{p}: sha256 does not match the model card (damaged or replaced file)")


@dataclass
class Latents:
    """The test set as the encoder sees it, for the latent map and the typicality percentile."""

    z_mean: np.ndarray  # (M, L) float32
    z_log_var: np.ndarray  # (M, L) float32
    labels: np.ndarray  # (M,) uint8
    neg_elbo: np.ndarray  # (M,) float32, each test image's negative ELBO
    _sorted: np.ndarray | None = None  # neg_elbo sorted, for percentiles

    @classmethod
    def load(cls, card: ModelCard) -> "Latents":
        p = card.path("latents.npz")
        try:
            with np.load(p) as f:
                z_mean, z_log_var = f["z_mean"].astype(np.float32), f["z_log_var"].astype(np.float32)
                labels, neg_elbo = f["labels"].astype(np.uint8), f["neg_elbo"].astype(np.float32)
        except (OSError, KeyError, ValueError) as e:
            raise ModelError(f"{p}: not a readable latents file ({e})") from None
        m, L = len(labels), card.latent_dim
        if z_mean.shape != (m, L) or z_log_var.shape != (m, L) or neg_elbo.shape != (m,):
            raise ModelError(f"{p}: arrays do not match {m} images of latent size {L}")
        return cls(z_mean, z_log_var, labels, neg_elbo, np.sort(neg_elbo))

    def percentile(self, neg_elbo: float) -> float:
        """Share of test images (in %) whose negative ELBO is lower (more typical) than this."""
        return 100.0 * np.searchsorted(self._sorted, neg_elbo) / len(self._sorted)

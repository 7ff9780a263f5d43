"""The model card (metadata.json) of an exported model folder, checked before anything runs."""
from __future__ import annotations

import hashlib
import json
import math
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


class _NotStrictJSON(ValueError):
    """NaN, Infinity or -Infinity in the card: Python's json accepts them, JSON does not."""


def _refuse_constant(name: str):
    raise _NotStrictJSON(name)


def _json_kind(v) -> str:
    kinds = {list: "an array", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return "null" if v is None else kinds.get(type(v), type(v).__name__)


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


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
    def subject(self) -> tuple[str, str]:
        """What one picture shows, singular and plural ("digit", "digits"); cards written before the
        field existed are MNIST's (or Fashion-MNIST's, by the data set's name)."""
        s = self.data["dataset"].get("subject")
        if s is None:
            return ("item of clothing", "items of clothing") if self.dataset == "fashion-mnist" else ("digit", "digits")
        return str(s[0]), str(s[1])

    @property
    def dataset(self) -> str:
        return str(self.data["dataset"].get("name", ""))

    @property
    def recipe(self) -> str:
        """How a picture becomes an input (desktop/imaging.py); older cards mean MNIST's."""
        return self.data.get("input", {}).get("recipe", "mnist")

    @property
    def test_images(self) -> int:
        return int(self.data["dataset"].get("test_images", 0))

    @property
    def neg_elbo_samples(self) -> int:
        """How many eps draws the card's test negative ELBO averaged over (checked at load)."""
        return self.data["test_metrics"]["neg_elbo_samples"]

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
            data = json.loads(meta.read_text(), parse_constant=_refuse_constant)
        except _NotStrictJSON as e:
            raise ModelError(f"{meta}: not strict JSON ({e} is not a JSON number)") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ModelError(f"{meta}: not a readable JSON model card ({e})") from None
        if not isinstance(data, dict):
            raise ModelError(f"{meta}: not a JSON object (found {_json_kind(data)})")
        card = cls(folder, data)
        card._check_fields(meta)
        card.verify_files()
        return card

    def _check_fields(self, meta: Path) -> None:
        d = self.data
        try:
            if d.get("format_version") != SUPPORTED_FORMAT:
                raise ModelError(f"{meta}: format_version {d.get('format_version')!r} is not supported (expected {SUPPORTED_FORMAT})")
            if not (_is_int(d["latent_dim"]) and d["latent_dim"] >= 1):
                raise ModelError(f"{meta}: latent_dim must be a positive integer")
            h, w = self.image_size
            if h < 1 or w < 1:
                raise ModelError(f"{meta}: image size {h}x{w} is not valid")
            self.class_names  # noqa: B018 - must be present
            from desktop.imaging import RECIPES

            if self.recipe not in RECIPES:
                raise ModelError(f"{meta}: input.recipe {self.recipe!r} is not one this app knows ({', '.join(RECIPES)})")
            subject = d["dataset"].get("subject")
            if subject is not None and not (isinstance(subject, list) and len(subject) == 2
                                            and all(isinstance(w, str) and w for w in subject)):
                raise ModelError(f"{meta}: dataset.subject must be two words, singular and plural")
            for name in MODEL_FILES:
                digest = d["files"][name]["sha256"]
                if not (isinstance(digest, str) and len(digest) == 64):
                    raise ModelError(f"{meta}: sha256 of {name} is malformed")
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise ModelError(f"{meta}: model card lacks a required field ({e})") from None
        self._check_test_metrics(meta)

    def _check_test_metrics(self, meta: Path) -> None:
        """The typicality readout needs the test negative ELBO and its number of eps draws."""
        m = self.data.get("test_metrics")
        if not isinstance(m, dict):
            raise ModelError(f"{meta}: test_metrics is missing or not an object (needs neg_elbo and neg_elbo_samples)")
        nll = m.get("neg_elbo")
        if not (isinstance(nll, (int, float)) and not isinstance(nll, bool) and math.isfinite(nll) and nll > 0):
            raise ModelError(f"{meta}: test_metrics.neg_elbo must be a finite positive number (found {nll!r})")
        samples = m.get("neg_elbo_samples")
        if not (_is_int(samples) and samples >= 1):
            raise ModelError(f"{meta}: test_metrics.neg_elbo_samples must be an integer >= 1 (found {samples!r})")

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
        try:  # values beyond float32 become inf here and are refused below, without numpy's warning
            with np.load(p) as f, np.errstate(over="ignore", invalid="ignore"):
                z_mean, z_log_var = f["z_mean"].astype(np.float32), f["z_log_var"].astype(np.float32)
                labels, neg_elbo = f["labels"].astype(np.uint8), f["neg_elbo"].astype(np.float32)
        except (OSError, KeyError, ValueError) as e:
            raise ModelError(f"{p}: not a readable latents file ({e})") from None
        m, L = len(labels), card.latent_dim
        if z_mean.shape != (m, L) or z_log_var.shape != (m, L) or neg_elbo.shape != (m,):
            raise ModelError(f"{p}: arrays do not match {m} images of latent size {L}")
        if m == 0:
            raise ModelError(f"{p}: holds no test images (the map and the typicality percentile need them)")
        for name, a in (("z_mean", z_mean), ("z_log_var", z_log_var), ("neg_elbo", neg_elbo)):
            if not np.isfinite(a).all():
                raise ModelError(f"{p}: {name} holds NaN or infinite values")
        return cls(z_mean, z_log_var, labels, neg_elbo, np.sort(neg_elbo))

    def percentile(self, neg_elbo: float) -> float:
        """Share of test images (in %) whose negative ELBO is lower (more typical) than this."""
        return 100.0 * np.searchsorted(self._sorted, neg_elbo) / len(self._sorted)


@dataclass
class History:
    """The training replay (history_latents.npz): where a fixed subset of test images sat in latent
    space before training (epoch 0) and after each epoch."""

    epochs: list[int]  # (E,)
    index: np.ndarray  # (M,) test-set indices
    labels: np.ndarray  # (M,)
    z_mean: np.ndarray  # (E, M, L) float32
    losses: dict[int, dict]  # epoch -> that epoch's entry of the card's history

    @classmethod
    def load(cls, card: ModelCard) -> "History | None":
        """None when the model has no recording (older folders); ModelError when it is damaged."""
        p = card.path("history_latents.npz")
        listed = card.data.get("files", {}).get(p.name)
        if listed is None or not p.is_file():
            return None
        if _sha256(p) != listed.get("sha256"):
            raise ModelError(f"{p}: sha256 does not match the model card (damaged or replaced file)")
        try:
            with np.load(p) as f:
                epochs, index = f["epoch"].astype(int), f["index"].astype(np.int64)
                labels, z = f["labels"].astype(np.int64), f["z_mean"].astype(np.float32)
        except (OSError, KeyError, ValueError) as e:
            raise ModelError(f"{p}: not a readable replay file ({e})") from None
        if z.shape != (len(epochs), len(index), card.latent_dim) or labels.shape != index.shape or not len(epochs):
            raise ModelError(f"{p}: arrays do not match {len(epochs)} epochs of {len(index)} images")
        if not np.isfinite(z).all():
            raise ModelError(f"{p}: z_mean holds NaN or infinite values")
        losses = {int(h["epoch"]): h for h in card.data.get("history", []) if isinstance(h, dict) and "epoch" in h}
        return cls(epochs.tolist(), index, labels, z, losses)

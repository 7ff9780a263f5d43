"""The one class that owns ONNX Runtime: loads a checked model folder, encodes and decodes.

Callers pass numpy arrays and never touch ONNX Runtime. Shapes come from the model card.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np

from desktop.model_card import History, Latents, ModelCard, ModelError
from desktop.providers import CUDA, choose_providers

log = logging.getLogger(__name__)


def _first_line(e: Exception) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


# Interactive use: a stroke or a hovered point is one image, 60 times a second; a grid is up to
# 3,600. ONNX Runtime's worker threads spin between calls by default, so 60 single decodes a
# second held a whole core: spinning is off here, single images run on one thread (no worker to
# wake) and batches on BATCH_THREADS. BATCH_FROM and the counts were measured (make bench).
BATCH_THREADS = 2
BATCH_FROM = 64  # decode batches of at least this many rows on the multi-threaded session


def session_options(threads: int, spin: bool = False):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3  # a failed CUDA attach is reported by provider_note, not in red
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    for key in ("session.intra_op.allow_spinning", "session.inter_op.allow_spinning"):
        opts.add_session_config_entry(key, "1" if spin else "0")
    return opts


class ModelRuntime:
    """Encoder and decoder sessions of one model folder.

    `provider` is what ONNX Runtime really runs (from `session.get_providers()`), `provider_note`
    says why in one line, `last_ms` is the duration of the last inference call."""

    def __init__(self, folder: str | Path, device: str = "auto"):
        self.card = ModelCard.load(folder)
        providers, note = choose_providers(device)
        self._encoder = self._session("encoder.onnx", providers, 1)
        self._decoder = self._session("decoder.onnx", providers, 1)
        self._batch_decoder = self._session("decoder.onnx", providers, BATCH_THREADS)
        self.provider = self._encoder.get_providers()[0]
        if providers[0] == CUDA and self.provider != CUDA:
            note = "CPU because the CUDA provider did not attach at session creation"
        self.provider_note = note
        self._check_signatures()
        self.latents = Latents.load(self.card)
        self.history = History.load(self.card)  # the training replay; None for older folders
        self._rng_seed = 0
        self.last_ms = 0.0
        self._probe()  # also the warm-up: the first run allocates

    def _probe(self) -> None:
        """Refuse a model that gives NaN/inf on ordinary inputs; also the warm-up (the first run
        allocates). One batched decode of z = 0 and ±2 on each axis, then one batched encode of a
        blank, a full and the decoded images. The batch session decodes the same points, repeated."""
        L, D = self.latent_dim, self.pixels
        z = np.concatenate([np.zeros((1, L)), 2 * np.eye(L), -2 * np.eye(L)]).astype(np.float32)  # (1+2L, L)
        (images,) = self._probe_run("decoder.onnx", self.decode, z, D, "z = 0 and ±2 on each axis")
        self._probe_run("decoder.onnx", self.decode, np.resize(z, (max(BATCH_FROM, len(z)), L)), D,
                        "z = 0 and ±2 on each axis, batched")
        x = np.concatenate([np.zeros((1, D)), np.ones((1, D)), np.clip(images, 0, 1)]).astype(np.float32)  # (3+2L, D)
        self._probe_run("encoder.onnx", self.encode, x, L, "blank, full and decoded images")

    def _probe_run(self, name: str, run, x: np.ndarray, width: int, what: str) -> tuple[np.ndarray, ...]:
        path = self.card.path(name)
        try:
            out = run(x)
        except Exception as e:  # ORT raises its own types when a graph fails at run time
            raise ModelError(f"{path}: ONNX Runtime fails on a probe ({_first_line(e)})") from None
        outs = out if isinstance(out, tuple) else (out,)
        for a in outs:
            if a.shape != (len(x), width):
                raise ModelError(f"{path}: output has shape {list(a.shape)} on a probe, expected {[len(x), width]}")
            if not np.isfinite(a).all():
                raise ModelError(f"{path}: output on a probe is not finite ({what})")
        return outs

    def _session(self, name: str, providers: list[str], threads: int):
        import onnxruntime as ort

        path = self.card.path(name)
        try:
            return ort.InferenceSession(str(path), session_options(threads), providers=providers)
        except Exception as e:  # ORT raises its own Fail/InvalidGraph/... types
            raise ModelError(f"{path}: ONNX Runtime cannot load it ({_first_line(e)})") from None

    def _check_signatures(self) -> None:
        L, D = self.latent_dim, self.pixels
        expect = {
            "encoder.onnx": (self._encoder, {"image": D}, {"z_mean": L, "z_log_var": L}),
            "decoder.onnx": (self._decoder, {"z": L}, {"image": D}),
        }
        for name, (sess, inputs, outputs) in expect.items():
            for kind, want, got in (("input", inputs, sess.get_inputs()), ("output", outputs, sess.get_outputs())):
                have = {a.name: a.shape for a in got}
                if set(have) != set(want):
                    raise ModelError(f"{self.card.path(name)}: {kind}s {sorted(have)} differ from the card's {sorted(want)}")
                for arg, width in want.items():
                    shape = have[arg]
                    if len(shape) != 2 or shape[1] != width:
                        raise ModelError(f"{self.card.path(name)}: {kind} {arg} has shape {shape}, "
                                         f"the card says [N, {width}]")

    @property
    def latent_dim(self) -> int:
        return self.card.latent_dim

    @property
    def pixels(self) -> int:
        return self.card.pixels

    @property
    def name(self) -> str:
        return self.card.name

    def encode(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """images (N, D) in [0, 1] -> z_mean, z_log_var, each (N, L)."""
        t = time.perf_counter()
        z_mean, z_log_var = self._encoder.run(None, {"image": np.asarray(images, np.float32).reshape(-1, self.pixels)})
        self.last_ms = 1000 * (time.perf_counter() - t)
        return z_mean, z_log_var

    def decode(self, z: np.ndarray) -> np.ndarray:
        """z (N, L) -> images (N, D) in [0, 1], all in one batched run."""
        t = time.perf_counter()
        z = np.asarray(z, np.float32).reshape(-1, self.latent_dim)
        (images,) = (self._batch_decoder if len(z) >= BATCH_FROM else self._decoder).run(None, {"z": z})
        self.last_ms = 1000 * (time.perf_counter() - t)
        return images

    def neg_elbo(self, image: np.ndarray, z_mean: np.ndarray, z_log_var: np.ndarray) -> float:
        """Negative ELBO of one image (D,) in nats: reconstruction over fixed eps draws (the same
        number as the card's test metric, one batched decode) plus the exact KL."""
        s = self.card.neg_elbo_samples
        eps = np.random.default_rng(self._rng_seed).standard_normal((s, self.latent_dim)).astype(np.float32)
        z = z_mean.reshape(1, -1) + np.exp(0.5 * z_log_var.reshape(1, -1)) * eps  # (S, L)
        p = np.clip(self.decode(z), 1e-7, 1 - 1e-7)  # (S, D)
        x = image.reshape(1, -1)
        recon = -(x * np.log(p) + (1 - x) * np.log1p(-p)).sum(axis=1).mean()
        kl = -0.5 * float(np.sum(1 + z_log_var - z_mean ** 2 - np.exp(z_log_var)))
        return float(recon + kl)

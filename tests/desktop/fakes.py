"""A small stand-in for ModelRuntime, napari style: shapes, words and a replay recording of our
choosing, and a log of every encode and decode call."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np

from desktop.model_card import History, Latents


class FakeRuntime:
    """decode paints each tile with the mean of its z (clipped to [0, 1]) and records z; encode
    returns a fixed z. `latent_dim`, `subject` and `class_names` are the caller's."""

    latent_dim = 3
    subject = ("digit", "digits")
    class_names = [str(i) for i in range(10)]
    history_epochs = 0  # > 0: a replay recording of that many epochs (plus epoch 0)

    def __init__(self, folder, device="cpu"):
        rng = np.random.default_rng(0)
        L, self.pixels = self.latent_dim, 784
        self.name = f"fake-{L}d"
        self.provider, self.provider_note, self.last_ms = "CPUExecutionProvider", "CPU as requested", 0.0
        k = len(self.class_names)
        self.card = SimpleNamespace(
            name=self.name, latent_dim=L, image_size=(28, 28), folder=Path(folder), class_names=self.class_names,
            subject=self.subject, recipe="mnist", dataset="fake", test_images=500,
            data={"test_metrics": {"neg_elbo": 150.0, "neg_elbo_samples": 1}, "model": {},
                  "dataset": {"train_images": 1000}, "parameters": {"total": 1}})
        z = rng.normal(size=(500, L)).astype(np.float32)
        nll = rng.normal(150, 10, 500).astype(np.float32)
        self.latents = Latents(z, z * 0 - 1, (np.arange(500) % k).astype(np.uint8), nll, np.sort(nll))
        self.history = None
        if self.history_epochs:
            e = self.history_epochs
            index = np.arange(0, 500, 5)
            frames = np.stack([z[index] * (i / e) for i in range(e + 1)])  # the map unfolds from 0
            self.history = History(list(range(e + 1)), index, self.latents.labels[index], frames,
                                   {i: {"epoch": i, "train_loss": 200.0 - i, "val_loss": 201.0 - i} for i in range(1, e + 1)})
        self.decoded: list[np.ndarray] = []
        self.encoded = 0

    def encode(self, images):
        self.encoded += 1
        n = len(images)
        z = np.tile(np.linspace(0.1, 0.3, self.latent_dim), (n, 1)).astype(np.float32)
        return z, np.full((n, self.latent_dim), -1, np.float32)

    def decode(self, z):
        z = np.asarray(z, np.float32).reshape(-1, self.latent_dim)
        self.decoded.append(z.copy())
        return np.repeat(np.clip(z.mean(axis=1, keepdims=True), 0, 1), 784, axis=1).astype(np.float32)

    def neg_elbo(self, image, z_mean, z_log_var):
        self.decode(np.tile(z_mean, (1, 1)))
        return 150.0


def fake(**attrs):
    """A FakeRuntime subclass with other class attributes (latent_dim, subject, ...)."""
    return type("Fake", (FakeRuntime,), attrs)

"""The reference tutorial's figures: loss curves, the test set in latent space, the manifold."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never opens a window
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy.stats import norm  # noqa: E402


def ppf_axis(n: int) -> np.ndarray:
    """norm.ppf(linspace(0.05, 0.95, n)): the reference's latent grid coordinates."""
    return norm.ppf(np.linspace(0.05, 0.95, n))


def loss_curves(history: list[dict], path: Path) -> None:
    epochs = [h["epoch"] for h in history]
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    ax.plot(epochs, [h["train_loss"] for h in history], label="training")
    ax.plot(epochs, [h["val_loss"] for h in history], label="validation (test set)")
    ax.set(xlabel="epoch", ylabel="loss per image (nats): reconstruction + KL", title="VAE loss")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def latent_scatter(z_mean: np.ndarray, labels: np.ndarray, class_names, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(7, 6), dpi=100)
    k = len(class_names)
    sc = ax.scatter(z_mean[:, 0], z_mean[:, 1], c=labels, cmap="tab10" if k <= 10 else "tab20", s=2,
                    vmin=-0.5, vmax=k - 0.5)
    cbar = fig.colorbar(sc, ax=ax, ticks=range(k))
    cbar.ax.set_yticklabels(class_names)
    ax.set(xlabel="z[0]", ylabel="z[1]", title="test set: z_mean by class")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def manifold(decode, latent_dim: int, image_size: int, n: int, path: Path) -> None:
    """n x n decoded digits at the reference's ppf coordinates; y grows upwards, other dims 0."""
    axis = ppf_axis(n)
    gx, gy = np.meshgrid(axis, axis[::-1])  # row 0 is the top: the largest y
    z = np.zeros((n * n, latent_dim), np.float32)
    z[:, 0], z[:, 1] = gx.ravel(), gy.ravel()
    tiles = decode(z).reshape(n, n, image_size, image_size)  # one batched call
    img = tiles.transpose(0, 2, 1, 3).reshape(n * image_size, n * image_size)
    fig, ax = plt.subplots(figsize=(8, 8), dpi=100)
    extent = [axis[0], axis[-1], axis[0], axis[-1]]
    ax.imshow(img, cmap="Greys_r", extent=extent)
    ax.set(xlabel="z[0]", ylabel="z[1]", title=f"{n}x{n} manifold at norm.ppf(linspace(0.05, 0.95, {n}))")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)

"""The VAE of Kingma & Welling (2014), "Auto-Encoding Variational Bayes", and its presets.

The `seed` preset reproduces the Keras tutorial: dense 784-256 encoder with 2-D mean and
log-variance heads, dense 2-256-784 decoder. Every size is derived from `VAEConfig`, so a
checkpoint rebuilds its model from the config it carries.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class VAEConfig:
    image_size: int = 28  # side of the square input image, in pixels
    hidden: tuple[int, ...] = (256,)  # encoder hidden widths; the decoder mirrors them
    latent_dim: int = 2  # size of z; 2 so the app can plot the latent plane directly
    activation: str = "relu"  # "relu" (reference) or "gelu"
    dropout: float = 0.0  # dropout after each hidden layer while training (0 in the reference)
    logvar_limit: float = 0.0  # > 0: z_log_var = limit * tanh(raw / limit), so exp() cannot overflow

    @property
    def input_dim(self) -> int:
        return self.image_size * self.image_size

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "VAEConfig":
        d = dict(d)
        d["hidden"] = tuple(d["hidden"])
        d.setdefault("logvar_limit", 0.0)  # cards written before the field existed
        return cls(**d)


@dataclass
class TrainConfig:
    """Training settings of a preset; each can be overridden on the command line."""

    epochs: int = 50
    batch_size: int = 100
    optimizer: str = "rmsprop"  # "rmsprop" (Keras defaults) or "adam" / "adamw"
    lr: float = 1e-3
    weight_decay: float = 0.0
    schedule: str = "constant"  # "constant" or "cosine" (decays to 2% of lr)
    warmup_kl_epochs: int = 0  # linearly anneal the KL weight from 0 to 1 over these epochs
    warmup_lr_epochs: float = 0.0  # linearly raise the learning rate from 0 over these epochs
    grad_clip: float = 0.0  # > 0: clip the gradients' global L2 norm to this value


@dataclass
class Preset:
    model: VAEConfig
    train: TrainConfig
    description: str = ""
    tags: list[str] = field(default_factory=list)


PRESETS: dict[str, Preset] = {
    "seed": Preset(
        VAEConfig(hidden=(256,)),
        TrainConfig(),
        "The Keras tutorial's VAE: dense 784-256-2 encoder, 2-256-784 decoder, RMSprop.",
    ),
    "strong": Preset(
        # Guarded against divergence (Fashion-MNIST drove z_log_var to +123 and exp() to infinity):
        # log-variance bounded to +-16, gradient norm clipped at 1000 (typical norms 50-450), and the
        # learning rate raised over the first epoch.
        VAEConfig(hidden=(384, 384, 384, 384), activation="gelu", dropout=0.2, logvar_limit=16.0),
        TrainConfig(epochs=60, optimizer="adamw", lr=1e-3, weight_decay=1e-4, schedule="cosine",
                    grad_clip=1000.0, warmup_lr_epochs=1.0),
        "Four 384-wide GELU layers each side with dropout 0.2, AdamW with warm-up and cosine decay, a bounded "
        "log-variance and clipped gradients, still a 2-D latent.",
    ),
}


def _mlp(sizes: list[int], act: type[nn.Module], dropout: float) -> nn.Sequential:
    """Dense layers sizes[0]->...->sizes[-1] with `act` after each (the heads add their own)."""
    layers: list[nn.Module] = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), act()] + ([nn.Dropout(dropout)] if dropout else [])
    return nn.Sequential(*layers)


class VAE(nn.Module):
    """Gaussian encoder q(z|x), Bernoulli decoder p(x|z), standard normal prior p(z)."""

    def __init__(self, config: VAEConfig):
        super().__init__()
        self.config = config
        act = {"relu": nn.ReLU, "gelu": nn.GELU}[config.activation]
        d, h, latent = config.input_dim, list(config.hidden), config.latent_dim
        # creation order fixes the random initialisation, and with it the shipped models
        self.encoder = _mlp([d, *h], act, config.dropout)
        self.decoder = nn.Sequential(_mlp([latent, *reversed(h)], act, config.dropout), nn.Linear(h[0], d))
        self.z_mean = nn.Linear(h[-1], latent)
        self.z_log_var = nn.Linear(h[-1], latent)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x (B, D) in [0, 1] -> z_mean, z_log_var, each (B, L)."""
        h = self.encoder(x)
        z_log_var = self.z_log_var(h)
        limit = self.config.logvar_limit
        if limit:  # a smooth bound: sigma stays within exp(+-limit/2) and its gradient never vanishes abruptly
            z_log_var = limit * torch.tanh(z_log_var / limit)
        return self.z_mean(h), z_log_var

    @staticmethod
    def reparameterize(
        z_mean: torch.Tensor, z_log_var: torch.Tensor, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """z = mean + exp(log_var / 2) * eps, eps ~ N(0, I): sampling stays differentiable."""
        eps = torch.randn(z_mean.shape, generator=generator, device=z_mean.device, dtype=z_mean.dtype)
        return z_mean + torch.exp(0.5 * z_log_var) * eps

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """z (B, L) -> Bernoulli logits (B, D); apply sigmoid for pixel intensities."""
        return self.decoder(z)

    def forward(self, x, generator=None):
        z_mean, z_log_var = self.encode(x)
        z = self.reparameterize(z_mean, z_log_var, generator)
        return self.decode(z), z_mean, z_log_var

    def encoder_parameters(self) -> int:
        mods = (self.encoder, self.z_mean, self.z_log_var)
        return sum(p.numel() for m in mods for p in m.parameters())

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())


def kl_divergence(z_mean: torch.Tensor, z_log_var: torch.Tensor) -> torch.Tensor:
    """KL(q(z|x) || N(0, I)) per image (B,), closed form from Kingma & Welling (2014), App. B:
    -1/2 * sum(1 + log_var - mean^2 - exp(log_var))."""
    return -0.5 * torch.sum(1 + z_log_var - z_mean.pow(2) - z_log_var.exp(), dim=1)


def reconstruction_loss(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Summed binary cross-entropy per image (B,): the reference's 784 x mean BCE, computed from
    logits so that saturated sigmoids cannot produce log(0)."""
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=1)


def vae_loss(logits, x, z_mean, z_log_var, kl_weight: float = 1.0):
    """Batch-mean loss and its parts (recon, kl), each a scalar tensor."""
    recon = reconstruction_loss(logits, x).mean()
    kl = kl_divergence(z_mean, z_log_var).mean()
    return recon + kl_weight * kl, recon, kl

"""Test-set bounds on -log p(x): the negative ELBO and the importance-weighted bound of
Burda et al. (2016), both in nats per image."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from trainer.model import VAE, kl_divergence, reconstruction_loss


@torch.no_grad()
def neg_elbo_per_image(model: VAE, x: torch.Tensor, samples: int, generator: torch.Generator,
                       batch_size: int = 1000) -> torch.Tensor:
    """Negative ELBO (B,) of each image, the reconstruction term averaged over `samples` draws of
    eps; the KL term is exact."""
    out = []
    for i in range(0, len(x), batch_size):
        xb = x[i:i + batch_size]
        z_mean, z_log_var = model.encode(xb)
        recon = torch.zeros(len(xb), device=x.device)
        for _ in range(samples):
            z = model.reparameterize(z_mean, z_log_var, generator)
            recon += reconstruction_loss(model.decode(z), xb)
        out.append(recon / samples + kl_divergence(z_mean, z_log_var))
    return torch.cat(out)


@torch.no_grad()
def iw_bound_per_image(model: VAE, x: torch.Tensor, k: int, generator: torch.Generator,
                       batch_size: int = 200) -> torch.Tensor:
    """-log (1/k) sum_i p(x, z_i) / q(z_i | x), z_i ~ q(z | x): tighter than the ELBO as k grows."""
    out = []
    log_2pi = math.log(2 * math.pi)
    for i in range(0, len(x), batch_size):
        xb = x[i:i + batch_size]  # (B, D)
        z_mean, z_log_var = model.encode(xb)  # (B, L)
        eps = torch.randn((k, *z_mean.shape), generator=generator, device=x.device)  # (k, B, L)
        z = z_mean + torch.exp(0.5 * z_log_var) * eps
        logits = model.decode(z.reshape(-1, z.shape[-1])).reshape(k, len(xb), -1)  # (k, B, D)
        log_px_z = -F.binary_cross_entropy_with_logits(logits, xb.expand_as(logits), reduction="none").sum(-1)
        log_pz = -0.5 * (z.pow(2) + log_2pi).sum(-1)
        log_qz = -0.5 * (eps.pow(2) + z_log_var + log_2pi).sum(-1)
        log_w = log_px_z + log_pz - log_qz  # (k, B)
        out.append(-(torch.logsumexp(log_w, 0) - math.log(k)))
    return torch.cat(out)


@torch.no_grad()
def knn_accuracy(train_z: torch.Tensor, train_y: torch.Tensor, test_z: torch.Tensor, test_y: torch.Tensor,
                 k: int = 5, batch_size: int = 1000) -> float:
    """Share of test images whose class is the majority among the k training images nearest in
    latent space (z_mean, Euclidean; ties go to the lower class index): how well the map
    separates the classes."""
    classes = int(max(train_y.max(), test_y.max())) + 1
    right = 0
    for i in range(0, len(test_z), batch_size):
        d = torch.cdist(test_z[i:i + batch_size], train_z)  # (B, N)
        nearest = train_y[d.topk(k, largest=False).indices]  # (B, k)
        votes = torch.zeros(len(nearest), classes, device=nearest.device).scatter_add_(
            1, nearest, torch.ones_like(nearest, dtype=torch.float32))
        right += int((votes.argmax(1) == test_y[i:i + batch_size]).sum())
    return right / len(test_z)


def test_metrics(model: VAE, x: torch.Tensor, seed: int, elbo_samples: int = 10, iw_k: int = 64,
                 labels: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None) -> dict:
    """Mean bounds over the test images, in nats, and (given `labels` = (train x, train labels,
    test labels)) the latent 5-NN accuracy; `neg_elbo_per_image` is returned for the app's
    typicality percentile."""
    model.eval()
    g = torch.Generator(device=x.device).manual_seed(seed)
    per_image = neg_elbo_per_image(model, x, elbo_samples, g)
    iw = iw_bound_per_image(model, x, iw_k, g)
    metrics = {
        "neg_elbo": float(per_image.mean()),
        "neg_elbo_samples": elbo_samples,
        "iw_bound": float(iw.mean()),
        "iw_k": iw_k,
        "images": len(x),
    }
    if labels is not None:
        train_x, train_y, test_y = labels
        train_z = torch.cat([model.encode(train_x[i:i + 1000])[0] for i in range(0, len(train_x), 1000)])
        metrics["knn5_accuracy"] = knn_accuracy(train_z, train_y, model.encode(x)[0], test_y)
    metrics["neg_elbo_per_image"] = per_image.cpu().numpy()
    return metrics

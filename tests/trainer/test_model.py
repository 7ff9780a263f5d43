import math

import numpy as np
import pytest
import torch

from trainer.model import PRESETS, VAE, VAEConfig, kl_divergence, reconstruction_loss, vae_loss
from trainer.train import build_optimizer


def test_seed_parameter_counts_match_the_reference():
    m = VAE(PRESETS["seed"].model)
    assert m.encoder_parameters() == 201_988
    assert m.num_parameters() == 404_244


@pytest.mark.parametrize("preset", sorted(PRESETS))
@pytest.mark.parametrize("latent", [2, 5])
def test_shapes(preset, latent):
    cfg = VAEConfig(**{**PRESETS[preset].model.to_dict(), "latent_dim": latent})
    m = VAE(cfg)
    logits, mu, lv = m(torch.rand(3, 784))
    assert logits.shape == (3, 784) and mu.shape == (3, latent) and lv.shape == (3, latent)


def test_loss_matches_a_hand_computed_example():
    x = torch.tensor([[0.0, 1.0, 0.5]])
    logits = torch.tensor([[0.0, 2.0, -1.0]])
    mu, lv = torch.tensor([[1.0, -2.0]]), torch.tensor([[0.0, math.log(4.0)]])
    p = 1 / (1 + np.exp(-np.array([0.0, 2.0, -1.0])))
    xs = np.array([0.0, 1.0, 0.5])
    bce = -(xs * np.log(p) + (1 - xs) * np.log(1 - p)).sum()
    kl = -0.5 * ((1 + 0 - 1 - 1) + (1 + math.log(4) - 4 - 4))
    assert reconstruction_loss(logits, x).item() == pytest.approx(bce, rel=1e-6)
    assert kl_divergence(mu, lv).item() == pytest.approx(kl, rel=1e-6)
    total, recon, k = vae_loss(logits, x, mu, lv)
    assert total.item() == pytest.approx(bce + kl, rel=1e-6)


def test_rmsprop_uses_keras_defaults():
    opt = build_optimizer(VAE(VAEConfig()), PRESETS["seed"].train)
    g = opt.param_groups[0]
    assert isinstance(opt, torch.optim.RMSprop) and (g["lr"], g["alpha"], g["eps"]) == (1e-3, 0.9, 1e-7)


def test_flushing_tiny_optimizer_state_changes_no_update():
    """Plain RMSprop lets state of always-zero gradients decay into denormals; the trainer's
    optimizer zeroes it, and every parameter still comes out bit for bit the same."""
    import copy

    torch.manual_seed(0)
    a = VAE(VAEConfig(hidden=(32,)))
    b = copy.deepcopy(a)
    flushed = build_optimizer(a, PRESETS["seed"].train)
    plain = torch.optim.RMSprop(b.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    x = torch.rand(50, 784)
    x[:, :200] = 0  # pixels that are always black: their first-layer gradients are exactly 0
    for step in range(1000):
        for model, opt in ((a, flushed), (b, plain)):
            logits, mu, lv = model(x, torch.Generator().manual_seed(step))
            opt.zero_grad()
            vae_loss(logits, x, mu, lv)[0].backward()
            opt.step()

    def denormals(opt):
        return sum(int(((s["square_avg"] != 0) & (s["square_avg"].abs() < 1.1754944e-38)).sum()) for s in opt.state.values())

    assert denormals(plain) > 1000 and denormals(flushed) < denormals(plain) / 100
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))

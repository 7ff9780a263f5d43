import math

import numpy as np
import pytest
import torch

from trainer.model import PRESETS, VAE, VAEConfig, kl_divergence, reconstruction_loss, vae_loss
from trainer.steps import build_optimizer


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


def test_logvar_bound_keeps_exp_finite():
    cfg = VAEConfig(hidden=(8,), logvar_limit=16.0)
    m = VAE(cfg)
    with torch.no_grad():
        m.z_log_var.bias.fill_(1e4)
    _, lv = m.encode(torch.rand(3, 784))
    assert lv.max() <= 16.0 and torch.isfinite(lv.exp()).all()
    assert VAEConfig.from_dict({k: v for k, v in cfg.to_dict().items() if k != "logvar_limit"}).logvar_limit == 0


# -- the hand-written step of the seed preset -----------------------------------------------

def _pair(hidden=(256,)):
    import copy

    from trainer.fast_step import FastReluStep

    torch.manual_seed(0)
    a = VAE(VAEConfig(hidden=hidden))
    b = copy.deepcopy(a)
    return a, b, FastReluStep(b, PRESETS["seed"].train, torch.Generator().manual_seed(1))


@pytest.mark.parametrize("hidden", [(256,), (64, 32)])
def test_fast_step_gradients_and_loss_equal_autograds(hidden):
    a, b, fast = _pair(hidden)
    x = (torch.rand(100, 784, generator=torch.Generator().manual_seed(2)) > 0.7).float()
    logits, mu, lv = a(x, torch.Generator().manual_seed(1))  # the same eps draws
    loss, recon, kl = vae_loss(logits, x, mu, lv, 0.7)
    loss.backward()
    got = fast(x, 0.7)
    expected = torch.stack([recon + kl, recon, kl]).detach()
    assert got.tolist() == pytest.approx(expected.tolist(), rel=1e-5)
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.allclose(fast.grads[q] / fast.scale, p.grad, rtol=1e-4, atol=1e-6)


def test_fast_step_update_is_keras_rmsprop():
    """Two steps of each on the same batch and draws agree: every parameter to 1e-4 (a step moves it
    by ~3e-3; RMSprop divides by tiny averages, which magnifies float rounding where gradients are
    ~0) and the running average to 1%."""
    a, b, fast = _pair()
    opt = torch.optim.RMSprop(a.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    x = torch.rand(100, 784, generator=torch.Generator().manual_seed(3))
    for seed in range(2):
        logits, mu, lv = a(x, torch.Generator().manual_seed(10 + seed))
        opt.zero_grad()
        vae_loss(logits, x, mu, lv)[0].backward()
        opt.step()
        fast.generator.manual_seed(10 + seed)
        fast(x)
    for p, q in zip(a.parameters(), b.parameters()):
        v = opt.state[p]["square_avg"]
        assert torch.allclose(fast.square_avg[_slice(fast, q)].view_as(q), v, rtol=1e-2, atol=1e-12)
        assert torch.allclose(q, p, rtol=0, atol=1e-4)


def _slice(fast, param):
    start = param.data_ptr() - fast.flat.data_ptr()
    return slice(start // 4, start // 4 + param.numel())


def test_the_seed_preset_trains_with_the_fast_step_and_others_with_autograd():
    from trainer.fast_step import FastReluStep
    from trainer.steps import AutogradStep, make_step

    g = torch.Generator()
    assert isinstance(make_step(VAE(PRESETS["seed"].model), PRESETS["seed"].train, g, 10), FastReluStep)
    assert isinstance(make_step(VAE(PRESETS["strong"].model), PRESETS["strong"].train, g, 10), AutogradStep)
    assert isinstance(make_step(VAE(PRESETS["seed"].model), PRESETS["seed"].train, g, 10, fast=False), AutogradStep)


def test_a_fast_epoch_learns_like_an_autograd_epoch(mnist_dir):
    from trainer.data import load_dataset
    from trainer.steps import make_step
    from trainer.train import train_epoch

    x = torch.tensor(load_dataset("mnist", mnist_dir).train_x[:2000], dtype=torch.float32) / 255
    results = []
    for fast in (True, False):
        torch.manual_seed(0)
        model = VAE(PRESETS["seed"].model)
        g = torch.Generator().manual_seed(0)
        step = make_step(model, PRESETS["seed"].train, g, 20, fast=fast)
        results.append([train_epoch(step, model, x, PRESETS["seed"].train, g, e)["loss"] for e in (1, 2)])
    assert results[0] == pytest.approx(results[1], rel=0.01)

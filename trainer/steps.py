"""One training step, two ways: autograd with a torch optimizer (any preset), or the hand-written
step of fast_step.py (the seed preset); `make_step` picks. Both return the batch's (loss, recon,
kl) and keep their optimizer state in `state_dict()` for the checkpoint."""
from __future__ import annotations

import math

import torch

from trainer.model import VAE, TrainConfig, vae_loss


def build_optimizer(model: torch.nn.Module, cfg: TrainConfig) -> torch.optim.Optimizer:
    if cfg.optimizer == "rmsprop":  # Keras' RMSprop defaults; torch's (alpha .99, eps 1e-8) differ
        opt = torch.optim.RMSprop(model.parameters(), lr=cfg.lr, alpha=0.9, eps=1e-7,
                                  weight_decay=cfg.weight_decay)
    elif cfg.optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    elif cfg.optimizer == "adamw":
        opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    else:
        raise ValueError(f"unknown optimizer {cfg.optimizer!r}")
    flush_tiny_state(opt)
    return opt


def flush_tiny_state(optimizer: torch.optim.Optimizer, every: int = 100, below: float = 1e-30) -> None:
    """Every `every` steps, set optimizer state below `below` to exactly 0.

    Running averages of squared gradients decay by 0.9 a step wherever the gradient is 0 (pixels
    that are always black) and reach denormal floats after ~3 epochs, which the CPU handles
    ~100x slower: epochs slowed from 0.74 s to 1.18 s by epoch 10. Zeroing them changes no update:
    in float32, sqrt(v) + eps == eps for every v < 3.6e-29 (eps = 1e-7; Adam's 1e-8 likewise).
    Flushing every 100 steps keeps values above 1e-30 * 0.9**100, far from the denormal range."""
    steps = 0

    def hook(opt, args, kwargs):
        nonlocal steps
        steps += 1
        if steps % every:
            return
        with torch.no_grad():
            for state in opt.state.values():
                for value in state.values():
                    if torch.is_tensor(value) and value.is_floating_point() and value.dim() > 0:
                        value.masked_fill_(value.abs() < below, 0.0)

    optimizer.register_step_post_hook(hook)


def build_scheduler(optimizer, cfg: TrainConfig, steps_per_epoch: int):
    """A per-step schedule: an optional linear warm-up over the first `warmup_lr_epochs`, times
    the per-epoch factor (1, or a cosine decay to 2% of lr over the run)."""
    warmup = cfg.warmup_lr_epochs * steps_per_epoch

    def factor(step: int) -> float:
        epoch = step // steps_per_epoch
        f = 0.02 + 0.98 * (1 + math.cos(math.pi * epoch / cfg.epochs)) / 2 if cfg.schedule == "cosine" else 1.0
        return f * min(1.0, (step + 1) / warmup) if warmup else f

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


class AutogradStep:
    """One training step by autograd and a torch optimizer: any preset. `step(xb, beta)` returns
    the batch's (loss, recon, kl) as a (3,) tensor; the state dict holds optimizer and schedule."""

    def __init__(self, model: VAE, cfg: TrainConfig, generator: torch.Generator, steps_per_epoch: int):
        self.model, self.cfg, self.generator = model, cfg, generator
        self.optimizer = build_optimizer(model, cfg)
        self.scheduler = build_scheduler(self.optimizer, cfg, steps_per_epoch)

    def __call__(self, xb: torch.Tensor, beta: float = 1.0) -> torch.Tensor:
        logits, z_mean, z_log_var = self.model(xb, self.generator)
        loss, recon, kl = vae_loss(logits, xb, z_mean, z_log_var, beta)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self.cfg.grad_clip:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.grad_clip)
        self.optimizer.step()
        self.scheduler.step()
        return torch.stack([recon + kl, recon, kl]).detach()

    def state_dict(self) -> dict:
        return {"optimizer": self.optimizer.state_dict(), "scheduler": self.scheduler.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])


def make_step(model: VAE, cfg: TrainConfig, generator: torch.Generator, steps_per_epoch: int, fast: bool = True):
    """The hand-written step where it computes the same as autograd (the seed preset), else autograd."""
    from trainer import fast_step

    if fast and fast_step.supports(model.config, cfg):
        return fast_step.FastReluStep(model, cfg, generator)
    return AutogradStep(model, cfg, generator, steps_per_epoch)

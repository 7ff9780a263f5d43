"""The reference design's training step written out by hand: ~2x faster than autograd here.

For ReLU VAEs without dropout trained with RMSprop (the `seed` preset), one step is the forward
pass, the backward pass and the RMSprop update. Autograd spends as long on bookkeeping and small
operations as on the five large matrix products that are the step's real work, and
torch.optim.RMSprop updates ten tensors in five passes each. Here:

- the model's parameters and their gradients live in two flat buffers (the parameters become
  views into one, so the model, its state_dict and the export see every update);
- the backward pass is the chain rule written out (Kingma & Welling's KL term has the closed-form
  gradients dKL/dmu = mu, dKL/dlogvar = (exp(logvar) - 1) / 2), each product landing in place;
- the RMSprop update v = rho v + (1 - rho) g^2, p -= lr g / (sqrt(v) + eps) runs as one decay of
  v and one vectorised pass of torch's fused Adagrad kernel, which computes exactly
  v += g'^2, p -= lr' g' / (sqrt(v) + eps): with g' = sqrt(1 - rho) g and lr' = lr / sqrt(1 - rho)
  that is the RMSprop update. The gradient is computed already scaled by sqrt(1 - rho).

tests/trainer/test_fast_step.py checks gradients, updates and a whole epoch against autograd +
torch.optim.RMSprop.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from trainer.model import VAE, TrainConfig, VAEConfig


def supports(model_cfg: VAEConfig, train_cfg: TrainConfig) -> bool:
    """Whether the hand-written step computes exactly what autograd would for this run."""
    return (model_cfg.activation == "relu" and not model_cfg.dropout and not model_cfg.logvar_limit
            and train_cfg.optimizer == "rmsprop" and not train_cfg.weight_decay and not train_cfg.grad_clip
            and train_cfg.schedule == "constant" and not train_cfg.warmup_lr_epochs
            and hasattr(torch, "_fused_adagrad_"))


class FastReluStep:
    """`step(xb, beta)` trains on one batch and returns its (loss, recon, kl) as a (3,) tensor.
    `state_dict()` / `load_state_dict()` hold RMSprop's running average (torch's `square_avg`)."""

    def __init__(self, model: VAE, cfg: TrainConfig, generator: torch.Generator, rho: float = 0.9, eps: float = 1e-7):
        self.model, self.generator = model, generator
        self.rho, self.eps = rho, eps
        self.scale = (1 - rho) ** 0.5
        self.lr = cfg.lr / self.scale
        enc = [m for m in model.encoder if isinstance(m, torch.nn.Linear)]
        dec = [m for m in model.decoder[0] if isinstance(m, torch.nn.Linear)] + [model.decoder[1]]
        self.enc, self.dec = enc, dec
        params = [p for m in (*enc, model.z_mean, model.z_log_var, *dec) for p in (m.weight, m.bias)]
        assert len(params) == len(list(model.parameters()))
        with torch.no_grad():
            self.flat = torch.cat([p.reshape(-1) for p in params])
        self.grad = torch.zeros_like(self.flat)
        self.square_avg = torch.zeros_like(self.flat)
        self._step = torch.zeros((), dtype=torch.float32)  # Adagrad's counter; unused with lr_decay 0
        offset, self.grads = 0, {}
        for p in params:
            n = p.numel()
            p.data = self.flat[offset:offset + n].view_as(p)  # the model now reads the flat buffer
            self.grads[p] = self.grad[offset:offset + n].view_as(p)
            offset += n
        self.steps = 0

    def _linear_backward(self, layer: torch.nn.Linear, d: torch.Tensor, inputs: torch.Tensor) -> None:
        torch.mm(d.t(), inputs, out=self.grads[layer.weight])
        torch.sum(d, 0, out=self.grads[layer.bias])

    @torch.no_grad()
    def __call__(self, xb: torch.Tensor, beta: float = 1.0) -> torch.Tensor:
        n = xb.shape[0]
        acts = [xb]  # encoder activations a_0 = x, a_i = relu(a_{i-1} W^T + b)
        for layer in self.enc:
            acts.append(torch.addmm(layer.bias, acts[-1], layer.weight.t()).relu_())
        h = acts[-1]
        mu = torch.addmm(self.model.z_mean.bias, h, self.model.z_mean.weight.t())  # (B, L)
        logvar = torch.addmm(self.model.z_log_var.bias, h, self.model.z_log_var.weight.t())
        eps = torch.randn(mu.shape, generator=self.generator, device=mu.device, dtype=mu.dtype)
        std = logvar.mul(0.5).exp_()
        var = std * std
        dec_in = [torch.addcmul(mu, std, eps)]  # z, then the decoder's hidden activations
        for layer in self.dec[:-1]:
            dec_in.append(torch.addmm(layer.bias, dec_in[-1], layer.weight.t()).relu_())
        logits = torch.addmm(self.dec[-1].bias, dec_in[-1], self.dec[-1].weight.t())  # (B, D)

        recon = F.binary_cross_entropy_with_logits(logits, xb, reduction="sum") / n
        kl = -0.5 * (1 + logvar - mu * mu - var).sum() / n  # Kingma & Welling (2014), App. B

        k = self.scale / n  # d(batch-mean loss) / d(logits), already scaled for the Adagrad pass
        d = torch.sigmoid(logits).sub_(xb).mul_(k)  # (B, D)
        for i in range(len(self.dec) - 1, -1, -1):
            layer = self.dec[i]
            self._linear_backward(layer, d, dec_in[i])
            d = torch.mm(d, layer.weight)
            if i:
                d = torch.ops.aten.threshold_backward(d, dec_in[i], 0)  # through the ReLU
        kb = k * beta
        d_mu = d.add(mu, alpha=kb)  # (B, L): dz/dmu = 1 plus the KL's mu
        d_logvar = d.mul_(eps).mul_(std).mul_(0.5).add_(var.sub(1).mul_(0.5 * kb))  # dz/dlogvar = eps*std/2
        self._linear_backward(self.model.z_mean, d_mu, h)
        self._linear_backward(self.model.z_log_var, d_logvar, h)
        d = torch.addmm(torch.mm(d_mu, self.model.z_mean.weight), d_logvar, self.model.z_log_var.weight)
        for i in range(len(self.enc) - 1, -1, -1):
            d = torch.ops.aten.threshold_backward(d, acts[i + 1], 0)
            self._linear_backward(self.enc[i], d, acts[i])
            if i:
                d = torch.mm(d, self.enc[i].weight)

        self.square_avg.mul_(self.rho)
        torch._fused_adagrad_([self.flat], [self.grad], [self.square_avg], [self._step], lr=self.lr,
                              lr_decay=0.0, weight_decay=0.0, eps=self.eps, maximize=False)
        self.steps += 1
        if self.steps % 100 == 0:  # keep the average of always-zero gradients out of denormal range
            self.square_avg.masked_fill_(self.square_avg < 1e-30, 0.0)
        return torch.stack([recon + kl, recon, kl])

    def state_dict(self) -> dict:
        return {"fast_rmsprop": {"square_avg": self.square_avg.clone(), "steps": self.steps}}

    def load_state_dict(self, state: dict) -> None:
        self.square_avg.copy_(state["fast_rmsprop"]["square_avg"])
        self.steps = int(state["fast_rmsprop"]["steps"])

"""`vae-train`: learn a VAE on MNIST-format data, then evaluate and export it (see export.py).

A checkpoint is written after every epoch (atomically), so `--resume` continues a killed run and
Ctrl+C stops with the last complete epoch kept.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

import torch

from trainer.data import DATASETS, DataError, load_dataset
from trainer.model import PRESETS, VAE, TrainConfig, VAEConfig, vae_loss

log = logging.getLogger("vae-train")


class UsageError(Exception):
    """A request that cannot be met here (e.g. --device cuda without CUDA); str() is one line."""


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


def build_scheduler(optimizer, cfg: TrainConfig):
    if cfg.schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=cfg.epochs, eta_min=cfg.lr * 0.02)
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda epoch: 1.0)


def kl_weight(cfg: TrainConfig, epoch: int) -> float:
    """KL annealing weight for 0-based `epoch` (1.0 without warm-up)."""
    return min(1.0, (epoch + 1) / cfg.warmup_kl_epochs) if cfg.warmup_kl_epochs else 1.0


def train_epoch(model, optimizer, x, batch_size, generator, beta=1.0, progress=None) -> dict:
    """One pass over x (N, D) in shuffled mini-batches; returns mean loss, recon and kl."""
    model.train()
    perm = torch.randperm(len(x), generator=generator, device=x.device)
    sums = torch.zeros(3, device=x.device)
    seen = 0
    for i in range(0, len(x), batch_size):
        xb = x[perm[i:i + batch_size]]
        logits, z_mean, z_log_var = model(xb, generator)
        loss, recon, kl = vae_loss(logits, xb, z_mean, z_log_var, beta)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        sums += torch.stack([recon + kl, recon, kl]).detach() * len(xb)
        seen += len(xb)
        if progress is not None:
            progress.update(len(xb))
            if progress.n == len(x) or (i // batch_size) % 20 == 0:  # avoid a GPU sync per step
                progress.set_postfix(loss=f"{float(sums[0]) / seen:.2f}", refresh=False)
    loss, recon, kl = (sums / seen).tolist()
    return {"loss": loss, "recon": recon, "kl": kl}


@torch.no_grad()
def evaluate(model, x, generator, batch_size: int = 1000) -> dict:
    """Validation loss as the reference reports it: one eps draw per image."""
    model.eval()
    sums = torch.zeros(3, device=x.device)
    for i in range(0, len(x), batch_size):
        xb = x[i:i + batch_size]
        logits, z_mean, z_log_var = model(xb, generator)
        _, recon, kl = vae_loss(logits, xb, z_mean, z_log_var)
        sums += torch.stack([recon + kl, recon, kl]) * len(xb)
    loss, recon, kl = (sums / len(x)).tolist()
    return {"loss": loss, "recon": recon, "kl": kl}


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device cuda: no CUDA device is available to torch")
    return torch.device(name)


def save_checkpoint(path: Path, state: dict) -> None:
    """Write to a temporary file and rename, so a kill mid-save keeps the previous epoch."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="vae-train", description=__doc__.splitlines()[0])
    p.add_argument("--preset", choices=sorted(PRESETS), default="seed")
    p.add_argument("--epochs", type=int, help="default: the preset's")
    p.add_argument("--batch-size", type=int, help="default: the preset's")
    p.add_argument("--lr", type=float, help="default: the preset's")
    p.add_argument("--optimizer", choices=["rmsprop", "adam", "adamw"], help="default: the preset's")
    p.add_argument("--latent-dim", type=int, help="default: 2 (the app plots two axes at a time)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--data-dir", help="folder of IDX files (default: $VAE_DIGITS_DATA, else download to the cache)")
    p.add_argument("--dataset", choices=sorted(DATASETS), default="mnist")
    p.add_argument("--out", default="exported/model", help="model folder to export into")
    p.add_argument("--checkpoint", help="default: <out>.ckpt.pt beside the model folder")
    p.add_argument("--resume", action="store_true", help="continue from the checkpoint")
    p.add_argument("--limit", type=int, help="use only the first N training images (smoke runs)")
    p.add_argument("--no-export", action="store_true", help="train and evaluate only")
    args = p.parse_args(argv)
    for name in ("epochs", "batch_size", "latent_dim", "limit"):
        v = getattr(args, name)
        if v is not None and v < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1, got {v}")
    if args.lr is not None and not args.lr > 0:
        p.error(f"--lr must be positive, got {args.lr}")
    return args


def configs_from_args(args) -> tuple[VAEConfig, TrainConfig]:
    preset = PRESETS[args.preset]
    model_cfg = replace(preset.model, latent_dim=args.latent_dim or preset.model.latent_dim)
    overrides = {k: getattr(args, k) for k in ("epochs", "batch_size", "lr", "optimizer") if getattr(args, k) is not None}
    return model_cfg, replace(preset.train, **overrides)


def run(args) -> int:
    device = pick_device(args.device)
    torch.manual_seed(args.seed)
    data = load_dataset(args.dataset, args.data_dir)
    train_x = data.train_x[: args.limit] if args.limit else data.train_x
    print(f"{data.name}: {len(train_x)} training and {len(data.test_x)} test images from {data.folder}")
    x = torch.tensor(train_x, dtype=torch.float32, device=device).div_(255)  # resident (N, D)
    x_test = torch.tensor(data.test_x, dtype=torch.float32, device=device).div_(255)

    model_cfg, train_cfg = configs_from_args(args)
    if model_cfg.image_size != data.image_size:
        raise DataError(f"{data.folder}: images are {data.image_size} px, the model expects {model_cfg.image_size}")
    model = VAE(model_cfg).to(device)
    optimizer = build_optimizer(model, train_cfg)
    scheduler = build_scheduler(optimizer, train_cfg)
    generator = torch.Generator(device=device).manual_seed(args.seed)
    history: list[dict] = []
    out = Path(args.out)
    ckpt_path = Path(args.checkpoint) if args.checkpoint else out.with_name(out.name + ".ckpt.pt")
    if args.resume:
        if not ckpt_path.is_file():
            raise UsageError(f"{ckpt_path}: no checkpoint to resume from")
        state = torch.load(ckpt_path, map_location=device, weights_only=True)
        if state["model_config"] != model_cfg.to_dict():
            raise UsageError(f"{ckpt_path}: checkpoint was made with another model configuration")
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        generator.set_state(state["generator"].cpu() if device.type == "cpu" else state["generator"])
        history = state["history"]
        print(f"resumed from {ckpt_path} after epoch {len(history)}")

    from tqdm import tqdm

    print(f"preset {args.preset}: {model.num_parameters():,} parameters on {device}")
    start = time.perf_counter()
    try:
        for epoch in range(len(history), train_cfg.epochs):
            t0 = time.perf_counter()
            with tqdm(total=len(x), desc=f"epoch {epoch + 1}/{train_cfg.epochs}", unit="img",
                      leave=False, disable=None) as bar:
                tr = train_epoch(model, optimizer, x, train_cfg.batch_size, generator,
                                 kl_weight(train_cfg, epoch), bar)
            seconds = time.perf_counter() - t0
            va = evaluate(model, x_test, generator)
            scheduler.step()
            history.append({"epoch": epoch + 1, "seconds": seconds,
                            **{f"train_{k}": v for k, v in tr.items()},
                            **{f"val_{k}": v for k, v in va.items()}})
            tqdm.write(f"epoch {epoch + 1:3d}/{train_cfg.epochs}  {seconds:5.2f}s  "
                       f"train {tr['loss']:.2f} (recon {tr['recon']:.2f} + KL {tr['kl']:.2f})  "
                       f"val {va['loss']:.2f} (recon {va['recon']:.2f} + KL {va['kl']:.2f})")
            save_checkpoint(ckpt_path, {
                "model_config": model_cfg.to_dict(), "train_config": asdict(train_cfg),
                "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "generator": generator.get_state(),
                "history": history,
            })
    except KeyboardInterrupt:
        print(f"\ninterrupted: {len(history)} complete epoch(s) kept in {ckpt_path}; "
              f"continue with the same command and --resume", file=sys.stderr)
        return 130
    elapsed = time.perf_counter() - start

    from trainer.evaluate import test_metrics

    metrics = test_metrics(model, x_test, args.seed)
    print(f"test: negative ELBO {metrics['neg_elbo']:.2f} nats ({metrics['neg_elbo_samples']} draws), "
          f"importance-weighted bound (k={metrics['iw_k']}) {metrics['iw_bound']:.2f} nats")
    if args.no_export:
        return 0
    from trainer.export import export_model

    export_model(model, data, train_x_count=len(train_x), history=history, metrics=metrics,
                 settings={"preset": args.preset, "seed": args.seed, "device": str(device),
                           "training_seconds": elapsed, **asdict(train_cfg)},
                 out=out, seed=args.seed)
    ckpt_path.unlink(missing_ok=True)  # the model folder now holds everything
    print(f"exported to {out}")
    return 0


def main(argv=None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args = parse_args(argv)
    try:
        sys.exit(run(args))
    except (DataError, UsageError) as e:
        print(f"vae-train: {e}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()

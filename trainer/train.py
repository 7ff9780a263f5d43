"""`vae-train`: learn a VAE on MNIST-format data or picture folders, then evaluate and export it.

A checkpoint is written after every good epoch (atomically), so `--resume` continues a killed run
exactly and Ctrl+C stops with the last complete epoch kept. A loss or weight that stops being
finite stops the run with one line, the last good checkpoint kept and nothing exported.
"""
from __future__ import annotations

import argparse
import logging
import math
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

import torch

from trainer import checkpoint
from trainer.data import DATASETS, DataError
from trainer.model import PRESETS, VAE, TrainConfig, VAEConfig, vae_loss
from trainer.steps import make_step
from trainer.workspace import OutputClaim, OutputError

log = logging.getLogger("vae-train")
CHECK_EVERY = 20  # steps between looks at the losses: one device sync per 20 steps, not per step


class UsageError(Exception):
    """A request that cannot be met here (e.g. --device cuda without CUDA); str() is one line."""


class NonFiniteError(Exception):
    """The loss or the weights stopped being finite at (epoch, step); the run cannot go on.
    `step` None means the epoch's validation."""

    def __init__(self, epoch: int, step: int | None, steps: int, what: str):
        where = f"step {step} of {steps}" if step is not None else "its validation"
        super().__init__(f"epoch {epoch}, {where}: {what}")
        self.epoch, self.step, self.steps, self.what = epoch, step, steps, what


def kl_weight(cfg: TrainConfig, epoch: int) -> float:
    """KL annealing weight for 0-based `epoch` (1.0 without warm-up)."""
    return min(1.0, (epoch + 1) / cfg.warmup_kl_epochs) if cfg.warmup_kl_epochs else 1.0


def _first_bad(losses: torch.Tensor, start: int, stop: int, epoch: int, steps: int) -> None:
    """Raise NonFiniteError for the first step in [start, stop) whose loss is not finite."""
    window = losses[start:stop]
    if bool(torch.isfinite(window).all()):
        return
    k = int((~torch.isfinite(window).all(dim=1)).nonzero()[0, 0])
    value = float(window[k, 0])
    raise NonFiniteError(epoch, start + k + 1, steps, f"the loss became {value}")


def train_epoch(step, model, x, cfg: TrainConfig, generator, epoch: int, progress=None, threads=None) -> dict:
    """One pass over x (N, D) in shuffled mini-batches of `step`; returns mean loss, recon and kl.
    Raises NonFiniteError at the first step whose loss is not finite (seen within CHECK_EVERY steps)."""
    model.train()
    bs, n = cfg.batch_size, len(x)
    steps = -(-n // bs)
    perm = torch.randperm(n, generator=generator, device=x.device)
    losses = torch.empty(steps, 3, device=x.device)  # (steps, [loss, recon, kl])
    beta = kl_weight(cfg, epoch - 1)
    checked = 0
    for k in range(steps):
        xb = x[perm[k * bs:(k + 1) * bs]]
        losses[k] = step(xb, beta)
        if (k + 1) % CHECK_EVERY == 0 or k + 1 == steps:
            _first_bad(losses, checked, k + 1, epoch, steps)
            checked = k + 1
            if progress is not None:
                progress.set_postfix(loss=f"{float(losses[k, 0]):.2f}", refresh=False)
        if progress is not None:
            progress.update(len(xb))
        if threads is not None:
            threads.tick()
    sizes = torch.full((steps, 1), float(bs), device=x.device)
    sizes[-1] = n - (steps - 1) * bs
    loss, recon, kl = ((losses * sizes).sum(0) / n).tolist()
    if not all(bool(torch.isfinite(p).all()) for p in model.parameters()):
        raise NonFiniteError(epoch, steps, steps, "a weight became non-finite")
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


def parse_args(argv=None) -> argparse.Namespace:
    from desktop.imaging import RECIPES

    p = argparse.ArgumentParser(prog="vae-train", description=__doc__.splitlines()[0])
    p.add_argument("--preset", choices=sorted(PRESETS), default="seed")
    p.add_argument("--epochs", type=int, help="default: the preset's")
    p.add_argument("--batch-size", type=int, help="default: the preset's")
    p.add_argument("--lr", type=float, help="default: the preset's")
    p.add_argument("--optimizer", choices=["rmsprop", "adam", "adamw"], help="default: the preset's")
    p.add_argument("--latent-dim", type=int, help="default: 2 (the app plots two axes at a time)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--threads", default="auto",
                   help="CPU threads: 'auto' follows the cores other processes leave free (default), or a number")
    p.add_argument("--data-dir", help="folder of IDX files, or of picture folders (one per class); "
                                      "default: $VAE_DIGITS_DATA, a system copy, else download to the cache")
    p.add_argument("--dataset", choices=sorted(DATASETS), default="mnist", help="which IDX data set (default mnist)")
    p.add_argument("--recipe", choices=RECIPES, help="how a picture becomes an input (default: the data set's; "
                                                     "'full-frame' for picture folders)")
    p.add_argument("--subject", help="what one picture shows, for the app's words (default: the data set's, "
                                     "'picture' for picture folders), e.g. 'leaf'")
    p.add_argument("--out", default="exported/model", help="model folder to export into")
    p.add_argument("--checkpoint", help="default: <out>.ckpt.pt beside the model folder")
    p.add_argument("--resume", action="store_true", help="continue from the checkpoint")
    p.add_argument("--limit", type=int, help="use only the first N training images (smoke runs)")
    p.add_argument("--dry-run", action="store_true",
                   help="a quick check of the whole path: 200 training and 200 test images, cheap bounds")
    p.add_argument("--no-export", action="store_true", help="train and evaluate only")
    p.add_argument("--autograd", action="store_true",
                   help="train the seed preset with autograd and torch.optim too (slower; the same maths)")
    args = p.parse_args(argv)
    for name in ("epochs", "batch_size", "latent_dim", "limit"):
        v = getattr(args, name)
        if v is not None and v < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1, got {v}")
    if args.lr is not None and not (math.isfinite(args.lr) and args.lr > 0):
        p.error(f"--lr must be a positive number, got {args.lr}")
    if args.threads != "auto" and not (args.threads.isdigit() and int(args.threads) >= 1):
        p.error(f"--threads must be 'auto' or a whole number of at least 1, got {args.threads!r}")
    return args


def configs_from_args(args) -> tuple[VAEConfig, TrainConfig]:
    preset = PRESETS[args.preset]
    model_cfg = replace(preset.model, latent_dim=args.latent_dim or preset.model.latent_dim)
    overrides = {k: getattr(args, k) for k in ("epochs", "batch_size", "lr", "optimizer") if getattr(args, k) is not None}
    if args.dry_run and args.epochs is None:
        overrides["epochs"] = 1
    return model_cfg, replace(preset.train, **overrides)


def load_data(args):
    """The data set the options name: IDX files, or the user's picture folders."""
    from trainer.data import load_dataset
    from trainer.folders import is_picture_folder, load_picture_folder

    subject = (args.subject, args.subject + "s") if args.subject else None  # (one, many)
    if args.data_dir is not None and is_picture_folder(Path(args.data_dir)):
        return load_picture_folder(Path(args.data_dir), args.recipe or "full-frame", subject=subject)
    data = load_dataset(args.dataset, args.data_dir)
    if args.recipe:
        data.recipe = args.recipe
    if subject:
        data.subject = subject
    return data


def diverged_message(e: NonFiniteError, lr: float, ckpt: Path, good_epochs: int) -> str:
    kept = (f"{ckpt} keeps epoch {good_epochs}, the last good one" if good_epochs
            else "no epoch completed, so no checkpoint was kept")
    return (f"training diverged at {e}: the updates grew without bound, most often a learning rate too high "
            f"for this data (--lr {lr:g}); try --lr {lr / 3:.2g}; {kept}; nothing was exported")


def run(args) -> int:
    device = pick_device(args.device)
    model_cfg, train_cfg = configs_from_args(args)
    out = Path(args.out)
    ckpt_path = Path(args.checkpoint) if args.checkpoint else out.with_name(out.name + ".ckpt.pt")
    with OutputClaim(out, ckpt_path):
        return _train_and_export(args, device, model_cfg, train_cfg, out, ckpt_path)


def _train_and_export(args, device, model_cfg, train_cfg, out: Path, ckpt_path: Path) -> int:
    from tqdm import tqdm

    from trainer.replay import Replay, stratified_subset
    from trainer.threads import ThreadPolicy

    threads = ThreadPolicy(fixed=None if args.threads == "auto" else int(args.threads)) if device.type == "cpu" else None
    torch.manual_seed(args.seed)
    data = load_data(args)
    limit = min(args.limit or len(data.train_x), 200 if args.dry_run else len(data.train_x))
    train_x = data.train_x[:limit]
    if args.dry_run:
        data.test_x, data.test_y = data.test_x[:200], data.test_y[:200]
    if data.note:
        print(data.note)
    print(f"{data.name}: {len(train_x)} training and {len(data.test_x)} test images from {data.folder}")
    if model_cfg.image_size != data.image_size:
        raise DataError(f"{data.folder}: images are {data.image_size} px, the model expects {model_cfg.image_size}")
    x = torch.tensor(train_x, dtype=torch.float32, device=device).div_(255)  # resident (N, D)
    x_test = torch.tensor(data.test_x, dtype=torch.float32, device=device).div_(255)

    model = VAE(model_cfg).to(device)
    generator = torch.Generator(device=device).manual_seed(args.seed)
    step = make_step(model, train_cfg, generator, -(-len(x) // train_cfg.batch_size), fast=not args.autograd)
    replay = Replay(stratified_subset(data.test_y, seed=args.seed), data.test_y)
    history: list[dict] = []
    if args.resume:
        history = _resume(ckpt_path, device, model_cfg, train_cfg, model, step, generator, replay)
        print(f"resumed from {ckpt_path} after epoch {len(history)}")
    else:
        replay.record(model, x_test, 0)

    print(f"preset {args.preset}: {model.num_parameters():,} parameters on {device}"
          + (f", {threads.threads} CPU threads ({args.threads})" if threads else ""))
    start = time.perf_counter()
    try:
        for epoch in range(len(history) + 1, train_cfg.epochs + 1):
            t0 = time.perf_counter()
            with tqdm(total=len(x), desc=f"epoch {epoch}/{train_cfg.epochs}", unit="img", leave=False, disable=None) as bar:
                tr = train_epoch(step, model, x, train_cfg, generator, epoch, bar, threads)
            seconds = time.perf_counter() - t0
            va = evaluate(model, x_test, generator)
            if not math.isfinite(va["loss"]):
                raise NonFiniteError(epoch, None, 0, f"the validation loss became {va['loss']}")
            replay.record(model, x_test, epoch)
            history.append({"epoch": epoch, "seconds": seconds, **{f"train_{k}": v for k, v in tr.items()},
                            **{f"val_{k}": v for k, v in va.items()}})
            tqdm.write(f"epoch {epoch:3d}/{train_cfg.epochs}  {seconds:5.2f}s  "
                       f"train {tr['loss']:.2f} (recon {tr['recon']:.2f} + KL {tr['kl']:.2f})  "
                       f"val {va['loss']:.2f} (recon {va['recon']:.2f} + KL {va['kl']:.2f})")
            checkpoint.save(ckpt_path, {
                "model_config": model_cfg.to_dict(), "train_config": asdict(train_cfg),
                "model": model.state_dict(), "step": step.state_dict(), "generator": generator.get_state(),
                "torch_rng": torch.get_rng_state(),  # dropout draws from the global generator
                "cuda_rng": torch.cuda.get_rng_state() if device.type == "cuda" else torch.zeros(0, dtype=torch.uint8),
                "history": history, "replay": replay.state(),
            })
    except KeyboardInterrupt:
        print(f"\ninterrupted: {len(history)} complete epoch(s) kept in {ckpt_path}; "
              f"continue with the same command and --resume", file=sys.stderr)
        return 130
    except NonFiniteError as e:
        raise UsageError(diverged_message(e, train_cfg.lr, ckpt_path, len(history))) from None
    elapsed = time.perf_counter() - start

    from trainer.evaluate import test_metrics

    labels = (x, torch.as_tensor(data.train_y[:limit], device=device).long(),
              torch.as_tensor(data.test_y, device=device).long())
    metrics = test_metrics(model, x_test, args.seed, *((2, 4) if args.dry_run else (10, 64)), labels=labels)
    print(f"test: negative ELBO {metrics['neg_elbo']:.2f} nats ({metrics['neg_elbo_samples']} draws), "
          f"importance-weighted bound (k={metrics['iw_k']}) {metrics['iw_bound']:.2f} nats, "
          f"latent 5-NN accuracy {metrics['knn5_accuracy']:.3f}")
    if args.no_export:
        return 0
    from trainer.export import export_model

    export_model(model, data, train_x_count=len(train_x), history=history, metrics=metrics, replay=replay,
                 settings={"preset": args.preset, "seed": args.seed, "device": str(device),
                           "threads": args.threads, "training_seconds": elapsed, **asdict(train_cfg)},
                 out=out, seed=args.seed)
    ckpt_path.unlink(missing_ok=True)  # the model folder now holds everything
    print(f"exported to {out}")
    return 0


def _resume(ckpt_path, device, model_cfg, train_cfg, model, step, generator, replay) -> list[dict]:
    """Restore every piece of state from the checkpoint; one line for each way it can fail."""
    state = checkpoint.load(ckpt_path, device)
    checkpoint.check_same_settings(ckpt_path, state, model_cfg.to_dict(), asdict(train_cfg))
    try:
        model.load_state_dict(state["model"])
        step.load_state_dict(state["step"])
        generator.set_state(state["generator"].cpu() if device.type == "cpu" else state["generator"])
        torch.set_rng_state(state["torch_rng"].cpu())
        if device.type == "cuda" and state["cuda_rng"].numel():
            torch.cuda.set_rng_state(state["cuda_rng"].cpu())
        replay.load_state(state["replay"])
    except (RuntimeError, ValueError, KeyError, TypeError) as e:
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise checkpoint.CheckpointError(f"{ckpt_path}: does not fit this run ({first[:160]})") from None
    return list(state["history"])


def main(argv=None) -> None:
    from trainer.export import ExportError

    logging.basicConfig(level=logging.WARNING, format="%(message)s")  # libraries stay quiet below warnings
    for name in ("vae-train", "trainer"):
        logging.getLogger(name).setLevel(logging.INFO)
    args = parse_args(argv)
    try:
        sys.exit(run(args))
    except (DataError, UsageError, OutputError, checkpoint.CheckpointError, ExportError) as e:
        print(f"vae-train: {e}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()

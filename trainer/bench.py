"""`python -m trainer.bench`: training speed on the shared MNIST subset. Prints numbers; asserts nothing.

- seconds per epoch of the seed preset, validation on the 10,000 test images included, with the
  hand-written step and with autograd, on the CPU and, where torch sees one, on a CUDA GPU with
  the data resident on the device; `--reference-seconds S` adds the ratio to the Keras
  reference's S s/epoch (`make bench-reference` measures S beside it);
- `--contention`: each preset alone, then two trainings at once, then one beside a busy
  single-threaded process, each in its own process with the trainer's thread policy.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

import torch

from trainer.data import default_shared_mnist, load_dataset
from trainer.model import PRESETS, VAE
from trainer.steps import make_step
from trainer.train import evaluate, train_epoch


def epoch_seconds(preset: str, device: str, x_np, x_test_np, epochs: int, fast: bool = True, threads=None,
                  budget: float = float("inf")) -> list[float]:
    """Seconds of each epoch after a warm-up one, validation included (the data resident on
    `device`); stops early once `budget` seconds have passed."""
    torch.manual_seed(0)
    cfg = PRESETS[preset]
    x = torch.tensor(x_np, dtype=torch.float32, device=device).div_(255)
    x_test = torch.tensor(x_test_np, dtype=torch.float32, device=device).div_(255)
    model = VAE(cfg.model).to(device)
    g = torch.Generator(device=device).manual_seed(0)
    step = make_step(model, cfg.train, g, -(-len(x) // cfg.train.batch_size), fast=fast)
    times, start = [], time.perf_counter()
    for epoch in range(epochs + 1):
        if time.perf_counter() - start > budget:
            break
        if device == "cuda":
            torch.cuda.synchronize()
        t = time.perf_counter()
        train_epoch(step, model, x, cfg.train, g, epoch + 1, threads=threads)
        evaluate(model, x_test, g)
        if device == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t)
    return times[1:]


def _worker(preset: str, seconds: float) -> None:
    """One training in this process for about `seconds`, with the trainer's thread policy; prints
    its epoch times as JSON."""
    from trainer.threads import ThreadPolicy

    data = load_dataset("mnist", default_shared_mnist())
    threads = ThreadPolicy()
    times = epoch_seconds(preset, "cpu", data.train_x, data.test_x, 10_000, threads=threads, budget=seconds)
    print(json.dumps({"preset": preset, "times": times, "threads": threads.threads, "changes": threads.changes}))


def _spawn(preset: str, seconds: float) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "trainer.bench", "--worker", preset, "--seconds", str(seconds)],
                            stdout=subprocess.PIPE, text=True)


def _result(proc: subprocess.Popen) -> dict:
    out, _ = proc.communicate()
    return json.loads(out.strip().splitlines()[-1])


def contention(seconds: float) -> None:
    """Each preset alone, both at once (for the same `seconds`), and the seed preset beside a busy
    single-threaded process."""
    solo = {p: statistics.median(_result(_spawn(p, seconds))["times"]) for p in ("seed", "strong")}
    pair = [_result(proc) for proc in [_spawn("seed", seconds), _spawn("strong", seconds)]]
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        beside = _result(_spawn("seed", seconds))
    finally:
        busy.kill()
    for r in pair:
        t = statistics.median(r["times"])
        print(f"two at once: {r['preset']:6s} {t:.3f} s/epoch vs {solo[r['preset']]:.3f} alone -> "
              f"{t / solo[r['preset']]:.2f}x (threads now {r['threads']}, {r['changes']} changes)")
    t = statistics.median(beside["times"])
    print(f"beside a busy process: seed {t:.3f} s/epoch vs {solo['seed']:.3f} alone -> {t / solo['seed']:.2f}x")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", default=str(default_shared_mnist()))
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--reference-seconds", type=float, help="the Keras reference's s/epoch, measured beside")
    p.add_argument("--contention", action="store_true", help="also two trainings at once and beside a busy process")
    p.add_argument("--seconds", type=float, default=30, help="how long each --contention run trains")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        return _worker(args.worker, args.seconds)
    data = load_dataset("mnist", args.data_dir)
    n = len(data.train_x)
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    for device in devices:
        name = torch.cuda.get_device_name() if device == "cuda" else f"{torch.get_num_threads()} CPU threads"
        for fast in (True, False):
            t = statistics.median(epoch_seconds("seed", device, data.train_x, data.test_x, args.epochs, fast))
            ratio = f"; Keras reference {args.reference_seconds:.3f} s/epoch -> {args.reference_seconds / t:.2f}x" \
                if args.reference_seconds else ""
            print(f"train seed preset ({'hand-written step' if fast else 'autograd + torch.optim'}) on {device} "
                  f"({name}): {t:.3f} s/epoch of {n} images with validation on {len(data.test_x)}, "
                  f"{n / t:,.0f} images/s (median of {args.epochs}){ratio}", flush=True)
    if args.contention:
        contention(args.seconds)


if __name__ == "__main__":
    main()

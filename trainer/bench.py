"""`python -m trainer.bench`: training speed of the seed preset (seconds per epoch, images/s)
on the shared MNIST subset, on the CPU and, where torch sees one, on a CUDA GPU with the data
resident on the device. Prints numbers; asserts nothing."""
from __future__ import annotations

import argparse
import statistics
import time

import torch

from trainer.data import default_shared_mnist, load_dataset
from trainer.model import PRESETS, VAE
from trainer.train import build_optimizer, train_epoch


def epoch_seconds(device: str, x_np, epochs: int) -> list[float]:
    torch.manual_seed(0)
    preset = PRESETS["seed"]
    x = torch.tensor(x_np, dtype=torch.float32, device=device).div_(255)
    model = VAE(preset.model).to(device)
    opt = build_optimizer(model, preset.train)
    g = torch.Generator(device=device).manual_seed(0)
    train_epoch(model, opt, x, preset.train.batch_size, g)  # warm-up
    times = []
    for _ in range(epochs):
        if device == "cuda":
            torch.cuda.synchronize()
        t = time.perf_counter()
        train_epoch(model, opt, x, preset.train.batch_size, g)
        if device == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t)
    return times


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", default=str(default_shared_mnist()))
    p.add_argument("--epochs", type=int, default=5)
    args = p.parse_args()
    data = load_dataset("mnist", args.data_dir)
    n = len(data.train_x)
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    for device in devices:
        t = statistics.median(epoch_seconds(device, data.train_x, args.epochs))
        name = torch.cuda.get_device_name() if device == "cuda" else f"{torch.get_num_threads()} CPU threads"
        print(f"train seed preset on {device} ({name}): {t:.3f} s/epoch of {n} images, {n / t:,.0f} images/s "
              f"(median of {args.epochs}); Keras reference here: 1.0 s/epoch -> {1.0 / t:.2f}x")


if __name__ == "__main__":
    main()

"""`python -m desktop.bench_runtime`: ONNX Runtime's thread settings for the app's calls, measured.

For a single-image decode (a hover, a stroke) and for 15 x 15 and 60 x 60 grid decodes: wall time
per call and CPU time per second of 60 calls a second, at 1 and 2 intra-op threads, with the
worker threads spinning between calls (ONNX Runtime's default) and not. The runtime's choice
(desktop/runtime.py: BATCH_THREADS, BATCH_FROM) comes from these numbers. Prints; asserts nothing.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def _session(path, threads: int, spin: bool):
    import onnxruntime as ort

    from desktop.runtime import session_options

    return ort.InferenceSession(str(path), session_options(threads, spin), providers=["CPUExecutionProvider"])


def measure(sess, z: np.ndarray, calls: int, rate: float | None = None) -> tuple[float, float]:
    """(median ms per call, CPU seconds per wall second) over `calls` calls, paced at `rate` Hz."""
    times = []
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for _ in range(calls):
        t = time.perf_counter()
        sess.run(None, {"z": z})
        times.append(1000 * (time.perf_counter() - t))
        if rate:
            time.sleep(max(0.0, 1 / rate - (time.perf_counter() - t)))
    return statistics.median(times), (time.process_time() - cpu0) / (time.perf_counter() - wall0)


def main() -> None:
    from desktop.grids import PPF, grid_latents
    from desktop.model_card import ModelCard
    from desktop.resources import default_model

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default=str(default_model()))
    args = p.parse_args()
    card = ModelCard.load(args.model)
    L = card.latent_dim
    cases = [("1 image at 60 Hz", np.zeros((1, L), np.float32), 300, 60.0),
             ("15x15 grid", grid_latents(15, PPF, L), 100, None),
             ("60x60 grid", grid_latents(60, PPF, L), 30, None)]
    print(f"model {card.name}: decoder, CPU provider")
    for label, z, calls, rate in cases:
        for threads in (1, 2):
            for spin in (True, False):
                sess = _session(card.path("decoder.onnx"), threads, spin)
                measure(sess, z, 5)  # warm-up
                ms, cpu = measure(sess, z, calls, rate)
                load = f", {100 * cpu:.0f}% of a core" if rate else ""
                print(f"{label:18s} {threads} thread{'s' if threads > 1 else ' '} spinning "
                      f"{'on ' if spin else 'off'}: {ms:6.2f} ms per call{load}", flush=True)
    bench_walk(args.model)


def bench_walk(model: str) -> None:
    """A 60-step walk: its one batched decode, and its GIF at 4x (60 frames, 112 x 112 each)."""
    import tempfile
    from pathlib import Path

    from desktop import walks
    from desktop.runtime import ModelRuntime

    rt = ModelRuntime(model, "cpu")
    a, b = walks.class_end(rt, 0), walks.class_end(rt, 1)
    decode, write = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(10):
            t = time.perf_counter()
            frames, _ = walks.decode_walk(rt.decode, a.z, b.z, 60, *rt.card.image_size)
            decode.append(1000 * (time.perf_counter() - t))
            t = time.perf_counter()
            walks.write_gif(frames, Path(tmp) / "walk.gif", 100, 4)
            write.append(1000 * (time.perf_counter() - t))
    print(f"60-step walk: one batched decode {statistics.median(decode):.2f} ms; its GIF at 4x (60 frames) written in "
          f"{statistics.median(write):.0f} ms (median of 10, max {max(write):.0f} ms)", flush=True)


if __name__ == "__main__":
    main()

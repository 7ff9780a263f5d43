"""`python -m desktop.bench`: the app's latency and launch numbers on this machine.

Stroke event -> marker, grid decode + paint, hover decode, the reference's one-call-per-tile
grid, launch to first painted window and memory. Prints numbers; asserts nothing."""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

from desktop.bench_util import summarize  # noqa: E402


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(1000 * (time.perf_counter() - t))
    return out


def _private_settings() -> None:
    """Keep the benchmark's window from reading or overwriting the user's saved settings."""
    import tempfile

    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp(prefix="vae-digits-bench-"))


def bench_window(model: str) -> None:
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent

    from desktop.app import ensure_gui_app
    from desktop.grids import PPF, grid_latents
    from desktop.main_window import MainWindow

    app = ensure_gui_app()
    _private_settings()
    w = MainWindow(device="auto")
    w.open_initial_model(model)
    w.show()
    app.processEvents()
    rt = w.runtime
    print(f"model {rt.name} on {rt.provider} ({rt.provider_note})")
    c = w.view.canvas
    c.throttle_ms = 0  # every move encodes: the worst case

    def event(kind, x, y, buttons):
        return QMouseEvent(kind, QPointF(x, y), QPointF(x, y), Qt.MouseButton.LeftButton, buttons, Qt.KeyboardModifier.NoModifier)

    app.sendEvent(c, event(QEvent.Type.MouseButtonPress, 100, 40, Qt.MouseButton.LeftButton))
    stroke = []
    for i in range(300):
        x, y = 100 + 60 * np.sin(i / 20), 40 + 200 * i / 300
        t = time.perf_counter()
        app.sendEvent(c, event(QEvent.Type.MouseMove, x, y, Qt.MouseButton.LeftButton))  # -> encode -> marker
        stroke.append(1000 * (time.perf_counter() - t))
    app.sendEvent(c, event(QEvent.Type.MouseButtonRelease, x, y, Qt.MouseButton.NoButton))
    print(f"stroke event -> updated marker: {summarize(stroke[10:])}")

    for n in (15, 60):
        w.view.n_spin.setValue(n)

        def grid_and_paint():
            w.update_grid()
            w.view.grid.repaint()

        print(f"{n}x{n} grid decode + paint: {summarize(timed(grid_and_paint, 200 if n == 15 else 50))}")
    hover = timed(lambda: w.on_hover(np.array([0.3, -0.2], np.float32)), 200)
    print(f"hover decode + preview: {summarize(hover)}")
    z = grid_latents(15, PPF, rt.latent_dim)
    batched = statistics.median(timed(lambda: rt.decode(z), 30))
    per_tile = statistics.median(timed(lambda: [rt.decode(z[i:i + 1]) for i in range(len(z))], 10))
    print(f"15x15 grid decode: one batched call {batched:.2f} ms vs 225 calls (the reference's way) "
          f"{per_tile:.2f} ms -> {per_tile / batched:.1f}x; the Keras reference takes ~150 ms here "
          f"-> {150 / batched:.0f}x")
    w.close()


def bench_launch(model: str, runs: int) -> None:
    env = {**os.environ, "VAE_DIGITS_EXIT_AFTER_PAINT": "1"}
    results = []
    for _ in range(runs):  # the app prints "first-paint <s since process start> s rss-mb <MB>"
        out = subprocess.run([sys.executable, "-m", "desktop.cli", "--model", model], env=env,
                             capture_output=True, text=True, timeout=60).stdout.split()
        results.append((float(out[1]), float(out[4])) if out[:1] == ["first-paint"] else (float("nan"),) * 2)
    paint = [r[0] for r in results]
    print(f"launch to first painted window: median {statistics.median(paint):.2f} s "
          f"(min {min(paint):.2f}, n={runs}); memory after launch {statistics.median(r[1] for r in results):.0f} MB RSS")


def main() -> None:
    from desktop.resources import default_model

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default=str(default_model()))
    p.add_argument("--launch-runs", type=int, default=5)
    args = p.parse_args()
    bench_window(args.model)
    bench_launch(args.model, args.launch_runs)


if __name__ == "__main__":
    main()

"""`make bench-app`: the app in a real X11 window, driven through the X server with xdotool at real
mouse rates; prints numbers, asserts nothing. Run under a display (the Makefile uses xvfb-run).

The app runs in its own process with $VAE_DIGITS_PROBE set (desktop/probe.py): it reports where
its widgets are, the points each stroke received and how long its repaints took. This driver
sends the input, measures the app's CPU time from /proc and prints:

- points kept per stroke (120-point circles) at 125 Hz and 250 Hz, alone and beside one busy process;
- the map's repaint time while strokes move the marker (median, p95);
- the app's CPU while the pointer hovers the map at 60 Hz, and while idle;
- a 15 x 15 grid's decode + repaint, from the change to the end of its paint (Ctrl+R, new draws);
- launch to the first painted window, and memory after launch.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from desktop.bench_util import summarize


class App:
    """The app in its own process, with private settings and the probe on."""

    def __init__(self, model: str, env: dict | None = None):
        self.tmp = Path(tempfile.mkdtemp(prefix="vae-digits-bench-"))
        self.log = self.tmp / "probe.jsonl"
        env = {**os.environ, "VAE_DIGITS_PROBE": str(self.log), "XDG_CONFIG_HOME": str(self.tmp), **(env or {})}
        self.proc = subprocess.Popen([sys.executable, "-m", "desktop.cli", "--model", model], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.ready = self.wait_for("ready", timeout=60)
        time.sleep(1.5)  # let the first grid, walk and map settle

    def events(self, kind: str | None = None) -> list[dict]:
        if not self.log.exists():
            return []
        rows = [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]
        return [r for r in rows if kind is None or r["event"] == kind]

    def wait_for(self, kind: str, timeout: float = 10.0, after: int = 0) -> dict:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            rows = self.events(kind)
            if len(rows) > after:
                return rows[after]
            if self.proc.poll() is not None:
                raise RuntimeError(f"the app exited: {self.proc.stderr.read()[-2000:]}")
            time.sleep(0.05)
        raise TimeoutError(f"no {kind!r} event from the app within {timeout} s")

    def cpu_seconds(self) -> float:
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)


def xdotool(*args) -> None:
    subprocess.run(["xdotool", *map(str, args)], check=True)


def stroke(app: App, hz: float, points: int = 120) -> int:
    """A circle of `points` positions on the canvas at `hz`; returns how many the stroke received."""
    x, y, side = app.ready["canvas_square"]
    cx0, cy0 = app.ready["canvas"][:2]
    t = np.linspace(0, 2 * np.pi, points)
    xs = cx0 + x + side / 2 + side * 0.3 * np.cos(t)
    ys = cy0 + y + side / 2 + side * 0.3 * np.sin(t)
    cmd = ["mousemove", int(xs[0]), int(ys[0]), "mousedown", 1]
    for px, py in zip(xs[1:], ys[1:]):
        cmd += ["sleep", f"{1 / hz:.4f}", "mousemove", int(px), int(py)]
    cmd += ["mouseup", 1]
    before = len(app.events("stroke"))
    xdotool(*cmd)
    return app.wait_for("stroke", after=before)["points"]


def busy_process() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def bench_strokes(app: App, repeats: int) -> None:
    for busy in (False, True):
        other = busy_process() if busy else None
        try:
            for hz in (125, 250):
                kept = [stroke(app, hz) / 120 for _ in range(repeats)]
                print(f"stroke at {hz} Hz{' beside a busy process' if busy else ''}: {100 * min(kept):.1f}% of "
                      f"the points kept at worst, {100 * statistics.mean(kept):.1f}% on average ({repeats} circles "
                      f"of 120 points)", flush=True)
        finally:
            if other is not None:
                other.kill()
    paints = [r["ms"] for r in app.events("map_paint")]
    print(f"map repaint while strokes move the marker: {summarize(paints)}", flush=True)


def bench_cpu(app: App, seconds: float) -> None:
    start = app.cpu_seconds()
    time.sleep(seconds)
    print(f"app CPU while idle: {100 * (app.cpu_seconds() - start) / seconds:.1f}% of one core ({seconds:.0f} s)")
    x, y, w, h = app.ready["map"]
    frames = int(seconds * 60)
    t = np.linspace(0, 2 * np.pi * seconds / 4, frames)  # a slow circle over the map, 60 positions a second
    cmd = []
    for a in t:
        cmd += ["mousemove", int(x + w / 2 + w / 3 * np.cos(a)), int(y + h / 2 + h / 3 * np.sin(a)), "sleep", "0.0167"]
    start, wall = app.cpu_seconds(), time.perf_counter()
    xdotool(*cmd)
    wall = time.perf_counter() - wall
    print(f"app CPU while the pointer hovers the map at 60 Hz: {100 * (app.cpu_seconds() - start) / wall:.1f}% of one "
          f"core ({wall:.1f} s)", flush=True)


def bench_grid(app: App, samples: int) -> None:
    x, y, w, h = app.ready["grid"]
    xdotool("mousemove", x + w // 2, y + h // 2, "click", 1)  # focus the window, away from text fields
    before = len(app.events("grid"))
    for _ in range(samples):
        xdotool("key", "ctrl+r")  # new draws from the prior: one batched 15 x 15 decode and a repaint
        time.sleep(0.12)
    rows = [r for r in app.events("grid")[before:] if r["n"] == 15]
    print(f"15x15 grid, change to repainted: {summarize([r['ms'] for r in rows])}", flush=True)


def bench_replay(app: App) -> None:
    """Play the training replay (the timeline's button) and count the map's repaints per second."""
    x, y, w, h = app.ready["replay"]
    if not w:
        print("replay: this model has no recording")
        return
    before = len(app.events("map_paint"))
    xdotool("mousemove", x + w // 2, y + h // 2, "click", 1)
    time.sleep(4)
    rows = app.events("map_paint")[before:]
    t0, t1 = rows[0]["t"], rows[-1]["t"]
    print(f"training replay: {(len(rows) - 1) / (t1 - t0):.1f} map repaints a second while it plays "
          f"({len(rows)} in {t1 - t0:.1f} s; repaint {summarize([r['ms'] for r in rows])})", flush=True)


def bench_launch(model: str, runs: int) -> None:
    results = []
    for _ in range(runs):
        tmp = tempfile.mkdtemp()
        env = {**os.environ, "VAE_DIGITS_EXIT_AFTER_PAINT": "1", "XDG_CONFIG_HOME": tmp}
        out = subprocess.run([sys.executable, "-m", "desktop.cli", "--model", model], env=env,
                             capture_output=True, text=True, timeout=60).stdout.split()
        shutil.rmtree(tmp, ignore_errors=True)
        if out[:1] == ["first-paint"]:
            results.append((float(out[1]), float(out[4])))
    paint, rss = [r[0] for r in results], [r[1] for r in results]
    print(f"launch to first painted window: median {statistics.median(paint):.2f} s (max {max(paint):.2f}, "
          f"n={runs}); memory after launch: median {statistics.median(rss):.0f} MB RSS", flush=True)


def main() -> None:
    from desktop.resources import default_model

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default=str(default_model()))
    p.add_argument("--repeats", type=int, default=5, help="circles per stroke rate")
    p.add_argument("--seconds", type=float, default=10, help="length of each CPU measurement")
    p.add_argument("--grid-samples", type=int, default=100)
    p.add_argument("--launch-runs", type=int, default=5)
    p.add_argument("--screenshot", help="save the screen after the strokes (import -window root)")
    args = p.parse_args()
    if not os.environ.get("DISPLAY") or shutil.which("xdotool") is None:
        sys.exit("desktop.bench needs a real X display and xdotool: make bench-app runs it under xvfb-run")
    print(f"model {Path(args.model).name}, display {os.environ['DISPLAY']} (real X11 window, xdotool input)", flush=True)
    bench_launch(args.model, args.launch_runs)
    app = App(args.model)
    try:
        bench_strokes(app, args.repeats)
        if args.screenshot:
            subprocess.run(["import", "-window", "root", args.screenshot], check=True)
        bench_cpu(app, args.seconds)
        bench_grid(app, args.grid_samples)
        bench_replay(app)
    finally:
        app.close()


if __name__ == "__main__":
    main()

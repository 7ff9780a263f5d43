"""What the window measures about itself for the real-window benchmark (desktop/bench.py).

Off unless $VAE_DIGITS_PROBE names a file; then the window appends JSON lines to it: where its
widgets are on the screen, the points each finished stroke received, how long each map repaint
took, and how long each grid update took from the change to the end of its repaint."""
from __future__ import annotations

import json
import os
import time


class Probe:
    def __init__(self, window, path: str):
        self.window, self._file = window, open(path, "a", buffering=1)
        v = window.view
        self._grid_asked: float | None = None
        v.canvas.sigDrawingChanged.connect(self._stroke)
        v.map.sigPainted.connect(lambda ms: self.write("map_paint", ms=ms))
        window.state.grid.events.connect(self._grid_changed)
        v.grid.sigPainted.connect(self._grid_painted)
        window.sigFirstPaint.connect(self._ready)

    def write(self, event: str, **data) -> None:
        self._file.write(json.dumps({"event": event, "t": time.perf_counter(), **data}) + "\n")

    def _rect(self, widget) -> list[int]:
        top_left = widget.mapToGlobal(widget.rect().topLeft())
        return [top_left.x(), top_left.y(), widget.width(), widget.height()]

    def _ready(self) -> None:
        v = self.window.view
        canvas = v.canvas.target_rect()
        self.write("ready", pid=os.getpid(), canvas=self._rect(v.canvas),
                   canvas_square=[int(canvas.left()), int(canvas.top()), int(canvas.width())],
                   map=self._rect(v.map.viewport()), grid=self._rect(v.grid),
                   replay=self._rect(v.timeline.play) if v.timeline.isVisible() else [0, 0, 0, 0])

    def _stroke(self) -> None:
        self.write("stroke", points=self.window.view.canvas.stroke_points())

    def _grid_changed(self, *_) -> None:
        self._grid_asked = time.perf_counter()

    def _grid_painted(self) -> None:
        if self._grid_asked is not None:
            self.write("grid", ms=1000 * (time.perf_counter() - self._grid_asked), n=self.window.state.grid.n)
            self._grid_asked = None


def attach(window) -> Probe | None:
    path = os.environ.get("VAE_DIGITS_PROBE")
    return Probe(window, path) if path else None

"""The manifold panel: n x n tiles over the ppf square, a rectangle drawn on the map, or draws from
the prior, each one batched decode. However many state changes arrive together (a model load,
a rectangle being dragged), the grid decodes once per frame."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from desktop import grids
from desktop.controllers import Messages
from desktop.frames import FrameCoalescer
from desktop.state import GRID_MODES, State


@dataclass
class RenderedGrid:
    picture: np.ndarray  # (n*H, n*W) uint8
    n: int
    label: str  # the Range text chunk: "ppf", "x0,x1,y0,y1" or "samples"
    coords: np.ndarray  # (n*n, 2) the shown axes' values, row-major, row 0 at the top
    seed: int | None  # the samples' seed


def render(runtime, state: State) -> RenderedGrid:
    """One batched decode of the grid the state describes."""
    g, axes, h_w = state.grid, list(state.view.axes), runtime.card.image_size
    if g.mode == "samples":
        picture, z = grids.decode_samples(runtime.decode, g.n, runtime.latent_dim, g.seed, *h_w)
        return RenderedGrid(picture, g.n, "samples", z[:, axes], g.seed)
    rng = grids.PPF if g.mode == "ppf" else grids.GridRange(*g.rect)
    picture, z = grids.decode_grid(runtime.decode, g.n, rng, runtime.latent_dim, *h_w, axes,
                                   np.asarray(state.view.base, np.float32))
    return RenderedGrid(picture, g.n, rng.label(), z[:, axes], None)


class GridController:
    def __init__(self, state: State, view, messages: Messages):
        self.state, self.view, self.messages = state, view, messages
        self.last: RenderedGrid | None = None
        self.update = FrameCoalescer(self._render, interval_ms=0)  # a rectangle drag asks per mouse move
        self.drag = FrameCoalescer(self._render)
        view.n_spin.valueChanged.connect(lambda n: setattr(state.grid, "n", n))
        view.range_mode.currentIndexChanged.connect(lambda i: setattr(state.grid, "mode", GRID_MODES[i]))
        view.resample_button.clicked.connect(self.resample)
        view.map.sigRegionChanging.connect(self._rect_dragged)
        view.map.sigRegionChanged.connect(lambda r: setattr(state.grid, "rect", tuple(r)))
        view.grid.sigTileHovered.connect(self._tile_hovered)
        state.app.events.model.connect(lambda _: self.update.request())
        state.view.events.connect(lambda *_: self.update.request())
        state.grid.events.connect(self._grid_changed)
        self._show_controls()

    def resample(self) -> None:
        self.state.grid.mode = "samples"
        self.state.grid.seed = int(np.random.default_rng().integers(0, 2**31 - 1))

    def _rect_dragged(self, rect) -> None:
        with self.state.grid.events.blocked():  # the decode follows at frame rate, not per mouse move
            self.state.grid.rect = tuple(rect)
        self.drag.request()

    def _grid_changed(self, *_) -> None:
        self._show_controls()
        self.update.request()

    def _show_controls(self) -> None:
        g, v = self.state.grid, self.view
        # touch only what differs: even an equal value repaints a spin box and relays out the panel
        for w, value, now, put in ((v.n_spin, g.n, v.n_spin.value(), v.n_spin.setValue),
                                   (v.range_mode, GRID_MODES.index(g.mode), v.range_mode.currentIndex(),
                                    v.range_mode.setCurrentIndex)):
            if value != now:
                w.blockSignals(True)
                put(value)
                w.blockSignals(False)
        if v.seed_label.isVisibleTo(v.seed_label.parentWidget()) != (g.mode == "samples"):
            v.seed_label.setVisible(g.mode == "samples")
        if g.mode == "ppf":
            r = grids.PPF
            v.map.set_region(r.x0, r.x1, r.y0, r.y1, editable=False)
        elif g.mode == "rect":
            v.map.set_region(*g.rect, editable=True)
        else:
            v.map.hide_region()

    def _render(self) -> None:
        self.update.cancel()
        self.drag.cancel()
        rt = self.state.app.model
        if rt is None:
            self.last = None
            self.view.grid.set_grid(None)
            return
        self.last = render(rt, self.state)
        self.view.grid.set_grid(self.last.picture, self.last.n, self.last.coords)
        self.view.seed_label.setText("" if self.last.seed is None else f"seed {self.last.seed}")  # one repaint with the grid

    def _tile_hovered(self, row: int, col: int) -> None:
        if self.last is not None:
            zx, zy = self.last.coords[row * self.last.n + col]
            self.messages.status(f"tile row {row + 1}, column {col + 1}: z = ({zx:.3f}, {zy:.3f})")

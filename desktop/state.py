"""What the window shows, free of Qt: evented dataclasses (psygnal, as napari and ndv use them).

Controllers write these fields; views and other controllers subscribe to `<state>.events.<field>`
(each emits the new value when it really changes). Nothing here draws or decodes, so a signal can
never re-enter a widget and repeat work.
"""
from __future__ import annotations

from dataclasses import dataclass

from psygnal import evented

GRID_MODES = ("ppf", "rect", "samples")


@evented
@dataclass
class ViewState:
    """The latent plane the map and the grid show: two axes of z, the other dimensions fixed."""

    axes: tuple[int, int] = (0, 1)
    base: tuple[float, ...] = (0.0, 0.0)  # every dimension's fixed value (the shown axes' are ignored)


@evented
@dataclass
class GridState:
    """The manifold panel: n x n tiles over the reference's ppf square, a rectangle drawn on the
    map, or random draws from the prior."""

    n: int = 15
    mode: str = "ppf"  # one of GRID_MODES
    rect: tuple[float, float, float, float] = (-2.0, 2.0, -2.0, 2.0)  # x0, x1, y0, y1
    seed: int = 0  # the draws of the samples mode


@evented
@dataclass
class WalkState:
    """A straight path in latent space, decoded in one batched run; `frame` is the step shown."""

    start: tuple[float, ...] | None = None
    end: tuple[float, ...] | None = None
    start_label: str = ""
    end_label: str = ""
    steps: int = 10
    frame: int = 0


@evented
@dataclass
class AppState:
    """The current model (a ModelRuntime), the drawing's analysis (an analysis.Encoding), the
    hovered and pinned points (full z) and the training replay's shown epoch (None: the final map)."""

    model: object = None
    encoding: object = None
    hovered: tuple[float, ...] | None = None
    pinned: tuple[float, ...] | None = None
    replay_epoch: int | None = None


class State:
    """All of the app's state, one object per concern."""

    def __init__(self):
        self.app = AppState()
        self.view = ViewState()
        self.grid = GridState()
        self.walk = WalkState()

    def latent_point(self, xy) -> tuple[float, ...]:
        """Full z for a point (x, y) on the shown plane."""
        z = list(self.view.base)
        z[self.view.axes[0]], z[self.view.axes[1]] = float(xy[0]), float(xy[1])
        return tuple(z)

    def shown(self, z) -> tuple[float, float]:
        """The shown plane's coordinates of a full z."""
        return float(z[self.view.axes[0]]), float(z[self.view.axes[1]])

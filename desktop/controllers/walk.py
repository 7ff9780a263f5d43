"""Latent walks in the window: ends from a class, the drawing, the pinned point, a point picked on
the map, coordinates or a picture file; the strip, its path on the map, a scrubber and Play."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QTimer

from desktop import walks
from desktop.analysis import point_text, with_article
from desktop.controllers import Messages
from desktop.frames import FrameCoalescer
from desktop.state import State

PLAY_MS = 100  # a frame every 100 ms while playing, as the GIF export's default


class WalkController:
    def __init__(self, state: State, view, messages: Messages, ask_text, ask_picture):
        self.state, self.view, self.messages = state, view, messages
        self._ask_text, self._ask_picture = ask_text, ask_picture  # dialogs, injected by the window
        self.frames: np.ndarray | None = None  # (k, H, W) uint8, the decoded walk
        self.points: np.ndarray | None = None  # (k, L)
        self._picking: int | None = None  # which end the next map click sets
        self._direction = 1
        self.update = FrameCoalescer(self._decode, interval_ms=0)
        self.timer = QTimer(view.walk)
        self.timer.setInterval(PLAY_MS)
        self.timer.timeout.connect(self._advance)
        p = view.walk
        p.sigEndChosen.connect(self.choose_end)
        p.sigStepsChanged.connect(lambda k: setattr(state.walk, "steps", k))
        p.sigFrameChosen.connect(lambda f: setattr(state.walk, "frame", f))
        p.sigPlayToggled.connect(self.play)
        view.map.sigClicked.connect(self._map_clicked)
        state.app.events.model.connect(self._model_changed)
        state.view.events.connect(lambda *_: self._show_path())
        state.walk.events.connect(self._walk_changed)

    def _model_changed(self, runtime) -> None:
        self.play(False)
        if runtime is None:
            return
        names = runtime.card.class_names
        self.view.walk.set_classes(names)
        with self.state.walk.events.blocked():  # a first walk between the first two classes
            self.choose_end(0, "class", 0)
        self.choose_end(1, "class", min(1, len(names) - 1))

    def set_end(self, which: int, end: walks.End) -> None:
        setattr(self.state.walk, ("start", "end")[which], end.z)
        setattr(self.state.walk, ("start_label", "end_label")[which], end.label)
        self.view.walk.show_end(which, end.label)

    def choose_end(self, which: int, kind: str, value) -> None:
        """Resolve the user's choice to a point; say why when it cannot be had."""
        rt, app = self.state.app.model, self.state.app
        if rt is None:
            return
        try:
            if kind == "class":
                end = walks.class_end(rt, value)
            elif kind == "drawing":
                if app.encoding is None:
                    raise ValueError(f"draw {with_article(rt.card.subject[0])} first")
                end = walks.End(tuple(float(v) for v in app.encoding.z_mean), "the drawing")
            elif kind == "pinned":
                if app.pinned is None:
                    raise ValueError("pin a point first (click the map)")
                end = walks.End(app.pinned, "the pinned point")
            elif kind == "pick":
                self._picking = which
                self.messages.status("click the map to choose this end of the walk")
                return
            elif kind == "coords":
                text = self._ask_text(f"Coordinates ({rt.latent_dim} numbers, comma-separated):")
                if not text:
                    return
                end = walks.coords_end(text, rt.latent_dim)
            else:  # "file"
                enc = self._ask_picture()
                if enc is None:
                    return
                end = walks.End(tuple(float(v) for v in enc[0].z_mean), enc[1])
        except ValueError as e:
            self.messages.error(f"Walk: {e}.")
            return
        self.view.walk.select(which, kind, value)
        self.set_end(which, end)

    def _map_clicked(self, xy) -> None:
        if self._picking is not None:
            which, self._picking = self._picking, None
            z = self.state.latent_point(xy)
            self.view.walk.select(which, "pick")
            self.set_end(which, walks.End(z, point_text(z)))

    def _walk_changed(self, info=None) -> None:
        if info is not None and info.signal.name == "frame":
            return self._show_frame()
        self.view.walk.show_steps(self.state.walk.steps)
        self.update.request()

    def _decode(self) -> None:
        w, rt = self.state.walk, self.state.app.model
        if rt is None or w.start is None or w.end is None:
            self.frames = self.points = None
            self.view.walk.set_strip(None, 0)
            self.view.map.set_path(None)
            return
        self.frames, self.points = walks.decode_walk(rt.decode, w.start, w.end, w.steps, *rt.card.image_size)
        self.view.walk.set_strip(walks.strip(self.frames), w.steps)
        if w.frame >= w.steps:
            w.frame = w.steps - 1  # emits, and shows the frame
        self._show_frame()
        self._show_path()

    def _show_path(self) -> None:
        self.view.map.set_path(None if self.points is None else self.points[:, list(self.state.view.axes)])

    def _show_frame(self) -> None:
        if self.frames is None:
            return
        f = min(self.state.walk.frame, len(self.frames) - 1)
        z = self.points[f]
        self.view.walk.show_frame(f, self.frames[f] / 255.0,
                                  f"step {f + 1}/{len(self.frames)} {point_text(z)}")

    def play(self, on: bool) -> None:
        if on and self.frames is not None:
            self.timer.start()
        else:
            self.timer.stop()
            if self.view.walk.play.isChecked():
                self.view.walk.play.setChecked(False)

    def _advance(self) -> None:
        """Next frame; with "there and back" the direction turns at either end."""
        k, f = self.state.walk.steps, self.state.walk.frame
        if self.view.walk.bounce.isChecked():
            if not 0 <= f + self._direction < k:
                self._direction = -self._direction
            self.state.walk.frame = f + self._direction
        else:
            self.state.walk.frame = (f + 1) % k

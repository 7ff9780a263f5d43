"""The latent map: the test set (or the training replay's epoch), the legend, the drawing's
marker, and hover/pin with their previews. A hovered point decodes at most once per frame."""
from __future__ import annotations

import numpy as np

from desktop.analysis import decode_picture, point_text
from desktop.controllers import Messages
from desktop.frames import FrameCoalescer
from desktop.state import State
from desktop.widgets.latent_map import class_colour


class MapController:
    def __init__(self, state: State, view, messages: Messages):
        self.state, self.view, self.messages = state, view, messages
        self._hover_xy = None
        self.hover = FrameCoalescer(self._decode_hovered)
        m = view.map
        m.sigHovered.connect(self._on_hovered)
        m.sigClicked.connect(self.pin)
        view.legend.sigToggled.connect(m.set_class_visible)
        view.axes.sigAxesChanged.connect(lambda axes: setattr(state.view, "axes", axes))
        view.axes.sigBaseChanged.connect(lambda base: setattr(state.view, "base", base))
        state.app.events.model.connect(self._model_changed)
        state.view.events.connect(self._view_changed)
        state.app.events.replay_epoch.connect(lambda _: self.show_points(autorange=False))
        state.app.events.encoding.connect(lambda _: self._show_marker())
        state.app.events.pinned.connect(self._show_pinned)

    @property
    def runtime(self):
        return self.state.app.model

    def _model_changed(self, runtime) -> None:
        self._hover_xy = None
        self.hover.cancel()
        for preview in (self.view.hover_view, self.view.pinned_view):
            preview.set_image(None)  # never the previous model's pictures
        self.view.map.set_hovered(None)
        if runtime is None:
            return
        names, labels = runtime.card.class_names, runtime.latents.labels
        self.view.legend.set_classes(names, [class_colour(k) for k in range(len(names))],
                                     np.bincount(labels, minlength=len(names)).tolist())
        for k in range(len(names)):
            self.view.map.set_class_visible(k, True)
        self._view_changed()

    def _view_changed(self, *_) -> None:
        if self.runtime is None:
            return
        axes = self.state.view.axes
        self.view.axes.set_view(axes, self.state.view.base)
        self.view.map.set_axis_labels(f"z[{axes[0]}]", f"z[{axes[1]}]")
        self.show_points()
        self._show_marker()
        self._show_pinned(self.state.app.pinned)

    def show_points(self, autorange: bool = True) -> None:
        """The full test set, or the replay's recorded subset at the shown epoch."""
        rt, ax = self.runtime, list(self.state.view.axes)
        if rt is None:
            return
        epoch, history = self.state.app.replay_epoch, rt.history
        if epoch is None or history is None:
            xy, labels = rt.latents.z_mean[:, ax], rt.latents.labels
        else:  # between two recorded epochs the points glide in a straight line
            i = int(np.clip(np.searchsorted(history.epochs, epoch, side="right") - 1, 0, len(history.epochs) - 1))
            j = min(i + 1, len(history.epochs) - 1)
            t = 0.0 if j == i else (epoch - history.epochs[i]) / (history.epochs[j] - history.epochs[i])
            z = (1 - t) * history.z_mean[i] + t * history.z_mean[j]
            xy, labels = z[:, ax], history.labels
        self.view.map.set_points(xy, labels, len(rt.card.class_names), autorange=autorange)

    def _show_marker(self) -> None:
        enc, ax = self.state.app.encoding, list(self.state.view.axes)
        self.view.map.set_marker(None if enc is None else enc.z_mean[ax], None if enc is None else enc.sigma[ax])

    # -- hover and pin ----------------------------------------------------------------------
    def _on_hovered(self, xy) -> None:
        """Record the point and return; the decode runs once per frame at most."""
        self._hover_xy = xy
        if xy is None:
            self.hover.cancel()
            self.view.map.set_hovered(None)
            self.view.hover_view.set_image(None)
            self.state.app.hovered = None
        else:
            self.hover.request()

    def _decode_hovered(self) -> None:
        xy, rt = self._hover_xy, self.runtime
        if xy is None or rt is None:
            return
        z = self.state.latent_point(xy)
        self.view.hover_view.set_image(decode_picture(rt, z), point_text(xy))
        self.view.map.set_hovered(xy)
        self.state.app.hovered = z

    def pin(self, xy) -> None:
        if self.runtime is not None:
            self.state.app.pinned = self.state.latent_point(xy)
            self.messages.status(f"pinned z = ({xy[0]:.4f}, {xy[1]:.4f})")

    def _show_pinned(self, z) -> None:
        rt = self.runtime
        if z is None or rt is None:
            self.view.map.set_pinned(None)
            self.view.pinned_view.set_image(None)
            return
        xy = self.state.shown(z)
        self.view.pinned_view.set_image(decode_picture(rt, z), point_text(xy))
        self.view.map.set_pinned(xy)

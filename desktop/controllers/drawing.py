"""The drawing: canvas ink -> analysis -> the left panel's readouts (the map's marker follows the
state). While a stroke is drawn the analysis runs at most once per frame, outside the mouse
handler; the multi-sample negative ELBO waits for the finished stroke."""
from __future__ import annotations

import numpy as np

from desktop.analysis import analyse, typicality, with_article
from desktop.controllers import Messages
from desktop.frames import FrameCoalescer
from desktop.state import State


class DrawingController:
    def __init__(self, state: State, view, messages: Messages):
        self.state, self.view, self.messages = state, view, messages
        self.live = FrameCoalescer(lambda: self._analyse(full=False))
        self.final = FrameCoalescer(lambda: self._analyse(full=True), interval_ms=0)
        view.canvas.sigStrokeChanging.connect(self.live.request)
        view.canvas.sigDrawingChanged.connect(self.final.request)
        view.brush.valueChanged.connect(view.canvas.set_brush_width)
        view.clear_button.clicked.connect(view.canvas.clear)
        view.undo_button.clicked.connect(view.canvas.undo)
        state.app.events.model.connect(self._model_changed)
        state.app.events.encoding.connect(self._show)

    def _model_changed(self, runtime) -> None:
        subject = with_article(runtime.card.subject[0] if runtime is not None else "digit")
        self.view.coords.setPlaceholderText(f"draw {subject}")
        self.view.canvas.setToolTip(f"Draw {subject} here. Ctrl+Z undoes a stroke, Ctrl+L clears; "
                                    f"drop a picture to encode it.")
        self.final.request()

    def _analyse(self, full: bool) -> None:
        if full:
            self.live.cancel()  # the finished stroke supersedes any pending live update
        rt, ink = self.state.app.model, self.view.canvas.drawing()
        self.state.app.encoding = None if rt is None or ink is None else analyse(rt, ink, full=full)

    def _show(self, enc) -> None:
        v, rt = self.view, self.state.app.model
        v.input_view.set_image(None if enc is None else enc.input)
        v.recon_view.set_image(None if enc is None else enc.reconstruction)
        if enc is None:
            v.coords.clear()
            for label in (v.sigma_label, v.nll_label, v.typical_label):
                label.setText("–")
            return
        v.coords.setText(", ".join(f"{x:.3f}" for x in enc.z_mean))
        v.coords.setCursorPosition(0)  # show the start when the field is narrower than the text
        v.sigma_label.setText(", ".join(f"{s:.3f}" for s in enc.sigma))
        v.nll_label.setText("…" if enc.neg_elbo is None else f"{enc.neg_elbo:.1f} nats")
        v.typical_label.setText(typicality(enc, rt.card))

    def load_picture(self, gray: np.ndarray, path: str) -> bool:
        """Show a picture on the canvas (analysed as it is, by the card's recipe); a blank one is refused."""
        from desktop.imaging import gray_to_ink, to_input

        ink = gray_to_ink(gray)
        recipe, size = (self.state.app.model.card.recipe, self.state.app.model.card.image_size[0]) \
            if self.state.app.model is not None else ("mnist", 28)
        if to_input(ink, recipe, size) is None:
            self.messages.error(f"{path}: the picture is blank (nothing stands out from its background)")
            return False
        self.view.canvas.set_picture(ink)
        return True

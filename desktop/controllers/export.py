"""Exports: the grid (PNG with text chunks), the map as shown, a walk's strip (PNG) and its GIF.
Every file is written to a temporary file and renamed; a failure is one line and changes nothing."""
from __future__ import annotations

from desktop import walks
from desktop.controllers import Messages
from desktop.controllers.grid import render
from desktop.files import ImageError
from desktop.pngio import save_image_atomic, save_png
from desktop.state import State


class ExportController:
    def __init__(self, state: State, view, messages: Messages, walk_controller):
        self.state, self.view, self.messages, self._walk = state, view, messages, walk_controller

    def _write(self, path: str, write) -> bool:
        """Run `write()`; say where the file went, or the one line why it was not written."""
        try:
            write()
        except ImageError as e:
            return self._failed(e)
        self.messages.status(f"wrote {path}")
        return True

    def _failed(self, e: Exception) -> bool:
        self.messages.error(str(e))
        return False

    def grid(self, path: str, scale: int) -> bool:
        rt = self.state.app.model
        if rt is None:
            return self._failed(ImageError("Open a model first."))
        g = render(rt, self.state)  # the grid as the state describes it, decoded afresh
        text = {"Model": rt.name, "n": str(g.n), "Range": g.label, "Software": "vae-digits"}
        if g.seed is not None:
            text["Seed"] = str(g.seed)
        return self._write(path, lambda: save_png(g.picture, path, scale, text))

    def map(self, path: str) -> bool:
        """The map as shown (without the hover circle), at the screen's pixel ratio."""
        rt = self.state.app.model
        return self._write(path, lambda: save_image_atomic(self.view.map.grab_without_hover().toImage(), path,
                                                           {"Model": rt.name if rt else ""}))

    def _walk_text(self) -> dict[str, str]:
        w = self.state.walk
        return {"Model": self.state.app.model.name, "From": w.start_label, "To": w.end_label,
                "Steps": str(w.steps), "Software": "vae-digits"}

    def walk_strip(self, path: str, scale: int) -> bool:
        if self._walk.frames is None:
            return self._failed(ImageError("Choose both ends of a walk first."))
        return self._write(path, lambda: save_png(walks.strip(self._walk.frames), path, scale, self._walk_text()))

    def walk_gif(self, path: str, scale: int, frame_ms: int, bounce: bool) -> bool:
        if self._walk.frames is None:
            return self._failed(ImageError("Choose both ends of a walk first."))
        return self._write(path, lambda: walks.write_gif(self._walk.frames, path, frame_ms, scale, bounce))

"""Expensive updates at most once per frame, never inside the event handler that asked for them."""
from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QObject, QTimer

FRAME_MS = 16  # one 60 Hz frame


class FrameCoalescer(QObject):
    """Runs `callback` from the event loop at most once per `interval_ms`, however often
    `request()` is called in between: a mouse handler records its point, requests, and returns."""

    def __init__(self, callback, interval_ms: int = FRAME_MS, parent=None):
        super().__init__(parent)
        self._callback = callback
        self._interval = interval_ms
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._run)
        self._clock = QElapsedTimer()

    def request(self) -> None:
        if self._timer.isActive():
            return
        since = self._clock.elapsed() if self._clock.isValid() else self._interval
        self._timer.start(max(0, self._interval - since))

    def pending(self) -> bool:
        return self._timer.isActive()

    def flush(self) -> None:
        """Run now if a run is pending (e.g. before a final update that must see the latest state)."""
        if self._timer.isActive():
            self._timer.stop()
            self._run()

    def cancel(self) -> None:
        self._timer.stop()

    def _run(self) -> None:
        self._clock.restart()
        self._callback()

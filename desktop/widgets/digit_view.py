"""A small picture of one digit, crisp pixels, with a caption."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QWidget

from desktop.pngio import to_qimage


class DigitView(QWidget):
    """Shows an (H, W) image in [0, 1] scaled up without smoothing; None shows an empty frame."""

    def __init__(self, caption: str, side: int = 112, parent=None):
        super().__init__(parent)
        self.caption = caption
        self.setFixedSize(side, side + 18)
        self._image = None
        self.setToolTip(caption)

    def set_image(self, image: np.ndarray | None) -> None:
        self._image = None if image is None else to_qimage(image)
        self.update()

    def paintEvent(self, event):
        p = QPainter(self)
        side = self.width()
        p.fillRect(0, 0, side, side, Qt.GlobalColor.black)
        if self._image is not None:
            p.drawImage(self.rect().adjusted(0, 0, 0, -18), self._image)
        p.setPen(self.palette().windowText().color())
        p.drawText(0, side, side, 18, Qt.AlignmentFlag.AlignCenter, self.caption)
        p.end()

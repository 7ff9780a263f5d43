"""A small picture with a caption under it (the caption can carry a z)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop.pngio import to_qimage

CAPTION = 18  # pixels under the picture


class DigitView(QWidget):
    """Shows an (H, W) image in [0, 1] scaled up without smoothing; None shows an empty frame."""

    def __init__(self, caption: str, side: int = 84, parent=None):
        super().__init__(parent)
        self.title = caption
        self.caption = caption
        self.setMinimumSize(side, side + CAPTION)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self._image = None
        self.setToolTip(caption)

    def has_image(self) -> bool:
        return self._image is not None

    def set_image(self, image: np.ndarray | None, caption: str | None = None) -> None:
        self._image = None if image is None else to_qimage(image)
        self.caption = caption or self.title
        self.update()

    def heightForWidth(self, w: int) -> int:
        return w + CAPTION

    def hasHeightForWidth(self) -> bool:
        return True

    def paintEvent(self, event):
        p = QPainter(self)
        side = max(1, min(self.width(), self.height() - CAPTION))
        box = QRect((self.width() - side) // 2, 0, side, side)
        p.fillRect(box, Qt.GlobalColor.black)
        if self._image is not None:
            p.drawImage(box, self._image)
        p.setPen(self.palette().windowText().color())
        p.drawText(0, side, self.width(), CAPTION, Qt.AlignmentFlag.AlignCenter, self.caption)
        p.end()

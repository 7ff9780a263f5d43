"""The manifold grid: n x n decoded tiles, with each tile's z on hover."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from desktop.pngio import to_qimage


class ManifoldGrid(QWidget):
    """Draws an assembled grid picture fitted into the widget: enlarged with crisp pixels, reduced
    smoothly (a 60 x 60 grid at ~6 screen pixels a tile would alias into noise). Exports stay crisp.

    Signals:
        sigTileHovered(int, int): row (0 at the top) and column under the pointer.
        sigPainted(): a repaint finished (the benchmarks listen).
    """

    sigTileHovered = Signal(int, int)
    sigPainted = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("manifoldGrid")
        self.setMouseTracking(True)
        self.setMinimumSize(240, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._image: QImage | None = None
        self._scaled: QImage | None = None  # the smooth reduction for the current size
        self._n = 0
        self._coords: np.ndarray | None = None  # (n*n, 2) the shown axes' values, row-major

    @property
    def n(self) -> int:
        return self._n

    def has_picture(self) -> bool:
        return self._image is not None

    def set_grid(self, picture: np.ndarray | None, n: int = 0, coords: np.ndarray | None = None) -> None:
        # RGB32 is the raster engine's own format: drawing it scaled costs half of Grayscale8
        self._image = None if picture is None else to_qimage(picture).convertToFormat(QImage.Format.Format_RGB32)
        self._scaled = None
        self._n, self._coords = n, coords
        self.update()

    def target_rect(self) -> QRect:
        """Where the picture is drawn: the largest centred square that fits."""
        side = min(self.width(), self.height())
        return QRect((self.width() - side) // 2, (self.height() - side) // 2, side, side)

    def paintEvent(self, event):
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().window())
        if self._image is not None:
            r = self.target_rect()
            if r.width() >= self._image.width():
                p.drawImage(r, self._image)  # enlarged: nearest neighbour, tiles stay crisp
            elif 2 * r.width() >= self._image.width():  # a mild reduction: bilinear filtering while drawing
                p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
                p.drawImage(r, self._image)
            else:  # a strong one (60 x 60 in a small panel): averaged once per size, drawn as is
                if self._scaled is None or self._scaled.size() != r.size():
                    self._scaled = self._image.scaled(r.size(), Qt.AspectRatioMode.IgnoreAspectRatio,
                                                      Qt.TransformationMode.SmoothTransformation)
                p.drawImage(r.topLeft(), self._scaled)
        p.end()
        self.sigPainted.emit()

    def tile_at(self, x: float, y: float) -> tuple[int, int] | None:
        r = self.target_rect()
        if not self._n or not r.contains(int(x), int(y)):
            return None
        col = int((x - r.left()) * self._n / r.width())
        row = int((y - r.top()) * self._n / r.height())
        return min(row, self._n - 1), min(col, self._n - 1)

    def mouseMoveEvent(self, event):
        tile = self.tile_at(event.position().x(), event.position().y())
        if tile is None or self._coords is None:
            return
        row, col = tile
        zx, zy = self._coords[row * self._n + col]
        QToolTip.showText(event.globalPosition().toPoint(), f"z = ({zx:.3f}, {zy:.3f})", self)
        self.sigTileHovered.emit(row, col)

"""The drawing canvas: white ink on black, antialiased round brush, undo by stroke."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QElapsedTimer, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop.pngio import _to_array, to_qimage


class DrawCanvas(QWidget):
    """Draw with the mouse or a pen (Qt turns tablet input into mouse events).

    Signals:
        sigDrawingChanging(object): the ink (H, W) float32 while a stroke is drawn, at most one
            per `throttle_ms`.
        sigDrawingChanged(object): the ink after a stroke ends, an undo, a clear or a load; None
            when the canvas is empty.
        sigFileDropped(str): a local file dropped on the canvas.
    """

    sigDrawingChanging = Signal(object)
    sigDrawingChanged = Signal(object)
    sigFileDropped = Signal(str)

    SIDE = 280  # ten canvas pixels per MNIST pixel

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("drawCanvas")
        self.setFixedSize(self.SIDE, self.SIDE)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setAcceptDrops(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Draw a digit. Ctrl+Z undoes a stroke, Ctrl+L clears; drop an image to encode it.")
        self.brush_width = 22.0
        self.throttle_ms = 16  # one live encode per 60 Hz frame at most
        self._strokes: list[tuple[float, list[QPointF]]] = []
        self._background: QImage | None = None  # a loaded picture, under the strokes
        self._image = QImage(self.SIDE, self.SIDE, QImage.Format.Format_Grayscale8)
        self._clock = QElapsedTimer()
        self._redraw()

    # -- state --------------------------------------------------------------------------
    def set_brush_width(self, width: float) -> None:
        self.brush_width = float(width)

    def is_empty(self) -> bool:
        return not self._strokes and self._background is None

    def ink(self) -> np.ndarray:
        """(H, W) float32 in [0, 1], ink high."""
        return _to_array(self._image, 1)[..., 0].astype(np.float32) / 255

    def clear(self) -> None:
        self._strokes.clear()
        self._background = None
        self._redraw()
        self.sigDrawingChanged.emit(None)

    def undo(self) -> None:
        """Remove the last stroke (or, with none left, the loaded picture)."""
        if self._strokes:
            self._strokes.pop()
        elif self._background is not None:
            self._background = None
        else:
            return
        self._redraw()
        self._emit_changed()

    def set_picture(self, ink: np.ndarray) -> None:
        """Show a picture (ink high, any size) fitted into the canvas; strokes are cleared."""
        img = to_qimage(ink)
        self._background = img.scaled(self.SIDE, self.SIDE, Qt.AspectRatioMode.KeepAspectRatio,
                                      Qt.TransformationMode.SmoothTransformation)
        self._strokes.clear()
        self._redraw()
        self._emit_changed()

    def _emit_changed(self) -> None:
        self.sigDrawingChanged.emit(None if self.is_empty() else self.ink())

    # -- painting -------------------------------------------------------------------------
    def _pen(self, width: float) -> QPen:
        return QPen(QColor("white"), width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)

    def _redraw(self) -> None:
        self._image.fill(0)
        p = QPainter(self._image)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self._background is not None:
            bg = self._background
            p.drawImage(QPointF((self.SIDE - bg.width()) / 2, (self.SIDE - bg.height()) / 2), bg)
        for width, points in self._strokes:
            self._paint_stroke(p, width, points)
        p.end()
        self.update()

    def _paint_stroke(self, p: QPainter, width: float, points: list[QPointF]) -> None:
        p.setPen(self._pen(width))
        if len(points) == 1:
            p.drawPoint(points[0])
        else:
            for a, b in zip(points[:-1], points[1:]):
                p.drawLine(a, b)

    def paintEvent(self, event):
        p = QPainter(self)
        p.drawImage(0, 0, self._image)
        p.end()

    # -- input ----------------------------------------------------------------------------
    def mousePressEvent(self, event):
        if event.button() != Qt.MouseButton.LeftButton:
            return
        self._strokes.append((self.brush_width, [event.position()]))
        self._paint_segment([event.position()])
        self._clock.start()
        self.sigDrawingChanging.emit(self.ink())

    def mouseMoveEvent(self, event):
        if not (event.buttons() & Qt.MouseButton.LeftButton) or not self._strokes:
            return
        points = self._strokes[-1][1]
        points.append(event.position())
        self._paint_segment(points[-2:])
        if self._clock.elapsed() >= self.throttle_ms:
            self._clock.restart()
            self.sigDrawingChanging.emit(self.ink())

    def mouseReleaseEvent(self, event):
        if event.button() == Qt.MouseButton.LeftButton and self._strokes:
            self._emit_changed()

    def _paint_segment(self, points: list[QPointF]) -> None:
        p = QPainter(self._image)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._paint_stroke(p, self._strokes[-1][0], points)
        p.end()
        r = self.brush_width
        xs, ys = [q.x() for q in points], [q.y() for q in points]
        self.update(QRectF(min(xs) - r, min(ys) - r, max(xs) - min(xs) + 2 * r, max(ys) - min(ys) + 2 * r).toAlignedRect())

    def dragEnterEvent(self, event):
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event):
        files = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if files:
            self.sigFileDropped.emit(files[0])
            event.acceptProposedAction()

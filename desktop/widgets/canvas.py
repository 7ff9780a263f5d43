"""The drawing canvas: white ink on black, antialiased round brush, undo by stroke.

Every position the mouse or pen reports is kept: the handler appends the point, paints the new
segment into the ink image and returns; whoever listens to sigStrokeChanging coalesces its work
(app.py turns off Qt's compression of mouse moves, so none are merged away while it works).
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop.pngio import _to_array, to_qimage


class DrawCanvas(QWidget):
    """Draw with the mouse or a pen (Qt turns tablet input into mouse events); a square that
    grows with the window. The ink lives in a RESOLUTION x RESOLUTION image.

    Signals:
        sigStrokeChanging(): a stroke grew by one point (cheap to emit; listeners coalesce).
        sigDrawingChanged(): a stroke ended, or an undo, a clear or a picture changed the drawing.
        sigFileDropped(str): a local file dropped on the canvas.
    """

    sigStrokeChanging = Signal()
    sigDrawingChanged = Signal()
    sigFileDropped = Signal(str)

    RESOLUTION = 280  # ten ink pixels per MNIST pixel

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("drawCanvas")
        self.setMinimumSize(200, 200)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)  # a square: the panel's readouts keep the height below it
        self.setSizePolicy(policy)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # a click takes focus from the spin boxes
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Draw here. Ctrl+Z undoes a stroke, Ctrl+L clears; drop a picture to encode it.")
        self.brush_width = 22.0  # in ink pixels
        self._strokes: list[tuple[float, list[QPointF]]] = []
        self._picture: np.ndarray | None = None  # a loaded picture's own ink, analysed as it is
        self._background: QImage | None = None  # the picture as shown, under the strokes
        side = self.RESOLUTION
        self._image = QImage(side, side, QImage.Format.Format_Grayscale8)
        self._redraw()

    def heightForWidth(self, width: int) -> int:
        return width

    def sizeHint(self):
        from PySide6.QtCore import QSize

        return QSize(self.RESOLUTION, self.RESOLUTION)

    # -- state --------------------------------------------------------------------------
    def set_brush_width(self, width: float) -> None:
        self.brush_width = float(width)

    def is_empty(self) -> bool:
        return not self._strokes and self._picture is None

    def stroke_points(self) -> int:
        """Points the last stroke received (the benchmarks count them against those sent)."""
        return len(self._strokes[-1][1]) if self._strokes else 0

    def ink(self) -> np.ndarray:
        """(RESOLUTION, RESOLUTION) float32 in [0, 1] as shown, ink high."""
        return _to_array(self._image, 1)[..., 0].astype(np.float32) / 255

    def drawing(self) -> np.ndarray | None:
        """What to analyse: a loaded picture's own ink while nothing is drawn over it (so the window
        and `vae-digits encode` see the same pixels), else the canvas; None when empty."""
        if self.is_empty():
            return None
        return self._picture if not self._strokes else self.ink()

    def clear(self) -> None:
        self._strokes.clear()
        self._picture = self._background = None
        self._redraw()
        self.sigDrawingChanged.emit()

    def undo(self) -> None:
        """Remove the last stroke (or, with none left, the loaded picture)."""
        if self._strokes:
            self._strokes.pop()
        elif self._picture is not None:
            self._picture = self._background = None
        else:
            return
        self._redraw()
        self.sigDrawingChanged.emit()

    def set_picture(self, ink: np.ndarray) -> None:
        """Show a picture's ink (ink high, any size) fitted into the canvas; strokes are cleared."""
        side = self.RESOLUTION
        self._picture = np.asarray(ink, np.float32)
        self._background = to_qimage(self._picture).scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio,
                                                           Qt.TransformationMode.SmoothTransformation)
        self._strokes.clear()
        self._redraw()
        self.sigDrawingChanged.emit()

    # -- painting -------------------------------------------------------------------------
    def _pen(self, width: float) -> QPen:
        return QPen(QColor("white"), width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)

    def _redraw(self) -> None:
        self._image.fill(0)
        p = QPainter(self._image)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self._background is not None:
            bg, side = self._background, self.RESOLUTION
            p.drawImage(QPointF((side - bg.width()) / 2, (side - bg.height()) / 2), bg)
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

    def target_rect(self) -> QRectF:
        """Where the ink image is shown: the largest centred square."""
        side = min(self.width(), self.height())
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def paintEvent(self, event):
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().window())
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.drawImage(self.target_rect(), self._image)
        p.end()

    # -- input ----------------------------------------------------------------------------
    def _to_ink(self, pos: QPointF) -> QPointF:
        r = self.target_rect()
        k = self.RESOLUTION / r.width()
        return QPointF((pos.x() - r.left()) * k, (pos.y() - r.top()) * k)

    def mousePressEvent(self, event):
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        point = self._to_ink(event.position())
        self._strokes.append((self.brush_width, [point]))
        self._paint_segment([point])
        self.sigStrokeChanging.emit()

    def mouseMoveEvent(self, event):
        if not (event.buttons() & Qt.MouseButton.LeftButton) or not self._strokes:
            return
        points = self._strokes[-1][1]
        points.append(self._to_ink(event.position()))
        self._paint_segment(points[-2:])
        self.sigStrokeChanging.emit()

    def mouseReleaseEvent(self, event):
        if event.button() == Qt.MouseButton.LeftButton and self._strokes:
            self.sigDrawingChanged.emit()

    def _paint_segment(self, points: list[QPointF]) -> None:
        """Paint only the newest segment into the ink image and repaint only the screen area it covers."""
        p = QPainter(self._image)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._paint_stroke(p, self._strokes[-1][0], points)
        p.end()
        r, k = self.target_rect(), self.target_rect().width() / self.RESOLUTION
        pad = self.brush_width
        xs, ys = [q.x() for q in points], [q.y() for q in points]
        ink_rect = QRectF(min(xs) - pad, min(ys) - pad, max(xs) - min(xs) + 2 * pad, max(ys) - min(ys) + 2 * pad)
        screen = QRectF(r.left() + ink_rect.left() * k, r.top() + ink_rect.top() * k, ink_rect.width() * k,
                        ink_rect.height() * k)
        self.update(screen.toAlignedRect().adjusted(-1, -1, 1, 1))

    def dragEnterEvent(self, event):
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event):
        files = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if files:
            self.sigFileDropped.emit(files[0])
            event.acceptProposedAction()

"""The latent map (pyqtgraph): the test set's z_mean by class, the drawing's marker, the hovered
and pinned points, the grid's extent and a walk's path.

The 10,000 points are drawn once into a cache per model, axes and view change (Qt's device
coordinate cache on each class's scatter): moving the marker or the hover circle repaints only
their small areas, from that cache, instead of redrawing every point.
"""
from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtWidgets import QGraphicsItem

CLASS_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                 "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]  # matplotlib's tab10
_CIRCLE = np.linspace(0, 2 * np.pi, 65)
RECT_PEN = pg.mkPen("#111", width=2, style=Qt.PenStyle.DashLine)  # no class colour


def class_colour(k: int) -> str:
    return CLASS_COLOURS[k % len(CLASS_COLOURS)]


class _MapViewBox(pg.ViewBox):
    """Left-drag draws a rectangle when `drawing_rect` is on (pan then with the middle button);
    otherwise pyqtgraph's pan and zoom."""

    def __init__(self, on_rect):
        super().__init__()
        self.drawing_rect = False
        self._on_rect = on_rect  # (x0, x1, y0, y1, finished)

    def mouseDragEvent(self, ev, axis=None):
        if not (self.drawing_rect and ev.button() == Qt.MouseButton.LeftButton):
            return super().mouseDragEvent(ev, axis)
        ev.accept()
        a, b = self.mapSceneToView(ev.buttonDownScenePos()), self.mapSceneToView(ev.scenePos())
        x0, x1 = sorted((a.x(), b.x()))
        y0, y1 = sorted((a.y(), b.y()))
        if x1 > x0 and y1 > y0:
            self._on_rect(x0, x1, y0, y1, ev.isFinish())


class LatentMap(pg.PlotWidget):
    """Zoom with the wheel, pan by dragging; in rectangle mode a drag draws the grid's rectangle.

    Signals:
        sigHovered(object): (2,) point under the pointer, or None when it leaves the map.
        sigClicked(object): (2,) point clicked (to pin).
        sigRegionChanging(object): (x0, x1, y0, y1) while the grid rectangle is drawn or resized.
        sigRegionChanged(object): (x0, x1, y0, y1) once the drawing or resizing ends.
        sigPainted(float): milliseconds a repaint of the map took (the benchmarks listen).
    """

    sigPainted = Signal(float)
    sigHovered = Signal(object)
    sigClicked = Signal(object)
    sigRegionChanging = Signal(object)
    sigRegionChanged = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent, background="w", viewBox=_MapViewBox(self._rect_drawn))
        self.setObjectName("latentMap")
        self.setMinimumSize(280, 240)
        plot = self.getPlotItem()
        plot.showGrid(x=True, y=True, alpha=0.2)
        plot.setAspectLocked(True)
        plot.setLabels(bottom="z[0]", left="z[1]")
        self.points = pg.ScatterPlotItem(size=3, pen=None)
        self.points.setZValue(1)
        self.points.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)  # rendered once per view
        plot.addItem(self.points)
        self._labels: np.ndarray | None = None
        self._brushes: list | None = None
        self._hidden: set[int] = set()
        self.extent = pg.ROI([-1.6, -1.6], [3.3, 3.3], pen=RECT_PEN, movable=False, resizable=False,
                             rotatable=False, handlePen=pg.mkPen("#111", width=3),
                             handleHoverPen=pg.mkPen("#ff00ff", width=4))
        self.extent.handleSize = 11  # pyqtgraph's default 5 px handles were nearly invisible
        self.extent.setZValue(5)
        plot.addItem(self.extent)
        self.extent.sigRegionChanged.connect(lambda roi: self.sigRegionChanging.emit(self.region()))
        self.extent.sigRegionChangeFinished.connect(lambda roi: self.sigRegionChanged.emit(self.region()))
        ink = pg.mkPen("k", width=1.5)
        # light items on top of the cached points; none of them moves the view (ignoreBounds)
        self.path = pg.PlotDataItem(pen=pg.mkPen("#444", width=2), symbol="o", symbolSize=5, symbolBrush="#444")
        self.sigma1 = pg.PlotDataItem(pen=pg.mkPen("k", width=2))
        self.sigma2 = pg.PlotDataItem(pen=pg.mkPen("k", width=1, style=Qt.PenStyle.DashLine))
        for item in (self.path, self.sigma1, self.sigma2):
            plot.addItem(item, ignoreBounds=True)
        self.marker = pg.ScatterPlotItem(size=12, symbol="+", pen=pg.mkPen("k", width=2.5), brush=None)
        self.hovered = pg.ScatterPlotItem(size=9, symbol="o", pen=ink, brush=pg.mkBrush(255, 255, 255, 160))
        self.pinned = pg.ScatterPlotItem(size=12, symbol="star", pen=ink, brush=pg.mkBrush("#ffd700"))
        for item in (self.marker, self.hovered, self.pinned):
            plot.addItem(item, ignoreBounds=True)
        for item in (self.path, self.sigma1, self.sigma2, self.marker, self.hovered, self.pinned):
            item.setZValue(10)  # above the test set
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self._quiet_hover()

    def _quiet_hover(self) -> None:
        """pyqtgraph asks every item under the pointer whether it wants hover events on each move
        (a third of the app's CPU while hovering at 60 Hz); only the rectangle's handles use them."""
        scene, send = self.scene(), self.scene().sendHoverEvents

        def when_needed(ev, exitOnly=False):
            if exitOnly or self.getPlotItem().vb.drawing_rect:
                send(ev, exitOnly)

        scene.sendHoverEvents = when_needed

    # -- data ------------------------------------------------------------------------------
    def set_points(self, xy: np.ndarray, labels: np.ndarray, classes: int, autorange: bool = True) -> None:
        """(M, 2) points coloured by class (0..classes-1); hidden classes stay hidden. One scatter
        item for all classes: the scene asks every item for its bounds on each pointer move."""
        if self._brushes is None or len(self._brushes) != classes:
            self._brushes = [pg.mkBrush(class_colour(k)) for k in range(classes)]
        self._labels = np.asarray(labels)
        self.points.setData(xy[:, 0], xy[:, 1], brush=[self._brushes[k] for k in self._labels])
        self._apply_visibility()
        if autorange:  # fit the test set once, then hold the view: a moving marker never re-renders the points
            vb = self.getPlotItem().vb
            vb.autoRange(items=[self.points], padding=0.05)
            vb.disableAutoRange()

    def _apply_visibility(self) -> None:
        if self._labels is not None:
            self.points.setPointsVisible(~np.isin(self._labels, list(self._hidden)))

    def set_class_visible(self, k: int, visible: bool) -> None:
        (self._hidden.discard if visible else self._hidden.add)(k)
        self._apply_visibility()

    def class_visible(self, k: int) -> bool:
        return k not in self._hidden

    def shown_points(self) -> np.ndarray:
        """(M, 2) the points drawn now (visible classes only)."""
        x, y = self.points.getData()
        keep = np.ones(len(x), bool) if not self._hidden else ~np.isin(self._labels, list(self._hidden))
        return np.stack([x, y], 1)[keep]

    def set_marker(self, xy: np.ndarray | None, sigma: np.ndarray | None = None) -> None:
        """The drawing at xy (2,) with ellipses of 1 and 2 standard deviations (2,); None hides."""
        if xy is None:
            for item in (self.marker, self.sigma1, self.sigma2):
                item.setData([], [])
            return
        self.marker.setData([xy[0]], [xy[1]])
        for item, k in ((self.sigma1, 1), (self.sigma2, 2)):
            item.setData(xy[0] + k * sigma[0] * np.cos(_CIRCLE), xy[1] + k * sigma[1] * np.sin(_CIRCLE))

    def set_hovered(self, xy) -> None:
        self.hovered.setData([] if xy is None else [xy[0]], [] if xy is None else [xy[1]])

    def set_pinned(self, xy) -> None:
        self.pinned.setData([] if xy is None else [xy[0]], [] if xy is None else [xy[1]])

    def set_path(self, xy: np.ndarray | None) -> None:
        """A walk's points (k, 2) joined by a line; None hides it."""
        self.path.setData([] if xy is None else xy[:, 0], [] if xy is None else xy[:, 1])

    def set_axis_labels(self, x: str, y: str) -> None:
        self.getPlotItem().setLabels(bottom=x, left=y)

    def set_region(self, x0: float, x1: float, y0: float, y1: float, editable: bool) -> None:
        """Draw the grid's extent; editable: a drag on the map draws it anew, corner handles resize it."""
        self.extent.blockSignals(True)  # a change made here is no user's edit (adding handles emits too)
        self.extent.setPos([x0, y0])
        self.extent.setSize([x1 - x0, y1 - y0])
        self.extent.setVisible(True)
        self.getPlotItem().vb.drawing_rect = editable
        have = bool(self.extent.getHandles())
        if editable and not have:
            for corner in ([1, 1], [0, 0], [1, 0], [0, 1]):
                self.extent.addScaleHandle(corner, [1 - corner[0], 1 - corner[1]])
        elif not editable and have:
            for h in self.extent.getHandles():
                self.extent.removeHandle(h)
        self.extent.blockSignals(False)
        self.setToolTip("Drag on the map to draw the grid's rectangle; drag its corner handles to resize it; "
                        "pan with the middle button, zoom with the wheel" if editable else
                        "Hover to decode a point, click to pin it; drag to pan, wheel to zoom")

    def hide_region(self) -> None:
        self.extent.setVisible(False)
        self.getPlotItem().vb.drawing_rect = False

    def region(self) -> tuple[float, float, float, float]:
        (x0, y0), (w, h) = self.extent.pos(), self.extent.size()
        return float(x0), float(x0 + w), float(y0), float(y0 + h)

    def _rect_drawn(self, x0, x1, y0, y1, finished: bool) -> None:
        self.extent.blockSignals(True)
        self.extent.setPos([x0, y0])
        self.extent.setSize([x1 - x0, y1 - y0])
        self.extent.blockSignals(False)
        (self.sigRegionChanged if finished else self.sigRegionChanging).emit((x0, x1, y0, y1))

    def grab_without_hover(self):
        """The map as shown, without the hover circle (for export)."""
        self.hovered.setVisible(False)
        try:
            return self.grab()
        finally:
            self.hovered.setVisible(True)

    def paintEvent(self, event):
        t = time.perf_counter()
        super().paintEvent(event)
        self.sigPainted.emit(1000 * (time.perf_counter() - t))

    # -- input -----------------------------------------------------------------------------
    def _to_view(self, scene_pos) -> np.ndarray | None:
        vb = self.getPlotItem().vb
        if not vb.sceneBoundingRect().contains(scene_pos):
            return None
        p = vb.mapSceneToView(scene_pos)
        return np.array([p.x(), p.y()], np.float32)

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        self.sigHovered.emit(self._to_view(scene_pos))

    def leaveEvent(self, event):
        self.sigHovered.emit(None)
        super().leaveEvent(event)

    def _on_mouse_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        xy = self._to_view(event.scenePos())
        rect = self.extent.mapRectToScene(QRectF(0, 0, *self.extent.size()))
        on_editable_rectangle = self.getPlotItem().vb.drawing_rect and rect.contains(event.scenePos())
        if xy is not None and not on_editable_rectangle:  # a click on the rectangle drags it instead
            self.sigClicked.emit(xy)

"""The latent map: the test set's z_mean by class (pyqtgraph), the drawing's marker with its
1-sigma and 2-sigma ellipses, the hovered and pinned points and the grid's extent."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal

CLASS_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                 "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]  # matplotlib's tab10
_CIRCLE = np.linspace(0, 2 * np.pi, 65)


class LatentMap(pg.PlotWidget):
    """Zoom with the wheel, pan by dragging; click a legend entry to hide or show its class.

    Signals:
        sigHovered(object): (2,) latent point under the pointer.
        sigClicked(object): (2,) latent point clicked (pinned).
        sigRegionChanging(object): (x0, x1, y0, y1) while the grid rectangle is dragged.
    """

    sigHovered = Signal(object)
    sigClicked = Signal(object)
    sigRegionChanging = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent, background="w")
        self.setObjectName("latentMap")
        self.setMinimumSize(360, 360)
        plot = self.getPlotItem()
        plot.showGrid(x=True, y=True, alpha=0.2)
        plot.setAspectLocked(True)
        self.legend = plot.addLegend(offset=(5, 5), labelTextSize="8pt")
        self._classes: list[pg.ScatterPlotItem] = []
        self.extent = pg.RectROI([-1.6, -1.6], [3.3, 3.3], pen=pg.mkPen("#444", width=1.5, style=Qt.PenStyle.DashLine),
                                 movable=False, resizable=False, rotatable=False)
        for h in self.extent.getHandles():
            self.extent.removeHandle(h)
        self.extent.setZValue(5)
        plot.addItem(self.extent)
        self.extent.sigRegionChanged.connect(lambda roi: self.sigRegionChanging.emit(self.region()))
        ink = pg.mkPen("k", width=1.5)
        self.sigma1 = plot.plot(pen=pg.mkPen("k", width=2))
        self.sigma2 = plot.plot(pen=pg.mkPen("k", width=1, style=Qt.PenStyle.DashLine))
        self.marker = pg.ScatterPlotItem(size=14, symbol="+", pen=pg.mkPen("k", width=3), brush=None)
        self.hovered = pg.ScatterPlotItem(size=9, symbol="o", pen=ink, brush=pg.mkBrush(255, 255, 255, 160))
        self.pinned = pg.ScatterPlotItem(size=12, symbol="star", pen=ink, brush=pg.mkBrush("#ffd700"))
        for item in (self.marker, self.hovered, self.pinned):
            plot.addItem(item)
        for item in (self.sigma1, self.sigma2, self.marker, self.hovered, self.pinned):
            item.setZValue(10)  # above the test set
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.scene().sigMouseClicked.connect(self._on_mouse_clicked)

    # -- data ------------------------------------------------------------------------------
    def set_points(self, xy: np.ndarray, labels: np.ndarray, class_names: list[str]) -> None:
        """(M, 2) points coloured by class; the legend lists each class with its count."""
        for item in self._classes:
            self.removeItem(item)
        self.legend.clear()
        self._classes = []
        for k, name in enumerate(class_names):
            pts = xy[labels == k]
            item = pg.ScatterPlotItem(pts[:, 0], pts[:, 1], size=3, pen=None,
                                      brush=pg.mkBrush(CLASS_COLOURS[k % len(CLASS_COLOURS)]), name=name)
            item.setZValue(1)
            self.addItem(item)  # named items join the legend by themselves
            self._classes.append(item)
        self.getPlotItem().enableAutoRange()

    def class_visible(self, k: int) -> bool:
        return self._classes[k].isVisible()

    def set_marker(self, xy: np.ndarray | None, sigma: np.ndarray | None = None) -> None:
        """The drawing at xy (2,) with ellipses of 1 and 2 standard deviations (2,); None hides."""
        if xy is None:
            self.marker.setData([], [])
            self.sigma1.setData([], [])
            self.sigma2.setData([], [])
            return
        self.marker.setData([xy[0]], [xy[1]])
        for item, k in ((self.sigma1, 1), (self.sigma2, 2)):
            item.setData(xy[0] + k * sigma[0] * np.cos(_CIRCLE), xy[1] + k * sigma[1] * np.sin(_CIRCLE))

    def set_hovered(self, xy: np.ndarray | None) -> None:
        self.hovered.setData([] if xy is None else [xy[0]], [] if xy is None else [xy[1]])

    def set_pinned(self, xy: np.ndarray | None) -> None:
        self.pinned.setData([] if xy is None else [xy[0]], [] if xy is None else [xy[1]])

    def set_region(self, x0: float, x1: float, y0: float, y1: float, editable: bool) -> None:
        """Draw the grid's extent; editable makes it a rectangle to drag and resize."""
        self.extent.blockSignals(True)
        self.extent.setPos([x0, y0])
        self.extent.setSize([x1 - x0, y1 - y0])
        self.extent.blockSignals(False)
        self.extent.translatable = editable
        have = bool(self.extent.getHandles())
        if editable and not have:
            self.extent.addScaleHandle([1, 1], [0, 0])
            self.extent.addScaleHandle([0, 0], [1, 1])
        elif not editable and have:
            for h in self.extent.getHandles():
                self.extent.removeHandle(h)

    def region(self) -> tuple[float, float, float, float]:
        (x0, y0), (w, h) = self.extent.pos(), self.extent.size()
        return float(x0), float(x0 + w), float(y0), float(y0 + h)

    # -- input -----------------------------------------------------------------------------
    def _to_view(self, scene_pos) -> np.ndarray | None:
        vb = self.getPlotItem().vb
        if not vb.sceneBoundingRect().contains(scene_pos):
            return None
        p = vb.mapSceneToView(scene_pos)
        return np.array([p.x(), p.y()], np.float32)

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        xy = self._to_view(scene_pos)
        if xy is not None:
            self.sigHovered.emit(xy)

    def _on_mouse_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        xy = self._to_view(event.scenePos())
        on_editable_rectangle = self.extent.translatable and self.extent.sceneBoundingRect().contains(event.scenePos())
        if xy is not None and not on_editable_rectangle:  # a click on the rectangle drags it instead
            self.sigClicked.emit(xy)

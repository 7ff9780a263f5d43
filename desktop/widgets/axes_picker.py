"""Pick the two latent axes the map shows; the other dimensions stay at chosen values."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QHBoxLayout, QLabel, QWidget


class AxesPicker(QWidget):
    """Hidden for 2-D models. `set_view` shows a state without emitting anything.

    Signals:
        sigAxesChanged(object): (x, y) indices chosen by the user.
        sigBaseChanged(object): every dimension's fixed value, after the user changed one.
    """

    sigAxesChanged = Signal(object)
    sigBaseChanged = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.x_axis, self.y_axis = QComboBox(), QComboBox()
        for label, box in (("x", self.x_axis), ("y", self.y_axis)):
            self._layout.addWidget(QLabel(label))
            self._layout.addWidget(box)
        self._values: list[QDoubleSpinBox] = []
        self.x_axis.currentIndexChanged.connect(self._axes_edited)
        self.y_axis.currentIndexChanged.connect(self._axes_edited)
        self.setVisible(False)

    def set_view(self, axes: tuple[int, int], base: tuple[float, ...]) -> None:
        dim = len(base)
        for w in (self.x_axis, self.y_axis, *self._values):
            w.blockSignals(True)
        if self.x_axis.count() != dim:
            for w in (self.x_axis, self.y_axis):
                w.clear()
                w.addItems([f"z[{i}]" for i in range(dim)])
            for box in self._values:
                self._layout.removeWidget(box)
                box.deleteLater()
            self._values = []
            for i in range(dim):
                box = QDoubleSpinBox()
                box.setRange(-5, 5)
                box.setSingleStep(0.1)
                box.setPrefix(f"z[{i}] = ")
                box.valueChanged.connect(self._base_edited)
                self._layout.addWidget(box)
                self._values.append(box)
        self.x_axis.setCurrentIndex(axes[0])
        self.y_axis.setCurrentIndex(axes[1])
        for i, (box, v) in enumerate(zip(self._values, base)):
            box.blockSignals(True)
            box.setValue(v)
            box.setVisible(i not in axes)
        for w in [self.x_axis, self.y_axis, *self._values]:
            w.blockSignals(False)
        self.setVisible(dim > 2)

    def _axes_edited(self) -> None:
        self.sigAxesChanged.emit((max(self.x_axis.currentIndex(), 0), max(self.y_axis.currentIndex(), 0)))

    def _base_edited(self) -> None:
        self.sigBaseChanged.emit(tuple(b.value() for b in self._values))

"""Pick the two latent axes the map shows; the other dimensions stay at chosen values."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QHBoxLayout, QLabel, QWidget


class AxesPicker(QWidget):
    """Hidden for 2-D models. Signals: sigChanged() when an axis or a fixed value changes."""

    sigChanged = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.x_axis, self.y_axis = QComboBox(), QComboBox()
        self._layout.addWidget(QLabel("x"))
        self._layout.addWidget(self.x_axis)
        self._layout.addWidget(QLabel("y"))
        self._layout.addWidget(self.y_axis)
        self._values: list[QDoubleSpinBox] = []
        self._dim = 2
        self.x_axis.currentIndexChanged.connect(self._axis_changed)
        self.y_axis.currentIndexChanged.connect(self._axis_changed)
        self.set_latent_dim(2)

    def set_latent_dim(self, dim: int) -> None:
        self._dim = dim
        for w in (self.x_axis, self.y_axis):
            w.blockSignals(True)
            w.clear()
            w.addItems([f"z[{i}]" for i in range(dim)])
            w.blockSignals(False)
        self.x_axis.setCurrentIndex(0)
        self.y_axis.setCurrentIndex(min(1, dim - 1))
        for box in self._values:
            self._layout.removeWidget(box)
            box.deleteLater()
        self._values = []
        for i in range(dim):
            box = QDoubleSpinBox()
            box.setRange(-5, 5)
            box.setSingleStep(0.1)
            box.setPrefix(f"z[{i}] = ")
            box.valueChanged.connect(lambda _: self.sigChanged.emit())
            self._layout.addWidget(box)
            self._values.append(box)
        self._update_visibility()
        self.setVisible(dim > 2)

    def _axis_changed(self) -> None:
        self._update_visibility()
        self.sigChanged.emit()

    def _update_visibility(self) -> None:
        shown = set(self.axes())
        for i, box in enumerate(self._values):
            box.setVisible(i not in shown)

    def axes(self) -> list[int]:
        """[x, y] indices into z."""
        return [max(self.x_axis.currentIndex(), 0), max(self.y_axis.currentIndex(), 0)]

    def base(self) -> np.ndarray:
        """(L,) the fixed values of every dimension (those on the axes are overwritten)."""
        return np.array([b.value() for b in self._values], np.float32)

"""The map's legend, beside the data rather than on it: one toggle per class, in its colour."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QGridLayout, QToolButton, QWidget


def _swatch(colour: str) -> QIcon:
    pm = QPixmap(14, 14)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setBrush(QColor(colour))
    p.setPen(QColor("#333"))
    p.drawEllipse(1, 1, 12, 12)
    p.end()
    return QIcon(pm)


class ClassLegend(QWidget):
    """Click a class to hide or show its points.

    Signals:
        sigToggled(int, bool): class index and whether it is now shown.
    """

    sigToggled = Signal(int, bool)
    COLUMNS = 5

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("classLegend")
        self._layout = QGridLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self.buttons: list[QToolButton] = []

    def set_classes(self, names: list[str], colours: list[str], counts: list[int]) -> None:
        for b in self.buttons:
            self._layout.removeWidget(b)
            b.deleteLater()
        self.buttons = []
        for k, (name, colour, count) in enumerate(zip(names, colours, counts)):
            b = QToolButton()
            b.setText(name)
            b.setIcon(_swatch(colour))
            b.setCheckable(True)
            b.setChecked(True)
            b.setAutoRaise(True)
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            b.setToolTip(f"{name}: {count:,} test pictures; click to hide or show them")
            b.toggled.connect(lambda on, k=k: self.sigToggled.emit(k, on))
            self._layout.addWidget(b, k // self.COLUMNS, k % self.COLUMNS)
            self.buttons.append(b)

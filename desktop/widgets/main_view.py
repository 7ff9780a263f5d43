"""The main window's layout: builds the panels and exposes their child widgets; no logic."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QSlider, QSpinBox, QSplitter, QVBoxLayout, QWidget)

from desktop import grids
from desktop.widgets.axes_picker import AxesPicker
from desktop.widgets.canvas import DrawCanvas
from desktop.widgets.digit_view import DigitView
from desktop.widgets.latent_map import LatentMap
from desktop.widgets.manifold import ManifoldGrid


class MainView(QWidget):
    """Draw | latent map | manifold grid, side by side in a splitter."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.canvas = DrawCanvas()
        self.input_view = DigitView("28×28 input")
        self.recon_view = DigitView("reconstruction")
        self.hover_view = DigitView("hovered z")
        self.pinned_view = DigitView("pinned z")
        self.brush = QSlider(Qt.Orientation.Horizontal)
        self.brush.setRange(4, 48)
        self.brush.setValue(22)
        self.brush.setToolTip("brush width")
        self.clear_button = QPushButton("Clear")
        self.undo_button = QPushButton("Undo")
        self.coords = QLineEdit()
        self.coords.setReadOnly(True)
        self.coords.setPlaceholderText("draw a digit")
        self.copy_button = QPushButton("Copy")
        self.nll_label = QLabel("–")
        self.typical_label = QLabel("–")
        self.typical_label.setWordWrap(True)

        left = QVBoxLayout()
        left.addWidget(self.canvas)
        row = QHBoxLayout()
        row.addWidget(QLabel("Brush"))
        row.addWidget(self.brush)
        row.addWidget(self.undo_button)
        row.addWidget(self.clear_button)
        left.addLayout(row)
        views = QHBoxLayout()
        views.addWidget(self.input_view)
        views.addWidget(self.recon_view)
        left.addLayout(views)
        form = QFormLayout()
        zrow = QHBoxLayout()
        zrow.addWidget(self.coords)
        zrow.addWidget(self.copy_button)
        form.addRow("z_mean", zrow)
        form.addRow("−ELBO", self.nll_label)
        form.addRow("typicality", self.typical_label)
        left.addLayout(form)
        left.addStretch(1)

        self.map = LatentMap()
        self.axes = AxesPicker()
        middle = QVBoxLayout()
        middle.addWidget(self.axes)
        middle.addWidget(self.map, 1)
        previews = QHBoxLayout()
        previews.addWidget(self.hover_view)
        previews.addWidget(self.pinned_view)
        previews.addStretch(1)
        self.export_map_button = QPushButton("Export map…")
        previews.addWidget(self.export_map_button)
        middle.addLayout(previews)

        self.grid = ManifoldGrid()
        self.n_spin = QSpinBox()
        self.n_spin.setRange(grids.MIN_N, grids.MAX_N)
        self.n_spin.setValue(15)
        self.range_mode = QComboBox()
        self.range_mode.addItems(["reference: norm.ppf(0.05…0.95)", "rectangle on the map"])
        self.export_grid_button = QPushButton("Export PNG…")
        grid_box = QVBoxLayout()
        controls = QHBoxLayout()
        controls.addWidget(QLabel("n"))
        controls.addWidget(self.n_spin)
        controls.addWidget(self.range_mode, 1)
        controls.addWidget(self.export_grid_button)
        grid_box.addLayout(controls)
        grid_box.addWidget(self.grid, 1)

        def panel(title, layout):
            box = QGroupBox(title)
            box.setLayout(layout)
            return box

        split = QSplitter()
        split.addWidget(panel("Draw", left))
        split.addWidget(panel("Latent map (test set)", middle))
        split.addWidget(panel("Manifold grid", grid_box))
        split.setStretchFactor(1, 1)
        split.setStretchFactor(2, 1)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(split)

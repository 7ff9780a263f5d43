"""The main window's layout: builds the panels and exposes their child widgets; no logic.

Draw | latent map | grid and walk, side by side in a splitter; fits 1024x640 and lets the canvas,
map and grid grow on a large screen."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QSlider, QSpinBox, QSplitter, QTabWidget, QVBoxLayout, QWidget)

from desktop import grids
from desktop.widgets.axes_picker import AxesPicker
from desktop.widgets.canvas import DrawCanvas
from desktop.widgets.digit_view import DigitView
from desktop.widgets.latent_map import LatentMap
from desktop.widgets.legend import ClassLegend
from desktop.widgets.manifold import ManifoldGrid
from desktop.widgets.timeline import Timeline
from desktop.widgets.walk_panel import WalkPanel

GRID_MODE_LABELS = {"ppf": "reference: norm.ppf(0.05…0.95)", "rect": "rectangle drawn on the map",
                    "samples": "samples from the prior N(0, I)"}


def _panel(title: str, layout) -> QGroupBox:
    box = QGroupBox(title)
    box.setLayout(layout)
    return box


class MainView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        split = QSplitter()
        split.addWidget(_panel("Draw", self._draw_panel()))
        split.addWidget(_panel("Latent map (test set)", self._map_panel()))
        self.tabs = QTabWidget()
        self.tabs.addTab(self._grid_panel(), "Manifold grid")
        self.walk = WalkPanel()
        self.tabs.addTab(self.walk, "Latent walk")
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setStretchFactor(2, 3)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(split)

    def _draw_panel(self):
        self.canvas = DrawCanvas()
        self.input_view = DigitView("model input")
        self.recon_view = DigitView("reconstruction")
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
        self.sigma_label = QLabel("–")
        self.sigma_label.setToolTip("The encoder's standard deviation per dimension: the 1σ and 2σ ellipses on "
                                    "the map (often smaller than the marker; zoom in to see them)")
        self.nll_label = QLabel("–")
        self.typical_label = QLabel("–")
        self.typical_label.setWordWrap(True)

        self.typical_label.setMinimumHeight(3 * self.typical_label.fontMetrics().lineSpacing())
        left = QVBoxLayout()
        left.addWidget(self.canvas)
        row = QHBoxLayout()
        row.addWidget(QLabel("Brush"))
        row.addWidget(self.brush, 1)
        left.addLayout(row)
        buttons = QHBoxLayout()
        buttons.addWidget(self.undo_button)
        buttons.addWidget(self.clear_button)
        left.addLayout(buttons)
        views = QHBoxLayout()
        views.addWidget(self.input_view)
        views.addWidget(self.recon_view)
        left.addLayout(views)
        form = QFormLayout()
        zrow = QHBoxLayout()
        zrow.addWidget(self.coords)
        zrow.addWidget(self.copy_button)
        form.addRow("z_mean", zrow)
        form.addRow("σ", self.sigma_label)
        form.addRow("−ELBO", self.nll_label)
        form.addRow("typical?", self.typical_label)
        left.addLayout(form)
        left.addStretch(1)
        return left

    def _map_panel(self):
        self.map = LatentMap()
        self.axes = AxesPicker()
        self.legend = ClassLegend()
        self.timeline = Timeline()
        self.hover_view = DigitView("hovered z")
        self.pinned_view = DigitView("pinned z")
        self.export_map_button = QPushButton("Export map…")
        middle = QVBoxLayout()
        middle.addWidget(self.axes)
        middle.addWidget(self.map, 1)
        middle.addWidget(self.legend)
        middle.addWidget(self.timeline)
        previews = QHBoxLayout()
        previews.addWidget(self.hover_view)
        previews.addWidget(self.pinned_view)
        previews.addStretch(1)
        previews.addWidget(self.export_map_button, 0, Qt.AlignmentFlag.AlignBottom)
        middle.addLayout(previews)
        return middle

    def _grid_panel(self):
        self.grid = ManifoldGrid()
        self.n_spin = QSpinBox()
        self.n_spin.setRange(grids.MIN_N, grids.MAX_N)
        self.n_spin.setValue(15)
        self.n_spin.setToolTip(f"tiles per side ({grids.MIN_N}–{grids.MAX_N})")
        self.range_mode = QComboBox()
        for mode, label in GRID_MODE_LABELS.items():
            self.range_mode.addItem(label, mode)
        # a read-only field: a new seed repaints it alone (a label's new text relays out the whole panel)
        self.seed_label = QLineEdit()
        self.seed_label.setReadOnly(True)
        self.seed_label.setFrame(False)
        self.seed_label.setToolTip("the samples' seed: `vae-digits sample --seed` draws the same")
        self.seed_label.setFixedWidth(self.seed_label.fontMetrics().horizontalAdvance("seed 2147483647") + 12)
        self.resample_button = QPushButton("Resample")
        self.resample_button.setToolTip("New draws from the prior (Ctrl+R)")
        self.export_grid_button = QPushButton("Export PNG…")
        controls = QHBoxLayout()
        controls.addWidget(QLabel("n"))
        controls.addWidget(self.n_spin)
        controls.addWidget(self.range_mode, 1)
        second = QHBoxLayout()
        second.addWidget(self.seed_label)
        second.addWidget(self.resample_button)
        second.addStretch(1)
        second.addWidget(self.export_grid_button)
        box = QVBoxLayout()
        box.addLayout(controls)
        box.addLayout(second)
        box.addWidget(self.grid, 1)
        page = QWidget()
        page.setLayout(box)
        return page

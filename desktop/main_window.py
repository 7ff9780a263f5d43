"""The main window: owns the runtime and wires canvas -> encode -> latent map, the hover
preview, the manifold grid and the exports. Widgets only draw and emit signals."""
from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog, QLabel, QMainWindow, QMessageBox

from desktop import grids
from desktop.imaging import gray_to_ink, to_mnist
from desktop.model_card import ModelError
from desktop.pngio import ImageError, read_gray, save_image_atomic, save_png
from desktop.resources import default_model, list_models
from desktop.widgets.main_view import MainView

log = logging.getLogger(__name__)


def app_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("vae-digits")
    except PackageNotFoundError:
        return "unknown"


class MainWindow(QMainWindow):
    """Signals:
        sigFirstPaint(): emitted once, after the window has been painted the first time.
    """

    sigFirstPaint = Signal()

    def __init__(self, device: str = "auto", runtime_factory=None):
        super().__init__()
        from desktop.runtime import ModelRuntime

        self.device = device
        self._factory = runtime_factory or ModelRuntime
        self.runtime = None
        self.settings = QSettings()
        self.last_error: str | None = None
        self._painted = False
        self.setWindowTitle("vae-digits")
        self._build_widgets()
        self._build_menus()
        self._connect()
        self._restore_settings()

    # -- layout ----------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.view = MainView()
        self.setCentralWidget(self.view)
        self.model_label, self.provider_label, self.time_label = QLabel(), QLabel(), QLabel()
        for w in (self.model_label, self.provider_label, self.time_label):
            self.statusBar().addPermanentWidget(w)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        self.open_model_action = self._action(file, "Open model folder…", self.choose_model_folder, QKeySequence.StandardKey.Open)
        self._action(file, "Open image…", self.choose_image, "Ctrl+I")
        file.addSeparator()
        self.export_grid_action = self._action(file, "Export grid as PNG…", self.choose_grid_export, "Ctrl+E")
        self._action(file, "Export latent map as PNG…", self.choose_map_export, "Ctrl+Shift+E")
        file.addSeparator()
        self._action(file, "Quit", self.close, QKeySequence.StandardKey.Quit)
        edit = bar.addMenu("&Edit")
        self.undo_action = self._action(edit, "Undo stroke", self.view.canvas.undo, QKeySequence.StandardKey.Undo)
        self.clear_action = self._action(edit, "Clear drawing", self.view.canvas.clear, "Ctrl+L")
        self._action(edit, "Copy coordinates", self.copy_coordinates, "Ctrl+Shift+C")
        self.model_menu = bar.addMenu("&Model")
        self.model_group = QActionGroup(self)
        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "About vae-digits and this model", self.show_about)

    def _action(self, menu, text, slot, shortcut=None) -> QAction:
        action = menu.addAction(text)
        action.triggered.connect(slot)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        return action

    def _connect(self) -> None:
        self.view.canvas.sigDrawingChanging.connect(self.on_drawing)
        self.view.canvas.sigDrawingChanged.connect(self.on_drawing)
        self.view.canvas.sigFileDropped.connect(self.load_image)
        self.view.brush.valueChanged.connect(self.view.canvas.set_brush_width)
        self.view.clear_button.clicked.connect(self.view.canvas.clear)
        self.view.undo_button.clicked.connect(self.view.canvas.undo)
        self.view.copy_button.clicked.connect(self.copy_coordinates)
        self.view.map.sigHovered.connect(self.on_hover)
        self.view.map.sigClicked.connect(self.on_pin)
        self.view.map.sigRegionChanging.connect(lambda _: self.update_grid())
        self.view.n_spin.valueChanged.connect(lambda _: self.update_grid())
        self.view.range_mode.currentIndexChanged.connect(self._on_range_mode)
        self.view.export_grid_button.clicked.connect(self.choose_grid_export)
        self.view.export_map_button.clicked.connect(self.choose_map_export)
        self.view.axes.sigChanged.connect(self._on_axes_changed)
        self.view.grid.sigTileHovered.connect(self._on_tile_hovered)

    # -- settings --------------------------------------------------------------------------
    def _restore_settings(self) -> None:
        geometry = self.settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 760)
        self.view.brush.setValue(int(self.settings.value("brush", 22)))
        self.view.n_spin.setValue(int(self.settings.value("grid_n", 15)))
        self.export_scale = int(self.settings.value("export_scale", 2))

    def closeEvent(self, event):
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("brush", self.view.brush.value())
        self.settings.setValue("grid_n", self.view.n_spin.value())
        self.settings.setValue("export_scale", self.export_scale)
        if self.runtime is not None:
            self.settings.setValue("model", str(self.runtime.card.folder))
        super().closeEvent(event)

    def paintEvent(self, event):
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self.sigFirstPaint.emit()

    # -- models ----------------------------------------------------------------------------
    def open_initial_model(self, folder: str | None) -> None:
        """The model from the command line, else the last one used, else the best shipped one."""
        candidates = [folder] if folder else [self.settings.value("model"), default_model()]
        for c in candidates:
            if c and Path(c).is_dir() and self.load_model(c, report=bool(folder)):
                break
        else:
            if not folder:
                self.show_error("No usable model folder was found next to the app. "
                                "Use File › Open model folder… to choose one.")
        self._refresh_model_menu()

    def load_model(self, folder, report: bool = True) -> bool:
        """Switch to the model in `folder`; on error keep the previous one and say why."""
        try:
            runtime = self._factory(folder, self.device)
        except RuntimeError as e:  # --device cuda where CUDA cannot attach
            self.show_error(f"{e}. Running on the CPU instead.")
            self.device = "cpu"
            return self.load_model(folder, report)
        except ModelError as e:
            if report:
                self.show_error(str(e))
            return False
        self.runtime = runtime
        card = runtime.card
        self.view.axes.set_latent_dim(runtime.latent_dim)
        self._show_latents()
        self.model_label.setText(f"model: {card.name}")
        self.provider_label.setText(f"provider: {runtime.provider.replace('ExecutionProvider', '')}")
        self.provider_label.setToolTip(runtime.provider_note)
        self.statusBar().showMessage(f"{card.name} on {runtime.provider} ({runtime.provider_note})", 8000)
        self.setWindowTitle(f"vae-digits — {card.name}")
        self._refresh_model_menu()
        self.on_drawing(None if self.view.canvas.is_empty() else self.view.canvas.ink())
        self.update_grid()
        return True

    def _refresh_model_menu(self) -> None:
        self.model_menu.clear()
        for folder in list_models():
            action = self.model_menu.addAction(folder.name)
            action.setCheckable(True)
            action.setChecked(self.runtime is not None and self.runtime.card.folder.resolve() == folder.resolve())
            action.triggered.connect(lambda _=False, f=folder: self.load_model(f))
            self.model_group.addAction(action)
        self.model_menu.addSeparator()
        self.model_menu.addAction("Open model folder…").triggered.connect(self.choose_model_folder)

    def choose_model_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open model folder")
        if folder:
            self.load_model(folder)

    def _show_latents(self) -> None:
        lat = self.runtime.latents
        ax = self.view.axes.axes()
        self.view.map.set_points(lat.z_mean[:, ax], lat.labels, self.runtime.card.class_names)
        self.view.map.set_pinned(None)
        self.view.pinned_view.set_image(None)

    def _on_axes_changed(self) -> None:
        if self.runtime is not None:
            self._show_latents()
            self.on_drawing(None if self.view.canvas.is_empty() else self.view.canvas.ink())
            self.update_grid()

    # -- drawing ---------------------------------------------------------------------------
    def on_drawing(self, ink) -> None:
        """Canvas ink -> 28x28 input -> encode -> marker, reconstruction and typicality."""
        x = None if ink is None else to_mnist(ink, size=self._image_size()[0])
        self.view.input_view.set_image(x)
        if x is None or self.runtime is None:
            self.view.recon_view.set_image(None)
            self.view.map.set_marker(None)
            self.view.coords.clear()
            self.view.nll_label.setText("–")
            self.view.typical_label.setText("–")
            return
        rt = self.runtime
        z_mean, z_log_var = rt.encode(x.reshape(1, -1))
        z_mean, z_log_var = z_mean[0], z_log_var[0]
        self.view.recon_view.set_image(rt.decode(z_mean[None])[0].reshape(x.shape))
        ax = self.view.axes.axes()
        self.view.map.set_marker(z_mean[ax], np.exp(0.5 * z_log_var[ax]))
        self.view.coords.setText(", ".join(f"{v:.4f}" for v in z_mean))
        nll = rt.neg_elbo(x.ravel(), z_mean, z_log_var)
        pct = rt.latents.percentile(nll)
        self.view.nll_label.setText(f"{nll:.1f} nats")
        verdict = ("typical digit" if pct <= 90 else "unusual" if pct <= 99 else "unlike any test digit")
        self.view.typical_label.setText(f"higher than {pct:.1f}% of test digits — {verdict}")
        self._show_time()

    def _image_size(self) -> tuple[int, int]:
        return self.runtime.card.image_size if self.runtime is not None else (28, 28)

    def copy_coordinates(self) -> None:
        QApplication.clipboard().setText(self.view.coords.text())

    def choose_image(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open image", "", "Images (*.png *.jpg *.jpeg *.bmp *.gif *.pgm)")
        if path:
            self.load_image(path)

    def load_image(self, path: str) -> bool:
        try:
            ink = gray_to_ink(read_gray(path))
            if to_mnist(ink) is None:
                raise ImageError(f"{path}: the picture is blank (no ink to encode)")
        except ImageError as e:
            self.show_error(str(e))
            return False
        self.view.canvas.set_picture(ink)
        return True

    # -- hover and pin ---------------------------------------------------------------------
    def _latent_point(self, xy: np.ndarray) -> np.ndarray:
        z = self.view.axes.base().copy()
        z[self.view.axes.axes()] = xy
        return z

    def on_hover(self, xy: np.ndarray) -> None:
        if self.runtime is None:
            return
        h, w = self._image_size()
        self.view.hover_view.set_image(self.runtime.decode(self._latent_point(xy)[None])[0].reshape(h, w))
        self.view.hover_view.setToolTip(f"z = ({xy[0]:.3f}, {xy[1]:.3f})")
        self.view.map.set_hovered(xy)
        self._show_time()

    def on_pin(self, xy: np.ndarray) -> None:
        if self.runtime is None:
            return
        h, w = self._image_size()
        self.view.pinned_view.set_image(self.runtime.decode(self._latent_point(xy)[None])[0].reshape(h, w))
        self.view.pinned_view.setToolTip(f"z = ({xy[0]:.3f}, {xy[1]:.3f})")
        self.view.map.set_pinned(xy)
        self.statusBar().showMessage(f"pinned z = ({xy[0]:.4f}, {xy[1]:.4f})", 5000)

    # -- grid ------------------------------------------------------------------------------
    def grid_range(self) -> grids.GridRange:
        if self.view.range_mode.currentIndex() == 0:
            return grids.PPF
        x0, x1, y0, y1 = self.view.map.region()
        return grids.GridRange(x0, x1, y0, y1)

    def _on_range_mode(self, index: int) -> None:
        r = self.grid_range()
        self.view.map.set_region(r.x0, r.x1, r.y0, r.y1, editable=index == 1)
        self.update_grid()

    def render_grid(self) -> tuple[np.ndarray, int, grids.GridRange, np.ndarray]:
        """One batched decode of the n x n grid: (picture, n, range, the tiles' shown coordinates)."""
        n, rng = self.view.n_spin.value(), self.grid_range()
        picture, z = grids.decode_grid(self.runtime.decode, n, rng, self.runtime.latent_dim,
                                       *self._image_size(), self.view.axes.axes(), self.view.axes.base())
        return picture, n, rng, z[:, self.view.axes.axes()]

    def update_grid(self) -> None:
        if self.runtime is None:
            return
        picture, n, rng, coords = self.render_grid()
        self.view.grid.set_grid(picture, n, coords)
        if rng.ppf:
            self.view.map.set_region(rng.x0, rng.x1, rng.y0, rng.y1, editable=False)
        self._show_time()

    def _on_tile_hovered(self, row: int, col: int) -> None:
        n = self.view.n_spin.value()
        xs, ys = grids.axes_values(n, self.grid_range())
        self.statusBar().showMessage(f"tile row {row + 1}, column {col + 1}: z = ({xs[col]:.3f}, {ys[n - 1 - row]:.3f})", 3000)

    # -- export ----------------------------------------------------------------------------
    def choose_grid_export(self) -> None:
        if self.runtime is None:
            return self.show_error("Open a model first.")
        scale, ok = QInputDialog.getInt(self, "Export grid", "Pixel scale (1–8):", self.export_scale, 1, 8)
        if not ok:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export grid as PNG", f"grid-{self.view.n_spin.value()}.png", "PNG (*.png)")
        if path:
            self.export_grid(path, scale)

    def export_grid(self, path: str, scale: int) -> bool:
        picture, n, rng, _ = self.render_grid()
        text = {"Model": self.runtime.name, "n": str(n), "Range": rng.label(), "Software": "vae-digits"}
        try:
            save_png(picture, path, scale, text)
        except ImageError as e:
            self.show_error(str(e))
            return False
        self.export_scale = scale
        self.statusBar().showMessage(f"wrote {path}", 5000)
        return True

    def choose_map_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export latent map as PNG", "latent-map.png", "PNG (*.png)")
        if path:
            self.export_map(path)

    def export_map(self, path: str) -> bool:
        """The map as shown, at the screen's pixel ratio."""
        try:
            save_image_atomic(self.view.map.grab().toImage(), path, {"Model": self.runtime.name if self.runtime else ""})
        except ImageError as e:
            self.show_error(str(e))
            return False
        self.statusBar().showMessage(f"wrote {path}", 5000)
        return True

    # -- messages --------------------------------------------------------------------------
    def _show_time(self) -> None:
        if self.runtime is not None:
            self.time_label.setText(f"last inference {self.runtime.last_ms:.2f} ms")

    def show_error(self, message: str) -> None:
        """A window-modal message that does not block the event loop; the app keeps working."""
        self.last_error = message
        log.warning("%s", message)
        box = QMessageBox(QMessageBox.Icon.Warning, "vae-digits", message, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def show_about(self) -> None:
        rt = self.runtime
        text = f"<b>vae-digits {app_version()}</b><br>A variational autoencoder's view of handwritten digits."
        if rt is not None:
            c = rt.card.data
            m = c.get("test_metrics", {})
            text += (f"<p><b>{rt.name}</b> — {c['model'].get('description', '')}<br>"
                     f"data: {c['dataset']['name']}, {c['dataset']['train_images']:,} training images<br>"
                     f"latent size {rt.latent_dim}, {c['parameters']['total']:,} parameters<br>"
                     f"test −ELBO {m.get('neg_elbo', float('nan')):.2f} nats, "
                     f"importance-weighted bound {m.get('iw_bound', float('nan')):.2f} nats<br>"
                     f"provider: {rt.provider} ({rt.provider_note})</p>")
        box = QMessageBox(QMessageBox.Icon.Information, "About vae-digits", text, QMessageBox.StandardButton.Ok, self)
        if rt is not None:
            box.setDetailedText(json.dumps({k: v for k, v in rt.card.data.items() if k != "history"}, indent=2))
        box.open()

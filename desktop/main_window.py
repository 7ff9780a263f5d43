"""The main window: the shell (menus, status bar, settings, dialogs) that wires the view to the
state and the controllers. The logic lives in desktop/controllers/, the layout in
desktop/widgets/main_view.py, the state in desktop/state.py."""
from __future__ import annotations

import json
import logging
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog, QLabel, QMainWindow, QMessageBox

from desktop.controllers import Messages
from desktop.controllers.drawing import DrawingController
from desktop.controllers.export import ExportController
from desktop.controllers.grid import GridController
from desktop.controllers.map import MapController
from desktop.controllers.model import ModelController
from desktop.controllers.replay import ReplayController
from desktop.controllers.walk import WalkController
from desktop.files import ImageError
from desktop.resources import default_model, list_models
from desktop.state import GRID_MODES, State
from desktop.widgets.main_view import MainView

log = logging.getLogger(__name__)
PICTURES = "Pictures (*.png *.jpg *.jpeg *.bmp *.gif *.pgm *.ppm *.webp)"


def app_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("vae-digits")
    except PackageNotFoundError:
        return "unknown"


class _WindowShortcuts(QObject):
    """Lets the window's shortcuts win over text fields: a spin box or line edit would otherwise
    claim Ctrl+Z (its own undo) or Ctrl+E (end of line) and the shortcut would never fire."""

    def __init__(self, window: QMainWindow):
        super().__init__(window)
        self.window = window

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(obj, QObject) and obj.isWidgetType() \
                and obj.window() is self.window:
            pressed = QKeySequence(event.keyCombination())
            if any(a.shortcut() == pressed for a in self.window.actions_with_shortcuts):
                return True  # not accepted by the field: the shortcut map triggers the action
        return False


class MainWindow(QMainWindow):
    """Signals:
        sigFirstPaint(): emitted once, after the window has been painted the first time.
    """

    sigFirstPaint = Signal()

    def __init__(self, device: str = "auto", runtime_factory=None):
        super().__init__()
        from desktop.runtime import ModelRuntime

        self.settings = QSettings()
        self.last_error: str | None = None
        self._painted = False
        self.setWindowTitle("vae-digits")
        self.state = State()
        self.view = MainView()
        self.setCentralWidget(self.view)
        self.model_label, self.provider_label, self.time_label = QLabel(), QLabel(), QLabel()
        for w in (self.model_label, self.provider_label, self.time_label):
            self.statusBar().addPermanentWidget(w)
        messages = Messages(self.show_error, lambda text: self.statusBar().showMessage(text, 5000))
        self.models = ModelController(self.state, messages, runtime_factory or ModelRuntime, device)
        self.drawing = DrawingController(self.state, self.view, messages)
        self.map = MapController(self.state, self.view, messages)
        self.grid = GridController(self.state, self.view, messages)
        self.walk = WalkController(self.state, self.view, messages, self._ask_text, self._ask_picture)
        self.replay = ReplayController(self.state, self.view)
        self.exports = ExportController(self.state, self.view, messages, self.walk)
        self._build_menus()
        self._connect()
        self._shortcuts = _WindowShortcuts(self)
        QApplication.instance().installEventFilter(self._shortcuts)
        self._restore_settings()
        self._refresh_model_menu()

    @property
    def runtime(self):
        return self.state.app.model

    # -- menus -----------------------------------------------------------------------------
    def _build_menus(self) -> None:
        self.actions_with_shortcuts: list[QAction] = []
        bar = self.menuBar()
        file = bar.addMenu("&File")
        self._action(file, "Open model folder…", self.choose_model_folder, QKeySequence.StandardKey.Open)
        self._action(file, "Open picture…", self.choose_image, "Ctrl+I")
        file.addSeparator()
        self._action(file, "Export grid as PNG…", self.choose_grid_export, "Ctrl+E")
        self._action(file, "Export latent map as PNG…", self.choose_map_export, "Ctrl+Shift+E")
        self._action(file, "Export walk as PNG strip…", self.choose_walk_strip_export)
        self._action(file, "Export walk as GIF…", self.choose_walk_gif_export, "Ctrl+G")
        file.addSeparator()
        self._action(file, "Quit", self.close, QKeySequence.StandardKey.Quit)
        edit = bar.addMenu("&Edit")
        self._action(edit, "Undo stroke", self.view.canvas.undo, QKeySequence.StandardKey.Undo)
        self._action(edit, "Clear drawing", self.view.canvas.clear, "Ctrl+L")
        self._action(edit, "Copy coordinates", self.copy_coordinates, "Ctrl+Shift+C")
        self._action(edit, "Resample the prior", self.grid.resample, "Ctrl+R")
        self.model_menu = bar.addMenu("&Model")
        self.model_group = QActionGroup(self)
        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "About vae-digits and this model", self.show_about)

    def _action(self, menu, text, slot, shortcut=None) -> QAction:
        action = menu.addAction(text)
        action.triggered.connect(lambda *_: slot())
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.actions_with_shortcuts.append(action)
        return action

    def _connect(self) -> None:
        v = self.view
        v.canvas.sigFileDropped.connect(self.load_image)
        v.copy_button.clicked.connect(self.copy_coordinates)
        v.export_grid_button.clicked.connect(self.choose_grid_export)
        v.export_map_button.clicked.connect(self.choose_map_export)
        v.walk.sigExportStrip.connect(self.choose_walk_strip_export)
        v.walk.sigExportGif.connect(self.choose_walk_gif_export)
        v.tabs.currentChanged.connect(lambda i: v.map.path.setVisible(v.tabs.widget(i) is v.walk))
        v.map.path.setVisible(v.tabs.currentWidget() is v.walk)  # the walk's path shows with its panel
        self.state.app.events.model.connect(self._model_changed)
        self.state.app.events.encoding.connect(self._show_time)  # not per hovered point: a label relayout each

    def _show_time(self, *_) -> None:
        if self.runtime is not None:
            self.time_label.setText(f"last inference {self.runtime.last_ms:.2f} ms")

    # -- settings --------------------------------------------------------------------------
    def _restore_settings(self) -> None:
        s = self.settings
        geometry = s.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 800)
        from desktop.grids import MAX_N, MAX_SCALE, MIN_N, MIN_SCALE

        self.view.brush.setValue(self._int_setting("brush", 22, 4, 48))
        g = self.state.grid
        g.n = self._int_setting("grid_n", 15, MIN_N, MAX_N)
        mode = str(s.value("grid_mode", "ppf"))
        g.mode = mode if mode in GRID_MODES else "ppf"
        try:
            rect = tuple(float(v) for v in json.loads(s.value("grid_rect", "[]")))
            if len(rect) == 4 and rect[0] < rect[1] and rect[2] < rect[3] and max(map(abs, rect)) <= 1000:
                g.rect = rect
        except (ValueError, TypeError):
            pass
        g.seed = self._int_setting("grid_seed", 0, 0, 2**31 - 1)
        self.export_scale = self._int_setting("export_scale", 2, MIN_SCALE, MAX_SCALE)

    def _int_setting(self, key: str, default: int, lo: int, hi: int) -> int:
        """A stored whole number, kept in range; anything unreadable (a hand-edited file) is the default."""
        try:
            return min(max(int(self.settings.value(key, default)), lo), hi)
        except (TypeError, ValueError):
            return default

    def closeEvent(self, event):
        s, g = self.settings, self.state.grid
        s.setValue("geometry", self.saveGeometry())
        s.setValue("brush", self.view.brush.value())
        s.setValue("grid_n", g.n)
        s.setValue("grid_mode", g.mode)
        s.setValue("grid_rect", json.dumps(list(g.rect)))
        s.setValue("grid_seed", g.seed)
        s.setValue("export_scale", self.export_scale)
        if self.runtime is not None:
            s.setValue("model", str(self.runtime.card.folder))
        for timer in (self.walk.timer, self.replay.timer):
            timer.stop()
        QApplication.instance().removeEventFilter(self._shortcuts)
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
        return self.models.load(folder, report)

    def _extra_models(self) -> list[str]:
        try:
            folders = json.loads(self.settings.value("extra_models", "[]"))
        except (TypeError, ValueError):
            return []
        return [f for f in folders if isinstance(f, str) and Path(f).is_dir()] if isinstance(folders, list) else []

    def _model_changed(self, runtime) -> None:
        card = runtime.card
        self.model_label.setText(f"model: {card.name}")
        self.provider_label.setText(f"provider: {runtime.provider.replace('ExecutionProvider', '')}")
        self.provider_label.setToolTip(runtime.provider_note)
        self.setWindowTitle(f"vae-digits — {card.name} ({card.subject[1]})")
        self._refresh_model_menu()

    def _refresh_model_menu(self) -> None:
        self.model_menu.clear()
        current = None if self.runtime is None else Path(self.runtime.card.folder).resolve()
        shipped = list_models()
        folders = shipped + [Path(f) for f in self._extra_models() if Path(f).resolve() not in
                             {p.resolve() for p in shipped}]
        for folder in folders:
            action = self.model_menu.addAction(folder.name if folder in shipped else str(folder))
            action.setCheckable(True)
            action.setChecked(current == folder.resolve())
            action.triggered.connect(lambda _=False, f=folder: self.load_model(f) or self._refresh_model_menu())
            self.model_group.addAction(action)
        self.model_menu.addSeparator()
        self.model_menu.addAction("Open model folder…").triggered.connect(self.choose_model_folder)

    def choose_model_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open model folder")
        if folder:
            self.open_model_folder(folder)

    def open_model_folder(self, folder: str) -> bool:
        """Load a folder from anywhere; once it loads it joins the Model menu (remembered)."""
        if not self.load_model(folder):
            self._refresh_model_menu()
            return False
        extra = self._extra_models()
        if str(Path(folder).resolve()) not in extra and Path(folder).resolve().parent != _models_root():
            self.settings.setValue("extra_models", json.dumps(extra + [str(Path(folder).resolve())]))
        self._refresh_model_menu()
        return True

    # -- pictures --------------------------------------------------------------------------
    def copy_coordinates(self) -> None:
        QApplication.clipboard().setText(self.view.coords.text())

    def choose_image(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open picture", "", PICTURES)
        if path:
            self.load_image(path)

    def load_image(self, path: str) -> bool:
        from desktop.pngio import read_gray

        try:
            gray = read_gray(path)
        except ImageError as e:
            self.show_error(str(e))
            return False
        return self.drawing.load_picture(gray, path)

    def _ask_text(self, label: str) -> str | None:
        text, ok = QInputDialog.getText(self, "Walk end", label)
        return text if ok else None

    def _ask_picture(self):
        """(Encoding, file name) of a picture the user picks, or None."""
        from desktop.analysis import analyse_picture
        from desktop.pngio import read_gray

        path, _ = QFileDialog.getOpenFileName(self, "A picture for this end of the walk", "", PICTURES)
        if not path or self.runtime is None:
            return None
        try:
            enc = analyse_picture(self.runtime, read_gray(path))
        except ImageError as e:
            self.show_error(str(e))
            return None
        if enc is None:
            self.show_error(f"{path}: the picture is blank (nothing stands out from its background)")
            return None
        return enc, Path(path).name

    # -- exports ---------------------------------------------------------------------------
    def _ask_scale(self, title: str) -> int | None:
        scale, ok = QInputDialog.getInt(self, title, "Pixel scale (1–8):", self.export_scale, 1, 8)
        if ok:
            self.export_scale = scale
        return scale if ok else None

    def _ask_path(self, title: str, name: str, kind: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self, title, name, kind)
        return path or None

    def choose_grid_export(self) -> None:
        if self.runtime is None:
            return self.show_error("Open a model first.")
        scale = self._ask_scale("Export grid")
        path = scale and self._ask_path("Export grid as PNG", f"grid-{self.state.grid.n}.png", "PNG (*.png)")
        if path:
            self.exports.grid(path, scale)

    def choose_map_export(self) -> None:
        path = self._ask_path("Export latent map as PNG", "latent-map.png", "PNG (*.png)")
        if path:
            self.exports.map(path)

    def choose_walk_strip_export(self) -> None:
        scale = self._ask_scale("Export walk strip")
        path = scale and self._ask_path("Export walk as PNG strip", "walk.png", "PNG (*.png)")
        if path:
            self.exports.walk_strip(path, scale)

    def choose_walk_gif_export(self) -> None:
        scale = self._ask_scale("Export walk GIF")
        ms = scale and QInputDialog.getInt(self, "Export walk GIF", "Frame time (ms):", 100, 20, 2000, 10)
        path = ms and ms[1] and self._ask_path("Export walk as GIF", "walk.gif", "GIF (*.gif)")
        if path:
            self.exports.walk_gif(path, scale, ms[0], self.view.walk.bounce.isChecked())

    # -- messages --------------------------------------------------------------------------
    def show_error(self, message: str) -> None:
        """A window-modal message that does not block the event loop; the app keeps working."""
        self.last_error = message
        log.warning("%s", message)
        box = QMessageBox(QMessageBox.Icon.Warning, "vae-digits", message, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def show_about(self) -> None:
        rt = self.runtime
        subject = rt.card.subject[1] if rt is not None else "handwritten digits"
        text = f"<b>vae-digits {app_version()}</b><br>A variational autoencoder's view of {subject}."
        if rt is not None:
            c = rt.card.data
            m = c["test_metrics"]
            knn = f", latent 5-NN accuracy {m['knn5_accuracy']:.3f}" if "knn5_accuracy" in m else ""
            text += (f"<p><b>{rt.name}</b> — {c['model'].get('description', '')}<br>"
                     f"data: {rt.card.dataset}, {c['dataset'].get('train_images', 0):,} training and "
                     f"{rt.card.test_images:,} test {subject} ({', '.join(rt.card.class_names)})<br>"
                     f"preprocessing: {c.get('input', {}).get('description', 'MNIST’s (crop, fit 20x20, centre of mass)')}<br>"
                     f"latent size {rt.latent_dim}, {c['parameters']['total']:,} parameters<br>"
                     f"test −ELBO {m['neg_elbo']:.2f} nats{knn}<br>"
                     f"provider: {rt.provider} ({rt.provider_note})</p>")
        box = QMessageBox(QMessageBox.Icon.Information, "About vae-digits", text, QMessageBox.StandardButton.Ok, self)
        if rt is not None:
            box.setDetailedText(json.dumps({k: v for k, v in rt.card.data.items() if k != "history"}, indent=2))
        box.open()


def _models_root() -> Path:
    from desktop.resources import models_dir

    return models_dir().resolve()

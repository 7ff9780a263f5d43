"""The main window driven by real mouse events, offscreen."""
import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest

from desktop.main_window import MainWindow


@pytest.fixture
def window(qtbot, seed_model):
    w = MainWindow(device="cpu")
    qtbot.addWidget(w)
    w.open_initial_model(str(seed_model))
    w.show()
    qtbot.waitExposed(w)
    qtbot.wait(100)  # let pyqtgraph finish its first auto-range and layout
    return w


def draw(canvas, points):
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, points[0])
    for p in points[1:]:
        QTest.mouseMove(canvas, p)
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, points[-1])


def test_vertical_bar_encodes_among_the_ones(window, qtbot):
    with qtbot.waitSignal(window.view.canvas.sigDrawingChanged) as blocker:
        draw(window.view.canvas, [QPoint(140, y) for y in range(40, 241, 8)])
    assert blocker.args[0] is not None
    z = np.array([float(v) for v in window.view.coords.text().split(",")])
    lat = window.runtime.latents
    nearest = np.argsort(np.linalg.norm(lat.z_mean - z, axis=1))[:50]
    assert np.mean(lat.labels[nearest] == 1) > 0.8
    assert window.view.map.marker.data["x"][0] == pytest.approx(z[0], abs=1e-4)
    assert window.view.recon_view._image is not None


def test_live_encoding_while_drawing_is_throttled(window, qtbot):
    seen = []
    window.view.canvas.sigDrawingChanging.connect(lambda ink: seen.append(ink))
    window.view.canvas.throttle_ms = 10_000  # nothing but the press within one throttle window
    draw(window.view.canvas, [QPoint(100, y) for y in range(50, 200, 5)])
    assert len(seen) == 1


def test_undo_and_clear(window):
    draw(window.view.canvas, [QPoint(140, y) for y in range(40, 241, 8)])
    draw(window.view.canvas, [QPoint(x, 140) for x in range(40, 241, 8)])
    two = window.view.coords.text()
    QTest.keySequence(window, "Ctrl+Z")
    assert window.view.coords.text() != two and window.view.coords.text()
    QTest.keySequence(window, "Ctrl+L")
    assert window.view.coords.text() == "" and window.view.canvas.is_empty()


def test_grid_export_size_text_and_content(window, tmp_path):
    window.view.n_spin.setValue(7)
    assert window.export_grid(str(tmp_path / "g.png"), 3)
    img = QImage(str(tmp_path / "g.png"))
    assert img.width() == img.height() == 7 * 28 * 3
    assert img.text("n") == "7" and img.text("Model") == "mnist-seed" and img.text("Range") == "ppf"
    picture, *_ = window.render_grid()
    gray = img.convertToFormat(QImage.Format.Format_Grayscale8)
    got = np.frombuffer(gray.constBits(), np.uint8).reshape(gray.height(), gray.bytesPerLine())[:, :gray.width()]
    assert np.array_equal(got[::3, ::3], picture) and np.array_equal(got[1::3, 2::3], picture)  # 3x3 blocks


def test_export_to_a_folder_that_cannot_be_written(window, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert not window.export_grid(str(blocker / "g.png"), 1)
    assert "g.png" in window.last_error
    assert window.export_grid(str(tmp_path / "ok.png"), 1)  # still working


def test_map_export(window, tmp_path):
    assert window.export_map(str(tmp_path / "map.png"))
    assert QImage(str(tmp_path / "map.png")).width() > 100


def _broken_decoder(folder):
    (folder / "decoder.onnx").write_bytes(b"broken")
    return "decoder.onnx: sha256 does not match"


def _nan_decoder(folder):
    from tests.desktop.model_folders import poison

    poison(folder, "decoder.onnx")
    return "decoder.onnx: output on a probe is not finite"


def _no_test_metrics(folder):
    from tests.desktop.model_folders import recard

    recard(folder, test_metrics=None)
    return "metadata.json: test_metrics is missing"


@pytest.mark.parametrize("damage", [_broken_decoder, _nan_decoder, _no_test_metrics])
def test_bad_model_keeps_the_previous_one(window, tmp_path, seed_model, damage):
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(seed_model, bad)
    problem = damage(bad)
    draw(window.view.canvas, [QPoint(140, y) for y in range(40, 241, 8)])
    coords = window.view.coords.text()
    assert not window.load_model(bad)
    assert problem in window.last_error and "\n" not in window.last_error
    assert window.runtime.card.folder == seed_model and window.view.coords.text() == coords
    window.update_grid()  # still works


def test_bad_picture_keeps_the_drawing(window, tmp_path):
    from desktop.pngio import save_png

    save_png(np.eye(60), tmp_path / "whole.png")
    (tmp_path / "cut.png").write_bytes((tmp_path / "whole.png").read_bytes()[:80])
    draw(window.view.canvas, [QPoint(140, y) for y in range(40, 241, 8)])
    coords = window.view.coords.text()
    assert not window.load_image(str(tmp_path / "cut.png"))
    assert window.last_error.startswith(f"{tmp_path / 'cut.png'}: not a readable image")
    assert "\n" not in window.last_error
    assert window.view.coords.text() == coords and not window.view.canvas.is_empty()


def test_hover_decodes_and_click_pins(window, qtbot):
    """pyqtgraph's scene reports pointer moves in scene coordinates; the map turns them into z."""
    from PySide6.QtCore import QPointF

    vb = window.view.map.getPlotItem().vb
    with qtbot.waitSignal(window.view.map.sigHovered) as blocker:
        window.view.map.scene().sigMouseMoved.emit(vb.mapViewToScene(QPointF(0.5, -0.25)))
    assert np.abs(blocker.args[0] - [0.5, -0.25]).max() < 1e-3
    assert window.view.hover_view._image is not None and window.view.map.hovered.data["x"][0] == pytest.approx(0.5, abs=1e-3)
    window.on_pin(np.array([0.5, -0.5], np.float32))
    assert window.view.pinned_view._image is not None and window.view.map.pinned.data["x"][0] == 0.5


def test_rectangle_mode_follows_the_map_region(window):
    window.view.range_mode.setCurrentIndex(1)
    window.view.map.set_region(-1, 1, 0, 2, editable=True)
    window.update_grid()
    r = window.grid_range()
    assert (r.x0, r.x1, r.y0, r.y1, r.ppf) == (-1, 1, 0, 2, False)


def test_grid_n_range_is_2_to_60(window):
    assert (window.view.n_spin.minimum(), window.view.n_spin.maximum()) == (2, 60)
    window.view.n_spin.setValue(60)
    assert window.view.grid._n == 60


def test_settings_persist(qtbot, window, seed_model):
    window.view.n_spin.setValue(23)
    window.close()
    again = MainWindow(device="cpu")
    qtbot.addWidget(again)
    assert again.view.n_spin.value() == 23


def test_image_file_is_encoded(window, tmp_path, seed_model):
    from desktop.pngio import save_png

    pic = np.ones((60, 40))
    pic[10:50, 18:23] = 0  # dark bar on white paper
    save_png(pic, tmp_path / "one.png")
    assert window.load_image(str(tmp_path / "one.png"))
    assert window.view.coords.text()
    assert not window.load_image(str(tmp_path / "missing.png")) and "file not found" in window.last_error


def test_named_widgets_exist(window):
    from PySide6.QtWidgets import QWidget

    for name in ("drawCanvas", "latentMap", "manifoldGrid"):
        assert window.findChild(QWidget, name) is not None


def test_without_any_model_the_window_opens_and_says_so(qtbot, monkeypatch, tmp_path):
    monkeypatch.setenv("VAE_DIGITS_MODELS", str(tmp_path / "none"))
    w = MainWindow(device="cpu")
    qtbot.addWidget(w)
    w.settings.remove("model")
    w.open_initial_model(None)
    w.show()
    assert w.runtime is None and "No usable model folder" in w.last_error
    w.view.canvas.clear()
    w.update_grid()  # nothing to do, no crash
    w.choose_grid_export()
    assert w.last_error == "Open a model first."


def click(widget, pos):
    """A pointer that arrives, presses and releases, as a hand does (pyqtgraph needs the move)."""
    QTest.mouseMove(widget, pos)
    QTest.mousePress(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)
    QTest.qWait(30)
    QTest.mouseRelease(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)


def test_clicking_a_legend_entry_hides_and_shows_its_class(window, qtbot):
    sample, _label = window.view.map.legend.items[1]  # the class "1"
    pos = window.view.map.mapFromScene(sample.mapToScene(sample.boundingRect().center()))
    assert window.view.map.class_visible(1)
    click(window.view.map.viewport(), pos)
    qtbot.waitUntil(lambda: not window.view.map.class_visible(1), timeout=2000)
    assert window.view.map.class_visible(0)
    click(window.view.map.viewport(), pos)
    qtbot.waitUntil(lambda: window.view.map.class_visible(1), timeout=2000)


def test_clicking_the_map_pins_a_point(window, qtbot):
    vb = window.view.map.getPlotItem().vb
    from PySide6.QtCore import QPointF

    pos = window.view.map.mapFromScene(vb.mapViewToScene(QPointF(2.0, -3.0)))
    with qtbot.waitSignal(window.view.map.sigClicked) as blocker:
        click(window.view.map.viewport(), pos)
    assert np.abs(blocker.args[0] - [2.0, -3.0]).max() < 0.1
    assert window.view.pinned_view._image is not None


class FakeRuntime:
    """A 3-D latent model stand-in: decode paints each tile with the mean of its z, and records z."""

    def __init__(self, folder, device):
        from pathlib import Path
        from types import SimpleNamespace

        from desktop.model_card import Latents

        rng = np.random.default_rng(0)
        self.latent_dim, self.pixels, self.name = 3, 784, "fake-3d"
        self.provider, self.provider_note, self.last_ms = "CPUExecutionProvider", "CPU as requested", 0.0
        self.card = SimpleNamespace(name=self.name, latent_dim=3, image_size=(28, 28), folder=Path(folder),
                                    class_names=[str(i) for i in range(10)], data={})
        z = rng.normal(size=(500, 3)).astype(np.float32)
        nll = rng.normal(150, 10, 500).astype(np.float32)
        self.latents = Latents(z, z * 0 - 1, rng.integers(0, 10, 500).astype(np.uint8), nll, np.sort(nll))
        self.decoded = []

    def encode(self, images):
        n = len(images)
        return np.tile([[0.1, 0.2, 0.3]], (n, 1)).astype(np.float32), np.full((n, 3), -1, np.float32)

    def decode(self, z):
        self.decoded.append(np.array(z))
        return np.repeat(np.clip(z.mean(axis=1, keepdims=True), 0, 1), 784, axis=1).astype(np.float32)

    def neg_elbo(self, image, z_mean, z_log_var):
        return 150.0


def test_more_than_two_latent_dimensions_pick_axes_and_fix_the_rest(qtbot, tmp_path):
    w = MainWindow(device="cpu", runtime_factory=FakeRuntime)
    qtbot.addWidget(w)
    assert w.load_model(tmp_path)
    assert not w.view.axes.isHidden()
    w.view.axes.y_axis.setCurrentIndex(2)  # show z[0] against z[2]
    w.view.axes._values[1].setValue(0.7)  # z[1] stays at 0.7
    w.view.n_spin.setValue(4)
    z = w.runtime.decoded[-1]
    assert z.shape == (16, 3) and np.all(z[:, 1] == np.float32(0.7))
    assert len(set(np.round(z[:, 0], 4))) == 4 and len(set(np.round(z[:, 2], 4))) == 4
    shown = np.concatenate([item.getData()[0] for item in w.view.map._classes])
    assert np.allclose(np.sort(shown), np.sort(w.runtime.latents.z_mean[:, 0]))
    ys = np.concatenate([item.getData()[1] for item in w.view.map._classes])
    assert np.allclose(np.sort(ys), np.sort(w.runtime.latents.z_mean[:, 2]))


def test_two_dimensional_models_hide_the_axes_picker(window):
    assert window.view.axes.isHidden()

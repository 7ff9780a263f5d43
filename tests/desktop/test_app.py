"""The main window on the shipped seed model, driven by real mouse and key events, offscreen."""
import json
import shutil

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest

from desktop.main_window import MainWindow


@pytest.fixture
def window(qtbot, seed_model):
    from PySide6.QtCore import QSettings

    QSettings().clear()  # each test starts from the defaults, not from the last test's window
    w = MainWindow(device="cpu")
    qtbot.addWidget(w)
    w.resize(1400, 800)
    w.open_initial_model(str(seed_model))
    w.show()
    qtbot.waitExposed(w)
    qtbot.wait(100)  # let pyqtgraph finish its first auto-range and layout, and the grid decode
    return w


def canvas_point(canvas, x, y) -> QPoint:
    """Widget coordinates of ink pixel (x, y) of the canvas's 280 x 280 image."""
    r = canvas.target_rect()
    k = r.width() / canvas.RESOLUTION
    return QPoint(round(r.left() + x * k), round(r.top() + y * k))


def draw(canvas, points, qtbot=None):
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, canvas_point(canvas, *points[0]))
    for p in points[1:]:
        QTest.mouseMove(canvas, canvas_point(canvas, *p))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       canvas_point(canvas, *points[-1]))
    if qtbot is not None:
        qtbot.waitUntil(lambda: canvas.drawing() is not None and "nats" in canvas.window().view.nll_label.text())


BAR = [(140, y) for y in range(40, 241, 8)]


def test_vertical_bar_encodes_among_the_ones(window, qtbot):
    draw(window.view.canvas, BAR, qtbot)
    z = np.array([float(v) for v in window.view.coords.text().split(",")])
    lat = window.runtime.latents
    nearest = np.argsort(np.linalg.norm(lat.z_mean - z, axis=1))[:50]
    assert np.mean(lat.labels[nearest] == 1) > 0.8
    assert window.view.map.marker.data["x"][0] == pytest.approx(z[0], abs=1e-3)
    assert window.view.recon_view.has_image() and window.view.input_view.has_image()
    sigma = [float(v) for v in window.view.sigma_label.text().split(",")]
    assert len(sigma) == 2 and all(0 < s < 1 for s in sigma)


def test_every_position_reaches_the_stroke_and_no_inference_runs_in_the_handler(window, qtbot, monkeypatch):
    calls = []
    real = window.runtime.encode
    monkeypatch.setattr(window.runtime, "encode", lambda x: calls.append(1) or real(x))
    c = window.view.canvas
    circle = [(140 + 80 * np.cos(t), 140 + 80 * np.sin(t)) for t in np.linspace(0, 2 * np.pi, 120)]
    QTest.mousePress(c, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, canvas_point(c, *circle[0]))
    for p in circle[1:]:
        QTest.mouseMove(c, canvas_point(c, *p))
    assert c.stroke_points() == 120  # every move kept
    assert calls == []  # the handlers only recorded points; the analysis waits for the event loop
    qtbot.waitUntil(lambda: len(calls) >= 1)
    assert window.view.nll_label.text() == "…"  # live: the multi-sample estimate waits for the release
    QTest.mouseRelease(c, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, canvas_point(c, *circle[-1]))
    qtbot.waitUntil(lambda: "nats" in window.view.nll_label.text())
    assert len(calls) <= 4  # 120 moves, coalesced to a live update per frame and the final one


def test_undo_and_clear_work_from_the_spin_box_too(window, qtbot):
    draw(window.view.canvas, BAR, qtbot)
    draw(window.view.canvas, [(x, 140) for x in range(40, 241, 8)], qtbot)
    two = window.view.coords.text()
    window.view.n_spin.setFocus()
    QTest.keySequence(window.view.n_spin, "Ctrl+Z")
    qtbot.waitUntil(lambda: window.view.coords.text() not in (two, ""))
    QTest.keySequence(window.view.n_spin, "Ctrl+L")
    qtbot.waitUntil(lambda: window.view.coords.text() == "")
    assert window.view.canvas.is_empty()


def test_ctrl_e_exports_from_the_spin_box_and_a_canvas_click_takes_focus(window, qtbot, monkeypatch):
    asked = []
    monkeypatch.setattr(window, "_ask_scale", lambda title: asked.append(title))
    window.view.n_spin.setFocus()
    QTest.keySequence(window.view.n_spin, "Ctrl+E")
    assert asked == ["Export grid"]
    window.activateWindow()
    draw(window.view.canvas, BAR, qtbot)
    assert window.focusWidget() is window.view.canvas


def _read_gray(path):
    img = QImage(str(path)).convertToFormat(QImage.Format.Format_Grayscale8)
    return np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())[:, :img.width()].copy()


def test_grid_export_size_text_and_content(window, tmp_path, qtbot):
    window.view.n_spin.setValue(7)
    qtbot.waitUntil(lambda: window.view.grid.n == 7)
    assert window.exports.grid(str(tmp_path / "g.png"), 3)
    img = QImage(str(tmp_path / "g.png"))
    assert img.width() == img.height() == 7 * 28 * 3
    assert img.text("n") == "7" and img.text("Model") == "mnist-seed" and img.text("Range") == "ppf"
    got, picture = _read_gray(tmp_path / "g.png"), window.grid.last.picture
    assert np.array_equal(got[::3, ::3], picture) and np.array_equal(got[1::3, 2::3], picture)  # 3x3 blocks


def test_samples_export_is_the_same_as_the_command(window, tmp_path, qtbot, capsys, seed_model):
    from desktop.cli import main

    window.view.range_mode.setCurrentIndex(2)  # samples from the prior
    window.state.grid.seed, window.state.grid.n = 1234, 6
    qtbot.waitUntil(lambda: window.grid.last is not None and window.grid.last.seed == 1234 and window.grid.last.n == 6)
    assert window.view.seed_label.text() == "seed 1234" and window.view.map.extent.isVisible() is False
    assert window.exports.grid(str(tmp_path / "window.png"), 2)
    with pytest.raises(SystemExit):
        main(["sample", "--n", "6", "--seed", "1234", "--scale", "2", "--model", str(seed_model),
              "--out", str(tmp_path / "cli.png")])
    assert (tmp_path / "window.png").read_bytes() == (tmp_path / "cli.png").read_bytes()
    assert QImage(str(tmp_path / "window.png")).text("Seed") == "1234"


def test_resample_draws_anew(window, qtbot):
    QTest.keySequence(window, "Ctrl+R")
    qtbot.waitUntil(lambda: window.grid.last is not None and window.grid.last.label == "samples")
    first = window.grid.last.seed
    window.view.resample_button.click()
    qtbot.waitUntil(lambda: window.grid.last.seed != first)


def test_export_to_a_folder_that_cannot_be_written(window, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert not window.exports.grid(str(blocker / "g.png"), 1)
    assert "g.png" in window.last_error
    assert window.exports.grid(str(tmp_path / "ok.png"), 1)  # still working


def test_map_export_leaves_out_the_hover_circle(window, tmp_path, qtbot):
    vb = window.view.map.getPlotItem().vb
    window.view.map.scene().sigMouseMoved.emit(vb.mapViewToScene(QPointF(0.0, 0.0)))
    qtbot.waitUntil(lambda: len(window.view.map.hovered.data) == 1)
    assert window.exports.map(str(tmp_path / "map.png"))
    window.view.map.hovered.setVisible(False)
    without = window.view.map.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    window.view.map.hovered.setVisible(True)
    with_hover = window.view.map.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    exported = QImage(str(tmp_path / "map.png")).convertToFormat(QImage.Format.Format_RGB32)
    assert exported == without and exported != with_hover and window.view.map.hovered.isVisible()


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
def test_bad_model_keeps_the_previous_one_and_stays_out_of_the_menu(window, tmp_path, seed_model, damage, qtbot):
    bad = tmp_path / "bad"
    shutil.copytree(seed_model, bad)
    problem = damage(bad)
    draw(window.view.canvas, BAR, qtbot)
    coords = window.view.coords.text()
    assert not window.open_model_folder(str(bad))
    assert problem in window.last_error and "\n" not in window.last_error
    assert window.runtime.card.folder == seed_model and window.view.coords.text() == coords
    assert str(bad) not in [a.text() for a in window.model_menu.actions()]


def test_a_folder_opened_by_hand_joins_the_model_menu_with_its_tick(window, tmp_path, seed_model, qtbot):
    mine = tmp_path / "my-model"
    shutil.copytree(seed_model, mine)
    assert window.open_model_folder(str(mine))
    entries = {a.text(): a.isChecked() for a in window.model_menu.actions() if a.isCheckable()}
    assert entries[str(mine.resolve())] is True and entries["mnist-seed"] is False
    again = MainWindow(device="cpu")  # remembered
    qtbot.addWidget(again)
    assert str(mine.resolve()) in [a.text() for a in again.model_menu.actions()]


def test_bad_picture_keeps_the_drawing(window, tmp_path, qtbot):
    from desktop.pngio import save_png

    save_png(np.eye(60), tmp_path / "whole.png")
    (tmp_path / "cut.png").write_bytes((tmp_path / "whole.png").read_bytes()[:80])
    draw(window.view.canvas, BAR, qtbot)
    coords = window.view.coords.text()
    assert not window.load_image(str(tmp_path / "cut.png"))
    assert window.last_error.startswith(f"{tmp_path / 'cut.png'}: not a readable image")
    assert "\n" not in window.last_error
    assert window.view.coords.text() == coords and not window.view.canvas.is_empty()


def test_a_picture_reads_the_same_in_the_window_and_the_encode_command(window, tmp_path, qtbot, capsys, seed_model):
    """One pipeline: the window analyses the picture's own pixels, as `vae-digits encode` does."""
    from desktop.cli import main
    from desktop.pngio import save_png

    pic = np.ones((60, 40))
    pic[10:50, 18:23] = 0  # a dark bar on white paper
    pic[10:20, 12:18] = 0.3
    save_png(pic, tmp_path / "one.png")
    assert window.load_image(str(tmp_path / "one.png"))
    qtbot.waitUntil(lambda: "nats" in window.view.nll_label.text())
    with pytest.raises(SystemExit):
        main(["encode", str(tmp_path / "one.png"), "--model", str(seed_model)])
    cli = json.loads(capsys.readouterr().out)
    enc = window.state.app.encoding
    assert enc.z_mean.tolist() == cli["z_mean"] and enc.neg_elbo == cli["neg_elbo"]
    assert not window.load_image(str(tmp_path / "missing.png")) and "file not found" in window.last_error


def test_hover_shows_its_z_and_leaving_or_switching_models_clears_it(window, qtbot, seed_model):
    vb = window.view.map.getPlotItem().vb
    with qtbot.waitSignal(window.view.map.sigHovered) as blocker:
        window.view.map.scene().sigMouseMoved.emit(vb.mapViewToScene(QPointF(0.5, -0.25)))
    assert np.abs(blocker.args[0] - [0.5, -0.25]).max() < 1e-3
    qtbot.waitUntil(window.view.hover_view.has_image)
    assert window.view.hover_view.caption == "(0.50, -0.25)"
    from PySide6.QtCore import QEvent

    window.view.map.leaveEvent(QEvent(QEvent.Type.Leave))  # the pointer leaves the map
    assert not window.view.hover_view.has_image() and window.state.app.hovered is None
    window.view.map.scene().sigMouseMoved.emit(vb.mapViewToScene(QPointF(0.5, -0.25)))
    qtbot.waitUntil(window.view.hover_view.has_image)
    window.map.pin(np.array([0.5, -0.5], np.float32))
    assert window.view.pinned_view.has_image() and window.view.map.pinned.data["x"][0] == 0.5
    assert window.load_model(seed_model)  # a switch: no picture of the previous model stays
    assert not window.view.hover_view.has_image() and not window.view.pinned_view.has_image()


def _drag(widget, a: QPoint, b: QPoint):
    """A hand's drag: hover, press, move in steps (pyqtgraph ignores moves < 10 ms apart), release."""
    QTest.mouseMove(widget, a)
    QTest.qWait(12)
    QTest.mousePress(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    for t in np.linspace(0, 1, 12)[1:]:
        QTest.qWait(12)
        QTest.mouseMove(widget, QPoint(round(a.x() + (b.x() - a.x()) * t), round(a.y() + (b.y() - a.y()) * t)))
    QTest.mouseRelease(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)


def test_a_drag_on_the_map_draws_the_grid_rectangle_and_it_survives_a_restart(window, qtbot):
    window.view.range_mode.setCurrentIndex(1)  # rectangle drawn on the map
    m = window.view.map
    vb = m.getPlotItem().vb
    to_widget = lambda x, y: m.mapFromScene(vb.mapViewToScene(QPointF(x, y)))  # noqa: E731
    _drag(m.viewport(), to_widget(-1.0, 2.0), to_widget(1.0, 0.0))
    x0, x1, y0, y1 = window.state.grid.rect
    assert (x0, x1, y0, y1) == pytest.approx((-1, 1, 0, 2), abs=0.1)
    assert len(m.extent.getHandles()) == 4 and m.extent.handleSize >= 10
    qtbot.waitUntil(lambda: window.grid.last.label == ",".join(f"{v:g}" for v in window.state.grid.rect))
    window.close()
    again = MainWindow(device="cpu")
    qtbot.addWidget(again)
    assert again.state.grid.mode == "rect" and again.state.grid.rect == pytest.approx((x0, x1, y0, y1))


def test_a_60_grid_is_reduced_smoothly_on_screen(window, qtbot):
    window.view.n_spin.setValue(60)
    qtbot.waitUntil(lambda: window.view.grid.n == 60)
    window.resize(1024, 640)
    qtbot.wait(50)
    shown = window.view.grid.grab().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    r = window.view.grid.target_rect()
    assert r.width() < 60 * 28  # reduced
    pixels = np.frombuffer(shown.constBits(), np.uint8).reshape(shown.height(), shown.bytesPerLine())
    tile = pixels[r.top():r.bottom(), r.left():r.right()]
    assert len(np.unique(tile)) > 64  # averaged grey levels, not a sparse pick of source pixels


def test_window_fits_1024x640_and_the_canvas_grows_on_a_big_screen(window, qtbot):
    hint = window.minimumSizeHint()
    assert hint.width() <= 1024 and hint.height() <= 640
    window.resize(1920, 1080)
    qtbot.wait(50)
    assert window.view.canvas.target_rect().width() > 300 and window.view.map.width() > 500


def test_settings_persist(qtbot, window):
    window.view.n_spin.setValue(23)
    window.close()
    again = MainWindow(device="cpu")
    qtbot.addWidget(again)
    assert again.view.n_spin.value() == 23 and again.state.grid.n == 23


def test_typicality_says_what_is_compared(window, qtbot):
    draw(window.view.canvas, BAR, qtbot)
    text = window.view.typical_label.text()
    assert "of the 10,000 test digits fit the model worse (a higher −ELBO)" in text


def test_without_any_model_the_window_opens_and_says_so(qtbot, monkeypatch, tmp_path):
    monkeypatch.setenv("VAE_DIGITS_MODELS", str(tmp_path / "none"))
    w = MainWindow(device="cpu")
    qtbot.addWidget(w)
    w.settings.remove("model")
    w.open_initial_model(None)
    w.show()
    assert w.runtime is None and "No usable model folder" in w.last_error
    w.view.canvas.clear()
    w.choose_grid_export()
    assert w.last_error == "Open a model first."


def test_clicking_a_legend_entry_hides_and_shows_its_class(window, qtbot):
    button = window.view.legend.buttons[1]  # the class "1"
    assert button.text() == "1" and window.view.map.class_visible(1)
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    assert not window.view.map.class_visible(1) and window.view.map.class_visible(0)
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.view.map.class_visible(1)


def test_clicking_the_map_pins_a_point(window, qtbot):
    vb = window.view.map.getPlotItem().vb
    pos = window.view.map.mapFromScene(vb.mapViewToScene(QPointF(2.0, -3.0)))
    QTest.mouseMove(window.view.map.viewport(), pos)
    with qtbot.waitSignal(window.view.map.sigClicked) as blocker:
        QTest.mouseClick(window.view.map.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)
    assert np.abs(blocker.args[0] - [2.0, -3.0]).max() < 0.1
    assert window.view.pinned_view.has_image()


def _colour_pixels(widget, hex_colour: str) -> int:
    img = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    rgb = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())[:, :img.width() * 3]
    rgb = rgb.reshape(img.height(), img.width(), 3).astype(int)
    target = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(rgb - target).sum(axis=2) < 40).sum())


def test_the_map_draws_the_test_set_in_class_colours_and_hides_a_class(window, qtbot):
    from desktop.widgets.latent_map import class_colour

    m = window.view.map
    assert all(_colour_pixels(m, class_colour(k)) > 50 for k in range(10))
    window.view.legend.buttons[3].click()
    qtbot.wait(20)
    assert _colour_pixels(m, class_colour(3)) == 0 and _colour_pixels(m, class_colour(4)) > 50
    assert not m.extent.getHandles()  # the reference's square is shown, not editable


def test_a_hand_edited_settings_file_cannot_stop_the_window(qtbot, seed_model):
    from PySide6.QtCore import QSettings

    s = QSettings()
    for key, value in (("grid_n", "900"), ("export_scale", "x"), ("grid_rect", "{oops"), ("extra_models", "7"),
                       ("grid_mode", "spiral"), ("brush", "-3")):
        s.setValue(key, value)
    w = MainWindow(device="cpu")
    qtbot.addWidget(w)
    w.open_initial_model(str(seed_model))
    assert (w.state.grid.n, w.export_scale, w.state.grid.mode) == (60, 2, "ppf") and w.view.brush.value() == 4

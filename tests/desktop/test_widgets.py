"""The window's controllers and widgets on a fake runtime (napari style): what each user action
decodes, the axes of >2-D models, the training replay, walks and the card's words."""
import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from desktop.main_window import MainWindow
from tests.desktop.fakes import FakeRuntime, fake


def _window(qtbot, tmp_path, factory):
    from PySide6.QtCore import QSettings

    QSettings().clear()
    w = MainWindow(device="cpu", runtime_factory=factory)
    qtbot.addWidget(w)
    w.resize(1200, 760)
    w.show()
    qtbot.waitExposed(w)
    assert w.load_model(tmp_path)
    qtbot.waitUntil(lambda: w.grid.last is not None)
    qtbot.wait(20)
    return w


def _grid_decodes(rt, n):
    return sum(1 for z in rt.decoded if len(z) == n * n)


def test_a_model_load_decodes_its_grid_once_and_each_change_once_more(qtbot, tmp_path):
    w = MainWindow(device="cpu", runtime_factory=fake(latent_dim=2))
    qtbot.addWidget(w)
    w.state.grid.n, w.state.grid.mode = 15, "ppf"
    w.show()
    assert w.load_model(tmp_path)
    qtbot.wait(100)
    rt = w.runtime
    assert _grid_decodes(rt, 15) == 1
    w.view.n_spin.setValue(9)
    qtbot.wait(50)
    assert _grid_decodes(rt, 9) == 1 and _grid_decodes(rt, 15) == 1
    w.view.range_mode.setCurrentIndex(1)  # rectangle mode: one decode
    qtbot.wait(50)
    assert _grid_decodes(rt, 9) == 2


def test_a_rectangle_dragged_decodes_at_most_once_per_frame(qtbot, tmp_path):
    w = _window(qtbot, tmp_path, fake(latent_dim=2))
    w.view.range_mode.setCurrentIndex(1)
    qtbot.wait(30)
    n = w.state.grid.n
    before = _grid_decodes(w.runtime, n)
    for i in range(40):  # 40 region updates arriving within a few milliseconds
        w.view.map.sigRegionChanging.emit((-1.0, 1.0 + i / 100, -1.0, 1.0))
    qtbot.wait(60)
    assert 1 <= _grid_decodes(w.runtime, n) - before <= 3
    assert w.state.grid.rect == pytest.approx((-1.0, 1.39, -1.0, 1.0))


def test_a_stroke_on_the_canvas_encodes_per_frame_not_per_move(qtbot, tmp_path):
    w = _window(qtbot, tmp_path, fake(latent_dim=2))
    c = w.view.canvas
    QTest.mousePress(c, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(100, 40))
    for y in range(41, 200):
        QTest.mouseMove(c, QPoint(100, y))
    assert w.runtime.encoded == 0
    QTest.mouseRelease(c, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(100, 199))
    qtbot.waitUntil(lambda: w.state.app.encoding is not None and w.state.app.encoding.neg_elbo is not None)
    assert c.stroke_points() == 160 and w.runtime.encoded <= 3


def test_more_than_two_latent_dimensions_pick_axes_and_fix_the_rest(qtbot, tmp_path):
    w = _window(qtbot, tmp_path, fake(latent_dim=3))
    assert not w.view.axes.isHidden()
    w.view.axes.y_axis.setCurrentIndex(2)  # show z[0] against z[2]
    w.view.axes._values[1].setValue(0.7)  # z[1] stays at 0.7
    w.view.n_spin.setValue(4)
    qtbot.waitUntil(lambda: w.grid.last.n == 4 and w.state.view.base[1] == pytest.approx(0.7))
    qtbot.wait(20)
    z = [z for z in w.runtime.decoded if len(z) == 16][-1]
    assert z.shape == (16, 3) and np.all(z[:, 1] == np.float32(0.7))
    assert len(set(np.round(z[:, 0], 4))) == 4 and len(set(np.round(z[:, 2], 4))) == 4
    shown = w.view.map.shown_points()
    assert np.allclose(np.sort(shown[:, 0]), np.sort(w.runtime.latents.z_mean[:, 0]))
    assert np.allclose(np.sort(shown[:, 1]), np.sort(w.runtime.latents.z_mean[:, 2]))


def test_two_dimensional_models_hide_the_axes_picker(qtbot, tmp_path):
    assert _window(qtbot, tmp_path, fake(latent_dim=2)).view.axes.isHidden()


def _shown_points(w):
    return w.view.map.shown_points()


def test_the_timeline_drives_the_map_and_play_ends_on_the_full_map(qtbot, tmp_path):
    w = _window(qtbot, tmp_path, fake(latent_dim=2, history_epochs=5))
    h, t = w.runtime.history, w.view.timeline
    assert t.isVisible() and t.slider.maximum() == 6 and "after 5 epochs" in t.label.text()
    assert len(_shown_points(w)) == 500  # the trained model's full test set
    t.slider.setValue(2)  # epoch 2
    assert w.state.app.replay_epoch == 2 and "epoch 2 of 5" in t.label.text() and "train 198.0" in t.label.text()
    assert np.allclose(np.sort(_shown_points(w), 0), np.sort(h.z_mean[2], 0), atol=1e-6)
    t.slider.setValue(0)
    assert "before training" in t.label.text() and np.allclose(_shown_points(w), 0)
    t.play.click()
    qtbot.waitUntil(lambda: w.state.app.replay_epoch is None, timeout=5000)  # 5 epochs at 4 frames each, 30 fps
    assert not t.play.isChecked() and len(_shown_points(w)) == 500


def test_models_without_a_recording_hide_the_timeline(qtbot, tmp_path):
    assert _window(qtbot, tmp_path, fake(latent_dim=2)).view.timeline.isHidden()


def test_a_walk_between_two_classes_decodes_its_ends_in_one_batch(qtbot, tmp_path):
    from desktop.walks import class_end

    w = _window(qtbot, tmp_path, fake(latent_dim=2))
    qtbot.waitUntil(lambda: w.walk.frames is not None)
    rt = w.runtime
    w.view.walk.steps.setValue(12)
    qtbot.waitUntil(lambda: len(w.walk.frames) == 12)
    walk = [z for z in rt.decoded if len(z) == 12]
    assert len(walk) == 1  # one batched decode
    assert np.allclose(walk[0][0], class_end(rt, 0).z) and np.allclose(walk[0][-1], class_end(rt, 1).z)
    assert w.view.map.path.getData()[0].shape == (12,)
    w.view.walk.scrubber.setValue(5)
    assert w.state.walk.frame == 5 and w.view.walk.frame_view.caption.startswith("step 6/12")


def test_the_drawing_and_the_pinned_point_can_be_walk_ends(qtbot, tmp_path):
    w = _window(qtbot, tmp_path, fake(latent_dim=2))
    w.walk.choose_end(0, "pinned", None)
    assert "pin a point first" in w.last_error
    w.map.pin(np.array([0.5, -0.5], np.float32))
    w.walk.choose_end(0, "pinned", None)
    assert w.state.walk.start == (0.5, -0.5) and w.state.walk.start_label == "the pinned point"
    w.walk.choose_end(1, "pick", None)
    w.view.map.sigClicked.emit(np.array([1.0, 2.0], np.float32))
    assert w.state.walk.end == (1.0, 2.0)


def test_walk_play_advances_and_there_and_back_turns(qtbot, tmp_path):
    w = _window(qtbot, tmp_path, fake(latent_dim=2))
    qtbot.waitUntil(lambda: w.walk.frames is not None)
    w.view.walk.steps.setValue(3)
    w.view.walk.bounce.setChecked(True)
    qtbot.waitUntil(lambda: len(w.walk.frames) == 3)
    seen = []
    w.state.walk.events.frame.connect(seen.append)
    w.view.walk.play.click()
    qtbot.waitUntil(lambda: len(seen) >= 5, timeout=3000)
    w.view.walk.play.click()
    assert seen[:5] == [1, 2, 1, 0, 1] and not w.walk.timer.isActive()


def test_the_words_follow_the_card(qtbot, tmp_path):
    names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    w = _window(qtbot, tmp_path, fake(latent_dim=2, subject=("item of clothing", "items of clothing"), class_names=names))
    assert w.view.coords.placeholderText() == "draw an item of clothing"
    assert "Draw an item of clothing" in w.view.canvas.toolTip()
    assert [b.text() for b in w.view.legend.buttons] == names
    assert w.view.walk.ends[0].itemText(1) == "class Trouser"
    assert "items of clothing" in w.windowTitle()
    QTest.mousePress(w.view.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(100, 40))
    QTest.mouseMove(w.view.canvas, QPoint(100, 160))
    QTest.mouseRelease(w.view.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(100, 160))
    qtbot.waitUntil(lambda: "items of clothing" in w.view.typical_label.text())


def test_fake_runtime_is_a_fair_stand_in():
    rt = FakeRuntime(".")
    assert rt.decode(np.zeros((4, 3))).shape == (4, 784) and rt.encode(np.zeros((2, 784)))[0].shape == (2, 3)


def test_the_walk_panel_shows_what_the_state_holds(qtbot, tmp_path):
    w = _window(qtbot, tmp_path, fake(latent_dim=2))
    w.walk.choose_end(0, "class", 4)
    w.state.walk.steps = 7
    assert w.view.walk.ends[0].currentText() == "class 4" and w.view.walk.steps.value() == 7
    assert w.state.walk.start_label.startswith("class 4")

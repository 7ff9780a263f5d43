"""The real-window benchmark's parts that run anywhere: its probe inside the window, and its
refusal to run without a display. (Its numbers are printed by `make bench-app`, never asserted.)"""
import json
import os
import subprocess
import sys

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from tests.conftest import REPO


def test_the_probe_reports_geometry_strokes_and_grid_updates(qtbot, seed_model, tmp_path, monkeypatch):
    from desktop import probe
    from desktop.main_window import MainWindow

    log = tmp_path / "probe.jsonl"
    monkeypatch.setenv("VAE_DIGITS_PROBE", str(log))
    w = MainWindow(device="cpu")
    qtbot.addWidget(w)
    w.probe = probe.attach(w)
    w.open_initial_model(str(seed_model))
    w.show()
    qtbot.waitExposed(w)
    c = w.view.canvas
    QTest.mousePress(c, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(100, 40))
    for y in range(45, 200, 5):
        QTest.mouseMove(c, QPoint(100, y))
    QTest.mouseRelease(c, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(100, 195))
    n = w.view.n_spin.value()
    w.view.n_spin.setValue(n - 1 if n > w.view.n_spin.minimum() else n + 1)  # settings may hold the maximum
    qtbot.waitUntil(lambda: '"event": "grid"' in log.read_text())
    events = [json.loads(line) for line in log.read_text().splitlines()]
    kinds = {e["event"] for e in events}
    assert {"ready", "stroke", "grid"} <= kinds
    assert [e["points"] for e in events if e["event"] == "stroke"] == [32]
    ready = next(e for e in events if e["event"] == "ready")
    assert ready["pid"] == os.getpid() and ready["canvas"][2] >= 200
    assert all(e["ms"] >= 0 for e in events if e["event"] == "grid")


def test_without_the_probe_variable_there_is_no_probe(qtbot, monkeypatch):
    from desktop import probe

    monkeypatch.delenv("VAE_DIGITS_PROBE", raising=False)
    assert probe.attach(object()) is None


def test_the_benchmark_asks_for_a_real_display():
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    p = subprocess.run([sys.executable, "-m", "desktop.bench"], capture_output=True, text=True, cwd=REPO, env=env,
                       timeout=60)
    assert p.returncode == 1 and "needs a real X display" in p.stderr

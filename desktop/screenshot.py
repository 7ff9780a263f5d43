"""`python -m desktop.screenshot DOCS_FOLDER`: the README's pictures, taken from the real window.

screenshot.png (a drawn digit, a hovered and a pinned point), replay.png (the training replay
part-way, the walk panel open) and walk.gif (a walk between two classes). Run under a display:
`make screenshot` uses xvfb-run."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np


def main() -> None:
    from PySide6.QtCore import QEvent, QPointF, Qt, QTimer
    from PySide6.QtGui import QMouseEvent

    from desktop import walks
    from desktop.app import ensure_gui_app
    from desktop.main_window import MainWindow
    from desktop.resources import default_model

    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs")
    out.mkdir(parents=True, exist_ok=True)
    app = ensure_gui_app()
    w = MainWindow()
    w.open_initial_model(str(default_model()))
    w.resize(1500, 820)
    w.move(0, 0)
    w.show()

    def draw():
        c = w.view.canvas
        r = c.target_rect()
        k = r.width() / c.RESOLUTION
        t = np.linspace(0, 1, 30)  # a hand-drawn "2": an arc over the top, a diagonal, a base
        pts = [(140 + 55 * np.cos(a), 100 - 55 * np.sin(a)) for a in np.pi * (1.0 - 1.3 * t)]
        pts += [(pts[-1][0] + (85 - pts[-1][0]) * s, pts[-1][1] + (225 - pts[-1][1]) * s) for s in t[1:]]
        pts += [(85 + 120 * s, 225) for s in t[1:]]
        press, move, release = QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.MouseButtonRelease
        for kind, (x, y) in [(press, pts[0]), *[(move, p) for p in pts[1:]], (release, pts[-1])]:
            pos = QPointF(r.left() + x * k, r.top() + y * k)
            buttons = Qt.MouseButton.NoButton if kind == release else Qt.MouseButton.LeftButton
            app.sendEvent(c, QMouseEvent(kind, pos, pos, Qt.MouseButton.LeftButton, buttons,
                                         Qt.KeyboardModifier.NoModifier))
        w.map._hover_xy = np.array([1.0, 0.5], np.float32)
        w.map._decode_hovered()
        w.map.pin(np.array([-1.0, -1.0], np.float32))

    def grab(name):
        w.screen().grabWindow(0, 0, 0, w.frameGeometry().width(), w.frameGeometry().height()).save(str(out / name))
        print(f"wrote {out / name}")

    def replay():
        grab("screenshot.png")
        h = w.runtime.history
        if h is not None:
            w.state.app.replay_epoch = h.epochs[len(h.epochs) // 6]
        w.view.tabs.setCurrentWidget(w.view.walk)
        w.walk.choose_end(0, "class", 4)
        w.walk.choose_end(1, "class", 7)
        w.state.walk.steps, w.state.walk.frame = 12, 5

    def finish():
        try:
            grab("replay.png")
            rt = w.runtime
            frames, _ = walks.decode_walk(rt.decode, walks.class_end(rt, 4).z, walks.class_end(rt, 7).z, 24,
                                          *rt.card.image_size)
            walks.write_gif(frames, out / "walk.gif", frame_ms=80, scale=4, bounce=True)
            print(f"wrote {out / 'walk.gif'}")
        finally:
            app.quit()

    QTimer.singleShot(600, draw)
    QTimer.singleShot(1500, replay)
    QTimer.singleShot(2500, finish)
    app.exec()


if __name__ == "__main__":
    main()

"""`python -m desktop.screenshot OUT.png`: open the real window, draw a digit, grab the screen.
Run under a display (make screenshot uses xvfb-run) for the README's picture."""
from __future__ import annotations

import sys

import numpy as np


def main() -> None:
    from PySide6.QtCore import QEvent, QPointF, Qt, QTimer
    from PySide6.QtGui import QMouseEvent

    from desktop.app import ensure_gui_app
    from desktop.main_window import MainWindow
    from desktop.resources import default_model

    out = sys.argv[1] if len(sys.argv) > 1 else "docs/screenshot.png"
    app = ensure_gui_app()
    w = MainWindow()
    w.open_initial_model(str(default_model()))
    w.resize(1500, 800)
    w.move(0, 0)
    w.show()

    def draw():
        c = w.view.canvas
        t = np.linspace(0, 1, 30)  # a hand-drawn "2": an arc over the top, a diagonal, a base
        pts = [(140 + 55 * np.cos(a), 100 - 55 * np.sin(a)) for a in np.pi * (1.0 - 1.3 * t)]
        pts += [(pts[-1][0] + (85 - pts[-1][0]) * s, pts[-1][1] + (225 - pts[-1][1]) * s) for s in t[1:]]
        pts += [(85 + 120 * s, 225) for s in t[1:]]
        press, move, release = QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.MouseButtonRelease
        for kind, (x, y) in [(press, pts[0]), *[(move, p) for p in pts[1:]], (release, pts[-1])]:
            buttons = Qt.MouseButton.NoButton if kind == release else Qt.MouseButton.LeftButton
            app.sendEvent(c, QMouseEvent(kind, QPointF(x, y), QPointF(x, y), Qt.MouseButton.LeftButton, buttons,
                                         Qt.KeyboardModifier.NoModifier))
        w.on_hover(np.array([1.0, 0.5], np.float32))
        w.on_pin(np.array([-1.0, -1.0], np.float32))

    def grab():
        w.screen().grabWindow(0).save(out)
        print(f"wrote {out}")
        app.quit()

    QTimer.singleShot(600, draw)
    QTimer.singleShot(1500, grab)
    app.exec()


if __name__ == "__main__":
    main()

"""Start the Qt application and the main window."""
from __future__ import annotations

import os
import sys


def ensure_gui_app():
    """The QApplication, created on first use; offscreen where there is no display (Linux)."""
    from PySide6.QtWidgets import QApplication

    from PySide6.QtCore import QCoreApplication, Qt

    app = QApplication.instance()
    if app is None:
        if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QApplication(sys.argv[:1])
        # Qt merges mouse and pen moves that queue up while the app is busy; a stroke then loses
        # the positions in between and a circle turns into a polygon. Every position is kept.
        # (Set after the QApplication exists: its construction resets the default on X11.)
        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_CompressHighFrequencyEvents, False)
        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_CompressTabletEvents, False)
        app.setOrganizationName("vae-digits")
        app.setApplicationName("vae-digits")
    return app


def run_gui(args) -> int:
    from desktop.main_window import MainWindow

    app = ensure_gui_app()
    from desktop import probe

    window = MainWindow(device=args.device)
    window.probe = probe.attach(window)  # only for the real-window benchmark
    window.open_initial_model(args.model)
    window.show()
    if os.environ.get("VAE_DIGITS_EXIT_AFTER_PAINT"):
        window.sigFirstPaint.connect(lambda: _report_launch(app))
    return app.exec()


def _report_launch(app) -> None:
    """Print seconds from process start to the first painted window and the RSS, then quit."""
    from desktop.bench_util import rss_mb, seconds_since_process_start

    print(f"first-paint {seconds_since_process_start():.2f} s rss-mb {rss_mb():.1f}", flush=True)
    app.quit()

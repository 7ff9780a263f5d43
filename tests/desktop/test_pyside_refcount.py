"""PySide6 6.12.0 on Python < 3.12 lowers None's reference count on every void Qt call and the
process aborts after a few thousand (none_dealloc). We pin PySide6-Essentials < 6.12 there."""
import sys

from PySide6.QtWidgets import QWidget


def test_void_qt_calls_keep_none_alive(qtbot):
    w = QWidget()
    qtbot.addWidget(w)
    before = sys.getrefcount(None)
    for i in range(10_000):
        w.setMinimumWidth(i % 50)  # returns void
    assert sys.getrefcount(None) >= before

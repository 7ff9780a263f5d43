"""A manifold grid with its latent coordinates along the axes (`grid --labels`)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter

from desktop.grids import GridRange, axes_values, check_scale
from desktop.pngio import to_qimage


def labelled_grid(picture: np.ndarray, n: int, rng: GridRange, scale: int) -> QImage:
    """The grid at `scale` with a left and bottom margin naming each column's x and row's y."""
    from desktop.app import ensure_gui_app

    check_scale(scale)  # before any painting: a null image would leave the painter open
    ensure_gui_app()  # fonts need a QGuiApplication (offscreen works without a display)
    grid = to_qimage(picture).scaled(picture.shape[1] * scale, picture.shape[0] * scale)
    margin = 44
    img = QImage(grid.width() + margin, grid.height() + margin, QImage.Format.Format_RGB32)
    img.fill(QColor("white"))
    p = QPainter(img)
    p.drawImage(margin, 0, grid)
    p.setFont(QFont("Sans", 7))
    p.setPen(QColor("black"))
    xs, ys = axes_values(n, rng)
    tile_w, tile_h = grid.width() / n, grid.height() / n
    step = max(1, int(np.ceil(28 / tile_w)))  # skip labels that would overlap
    for k in range(0, n, step):
        p.drawText(QRect(int(margin + k * tile_w), grid.height() + 2, int(tile_w * step), 14),
                   Qt.AlignmentFlag.AlignLeft, f"{xs[k]:.2f}")
    step = max(1, int(np.ceil(14 / tile_h)))
    for k in range(0, n, step):  # row 0 is the top, the largest y
        p.drawText(QRect(0, int(k * tile_h), margin - 4, 14), Qt.AlignmentFlag.AlignRight, f"{ys[n - 1 - k]:.2f}")
    p.drawText(QRect(margin, grid.height() + 24, grid.width(), 16), Qt.AlignmentFlag.AlignHCenter, "z[0] →   ↑ z[1]")
    p.end()
    return img

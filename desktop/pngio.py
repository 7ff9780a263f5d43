"""Reading pictures and writing PNGs (with text chunks) through QtGui's QImage: no display is
needed. Writes go to a temporary file in the target folder and are renamed into place."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
from PySide6.QtGui import QImage

from desktop.grids import MAX_SCALE, MIN_SCALE


class ImageError(Exception):
    """A picture cannot be read or written; str() is one line naming the file and the problem."""


def read_gray(path: str | Path) -> np.ndarray:
    """Any picture QImage reads -> (H, W) float32 gray in [0, 1] (transparent areas as white)."""
    path = Path(path)
    if not path.is_file():
        raise ImageError(f"{path}: file not found")
    if path.stat().st_size == 0:
        raise ImageError(f"{path}: empty file")
    img = QImage(str(path))
    if img.isNull():
        raise ImageError(f"{path}: not a readable image")
    if img.hasAlphaChannel():  # composite onto white, the usual page colour
        rgba = _to_array(img.convertToFormat(QImage.Format.Format_RGBA8888), 4).astype(np.float32) / 255
        gray = rgba[..., :3].mean(axis=2) * rgba[..., 3] + (1 - rgba[..., 3])
        return gray.astype(np.float32)
    return _to_array(img.convertToFormat(QImage.Format.Format_Grayscale8), 1)[..., 0].astype(np.float32) / 255


def _to_array(img: QImage, channels: int) -> np.ndarray:
    h, w = img.height(), img.width()
    buf = np.frombuffer(img.constBits(), np.uint8, count=img.bytesPerLine() * h)
    return buf.reshape(h, img.bytesPerLine())[:, : w * channels].reshape(h, w, channels).copy()


def to_qimage(gray: np.ndarray) -> QImage:
    """(H, W) float in [0, 1] or uint8 -> an owned Grayscale8 QImage."""
    a = gray if gray.dtype == np.uint8 else (np.clip(gray, 0, 1) * 255 + 0.5).astype(np.uint8)
    a = np.ascontiguousarray(a)
    h, w = a.shape
    return QImage(a.data, w, h, w, QImage.Format.Format_Grayscale8).copy()


def save_image_atomic(img: QImage, path: str | Path, text: dict[str, str] | None = None) -> Path:
    """Save `img` as PNG with tEXt chunks: temporary file, then rename."""
    path = Path(path)
    for k, v in (text or {}).items():
        img.setText(k, str(v))
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".png")
    except OSError as e:
        raise ImageError(f"{path}: cannot write there ({e.strerror or e})") from None
    os.close(fd)
    try:
        if not img.save(tmp, "PNG"):
            raise ImageError(f"{path}: writing the PNG failed")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def save_png(gray: np.ndarray, path: str | Path, scale: int = 1, text: dict[str, str] | None = None) -> Path:
    """(H, W) picture -> PNG at an integer pixel `scale` (nearest neighbour, crisp pixels)."""
    if not MIN_SCALE <= scale <= MAX_SCALE:
        raise ImageError(f"{path}: scale {scale} is outside {MIN_SCALE}-{MAX_SCALE}")
    big = np.repeat(np.repeat(gray, scale, axis=0), scale, axis=1) if scale > 1 else gray
    return save_image_atomic(to_qimage(big), path, text)

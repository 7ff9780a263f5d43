"""Reading pictures and writing PNGs (with text chunks) through QtGui's QImage: no display is
needed. Writes go to a temporary file in the target folder and are renamed into place."""
from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
from PySide6.QtCore import qInstallMessageHandler
from PySide6.QtGui import QImage, QImageReader

from desktop.files import ImageError, atomic_write
from desktop.grids import MAX_SCALE, MIN_SCALE

log = logging.getLogger(__name__)

# Pictures above this are refused from their header, before decoding: a digit needs far fewer
# pixels, and reading one holds a few float32 copies (about 1 GB at this size).
MAX_MEGAPIXELS = 50


def read_gray(path: str | Path) -> np.ndarray:
    """Any picture QImageReader reads -> (H, W) float32 gray in [0, 1] (transparent areas as
    white). Nothing is printed: what Qt and libpng say goes into the ImageError or the debug log."""
    path = Path(path)
    if not path.is_file():
        raise ImageError(f"{path}: file not found")
    if path.stat().st_size == 0:
        raise ImageError(f"{path}: empty file")
    notes: list[str] = []
    with _quiet_image_io(notes):
        reader = QImageReader(str(path))
        size = reader.size()  # from the header; invalid where the format cannot tell
        if size.isValid() and size.width() * size.height() > MAX_MEGAPIXELS * 1_000_000:
            raise ImageError(f"{path}: too large ({size.width()}x{size.height()} pixels; "
                             f"at most {MAX_MEGAPIXELS} megapixels)")
        img = reader.read()
        reason = reader.errorString()
    if img.isNull():
        raise ImageError(f"{path}: not a readable image ({'; '.join([reason, *notes[-1:]])})")
    for note in notes:
        log.debug("%s: %s", path, note)
    if img.hasAlphaChannel():  # composite onto white, the usual page colour
        rgba = _to_array(img.convertToFormat(QImage.Format.Format_RGBA8888), 4)  # (H, W, 4) uint8
        alpha = rgba[..., 3].astype(np.float32) / 255
        return rgba[..., :3].sum(axis=2, dtype=np.float32) / (3 * 255) * alpha + (1 - alpha)
    return _to_array(img.convertToFormat(QImage.Format.Format_Grayscale8), 1)[..., 0].astype(np.float32) / 255


@contextlib.contextmanager
def _quiet_image_io(notes: list[str]):
    """Collect into `notes`, one line each, what image decoding would print on stderr: Qt's
    warnings through a scoped message handler, and libpng's errors, which its default handler
    (left in place by Qt) writes straight to file descriptor 2, through a redirection of fd 2."""
    previous = qInstallMessageHandler(lambda _mode, _context, message: notes.append(message))
    if sys.stderr is not None:  # None in a windowed app on Windows
        sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all: nothing can leak
        saved = None
    with tempfile.TemporaryFile() as sink:
        if saved is not None:
            os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            if saved is not None:
                os.dup2(saved, 2)
                os.close(saved)
            qInstallMessageHandler(previous)
            sink.seek(0)
            notes += sink.read().decode(errors="replace").splitlines()
            notes[:] = [" ".join(n.split()) for n in notes if n.strip()]


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
    for k, v in (text or {}).items():
        img.setText(k, str(v))
    return atomic_write(path, lambda tmp: img.save(tmp, "PNG"), ".png")


def save_png(gray: np.ndarray, path: str | Path, scale: int = 1, text: dict[str, str] | None = None) -> Path:
    """(H, W) picture -> PNG at an integer pixel `scale` (nearest neighbour, crisp pixels)."""
    if not MIN_SCALE <= scale <= MAX_SCALE:
        raise ImageError(f"{path}: scale {scale} is outside {MIN_SCALE}-{MAX_SCALE}")
    big = np.repeat(np.repeat(gray, scale, axis=0), scale, axis=1) if scale > 1 else gray
    return save_image_atomic(to_qimage(big), path, text)

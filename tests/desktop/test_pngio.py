import os
import stat

import numpy as np
import pytest
from PySide6.QtGui import QImage

from desktop.pngio import ImageError, read_gray, save_png, to_qimage


@pytest.fixture
def umask():
    """Set the process umask for one test, then put the old one back."""
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_exported_png_mode_follows_the_umask(tmp_path, umask, mask, mode):
    umask(mask)
    out = save_png(np.eye(28), tmp_path / "g.png")
    assert stat.S_IMODE(out.stat().st_mode) == mode
    assert [p.name for p in tmp_path.iterdir()] == ["g.png"]  # the temporary was renamed, none left


def test_transparent_areas_read_as_white(tmp_path):
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[..., :3] = (30, 60, 90)
    rgba[:2, :, 3] = 255  # top half opaque, bottom half transparent
    img = QImage(rgba.data, 4, 4, 16, QImage.Format.Format_RGBA8888).copy()
    assert img.save(str(tmp_path / "a.png"))
    gray = read_gray(tmp_path / "a.png")
    assert gray.dtype == np.float32
    assert np.allclose(gray[:2], 60 / 255) and np.allclose(gray[2:], 1.0)


def test_gray_round_trip(tmp_path):
    pic = np.arange(256, dtype=np.uint8).reshape(16, 16)
    assert to_qimage(pic).save(str(tmp_path / "g.png"))
    assert np.array_equal(read_gray(tmp_path / "g.png"), pic.astype(np.float32) / 255)


def test_truncated_png_is_one_line_naming_it(tmp_path):
    save_png(np.eye(60), tmp_path / "whole.png")
    data = (tmp_path / "whole.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(data[:len(data) // 2])
    with pytest.raises(ImageError) as e:
        read_gray(tmp_path / "cut.png")
    assert str(e.value).startswith(f"{tmp_path / 'cut.png'}: not a readable image (") and "\n" not in str(e.value)

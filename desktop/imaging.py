"""Turn a drawing or a picture into an MNIST-style input, the way MNIST itself was made:
crop to the ink, fit into a 20x20 box keeping the aspect ratio, centre by mass in 28x28.
Pure numpy: no Qt, no ONNX Runtime."""
from __future__ import annotations

import numpy as np

INK_THRESHOLD = 0.05  # fraction of the brightest ink that counts for the bounding box


def _area_matrix(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) weights that average each output cell over the input span it covers
    (exact box-filter resampling, i.e. antialiased downscaling)."""
    edges = np.linspace(0, n_in, n_out + 1)
    lo, hi = edges[:-1, None], edges[1:, None]  # (n_out, 1)
    j = np.arange(n_in)[None, :]
    overlap = np.clip(np.minimum(hi, j + 1) - np.maximum(lo, j), 0, None)  # (n_out, n_in)
    return overlap / overlap.sum(axis=1, keepdims=True)


def resize_area(img: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Resample a (H, W) image to `shape` by area averaging."""
    return _area_matrix(img.shape[0], shape[0]) @ img @ _area_matrix(img.shape[1], shape[1]).T


def to_mnist(ink: np.ndarray, size: int = 28, box: int = 20) -> np.ndarray | None:
    """(H, W) ink intensities (ink high, background 0) -> (size, size) float32 in [0, 1],
    or None when there is no ink."""
    ink = np.asarray(ink, np.float32)
    peak = float(ink.max()) if ink.size else 0.0
    if peak <= 0:
        return None
    rows = np.flatnonzero((ink > INK_THRESHOLD * peak).any(axis=1))
    cols = np.flatnonzero((ink > INK_THRESHOLD * peak).any(axis=0))
    crop = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1] / peak
    h, w = crop.shape
    scale = box / max(h, w)
    new = (max(1, round(h * scale)), max(1, round(w * scale)))
    small = resize_area(crop, new) if new != (h, w) else crop
    # centre of mass at pixel (size/2, size/2), where MNIST's lies (mean 13.99, 14.01 on its test set)
    total = small.sum()
    cy = (small.sum(axis=1) @ np.arange(new[0])) / total
    cx = (small.sum(axis=0) @ np.arange(new[1])) / total
    top = int(np.clip(round(size / 2 - cy), 0, size - new[0]))
    left = int(np.clip(round(size / 2 - cx), 0, size - new[1]))
    out = np.zeros((size, size), np.float32)
    out[top:top + new[0], left:left + new[1]] = small
    return np.clip(out, 0.0, 1.0)


def gray_to_ink(gray: np.ndarray) -> np.ndarray:
    """A grayscale picture in [0, 1] -> ink intensities: inverted when the background (the
    border's median) is light, so dark-on-white scans and MNIST-style images both work."""
    gray = np.asarray(gray, np.float32)
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    ink = 1.0 - gray if np.median(border) > 0.5 else gray
    return np.clip(ink - np.median(np.concatenate([ink[0], ink[-1], ink[:, 0], ink[:, -1]])), 0, None)

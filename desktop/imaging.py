"""Turn a drawing or a picture into a model's input, the way the model's data set was made.

Two recipes, named on the model card (`input.recipe`):
- "mnist": crop to the ink, fit into a 20x20 box keeping the aspect ratio, centre of mass at the
  middle of 28x28 (LeCun et al.'s recipe for MNIST);
- "full-frame": crop to the object, fit its longer side to the whole frame keeping the aspect
  ratio, centre its box (Zalando's recipe for Fashion-MNIST), intensities kept as they are.

Pure numpy: no Qt, no ONNX Runtime; the trainer uses it too for picture folders.
"""
from __future__ import annotations

import numpy as np

RECIPES = ("mnist", "full-frame")
INK_THRESHOLD = 0.05  # fraction of the brightest ink that counts for the bounding box
BLANK = 0.02  # a picture whose ink never exceeds this (of full contrast) is blank


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


def _crop_and_fit(ink: np.ndarray, box: int) -> np.ndarray | None:
    """The ink's bounding box, resized so its longer side is `box` pixels (None when blank)."""
    ink = np.asarray(ink, np.float32)
    peak = float(ink.max()) if ink.size else 0.0
    if peak <= BLANK:
        return None
    mask = ink > INK_THRESHOLD * peak
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    crop = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = crop.shape
    scale = box / max(h, w)
    new = (max(1, round(h * scale)), max(1, round(w * scale)))
    return resize_area(crop, new) if new != (h, w) else crop


def _place(small: np.ndarray, size: int, cy: float, cx: float) -> np.ndarray:
    """`small` pasted into a size x size frame so that its point (cy, cx) lands at the middle."""
    top = int(np.clip(round(size / 2 - cy), 0, size - small.shape[0]))
    left = int(np.clip(round(size / 2 - cx), 0, size - small.shape[1]))
    out = np.zeros((size, size), np.float32)
    out[top:top + small.shape[0], left:left + small.shape[1]] = small
    return np.clip(out, 0.0, 1.0)


def to_mnist(ink: np.ndarray, size: int = 28) -> np.ndarray | None:
    """(H, W) ink (high on a 0 background) -> (size, size) float32 in [0, 1], MNIST's way; the
    brightest ink becomes 1. None when there is no ink."""
    small = _crop_and_fit(ink, round(size * 20 / 28))
    if small is None:
        return None
    small = small / small.max()
    total = small.sum()
    # centre of mass at pixel (size/2, size/2), where MNIST's lies (mean 13.99, 14.01 on its test set)
    cy = (small.sum(axis=1) @ np.arange(small.shape[0])) / total
    cx = (small.sum(axis=0) @ np.arange(small.shape[1])) / total
    return _place(small, size, cy, cx)


def to_full_frame(ink: np.ndarray, size: int = 28) -> np.ndarray | None:
    """(H, W) ink -> (size, size): the object's box fitted to the frame and centred, intensities
    kept (Fashion-MNIST's way). None when there is no ink."""
    small = _crop_and_fit(ink, size)
    if small is None:
        return None
    # the box's middle in edge coordinates (h/2, not the middle pixel's index (h-1)/2): equal margins
    return _place(small, size, small.shape[0] / 2, small.shape[1] / 2)


def to_input(ink: np.ndarray, recipe: str = "mnist", size: int = 28) -> np.ndarray | None:
    """Ink -> the model's (size, size) input by the card's `recipe`; None when blank."""
    if recipe == "mnist":
        return to_mnist(ink, size)
    if recipe == "full-frame":
        return to_full_frame(ink, size)
    raise ValueError(f"unknown preprocessing recipe {recipe!r} (known: {', '.join(RECIPES)})")


def gray_to_ink(gray: np.ndarray) -> np.ndarray:
    """A grayscale picture in [0, 1] -> ink in [0, 1] on a 0 background.

    The background is the border's median; whichever side of it holds more of the picture's
    deviation is the object, so light-on-dark data, dark-on-white scans and a dark object on a
    grey background all work. The background becomes 0 and the far end of the scale 1: black,
    for a dark object on grey; white, for a light one."""
    gray = np.asarray(gray, np.float32)
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    b = float(np.median(border))
    brighter, darker = np.clip(gray - b, 0, None), np.clip(b - gray, 0, None)
    if brighter.sum() >= darker.sum():
        return brighter / max(1.0 - b, 1e-6)
    return darker / max(b, 1e-6)


def prepare(gray: np.ndarray, recipe: str = "mnist", size: int = 28) -> np.ndarray | None:
    """A grayscale picture (H, W) in [0, 1] -> the model's input (size, size), or None when blank:
    the one preprocessing path of the window, the commands and the trainer's picture folders."""
    return to_input(gray_to_ink(gray), recipe, size)

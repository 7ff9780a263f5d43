"""Latent grids: coordinates for n x n tiles and the assembly of decoded tiles. Pure numpy."""
from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

MIN_N, MAX_N = 2, 60
MIN_SCALE, MAX_SCALE = 1, 8  # pixel scale of an exported grid
MAX_COORD = 1000.0  # |bound| of a typed range: a VAE's latents lie within a few units of 0, and
# float32 (what the decoder sees) still resolves steps of 1e-4 out there


@dataclass(frozen=True)
class GridRange:
    """The latent rectangle a grid covers; `ppf` marks the reference's coordinates."""

    x0: float
    x1: float
    y0: float
    y1: float
    ppf: bool = False

    def label(self) -> str:
        return "ppf" if self.ppf else f"{self.x0:g},{self.x1:g},{self.y0:g},{self.y1:g}"


def ppf_axis(n: int) -> np.ndarray:
    """norm.ppf(linspace(0.05, 0.95, n)), as the reference tutorial spaces its manifold."""
    return np.array([NormalDist().inv_cdf(p) for p in np.linspace(0.05, 0.95, n)], np.float32)


PPF = GridRange(float(NormalDist().inv_cdf(0.05)), float(NormalDist().inv_cdf(0.95)),
                float(NormalDist().inv_cdf(0.05)), float(NormalDist().inv_cdf(0.95)), ppf=True)


def parse_range(text: str) -> GridRange:
    """'ppf' or 'x0,x1,y0,y1' (x0 < x1, y0 < y1, each within +-MAX_COORD), kept as the float32
    values the decoder will see; ValueError with the reason otherwise."""
    if text.strip().lower() == "ppf":
        return PPF
    try:
        bounds = [float(v) for v in text.split(",")]
    except ValueError:
        bounds = []
    if len(bounds) != 4:
        raise ValueError(f"range {text!r}: expected 'ppf' or four numbers x0,x1,y0,y1")
    if not all(abs(v) <= MAX_COORD for v in bounds):  # also refuses nan and inf
        raise ValueError(f"range {text!r}: each bound must be a finite number within ±{MAX_COORD:g}")
    x0, x1, y0, y1 = (float(np.float32(v)) for v in bounds)
    if not (x0 < x1 and y0 < y1):
        raise ValueError(f"range {text!r}: needs x0 < x1 and y0 < y1 (as float32 numbers)")
    return GridRange(x0, x1, y0, y1)


def check_n(n: int) -> int:
    if not MIN_N <= n <= MAX_N:
        raise ValueError(f"n = {n}: the grid size must be between {MIN_N} and {MAX_N}")
    return n


def check_scale(scale: int) -> int:
    if not MIN_SCALE <= scale <= MAX_SCALE:
        raise ValueError(f"scale {scale}: the pixel scale must be between {MIN_SCALE} and {MAX_SCALE}")
    return scale


def axes_values(n: int, rng: GridRange) -> tuple[np.ndarray, np.ndarray]:
    """x values left to right and y values bottom to top, n each."""
    if rng.ppf:
        a = ppf_axis(n)
        return a, a
    return (np.linspace(rng.x0, rng.x1, n, dtype=np.float32), np.linspace(rng.y0, rng.y1, n, dtype=np.float32))


def grid_latents(n: int, rng: GridRange, latent_dim: int, axes=(0, 1), base: np.ndarray | None = None) -> np.ndarray:
    """(n*n, L) latent points in row-major tile order, row 0 at the top (largest y), so the
    picture's y axis points up as on the map. Dimensions not on `axes` take `base`'s values."""
    xs, ys = axes_values(check_n(n), rng)
    gx, gy = np.meshgrid(xs, ys[::-1])  # (n, n) each
    z = np.tile(np.zeros(latent_dim, np.float32) if base is None else np.asarray(base, np.float32), (n * n, 1))
    z[:, axes[0]], z[:, axes[1]] = gx.ravel(), gy.ravel()
    return z


def assemble(images: np.ndarray, n: int, height: int, width: int, cols: int | None = None) -> np.ndarray:
    """(n*cols, H*W) tiles in row-major order -> one (n*H, cols*W) picture, edge to edge
    (cols = n: a square grid; n = 1: a strip)."""
    cols = n if cols is None else cols
    return images.reshape(n, cols, height, width).transpose(0, 2, 1, 3).reshape(n * height, cols * width)


def to_uint8(images: np.ndarray) -> np.ndarray:
    """Intensities in [0, 1] -> uint8, rounded; works in place on `images` (float32)."""
    np.clip(images, 0.0, 1.0, out=images)
    images *= 255.0
    images += 0.5
    return images.astype(np.uint8)


def prior_latents(n: int, latent_dim: int, seed: int) -> np.ndarray:
    """(n*n, L) draws from the prior N(0, I): the same seed gives the same draws anywhere."""
    return np.random.default_rng(seed).standard_normal((check_n(n) * n, latent_dim)).astype(np.float32)


def decode_samples(decode, n: int, latent_dim: int, seed: int, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """One batched decode of n*n prior draws -> the (n*H, n*W) uint8 picture and the (n*n, L) points."""
    z = prior_latents(n, latent_dim, seed)
    return assemble(to_uint8(decode(z)), n, height, width), z


def decode_grid(decode, n: int, rng: GridRange, latent_dim: int, height: int, width: int,
                axes=(0, 1), base: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """One batched `decode` call for the whole grid -> the (n*H, n*W) uint8 picture and the
    (n*n, L) latent points, row-major with row 0 at the top. The decoder's output is turned
    into bytes before assembly: a 60x60 grid moves 2.8 MB instead of 11 MB."""
    z = grid_latents(n, rng, latent_dim, axes, base)
    return assemble(to_uint8(decode(z)), n, height, width), z

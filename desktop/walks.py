"""Latent walks: a straight path between two ends, decoded in one batched run; its PNG strip and
animated GIF. Pure numpy, plus Pillow for the GIF (imported only when one is written)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from desktop.files import atomic_write
from desktop.grids import assemble, to_uint8

MIN_STEPS, MAX_STEPS = 2, 60


@dataclass(frozen=True)
class End:
    """One end of a walk: its full z and how to name it (in exports and the window)."""

    z: tuple[float, ...]
    label: str


def check_steps(steps: int) -> int:
    if not MIN_STEPS <= steps <= MAX_STEPS:
        raise ValueError(f"steps = {steps}: a walk has between {MIN_STEPS} and {MAX_STEPS} steps")
    return steps


def class_end(runtime, name_or_index) -> End:
    """A class's most typical test image (the lowest negative ELBO in latents.npz), by name or index."""
    names = runtime.card.class_names
    if isinstance(name_or_index, str):
        lowered = [n.lower() for n in names]
        if name_or_index.lower() not in lowered:
            raise ValueError(f"{name_or_index!r} is no class of this model ({', '.join(names)})")
        k = lowered.index(name_or_index.lower())
    else:
        k = int(name_or_index)
    lat = runtime.latents
    members = np.flatnonzero(lat.labels == k)
    if not members.size:
        raise ValueError(f"class {names[k]!r} has no test image in latents.npz")
    best = members[np.argmin(lat.neg_elbo[members])]
    return End(tuple(float(v) for v in lat.z_mean[best]), f"class {names[k]} (test image {best})")


def coords_end(text: str, latent_dim: int) -> End:
    """'x,y' (or L numbers for a model with L latent dimensions)."""
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        values = []
    if len(values) != latent_dim or not all(np.isfinite(values)) or max(map(abs, values)) > 1000:
        raise ValueError(f"{text!r}: expected {latent_dim} comma-separated numbers within ±1000")
    return End(tuple(values), "(" + ", ".join(f"{v:g}" for v in values) + ")")


def parse_end(text: str, runtime, read_gray) -> End:
    """A command-line end: a class name, a picture file (encoded with the card's recipe) or coordinates."""
    from desktop.analysis import analyse_picture

    if text.lower() in (n.lower() for n in runtime.card.class_names):
        return class_end(runtime, text)
    if Path(text).is_file():
        enc = analyse_picture(runtime, read_gray(text))
        if enc is None:
            raise ValueError(f"{text}: the picture is blank (nothing stands out from its background)")
        return End(tuple(float(v) for v in enc.z_mean), Path(text).name)
    if "," in text or text.lstrip("-").replace(".", "", 1).isdigit():
        return coords_end(text, runtime.latent_dim)
    raise ValueError(f"{text!r}: neither a class of this model ({', '.join(runtime.card.class_names)}), "
                     f"a picture file nor coordinates x,y")


def walk_latents(start, end, steps: int) -> np.ndarray:
    """(steps, L) points evenly spaced on the straight line from start to end, both included."""
    a, b = np.asarray(start, np.float32), np.asarray(end, np.float32)
    t = np.linspace(0.0, 1.0, check_steps(steps), dtype=np.float32)[:, None]
    return (1 - t) * a + t * b


def decode_walk(decode, start, end, steps: int, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """One batched decode of the walk -> (steps, H, W) uint8 frames and the (steps, L) points."""
    z = walk_latents(start, end, steps)
    return to_uint8(decode(z)).reshape(steps, height, width), z


def strip(frames: np.ndarray) -> np.ndarray:
    """(k, H, W) frames -> one (H, k*W) picture, left to right."""
    k, h, w = frames.shape
    return assemble(frames.reshape(k, h * w), 1, h, w, cols=k)


def write_gif(frames: np.ndarray, path: str | Path, frame_ms: int = 100, scale: int = 4, bounce: bool = False) -> Path:
    """(k, H, W) uint8 frames -> an animated GIF that loops, each frame `frame_ms` long (GIF counts
    in 10 ms units), `scale`x enlarged with crisp pixels, optionally forwards then backwards.
    Written to a temporary file beside `path` and renamed."""
    from PIL import Image

    seq = list(frames) + (list(frames[-2:0:-1]) if bounce else [])
    images = [Image.fromarray(np.kron(f, np.ones((scale, scale), np.uint8)) if scale > 1 else f, "L") for f in seq]
    return atomic_write(path, lambda tmp: images[0].save(tmp, "GIF", save_all=True, append_images=images[1:],
                                                          duration=frame_ms, loop=0, disposal=1), ".gif")

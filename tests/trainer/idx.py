"""Writing small IDX files for the tests."""
from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np


def idx_images(images: np.ndarray, magic: int = 0x803) -> bytes:
    n, rows, cols = images.shape
    return struct.pack(">IIII", magic, n, rows, cols) + images.astype(np.uint8).tobytes()


def idx_labels(labels, magic: int = 0x801) -> bytes:
    labels = np.asarray(labels, np.uint8)
    return struct.pack(">II", magic, len(labels)) + labels.tobytes()


def write_set(folder: Path, n_train=20, n_test=10, size=28, seed=0) -> dict[str, bytes]:
    """A tiny valid data set (gzip) in `folder`; returns each file's bytes by name."""
    from trainer.data import FILES

    rng = np.random.default_rng(seed)
    blobs = {
        FILES["train_images"]: gzip.compress(idx_images(rng.integers(0, 256, (n_train, size, size)))),
        FILES["train_labels"]: gzip.compress(idx_labels(rng.integers(0, 10, n_train))),
        FILES["test_images"]: gzip.compress(idx_images(rng.integers(0, 256, (n_test, size, size)))),
        FILES["test_labels"]: gzip.compress(idx_labels(rng.integers(0, 10, n_test))),
    }
    folder.mkdir(parents=True, exist_ok=True)
    for name, blob in blobs.items():
        (folder / name).write_bytes(blob)
    return blobs

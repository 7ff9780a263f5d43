"""A data set from the user's own picture folders: one subfolder per class, any image files.

    FOLDER/train/<class>/*.png   and   FOLDER/test/<class>/*.png     (a split of your own)
    FOLDER/<class>/*.jpg                                              (a held-out split is made)

Each picture goes through the same preprocessing as the app (desktop/imaging.py, the recipe the
model card will name), so the model sees what the app will feed it. Bad input raises DataError
with one line naming the folder or file.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from trainer.data import DataError, Dataset

EXTENSIONS = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".pgm", ".ppm", ".tif", ".tiff", ".webp"}
TEST_SHARE = 1 / 7  # held out per class when the folder has no split: MNIST's 10,000 of 70,000
SPLIT_SEED = 0  # the held-out split never changes between runs


def is_picture_folder(folder: Path) -> bool:
    """True when `folder` holds class subfolders (or train/ and test/) rather than IDX files."""
    folder = Path(folder)
    return folder.is_dir() and not any(folder.glob("*-ubyte*")) and any(p.is_dir() for p in folder.iterdir())


def _pictures(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in EXTENSIONS)


def _classes(folder: Path) -> dict[str, list[Path]]:
    """Class name -> its pictures, for every subfolder (sorted by name); each must hold some."""
    classes = {}
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        files = _pictures(sub)
        if not files:
            raise DataError(f"{sub}: class folder holds no pictures ({', '.join(sorted(EXTENSIONS))})")
        classes[sub.name] = files
    return classes


def read_picture(path: Path, recipe: str, size: int) -> np.ndarray:
    """One picture file -> (size*size,) uint8 input, by the app's preprocessing."""
    from PIL import Image, UnidentifiedImageError

    from desktop.imaging import prepare

    try:
        with Image.open(path) as img:
            img = img.convert("RGBA")
            white = Image.new("RGBA", img.size, (255, 255, 255, 255))  # transparent areas read as paper
            gray = np.asarray(Image.alpha_composite(white, img).convert("L"), np.float32) / 255
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as e:
        raise DataError(f"{path}: not a readable picture ({e})") from None
    x = prepare(gray, recipe, size)
    if x is None:
        raise DataError(f"{path}: the picture is blank (nothing stands out from its background)")
    return np.round(x.reshape(-1) * 255).astype(np.uint8)


def _read_all(items: list[tuple[Path, int]], recipe: str, size: int, desc: str) -> tuple[np.ndarray, np.ndarray]:
    from tqdm import tqdm

    x = np.empty((len(items), size * size), np.uint8)
    for i, (path, _) in enumerate(tqdm(items, desc=desc, unit="picture", leave=False, disable=None)):
        x[i] = read_picture(path, recipe, size)
    return x, np.array([label for _, label in items], np.int64)


def _held_out(classes: dict[str, list[Path]]) -> tuple[list, list]:
    """A deterministic, class-stratified split: TEST_SHARE of each class (at least one) is test."""
    rng = np.random.default_rng(SPLIT_SEED)
    train, test = [], []
    for label, files in enumerate(classes.values()):
        order = rng.permutation(len(files))
        k = max(1, round(len(files) * TEST_SHARE))
        if len(files) < 2:
            raise DataError(f"{files[0].parent}: one picture cannot be split into training and test")
        test += [(files[i], label) for i in sorted(order[:k])]
        train += [(files[i], label) for i in sorted(order[k:])]
    return train, test


def load_picture_folder(folder: Path, recipe: str, size: int = 28, subject: tuple[str, str] | None = None) -> Dataset:
    """Read every picture of `folder` (see the module docstring) into a Dataset."""
    folder = Path(folder)
    split = (folder / "train").is_dir() and (folder / "test").is_dir()
    classes = _classes(folder / "train" if split else folder)
    if not classes:
        raise DataError(f"{folder}: no class subfolders with pictures (expected FOLDER/<class>/*.png)")
    if len(classes) < 2:
        raise DataError(f"{folder}: only one class ({next(iter(classes))}); the map needs at least two")
    names = tuple(classes)
    if split:
        test_classes = _classes(folder / "test")
        unknown = sorted(set(test_classes) - set(names))
        if unknown:
            raise DataError(f"{folder / 'test'}: class {unknown[0]!r} has no training folder")
        train = [(p, k) for k, files in enumerate(classes.values()) for p in files]
        test = [(p, names.index(c)) for c, files in test_classes.items() for p in files]
        note = ""
    else:
        train, test = _held_out(classes)
        note = (f"{folder} has no train/ and test/: held out {len(test)} of {len(train) + len(test)} pictures "
                f"({TEST_SHARE:.0%} of each class, the same every run) as the test set")
    train_x, train_y = _read_all(train, recipe, size, "training pictures")
    test_x, test_y = _read_all(test, recipe, size, "test pictures")
    return Dataset(folder.name, folder, train_x, train_y, test_x, test_y, names, size,
                   subject or ("picture", "pictures"), recipe, note)

"""IDX data sets: reading and validating the files, finding the folder, downloading with checksums.

Bad input raises `DataError` whose message names the file and the problem; the command line turns
it into one line and exit code 2.
"""
from __future__ import annotations

import contextlib
import gzip
import hashlib
import logging
import os
import struct
import tempfile
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

IMAGE_MAGIC, LABEL_MAGIC = 0x00000803, 0x00000801
NUM_CLASSES = 10
FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    mirrors: tuple[str, ...]  # base URLs, tried in order
    checksums: dict[str, str]  # file name -> "algorithm:hexdigest", as published
    class_names: tuple[str, ...]
    subject: tuple[str, str]  # what one picture shows, singular and plural ("digit", "digits")
    recipe: str  # how a user's picture becomes an input (see desktop/imaging.py RECIPES)
    system_dirs: tuple[str, ...] = ()  # folders a system package may have installed
    image_size: int = 28
    counts: tuple[int, int] = (60000, 10000)  # canonical train, test sizes


DATASETS = {
    "mnist": DatasetSpec(
        "mnist",
        (
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
            "http://yann.lecun.com/exdb/mnist/",
        ),
        {  # SHA-256 of the canonical files, as published by TFDS / Keras
            FILES["train_images"]: "sha256:440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            FILES["train_labels"]: "sha256:3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            FILES["test_images"]: "sha256:8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            FILES["test_labels"]: "sha256:f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        },
        tuple(str(i) for i in range(10)),
        ("digit", "digits"),
        "mnist",  # crop to the ink, fit 20x20, centre of mass at the middle: how MNIST was made
    ),
    "fashion-mnist": DatasetSpec(
        "fashion-mnist",
        (
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
            "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        ),
        {  # MD5, as published in Zalando's README (the only checksums they publish)
            FILES["train_images"]: "md5:8d4fb7e6c68d591d4c3dfef9ec88bf0d",
            FILES["train_labels"]: "md5:25c81989df183df01b3e8a0aad5dffbe",
            FILES["test_images"]: "md5:bef4ecab320f06d8554ea6380940ec79",
            FILES["test_labels"]: "md5:bb300cfdad3c16e7a12a480ee83cd310",
        },
        ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
        ("item of clothing", "items of clothing"),
        "full-frame",  # the whole object fitted into the frame: how Fashion-MNIST was made
        system_dirs=("/usr/share/datasets/fashion-mnist",),
    ),
}


class DataError(Exception):
    """A data file is missing, malformed or failed its checksum; str() is one line."""


@dataclass
class Dataset:
    name: str
    folder: Path
    train_x: np.ndarray  # (N, H*W) uint8
    train_y: np.ndarray  # (N,) uint8
    test_x: np.ndarray  # (M, H*W) uint8
    test_y: np.ndarray  # (M,) uint8
    class_names: tuple[str, ...]
    image_size: int
    subject: tuple[str, str] = ("digit", "digits")  # singular, plural
    recipe: str = "mnist"  # preprocessing of a user's picture, recorded on the model card
    note: str = ""  # anything the user should know about how the data was split or read


MAX_IDX_BYTES = 4 << 30  # an IDX payload above 4 GiB is refused (MNIST's largest file holds 47 MB)


@contextlib.contextmanager
def _open_idx(path: Path):
    """The file as a binary stream, inflated on the fly when it is gzip: nothing is read whole,
    so a small file that inflates to gigabytes costs only the bytes its header promises."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    is_gzip = False
    try:
        with open(path, "rb") as raw:
            is_gzip = raw.read(2) == b"\x1f\x8b"
            raw.seek(0)
            with (gzip.GzipFile(fileobj=raw) if is_gzip else contextlib.nullcontext(raw)) as f:
                yield f
    except DataError:
        raise
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as e:
        raise DataError(f"{path}: not a readable {'gzip ' if is_gzip else ''}file ({e})") from None


def _read_exact(f, n: int) -> np.ndarray:
    """Up to n bytes from f into a uint8 array (shorter when the stream ends first). Pages are
    touched only as data arrives, so a header that lies about its size costs no memory."""
    out = np.empty(n, np.uint8)
    view, got = memoryview(out), 0
    while got < n:
        k = f.readinto(view[got:got + (1 << 22)])
        if not k:
            break
        got += k
    return out[:got]


def _read_idx(path: Path, magic: int, dims: int, what: str, check=None) -> tuple[tuple[int, ...], np.ndarray]:
    """Header (shape) and payload of an IDX file with `dims` dimensions of unsigned bytes;
    `check(shape)` may refuse the header before any payload is read."""
    header = 4 + 4 * dims
    with _open_idx(path) as f:
        head = f.read(header)
        if len(head) < header:
            raise DataError(f"{path}: too short for an IDX {what} header ({len(head)} bytes)")
        found, *shape = struct.unpack(f">{1 + dims}I", head)
        if found != magic:
            raise DataError(f"{path}: wrong magic number 0x{found:08x}, expected 0x{magic:08x} (IDX {what})")
        if check is not None:
            check(shape)
        expected = int(np.prod(shape, dtype=np.int64))
        if expected > MAX_IDX_BYTES:
            raise DataError(f"{path}: header says {shape[0]} {what} ({expected / 2**30:.1f} GiB), "
                            f"more than this reader accepts ({MAX_IDX_BYTES >> 30} GiB)")
        data = _read_exact(f, expected)
        if len(data) < expected:
            raise DataError(f"{path}: header says {shape[0]} {what} ({expected + header} bytes) "
                            f"but the file holds {len(data) + header} bytes")
        if f.read(1):
            raise DataError(f"{path}: more data than the header's {shape[0]} {what} ({expected + header} bytes)")
    return tuple(shape), data


def read_idx_images(path: Path, image_size: int = 28) -> np.ndarray:
    """IDX3 file (gzip or raw) -> (N, image_size**2) uint8."""
    def check(shape):
        if tuple(shape[1:]) != (image_size, image_size):
            raise DataError(f"{path}: images are {shape[1]}x{shape[2]}, expected {image_size}x{image_size}")

    (n, rows, cols), data = _read_idx(path, IMAGE_MAGIC, 3, "images", check)
    return data.reshape(n, rows * cols)


def read_idx_labels(path: Path) -> np.ndarray:
    """IDX1 file (gzip or raw) -> (N,) uint8, each in 0..9."""
    _, labels = _read_idx(path, LABEL_MAGIC, 1, "labels")
    bad = np.flatnonzero(labels >= NUM_CLASSES)
    if bad.size:
        raise DataError(f"{path}: label {labels[bad[0]]} at index {bad[0]} is outside 0-{NUM_CLASSES - 1}")
    return labels


def _read_pair(folder: Path, images: str, labels: str, image_size: int) -> tuple[np.ndarray, np.ndarray]:
    x = read_idx_images(folder / images, image_size)
    if len(x) == 0:
        raise DataError(f"{folder / images}: holds no images")
    y = read_idx_labels(folder / labels)
    if len(x) != len(y):
        raise DataError(f"{folder / labels}: {len(y)} labels for {len(x)} images in {images}")
    return x, y


def file_digest(path: Path, algorithm: str) -> str:
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def download(name: str, mirrors: tuple[str, ...], checksum: str, folder: Path, timeout: float = 30.0) -> Path:
    """Fetch `name` from the first mirror whose copy passes `checksum` ("algo:hex"), into `folder`.

    Each try streams into a temporary file in `folder`, which is renamed only after the
    checksum matches; a failed or interrupted try leaves nothing behind.
    """
    from tqdm import tqdm  # a progress bar only when something is downloaded

    algorithm, expected = checksum.split(":", 1)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    problems = []
    for base in mirrors:
        url = base.rstrip("/") + "/" + name
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".part")
        try:
            h = hashlib.new(algorithm)
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:
                total = int(resp.headers.get("Content-Length") or 0) or None
                with tqdm(total=total, unit="B", unit_scale=True, desc=name, leave=False) as bar:
                    for block in iter(lambda: resp.read(1 << 16), b""):
                        out.write(block)
                        h.update(block)
                        bar.update(len(block))
            if h.hexdigest() != expected:
                problems.append(f"{url}: {algorithm} {h.hexdigest()[:12]}... does not match the published {expected[:12]}...")
                continue
            os.replace(tmp, target)
            log.info("downloaded %s from %s", name, url)
            return target
        except (urllib.error.URLError, OSError, ValueError) as e:
            problems.append(f"{url}: {getattr(e, 'reason', e)}")
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    raise DataError(f"{target}: download failed from every mirror ({'; '.join(problems)})")


def default_cache_dir(dataset: str) -> Path:
    """Per-user cache folder (platformdirs: ~/.cache/vae-digits on Linux, the OS's own elsewhere)."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("vae-digits")) / dataset


def _has_all(folder: Path) -> bool:
    return all((folder / f).is_file() for f in FILES.values())


def resolve_folder(dataset: str, data_dir: str | os.PathLike | None) -> tuple[Path, bool]:
    """The folder to read and whether it is a download cache (True) or given explicitly (False).

    Order: `data_dir`, then $VAE_DIGITS_DATA, then a system copy (Fashion-MNIST's Debian
    package), then the per-user cache."""
    if data_dir is not None:
        return Path(data_dir), False
    if os.environ.get("VAE_DIGITS_DATA"):
        return Path(os.environ["VAE_DIGITS_DATA"]), False
    for d in DATASETS[dataset].system_dirs:
        if _has_all(Path(d)):
            return Path(d), False
    return default_cache_dir(dataset), True


def load_dataset(dataset: str = "mnist", data_dir: str | os.PathLike | None = None) -> Dataset:
    """Read (downloading into the cache if needed) and validate the four IDX files."""
    if dataset not in DATASETS:
        raise DataError(f"{dataset}: unknown data set (choose from {', '.join(DATASETS)})")
    spec = DATASETS[dataset]
    folder, is_cache = resolve_folder(dataset, data_dir)
    if not is_cache and not folder.is_dir():
        raise DataError(f"{folder}: data folder not found")
    if is_cache:
        for fname in FILES.values():
            if not (folder / fname).is_file():
                download(fname, spec.mirrors, spec.checksums[fname], folder)
    train_x, train_y = _read_pair(folder, FILES["train_images"], FILES["train_labels"], spec.image_size)
    test_x, test_y = _read_pair(folder, FILES["test_images"], FILES["test_labels"], spec.image_size)
    return Dataset(dataset, folder, train_x, train_y, test_x, test_y, spec.class_names, spec.image_size,
                   spec.subject, spec.recipe)


def default_shared_mnist() -> Path:
    """The project's shared MNIST subset, at ../shared/data/mnist from the repository root."""
    return Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mnist"

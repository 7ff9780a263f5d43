import dataclasses
import gzip
import hashlib
import http.server
import threading
from functools import partial

import numpy as np
import pytest

from tests.trainer.idx import idx_images, idx_labels, write_set
from trainer import data
from trainer.data import FILES, DataError, download, load_dataset


def test_shared_mnist_loads_with_counts(mnist_dir):
    d = load_dataset("mnist", mnist_dir)
    assert d.train_x.shape == (24345, 784) and d.test_x.shape == (10000, 784)
    assert np.bincount(d.train_y, minlength=10).tolist() == [2406, 2770, 2381, 2524, 2386, 2181, 2401, 2524, 2328, 2444]


def test_raw_idx_reads_like_gzip(tmp_path):
    imgs = np.arange(2 * 28 * 28, dtype=np.uint32).reshape(2, 28, 28) % 256
    (tmp_path / "a").write_bytes(idx_images(imgs))
    (tmp_path / "b.gz").write_bytes(gzip.compress(idx_images(imgs)))
    assert np.array_equal(data.read_idx_images(tmp_path / "a"), data.read_idx_images(tmp_path / "b.gz"))


def _truncated_gzip(folder):
    blob = (folder / FILES["test_images"]).read_bytes()
    (folder / FILES["test_images"]).write_bytes(blob[: len(blob) // 2])
    return FILES["test_images"], "gzip"


def _wrong_magic(folder):
    imgs = np.zeros((10, 28, 28), np.uint8)
    (folder / FILES["test_images"]).write_bytes(gzip.compress(idx_images(imgs, magic=0x802)))
    return FILES["test_images"], "wrong magic number"


def _images_32(folder):
    (folder / FILES["train_images"]).write_bytes(gzip.compress(idx_images(np.zeros((20, 32, 32), np.uint8))))
    return FILES["train_images"], "32x32"


def _labels_short(folder):
    (folder / FILES["test_labels"]).write_bytes(gzip.compress(idx_labels(np.zeros(9))))
    return FILES["test_labels"], "9 labels for 10 images"


def _label_12(folder):
    (folder / FILES["train_labels"]).write_bytes(gzip.compress(idx_labels([1] * 5 + [12] + [0] * 14)))
    return FILES["train_labels"], "label 12"


def _missing(folder):
    (folder / FILES["train_labels"]).unlink()
    return FILES["train_labels"], "file not found"


def _header_lies(folder):
    raw = idx_images(np.zeros((10, 28, 28), np.uint8))
    (folder / FILES["test_images"]).write_bytes(gzip.compress(raw[:-100]))
    return FILES["test_images"], "header says 10 images"


@pytest.mark.parametrize("damage", [_truncated_gzip, _wrong_magic, _images_32, _labels_short, _label_12,
                                    _missing, _header_lies])
def test_bad_files_name_the_file_and_problem(tmp_path, damage):
    write_set(tmp_path)
    name, problem = damage(tmp_path)
    with pytest.raises(DataError) as e:
        load_dataset("mnist", tmp_path)
    assert name in str(e.value) and problem in str(e.value) and "\n" not in str(e.value)


def test_cli_bad_data_is_one_line_and_exit_2(tmp_path, capsys):
    from trainer.train import main

    write_set(tmp_path)
    _label_12(tmp_path)
    with pytest.raises(SystemExit) as e:
        main(["--data-dir", str(tmp_path), "--epochs", "1", "--no-export", "--out", str(tmp_path / "m")])
    err = capsys.readouterr().err.strip().splitlines()
    assert e.value.code == 2 and len(err) == 1 and "label 12" in err[0] and "Traceback" not in err[0]


def test_explicit_folder_may_hold_fewer_images(tmp_path):
    write_set(tmp_path, n_train=7, n_test=3)
    d = load_dataset("mnist", tmp_path)
    assert (len(d.train_x), len(d.test_x)) == (7, 3)


def test_environment_variable_names_the_folder(tmp_path, monkeypatch):
    write_set(tmp_path, n_train=5)
    monkeypatch.setenv("VAE_DIGITS_DATA", str(tmp_path))
    assert len(load_dataset("mnist").train_x) == 5


# -- downloads against a loopback HTTP server ----------------------------------------------

@pytest.fixture
def server(tmp_path):
    """Serves tmp_path/www on 127.0.0.1; yields (base URL, folder)."""
    root = tmp_path / "www"
    root.mkdir()
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", root
    httpd.shutdown()
    httpd.server_close()


def _closed_port_url() -> str:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}/"


def _sha(b: bytes) -> str:
    return "sha256:" + hashlib.sha256(b).hexdigest()


def test_download_good_file(server, tmp_path):
    url, root = server
    (root / "f.gz").write_bytes(b"payload" * 1000)
    cache = tmp_path / "cache"
    path = download("f.gz", (url,), _sha(b"payload" * 1000), cache)
    assert path.read_bytes() == b"payload" * 1000 and sorted(p.name for p in cache.iterdir()) == ["f.gz"]


@pytest.mark.parametrize("served", [b"payload" * 999 + b"CORRUPT", b"payload" * 500], ids=["corrupted", "truncated"])
def test_download_checksum_failure_leaves_nothing(server, tmp_path, served):
    url, root = server
    (root / "f.gz").write_bytes(served)
    cache = tmp_path / "cache"
    with pytest.raises(DataError) as e:
        download("f.gz", (url,), _sha(b"payload" * 1000), cache)
    assert "f.gz" in str(e.value) and "does not match" in str(e.value)
    assert list(cache.iterdir()) == []


def test_download_first_mirror_down(server, tmp_path):
    url, root = server
    (root / "f.gz").write_bytes(b"ok")
    path = download("f.gz", (_closed_port_url(), url), _sha(b"ok"), tmp_path / "cache")
    assert path.read_bytes() == b"ok"


def test_download_md5_checksums(server, tmp_path):
    url, root = server
    (root / "f.gz").write_bytes(b"fashion")
    md5 = "md5:" + hashlib.md5(b"fashion").hexdigest()
    assert download("f.gz", (url,), md5, tmp_path / "c").read_bytes() == b"fashion"


def test_cache_is_filled_by_download_then_loaded(server, tmp_path, monkeypatch):
    url, root = server
    blobs = write_set(root)
    spec = data.DATASETS["mnist"]
    fake = dataclasses.replace(spec, mirrors=(_closed_port_url(), url), checksums={k: _sha(v) for k, v in blobs.items()})
    monkeypatch.setitem(data.DATASETS, "mnist", fake)
    monkeypatch.delenv("VAE_DIGITS_DATA", raising=False)
    monkeypatch.setattr(data, "default_cache_dir", lambda name: tmp_path / "cache" / name)
    d = load_dataset("mnist")
    assert len(d.train_x) == 20 and d.folder == tmp_path / "cache" / "mnist"
    assert sorted(p.name for p in d.folder.iterdir()) == sorted(blobs)


def test_a_gzip_that_inflates_to_gigabytes_costs_only_what_its_header_promises(tmp_path):
    """10 images promised, then 2 GB of zeros: refused after reading 7,841 bytes of it."""
    import time
    import tracemalloc

    path = tmp_path / FILES["train_images"]
    zeros = gzip.compress(bytes(1 << 24), compresslevel=9)  # a 16 MB member, repeated: gzip allows many
    path.write_bytes(gzip.compress(idx_images(np.zeros((10, 28, 28), np.uint8))) + zeros * 128)
    assert path.stat().st_size < 5_000_000
    tracemalloc.start()
    t = time.perf_counter()
    with pytest.raises(DataError, match="more data than the header's 10 images"):
        data.read_idx_images(path)
    seconds, (_, peak) = time.perf_counter() - t, tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 50_000_000 and seconds < 5


def test_a_header_promising_terabytes_is_refused_before_reading(tmp_path):
    import struct

    (tmp_path / "big").write_bytes(struct.pack(">IIII", 0x803, 2**32 - 1, 28, 28) + bytes(100))
    with pytest.raises(DataError, match="more than this reader accepts"):
        data.read_idx_images(tmp_path / "big")


# -- the user's own picture folders -------------------------------------------------------------

def _picture(path, kind: int, rng):
    """A dark shape on light paper, bigger than 28 px: a bar (kind 0) or a ring (kind 1)."""
    from PIL import Image

    img = np.full((60, 50), 235, np.uint8)
    if kind == 0:
        img[8:52, 20:30] = 20
    else:
        yy, xx = np.mgrid[:60, :50]
        r = np.hypot(yy - 30, xx - 25)
        img[(r > 12) & (r < 19)] = 20
    img = np.clip(img.astype(int) + rng.integers(-8, 8, img.shape), 0, 255).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(img).save(path)


def _folder(root, split: bool, per_class=7):
    rng = np.random.default_rng(0)
    for k, name in enumerate(("bars", "rings")):
        for i in range(per_class):
            sub = (("train" if i < per_class - 2 else "test") if split else ".")
            _picture(root / sub / name / f"{i}.png", k, rng)
    return root


def test_picture_folders_with_a_split_keep_it_and_name_classes_after_folders(tmp_path):
    from trainer.folders import is_picture_folder, load_picture_folder

    root = _folder(tmp_path / "shapes", split=True)
    assert is_picture_folder(root)
    d = load_picture_folder(root, "full-frame")
    assert d.class_names == ("bars", "rings") and (len(d.train_x), len(d.test_x)) == (10, 4)
    assert d.train_y.tolist() == [0] * 5 + [1] * 5 and d.test_y.tolist() == [0, 0, 1, 1]
    bar = d.train_x[0].reshape(28, 28)
    assert bar[:, 14].max() > 200 and bar[0:3].max() > 100 and bar[:, :5].max() == 0  # dark bar became ink, fills the height


def test_picture_folders_without_a_split_get_a_fixed_announced_one(tmp_path):
    from trainer.folders import load_picture_folder

    root = _folder(tmp_path / "shapes", split=False, per_class=14)
    a, b = load_picture_folder(root, "mnist"), load_picture_folder(root, "mnist")
    assert len(a.test_x) == 4 and "held out 4 of 28" in a.note
    assert np.array_equal(a.test_x, b.test_x) and sorted(set(a.test_y.tolist())) == [0, 1]


def _empty_class(root):
    (root / "train" / "stars").mkdir()
    return "stars", "holds no pictures"


def _unreadable(root):
    (root / "train" / "bars" / "9.png").write_bytes(b"\x89PNG nonsense")
    return "9.png", "not a readable picture"


def _single_class(root):
    import shutil

    for sub in ("train", "test"):
        shutil.rmtree(root / sub / "rings")
    return "shapes", "only one class"


def _no_pictures(root):
    import shutil

    for sub in ("train", "test"):
        shutil.rmtree(root / sub)
        (root / sub / "nothing").mkdir(parents=True)
        (root / sub / "nothing" / "notes.txt").write_text("x")
    return "nothing", "holds no pictures"


@pytest.mark.parametrize("damage", [_empty_class, _unreadable, _single_class, _no_pictures])
def test_bad_picture_folders_are_one_line_through_the_cli(tmp_path, capsys, damage):
    from trainer.train import main

    root = _folder(tmp_path / "shapes", split=True)
    name, problem = damage(root)
    with pytest.raises(SystemExit) as e:
        main(["--data-dir", str(root), "--dry-run", "--out", str(tmp_path / "m")])
    err = capsys.readouterr().err.strip().splitlines()
    assert e.value.code == 2 and len(err) == 1 and name in err[0] and problem in err[0]


def test_a_picture_folder_trains_and_its_card_names_its_classes(tmp_path):
    import json

    from trainer.train import main

    root = _folder(tmp_path / "shapes", split=True)
    with pytest.raises(SystemExit) as e:
        main(["--data-dir", str(root), "--dry-run", "--subject", "shape", "--out", str(tmp_path / "m")])
    card = json.loads((tmp_path / "m" / "metadata.json").read_text())
    assert e.value.code == 0 and card["dataset"]["class_names"] == ["bars", "rings"]
    assert card["dataset"]["subject"] == ["shape", "shapes"] and card["input"]["recipe"] == "full-frame"

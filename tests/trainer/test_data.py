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
        main(["--data-dir", str(tmp_path), "--epochs", "1", "--no-export"])
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
    fake = data.DatasetSpec("mnist", (_closed_port_url(), url), {k: _sha(v) for k, v in blobs.items()}, spec.class_names)
    monkeypatch.setitem(data.DATASETS, "mnist", fake)
    monkeypatch.delenv("VAE_DIGITS_DATA", raising=False)
    monkeypatch.setattr(data, "default_cache_dir", lambda name: tmp_path / "cache" / name)
    d = load_dataset("mnist")
    assert len(d.train_x) == 20 and d.folder == tmp_path / "cache" / "mnist"
    assert sorted(p.name for p in d.folder.iterdir()) == sorted(blobs)

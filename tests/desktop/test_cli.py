import json
import os
import shutil
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest
from PySide6.QtGui import QImage

from desktop.cli import main
from desktop.pngio import read_gray, save_png
from desktop.runtime import ModelRuntime
from tests.conftest import REPO
from tests.desktop.model_folders import poison


def run(capsys, *argv):
    with pytest.raises(SystemExit) as e:
        main(list(argv))
    out = capsys.readouterr()
    return e.value.code, out.out, out.err


@pytest.mark.parametrize("n, scale", [(15, 1), (2, 3), (60, 1)])
def test_grid_is_exactly_n_28_s_pixels(capsys, tmp_path, seed_model, n, scale):
    out = tmp_path / "g.png"
    code, _, _ = run(capsys, "grid", "--n", str(n), "--scale", str(scale), "--model", str(seed_model), "--out", str(out))
    img = QImage(str(out))
    assert code == 0 and img.width() == img.height() == n * 28 * scale
    assert img.text("Model") == "mnist-seed" and img.text("n") == str(n) and img.text("Range") == "ppf"


def test_grid_content_is_the_decoded_tiles(capsys, tmp_path, seed_model):
    out = tmp_path / "g.png"
    run(capsys, "grid", "--n", "4", "--range=-1,1,-2,2", "--model", str(seed_model), "--out", str(out))
    rt = ModelRuntime(seed_model, "cpu")
    top_left = rt.decode(np.array([[-1, 2]], np.float32))[0].reshape(28, 28)
    assert np.abs(read_gray(out)[:28, :28] - top_left).max() <= 1 / 255 + 1e-6
    assert QImage(str(out)).text("Range") == "-1,1,-2,2"


def test_labels_are_behind_a_flag(capsys, tmp_path, seed_model):
    out = tmp_path / "g.png"
    assert run(capsys, "grid", "--n", "5", "--labels", "--model", str(seed_model), "--out", str(out))[0] == 0
    assert QImage(str(out)).width() > 5 * 28


def test_encode_of_a_saved_test_digit_matches_its_pixels(capsys, tmp_path, seed_model, mnist_dir):
    from trainer.data import read_idx_images

    rt = ModelRuntime(seed_model, "cpu")
    digits = read_idx_images(mnist_dir / "t10k-images-idx3-ubyte.gz")[:20].astype(np.float32) / 255
    direct, _ = rt.encode(digits)
    for i in range(20):
        save_png(digits[i].reshape(28, 28), tmp_path / f"{i}.png")
        code, out, _ = run(capsys, "encode", str(tmp_path / f"{i}.png"), "--model", str(seed_model))
        got = json.loads(out)
        assert code == 0 and set(got) == {"model", "z_mean", "z_log_var", "neg_elbo", "percentile"}
        assert np.abs(np.array(got["z_mean"]) - direct[i]).max() <= 0.5, i
        assert 0 <= got["percentile"] <= 100


def test_info_and_self_test(capsys, seed_model):
    from desktop.providers import cuda_problem

    expected = "CPUExecutionProvider" if cuda_problem() else "CUDAExecutionProvider"  # what auto should pick here
    code, out, _ = run(capsys, "info", "--model", str(seed_model))
    assert code == 0 and f"provider in use: {expected}" in out and '"latent_dim": 2' in out
    code, out, _ = run(capsys, "self-test", "--model", str(seed_model))
    assert code == 0 and "self-test passed" in out


def _empty(tmp_path):
    (tmp_path / "e.png").write_bytes(b"")
    return ["encode", str(tmp_path / "e.png")], "empty file"


def _unreadable(tmp_path):
    (tmp_path / "u.png").write_bytes(b"\x89PNG garbage")
    return ["encode", str(tmp_path / "u.png")], "not a readable image"


def _blank(tmp_path):
    save_png(np.zeros((28, 28)), tmp_path / "b.png")
    return ["encode", str(tmp_path / "b.png")], "blank"


def _missing_image(tmp_path):
    return ["encode", str(tmp_path / "nope.png")], "file not found"


def _n0(tmp_path):
    return ["grid", "--n", "0", "--out", str(tmp_path / "g.png")], "between 2 and 60"


def _n10000(tmp_path):
    return ["grid", "--n", "10000", "--out", str(tmp_path / "g.png")], "between 2 and 60"


def _bad_scale(tmp_path):
    return ["grid", "--scale", "9", "--out", str(tmp_path / "g.png")], "scale 9"


def _bad_model(tmp_path):
    return ["info", "--model", str(tmp_path)], "model card missing"


# Grid options are checked before the model loads: these name a model that does not exist.
def _no_model(tmp_path):
    return ["--model", str(tmp_path / "no-model")]


def _out_is_a_folder(tmp_path):
    return ["grid", "--out", str(tmp_path), *_no_model(tmp_path)], "names a folder; --out needs a PNG file name"


def _out_is_empty(tmp_path):
    return ["grid", "--out", "", *_no_model(tmp_path)], "--out is empty"


def _labels_scale_0(tmp_path):
    return ["grid", "--labels", "--scale", "0", "--out", str(tmp_path / "g.png"), *_no_model(tmp_path)], "scale 0"


def _labels_scale_9(tmp_path):
    return ["grid", "--labels", "--scale", "9", "--out", str(tmp_path / "g.png"), *_no_model(tmp_path)], "scale 9"


def _range_beyond_float32(tmp_path):
    return ["grid", "--range=0,1e39,0,1", "--out", str(tmp_path / "g.png"), *_no_model(tmp_path)], "within ±1000"


def _range_width_lost_in_float32(tmp_path):
    return ["grid", "--range", "999,999.00001,0,1", "--out", str(tmp_path / "g.png"), *_no_model(tmp_path)], \
        "needs x0 < x1 and y0 < y1 (as float32 numbers)"


def _model_copy(tmp_path, seed_model):
    shutil.copytree(seed_model, tmp_path / "model")
    return tmp_path / "model"


def _card_without_test_metrics(tmp_path, seed_model):
    folder = _model_copy(tmp_path, seed_model)
    card = json.loads((folder / "metadata.json").read_text())
    del card["test_metrics"]
    (folder / "metadata.json").write_text(json.dumps(card))
    save_png(np.eye(28), tmp_path / "d.png")
    return ["encode", str(tmp_path / "d.png"), "--model", str(folder)], "metadata.json: test_metrics is missing"


def _nan_decoder(tmp_path, seed_model):
    folder = _model_copy(tmp_path, seed_model)
    poison(folder, "decoder.onnx")
    argv = ["grid", "--out", str(tmp_path / "g.png"), "--model", str(folder)]
    return argv, "decoder.onnx: output on a probe is not finite"


@pytest.mark.parametrize("case", [_empty, _unreadable, _blank, _missing_image, _n0, _n10000, _bad_scale,
                                  _bad_model, _out_is_a_folder, _out_is_empty, _labels_scale_0, _labels_scale_9,
                                  _range_beyond_float32, _range_width_lost_in_float32])
def test_bad_input_is_one_line_and_exit_2(capsys, tmp_path, seed_model, case):
    argv, problem = case(tmp_path)
    if "--model" not in argv:
        argv += ["--model", str(seed_model)]
    code, out, err = run(capsys, *argv)
    assert code == 2 and len(err.strip().splitlines()) == 1 and problem in err and "Traceback" not in err
    assert not [p for p in tmp_path.rglob("*.png") if p.name.startswith(".")]  # no temporary left


@pytest.mark.parametrize("case", [_card_without_test_metrics, _nan_decoder])
def test_bad_model_is_one_line_and_exit_2(capsys, tmp_path, seed_model, case):
    argv, problem = case(tmp_path, seed_model)
    code, out, err = run(capsys, *argv)
    assert code == 2 and len(err.strip().splitlines()) == 1 and problem in err and not out
    assert not (tmp_path / "g.png").exists()


@pytest.mark.parametrize("argv, label", [
    (["--range", "-2,2,-2,2"], "-2,2,-2,2"),  # argparse alone reads the value as an option
    (["--range=-2,2,-2,2"], "-2,2,-2,2"),
    (["--range", "-1.5e0,1,-2,-1"], "-1.5,1,-2,-1"),
    (["--range", "0.5,1,0,1"], "0.5,1,0,1"),
    (["--range", "ppf"], "ppf"),
])
def test_range_spellings(capsys, tmp_path, seed_model, argv, label):
    out = tmp_path / "g.png"
    code, _, err = run(capsys, "grid", "--n", "2", *argv, "--model", str(seed_model), "--out", str(out))
    assert code == 0 and not err and QImage(str(out)).text("Range") == label


def _png(path, width, height, rows=b""):
    """A gray 8-bit PNG with this header and IDAT: a huge size costs nothing until it is decoded."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
                     + chunk(b"IEND", b""))
    return path


def _truncated_png(tmp_path):
    save_png(np.eye(60), tmp_path / "whole.png")
    data = (tmp_path / "whole.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(data[:len(data) // 2])
    return tmp_path / "cut.png", "not a readable image"


def _huge_png(tmp_path):
    return _png(tmp_path / "huge.png", 12000, 12000, b"\0" * 12001), \
        "too large (12000x12000 pixels; at most 50 megapixels)"


@pytest.mark.parametrize("case", [_truncated_png, _huge_png])
def test_bad_picture_is_one_line_in_a_real_process(tmp_path, seed_model, case):
    """Qt's warnings and libpng's own stderr writes would add lines: only a real process shows them."""
    path, problem = case(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"}
    p = subprocess.run([sys.executable, "-m", "desktop.cli", "encode", str(path), "--model", str(seed_model)],
                       capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert p.returncode == 2 and not p.stdout, p.stderr
    assert p.stderr.count("\n") == 1 and str(path) in p.stderr and problem in p.stderr, p.stderr


def test_unwritable_export_folder_is_refused(capsys, tmp_path, seed_model):
    """A folder nobody can write into (root ignores permission bits, a regular file stops anyone)."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = run(capsys, "grid", "--model", str(seed_model), "--out", str(blocker / "g.png"))
    assert code == 2 and "g.png" in err


def test_real_process_prints_no_traceback(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    p = subprocess.run([sys.executable, "-m", "desktop.cli", "encode", str(tmp_path / "x.png")],
                       capture_output=True, text=True, env=env, cwd=REPO, timeout=60)
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "file not found" in p.stderr

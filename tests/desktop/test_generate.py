"""Generating: samples from the prior and latent walks, through the commands a user types."""
import numpy as np
import pytest
from PIL import Image
from PySide6.QtGui import QImage

from desktop import grids, walks
from desktop.pngio import read_gray, save_png
from desktop.runtime import ModelRuntime
from tests.desktop.test_cli import run


@pytest.fixture(scope="module")
def rt(seed_model):
    return ModelRuntime(seed_model, "cpu")


def _tiles(path, k, rows=1):
    """The decoded tiles of a PNG strip or grid, row-major, as (k*rows, 28, 28) in [0, 1]."""
    pic = read_gray(path)
    return pic.reshape(rows, 28, k, 28).transpose(0, 2, 1, 3).reshape(rows * k, 28, 28)


def test_the_same_seed_gives_the_same_bytes(capsys, tmp_path, seed_model, rt):
    paths = [tmp_path / f"{name}.png" for name in ("a", "b", "c")]
    for path, seed in zip(paths, (7, 7, 8)):
        code, out, _ = run(capsys, "sample", "--n", "5", "--seed", str(seed), "--scale", "2", "--model",
                           str(seed_model), "--out", str(path))
        assert code == 0 and "seed" in out
    assert paths[0].read_bytes() == paths[1].read_bytes() != paths[2].read_bytes()
    img = QImage(str(paths[0]))
    assert img.width() == img.height() == 5 * 28 * 2
    assert (img.text("Model"), img.text("n"), img.text("Range"), img.text("Seed")) == ("mnist-seed", "5", "samples", "7")
    run(capsys, "sample", "--n", "5", "--seed", "7", "--model", str(seed_model), "--out", str(tmp_path / "one.png"))
    expected = rt.decode(grids.prior_latents(5, 2, 7)).reshape(25, 28, 28)
    assert np.abs(_tiles(tmp_path / "one.png", 5, 5) - expected).max() <= 1 / 255 + 1e-6


def test_a_walk_strip_starts_and_ends_at_its_classes(capsys, tmp_path, seed_model, rt):
    code, out, _ = run(capsys, "walk", "--from", "0", "--to", "7", "--steps", "9", "--model", str(seed_model),
                       "--out", str(tmp_path / "w.png"))
    assert code == 0 and "a strip of 9 tiles" in out
    img = QImage(str(tmp_path / "w.png"))
    assert (img.width(), img.height()) == (9 * 28, 28) and img.text("Steps") == "9"
    assert img.text("From").startswith("class 0") and img.text("To").startswith("class 7")
    tiles = _tiles(tmp_path / "w.png", 9)
    for tile, k in ((tiles[0], 0), (tiles[-1], 7)):
        end = walks.class_end(rt, str(k))
        assert np.abs(tile - rt.decode(np.array([end.z]))[0].reshape(28, 28)).max() <= 1 / 255 + 1e-6
    members = np.flatnonzero(rt.latents.labels == 7)  # the most typical test picture of the class
    best = members[np.argmin(rt.latents.neg_elbo[members])]
    assert np.allclose(walks.class_end(rt, "7").z, rt.latents.z_mean[best])


@pytest.mark.parametrize("bounce, frames", [(False, 12), (True, 22)])
def test_a_walk_gif_has_its_frames_timing_and_loop(capsys, tmp_path, seed_model, bounce, frames):
    argv = ["walk", "--from", "3", "--to", "8", "--steps", "12", "--frame-ms", "70", "--model", str(seed_model),
            "--out", str(tmp_path / "w.gif")] + (["--bounce"] if bounce else [])
    assert run(capsys, *argv)[0] == 0
    with Image.open(tmp_path / "w.gif") as gif:
        assert gif.n_frames == frames and gif.size == (28 * 4, 28 * 4)  # 4x by default for a GIF
        assert gif.info["duration"] == 70 and gif.info.get("loop") == 0


def test_ends_can_be_pictures_and_coordinates(capsys, tmp_path, seed_model, rt, mnist_dir):
    from desktop.analysis import analyse_picture
    from trainer.data import read_idx_images

    digit = read_idx_images(mnist_dir / "t10k-images-idx3-ubyte.gz")[0].reshape(28, 28) / 255
    save_png(digit, tmp_path / "digit.png")
    end = walks.parse_end(str(tmp_path / "digit.png"), rt, read_gray)
    assert np.allclose(end.z, analyse_picture(rt, read_gray(tmp_path / "digit.png")).z_mean)
    for argv in (["--from", "-1,2"], ["--from=0.5,0.5"], ["--from", str(tmp_path / "digit.png")]):
        code, _, err = run(capsys, "walk", *argv, "--to", "1", "--steps", "3", "--model", str(seed_model),
                           "--out", str(tmp_path / "x.png"))
        assert code == 0, err


BAD = [
    (["walk", "--from", "eleven", "--to", "1"], "'eleven'"),
    (["walk", "--from", "1,2,3", "--to", "1"], "expected 2 comma-separated numbers"),
    (["walk", "--from", "1", "--to", "2", "--steps", "1"], "steps = 1"),
    (["walk", "--from", "1", "--to", "2", "--steps", "61"], "steps = 61"),
    (["walk", "--from", "1", "--to", "2", "--frame-ms", "5"], "--frame-ms 5"),
    (["walk", "--from", "1", "--to", "2", "--out", "w.jpg"], "must end in .png or .gif"),
    (["walk", "--from", "1", "--to", "2", "--out", ""], "--out is empty"),
    (["walk", "--from", "missing.png", "--to", "2"], "missing.png"),
    (["sample", "--n", "61"], "between 2 and 60"),
    (["sample", "--scale", "0"], "scale 0"),
    (["sample", "--out", "."], "names a folder"),
]


@pytest.mark.parametrize("argv, problem", BAD + [(["walk", "--from", "grey.png", "--to", "1"], "blank")])
def test_bad_input_is_one_line_and_exit_2(capsys, tmp_path, seed_model, monkeypatch, argv, problem):
    save_png(np.full((28, 28), 0.5), tmp_path / "grey.png")  # a picture with nothing on it
    monkeypatch.chdir(tmp_path)
    if "--out" not in argv:
        argv = argv + ["--out", str(tmp_path / "o.png")]
    code, _, err = run(capsys, *argv, "--model", str(seed_model))
    assert code == 2 and len(err.strip().splitlines()) == 1 and problem in err and "Traceback" not in err
    assert not [p for p in tmp_path.iterdir() if p.suffix in (".png", ".gif") and p.name != "grey.png"]


def test_a_60_step_walk_is_one_batched_decode(capsys, tmp_path, seed_model, rt, monkeypatch):
    from desktop import commands

    calls = []
    real = rt.decode
    monkeypatch.setattr(rt, "decode", lambda z: calls.append(len(z)) or real(z))
    monkeypatch.setattr(commands, "open_runtime", lambda args: rt)
    assert run(capsys, "walk", "--from", "2", "--to", "5", "--steps", "60", "--out", str(tmp_path / "w.gif"))[0] == 0
    assert calls == [60]

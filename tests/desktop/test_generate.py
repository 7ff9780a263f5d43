"""`vae-digits sample` and `vae-digits walk`, through the command line: files, pixels, text chunks."""
import numpy as np
import pytest
from PIL import Image
from PySide6.QtGui import QImage

from desktop import commands, grids, walks
from desktop.analysis import analyse_picture
from desktop.pngio import read_gray, save_png
from desktop.runtime import ModelRuntime
from tests.desktop.test_cli import run

TOL = 1 / 255 + 1e-6  # a decoded intensity after a round trip through uint8


@pytest.fixture(scope="module")
def rt(seed_model):
    return ModelRuntime(seed_model, "cpu")


@pytest.fixture
def decodes(monkeypatch, rt):
    """The z rows of each decode a command makes; the runtime is built beforehand, so its own
    construction-time probes are not among them."""
    calls = []
    real = rt.decode

    def counting(z):
        calls.append(np.asarray(z, np.float32).reshape(-1, rt.latent_dim).copy())
        return real(z)

    monkeypatch.setattr(rt, "decode", counting)
    monkeypatch.setattr(commands, "open_runtime", lambda args: rt)
    return calls


def decoded(rt, z):
    """(N, L) points -> (N, 28, 28) images as the runtime decodes them."""
    return rt.decode(np.asarray(z, np.float32).reshape(-1, rt.latent_dim)).reshape(-1, 28, 28)


def tiles(picture, k):
    """A (28, k*28) strip -> (k, 28, 28) tiles, left to right."""
    return picture.reshape(28, k, 28).transpose(1, 0, 2)


def gif_frames(path):
    """Every frame of a GIF as (H, W) float gray in [0, 1], with its duration in ms."""
    with Image.open(path) as im:
        out = []
        for i in range(im.n_frames):
            im.seek(i)
            out.append((np.asarray(im.convert("L"), np.float32) / 255, im.info["duration"]))
        return out, im.info.get("loop")


def mnist_digit(mnist_dir, index):
    """MNIST test image `index` as (28, 28) float32 in [0, 1]."""
    from trainer.data import read_idx_images

    return read_idx_images(mnist_dir / "t10k-images-idx3-ubyte.gz")[index].reshape(28, 28).astype(np.float32) / 255


# sample ---------------------------------------------------------------------------------------


def sample(capsys, tmp_path, seed_model, name, *argv):
    out = tmp_path / name
    code, _, err = run(capsys, "sample", *argv, "--model", str(seed_model), "--out", str(out))
    assert code == 0 and not err, err
    return out


def test_sample_seed_gives_the_same_file_and_another_seed_another_picture(capsys, tmp_path, seed_model):
    a = sample(capsys, tmp_path, seed_model, "a.png", "--seed", "3")
    b = sample(capsys, tmp_path, seed_model, "b.png", "--seed", "3")
    c = sample(capsys, tmp_path, seed_model, "c.png", "--seed", "4")
    assert a.read_bytes() == b.read_bytes()
    assert not np.array_equal(read_gray(a), read_gray(c))


@pytest.mark.parametrize("n, scale, seed", [(8, 1, 0), (2, 3, 17), (5, 2, 2**40)])
def test_sample_size_and_text(capsys, tmp_path, seed_model, n, scale, seed):
    out = sample(capsys, tmp_path, seed_model, "s.png", "--n", str(n), "--scale", str(scale), f"--seed={seed}")
    img = QImage(str(out))
    assert img.width() == img.height() == n * 28 * scale
    assert {k: img.text(k) for k in ("Model", "n", "Range", "Seed")} == \
        {"Model": "mnist-seed", "n": str(n), "Range": "samples", "Seed": str(seed)}


@pytest.mark.parametrize("n, seed", [(3, 0), (6, 12345)])
def test_sample_tiles_are_the_decoded_prior_draws(capsys, tmp_path, seed_model, rt, n, seed):
    out = sample(capsys, tmp_path, seed_model, "s.png", "--n", str(n), "--seed", str(seed))
    expected = grids.assemble(decoded(rt, grids.prior_latents(n, 2, seed)).reshape(n * n, -1), n, 28, 28)
    assert np.abs(read_gray(out) - expected).max() <= TOL


# walk: a PNG strip and a GIF ------------------------------------------------------------------


def test_class_end_is_the_class_test_image_with_the_lowest_neg_elbo(rt, seed_model):
    with np.load(seed_model / "latents.npz") as f:
        labels, neg_elbo, z_mean = f["labels"], f["neg_elbo"], f["z_mean"]
    for k in (0, 7):
        best = np.flatnonzero(labels == k)[np.argmin(neg_elbo[labels == k])]
        end = walks.class_end(rt, str(k))
        assert end.z == tuple(float(v) for v in z_mean[best].astype(np.float32))
        assert end.label == f"class {k} (test image {best})"


def test_walk_strip_runs_from_one_class_to_the_other(capsys, tmp_path, seed_model, rt):
    out = tmp_path / "w.png"
    code, _, err = run(capsys, "walk", "--from", "0", "--to", "7", "--steps", "9", "--model", str(seed_model),
                       "--out", str(out))
    assert code == 0 and not err, err
    picture = read_gray(out)
    assert picture.shape == (28, 9 * 28)
    start, end = walks.class_end(rt, "0"), walks.class_end(rt, "7")
    middle = (np.array(start.z, np.float32) + np.array(end.z, np.float32)) / 2
    expected = decoded(rt, [start.z, middle, end.z])
    assert np.abs(tiles(picture, 9)[[0, 4, 8]] - expected).max() <= TOL
    img = QImage(str(out))
    assert (img.text("From"), img.text("To"), img.text("Steps")) == (start.label, end.label, "9")


@pytest.mark.parametrize("steps, argv, frames, size", [
    (9, [], 9, 28 * 4),  # GIF's default scale is 4
    (9, ["--bounce", "--frame-ms", "250"], 16, 28 * 4),
    (2, ["--bounce", "--frame-ms", "20", "--scale", "1"], 2, 28),
    (5, ["--frame-ms", "2000", "--scale", "2"], 5, 56),
])
def test_walk_gif(capsys, tmp_path, seed_model, rt, steps, argv, frames, size):
    out = tmp_path / "w.gif"
    code, _, err = run(capsys, "walk", "--from", "0", "--to", "7", "--steps", str(steps), *argv,
                       "--model", str(seed_model), "--out", str(out))
    assert code == 0 and not err, err
    seq, loop = gif_frames(out)
    ms = int(argv[argv.index("--frame-ms") + 1]) if "--frame-ms" in argv else 100
    assert len(seq) == frames and loop == 0
    assert all(img.shape == (size, size) and duration == ms for img, duration in seq)
    scale = size // 28
    first, last = decoded(rt, [walks.class_end(rt, "0").z, walks.class_end(rt, "7").z])
    assert np.abs(seq[0][0][::scale, ::scale] - first).max() <= TOL
    assert np.abs(seq[steps - 1][0][::scale, ::scale] - last).max() <= TOL
    for j in range(1, frames - steps + 1):  # --bounce: the way back repeats the way out, ends excluded
        assert np.array_equal(seq[steps - 1 + j][0], seq[steps - 1 - j][0])


def test_walk_gif_of_identical_frames_keeps_its_play_time(capsys, tmp_path, seed_model):
    """Pillow merges identical consecutive frames into one; their durations add up."""
    out = tmp_path / "w.gif"
    code, _, _ = run(capsys, "walk", "--from", "0,0", "--to", "0,0", "--steps", "6", "--frame-ms", "50",
                     "--model", str(seed_model), "--out", str(out))
    seq, _ = gif_frames(out)
    assert code == 0 and sum(duration for _, duration in seq) == 6 * 50


# walk ends ------------------------------------------------------------------------------------


def _class(tmp_path, rt, mnist_dir):
    end = walks.class_end(rt, "3")
    return ["--from", "3"], end.z, end.label


def _picture(tmp_path, rt, mnist_dir):
    path = save_png(mnist_digit(mnist_dir, 1), tmp_path / "digit.png")
    return ["--from", str(path)], tuple(analyse_picture(rt, read_gray(path)).z_mean), "digit.png"


def _negative_coords(tmp_path, rt, mnist_dir):
    return ["--from", "-1,2"], (-1, 2), "(-1, 2)"  # argparse alone takes -1,2 for an option


def _coords_with_equals(tmp_path, rt, mnist_dir):
    return ["--from=0.5,0.5"], (0.5, 0.5), "(0.5, 0.5)"


def _exponent_coords(tmp_path, rt, mnist_dir):
    return ["--from", "-1.5e0,-2"], (-1.5, -2), "(-1.5, -2)"


@pytest.mark.parametrize("case", [_class, _picture, _negative_coords, _coords_with_equals, _exponent_coords])
def test_walk_ends(capsys, tmp_path, seed_model, mnist_dir, rt, decodes, case):
    argv, z, label = case(tmp_path, rt, mnist_dir)
    out = tmp_path / "w.png"
    code, _, err = run(capsys, "walk", *argv, "--to", "7", "--steps", "4", "--model", str(seed_model),
                       "--out", str(out))
    assert code == 0 and not err, err
    walk = decodes[-1]  # the walk's decode: the ends' own analysis comes before it
    assert len(walk) == 4 and np.array_equal(walk[0], np.float32(z))
    assert np.array_equal(walk[-1], np.float32(walks.class_end(rt, "7").z))
    assert QImage(str(out)).text("From") == label


# one batched decode -----------------------------------------------------------------------------


@pytest.mark.parametrize("argv, rows", [
    (["walk", "--from", "0", "--to", "7", "--steps", "60", "--out", "w.png"], [60]),
    (["walk", "--from", "-3,3", "--to", "3,-3", "--steps", "60", "--out", "w.gif"], [60]),
    (["sample", "--n", "60", "--out", "s.png"], [3600]),
])
def test_one_batched_decode(capsys, tmp_path, monkeypatch, seed_model, decodes, argv, rows):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, *argv, "--model", str(seed_model))
    assert code == 0 and not err, err
    assert [len(z) for z in decodes] == rows


# bad input --------------------------------------------------------------------------------------


def _walk(tmp_path, *argv, out="w.png"):
    """walk from class 0 to class 7 unless `argv` says otherwise, --out `out` in tmp_path ("" stays empty)."""
    options = {"--from": "0", "--to": "7", **dict(zip(argv[::2], argv[1::2]))}
    return ["walk", *[v for kv in options.items() for v in kv], "--out", str(tmp_path / out) if out else out]


def _unknown_class(tmp_path):
    return _walk(tmp_path, "--from", "banana"), "--from 'banana': neither a class of this model"


def _three_coords(tmp_path):
    return _walk(tmp_path, "--to", "1,2,3"), "--to '1,2,3': expected 2 comma-separated numbers"


def _steps_1(tmp_path):
    return _walk(tmp_path, "--steps", "1"), "steps = 1: a walk has between 2 and 60 steps"


def _steps_61(tmp_path):
    return _walk(tmp_path, "--steps", "61"), "steps = 61: a walk has between 2 and 60 steps"


def _frame_ms_5(tmp_path):
    return _walk(tmp_path, "--frame-ms", "5", out="w.gif"), "--frame-ms 5: a frame lasts 20-2000 ms"


def _walk_scale_9(tmp_path):
    return _walk(tmp_path, "--scale", "9", out="w.gif"), "scale 9: the pixel scale must be between 1 and 8"


def _jpg(tmp_path):
    return _walk(tmp_path, out="x.jpg"), "x.jpg: --out must end in .png or .gif"


def _out_empty(tmp_path):
    return _walk(tmp_path, out=""), "--out is empty"


def _out_folder(tmp_path):
    (tmp_path / "folder").mkdir()
    return _walk(tmp_path, out="folder"), "folder: names a folder; --out needs a PNG or GIF file name"


def _blank_picture(tmp_path):
    path = save_png(np.full((28, 28), 0x60 / 255), tmp_path / "grey.png")
    return _walk(tmp_path, "--from", str(path)), f"--from {path}: the picture is blank"


def _missing_picture(tmp_path):
    return _walk(tmp_path, "--to", str(tmp_path / "nope.png")), f"--to '{tmp_path / 'nope.png'}'"


def _sample_n_61(tmp_path):
    return ["sample", "--n", "61", "--out", str(tmp_path / "s.png")], "n = 61: the grid size must be between 2 and 60"


def _sample_negative_seed(tmp_path):
    return ["sample", "--seed=-1", "--out", str(tmp_path / "s.png")], "--seed -1: a seed is a whole number >= 0"


def _sample_scale_0(tmp_path):
    return ["sample", "--scale", "0", "--out", str(tmp_path / "s.png")], "scale 0: the pixel scale must be between"


@pytest.mark.parametrize("case", [_unknown_class, _three_coords, _steps_1, _steps_61, _frame_ms_5, _walk_scale_9,
                                  _jpg, _out_empty, _out_folder, _blank_picture, _missing_picture, _sample_n_61,
                                  _sample_negative_seed, _sample_scale_0])
def test_bad_input_is_one_line_and_writes_nothing(capsys, tmp_path, seed_model, case):
    argv, problem = case(tmp_path)
    before = sorted(tmp_path.rglob("*"))
    code, out, err = run(capsys, *argv, "--model", str(seed_model))
    assert code == 2 and not out and len(err.strip().splitlines()) == 1 and problem in err, err
    assert sorted(tmp_path.rglob("*")) == before

import numpy as np
import pytest

from desktop import grids
from desktop.imaging import gray_to_ink, resize_area, to_mnist
from desktop.resources import default_model, list_models


def test_blank_is_none():
    assert to_mnist(np.zeros((50, 50))) is None


def test_drawing_fits_20x20_and_is_centred_by_mass():
    ink = np.zeros((280, 280), np.float32)
    ink[40:240, 120:160] = 1  # a tall bar
    x = to_mnist(ink)
    rows, cols = np.nonzero(x > 0.05)
    assert rows.max() - rows.min() + 1 == 20 and cols.max() - cols.min() + 1 <= 5
    cy, cx = (np.array(np.nonzero(x)) * x[np.nonzero(x)]).sum(1) / x.sum()
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5
    assert x.dtype == np.float32 and 0 <= x.min() and x.max() <= 1


def test_area_resize_keeps_the_mean():
    img = np.random.default_rng(0).random((97, 61))
    assert resize_area(img, (20, 13)).mean() == pytest.approx(img.mean(), rel=1e-6)


def test_dark_on_light_is_inverted():
    gray = np.ones((40, 40), np.float32)
    gray[10:30, 18:22] = 0
    ink = gray_to_ink(gray)
    assert ink[20, 20] == 1 and ink[0, 0] == 0


def test_ppf_axis_is_the_reference():
    a = grids.ppf_axis(15)
    assert a[0] == pytest.approx(-1.6448536, abs=1e-5) and a[7] == pytest.approx(0, abs=1e-6)


def test_grid_rows_start_at_the_top():
    z = grids.grid_latents(3, grids.GridRange(0, 2, 10, 30), 2)
    assert z[0].tolist() == [0, 30] and z[2].tolist() == [2, 30] and z[8].tolist() == [2, 10]


def test_grid_keeps_other_dimensions_at_base_values():
    z = grids.grid_latents(2, grids.PPF, 4, axes=(1, 3), base=np.array([7, 0, 8, 0]))
    assert (z[:, 0] == 7).all() and (z[:, 2] == 8).all()


def test_assemble_places_tiles_edge_to_edge():
    tiles = np.arange(4)[:, None].repeat(6, 1).astype(float)  # 4 tiles of 2x3
    pic = grids.assemble(tiles, 2, 2, 3)
    assert pic.shape == (4, 6) and pic[0, 0] == 0 and pic[0, 3] == 1 and pic[2, 0] == 2 and pic[3, 5] == 3


@pytest.mark.parametrize("text", ["1,2,3", "2,1,0,1", "a,b,c,d", "0,1,0,nan", "0,1e39,0,1", "-inf,0,0,1",
                                  "0,1001,0,1", "999,999.00001,0,1"])
def test_bad_ranges(text):
    with pytest.raises(ValueError, match="range"):
        grids.parse_range(text)


def test_range_holds_the_float32_values_the_decoder_sees():
    r = grids.parse_range("0.1,0.3,-1000,1000")
    assert (r.x0, r.x1, r.y0, r.y1) == tuple(float(np.float32(v)) for v in (0.1, 0.3, -1000, 1000))
    assert r.label() == "0.1,0.3,-1000,1000"


@pytest.mark.parametrize("scale, ok", [(0, False), (1, True), (8, True), (9, False), (-1, False)])
def test_scale_is_1_to_8(scale, ok):
    if ok:
        assert grids.check_scale(scale) == scale
    else:
        with pytest.raises(ValueError, match=f"scale {scale}: the pixel scale must be between 1 and 8"):
            grids.check_scale(scale)


@pytest.mark.parametrize("n", [0, 1, 61, 10000])
def test_bad_n(n):
    with pytest.raises(ValueError, match="between 2 and 60"):
        grids.check_n(n)


def test_default_model_is_the_best_mnist_one(seed_model):
    models = list_models(seed_model.parent)
    assert seed_model in models
    best = default_model(seed_model.parent)
    import json

    scores = {m: json.loads((m / "metadata.json").read_text())["test_metrics"]["neg_elbo"] for m in models}
    assert best == min(scores, key=scores.get)

"""Preprocessing (the card's two recipes, picture polarity) and the typicality sentence: pure numpy.
The "mnist" recipe's box and centre of mass are in test_helpers.py."""
from types import SimpleNamespace

import numpy as np
import pytest

from desktop.analysis import Encoding, typicality
from desktop.imaging import RECIPES, gray_to_ink, prepare, to_input

GREY = 0x60 / 255  # the background of the reported bug


def picture(shape, box, background=0.0, value=1.0):
    """A `shape` picture of `background` with a rectangle (top, left, height, width) of `value`."""
    gray = np.full(shape, background, np.float32)
    top, left, h, w = box
    gray[top:top + h, left:left + w] = value
    return gray


def ink_box(x):
    """(top, bottom, left, right) margins of the ink in x: rows/columns with no ink on each side."""
    rows, cols = np.flatnonzero(x.any(axis=1)), np.flatnonzero(x.any(axis=0))
    return rows[0], x.shape[0] - 1 - rows[-1], cols[0], x.shape[1] - 1 - cols[-1]


# "full-frame" -----------------------------------------------------------------------------------


@pytest.mark.parametrize("h, w", [(28, 12), (28, 14), (28, 10), (10, 28), (28, 28)])
def test_full_frame_keeps_an_object_that_already_fills_the_frame(h, w):
    """Even margins (28 - w even), so "centred" is one place."""
    ink = picture((28, 28), ((28 - h) // 2, (28 - w) // 2, h, w))
    ink *= np.linspace(0.3, 1.0, 28, dtype=np.float32)[:, None]  # shading: kept as it is, not stretched
    np.testing.assert_allclose(to_input(ink, "full-frame"), ink, atol=1e-6)


@pytest.mark.parametrize("shape, box, fitted", [
    ((200, 300), (10, 250, 40, 20), (28, 14)),  # tall, near a corner
    ((200, 300), (150, 20, 20, 60), (9, 28)),  # wide: 60 -> 28, 20 -> 9.33 -> 9
    ((500, 500), (100, 300, 50, 50), (28, 28)),
    ((64, 64), (30, 30, 5, 2), (28, 11)),  # smaller than the frame: enlarged
])
def test_full_frame_fits_the_longer_side_and_centres_the_box(shape, box, fitted):
    x = to_input(picture(shape, box), "full-frame")
    top, bottom, left, right = ink_box(x > 0)
    assert (28 - top - bottom, 28 - left - right) == fitted
    assert abs(top - bottom) <= 1 and abs(left - right) <= 1  # equal margins where the parity allows


@pytest.mark.parametrize("recipe, peak", [("full-frame", 0.6), ("mnist", 1.0)])
def test_only_mnist_stretches_the_intensities(recipe, peak):
    x = prepare(picture((100, 100), (20, 40, 60, 30), value=0.6), recipe)
    assert x.max() == pytest.approx(peak, abs=1e-6)


def test_unknown_recipe_is_named():
    with pytest.raises(ValueError, match="unknown preprocessing recipe 'sketch' \\(known: mnist, full-frame\\)"):
        to_input(picture((28, 28), (5, 5, 10, 10)), "sketch")


# gray_to_ink ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("background, value, ink", [
    (0.0, 1.0, 1.0),  # white on black, as MNIST is
    (0.0, 0.6, 0.6),
    (1.0, 0.0, 1.0),  # black on white: a scan
    (GREY, 0.0, 1.0),  # black on #606060: came out blank once
    (GREY, 0xE0 / 255, (0xE0 - 0x60) / (0xFF - 0x60)),  # light on grey: its contrast over what the grey leaves
    (0.8, 0.2, 0.75),
])
def test_gray_to_ink_finds_the_object_on_any_background(background, value, ink):
    gray = picture((40, 40), (8, 16, 24, 8), background, value)
    got = gray_to_ink(gray)
    assert got[20, 20] == pytest.approx(ink, abs=1e-6) and got[0, 0] == 0
    for recipe in RECIPES:
        assert to_input(got, recipe) is not None


def test_white_on_black_is_kept_as_it_is():
    gray = np.random.default_rng(0).random((40, 40), np.float32) * picture((40, 40), (5, 5, 30, 30))
    np.testing.assert_array_equal(gray_to_ink(gray), gray)


@pytest.mark.parametrize("level", [0.0, GREY, 1.0])
@pytest.mark.parametrize("recipe", RECIPES)
def test_a_plain_picture_is_blank(level, recipe):
    assert to_input(gray_to_ink(np.full((40, 40), level, np.float32)), recipe) is None


# typicality -------------------------------------------------------------------------------------


def encoding(percentile):
    zeros = np.zeros((28, 28), np.float32)
    return Encoding(zeros, np.zeros(2), np.zeros(2), zeros, 100.0 if percentile is not None else None, percentile)


CLOTHES = SimpleNamespace(subject=("item of clothing", "items of clothing"), test_images=10000)
DIGITS = SimpleNamespace(subject=("digit", "digits"), test_images=5000)


@pytest.mark.parametrize("card, percentile, sentence", [
    (CLOTHES, 70.0, "30% of the 10,000 test items of clothing fit the model worse (a higher −ELBO): "
                    "a typical item of clothing"),
    (CLOTHES, 95.0, "5% of the 10,000 test items of clothing fit the model worse (a higher −ELBO): unusual"),
    (CLOTHES, 99.8, "0% of the 10,000 test items of clothing fit the model worse (a higher −ELBO): "
                    "unlike any test item of clothing"),
    (DIGITS, 12.0, "88% of the 5,000 test digits fit the model worse (a higher −ELBO): a typical digit"),
    (CLOTHES, None, "finish the stroke to score it"),
])
def test_typicality_speaks_the_cards_words(card, percentile, sentence):
    assert typicality(encoding(percentile), card) == sentence

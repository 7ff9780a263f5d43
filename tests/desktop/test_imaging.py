"""How a picture becomes an input: the two recipes, and telling the object from its background."""
from types import SimpleNamespace

import numpy as np
import pytest

from desktop.analysis import Encoding, typicality
from desktop.imaging import gray_to_ink, prepare, to_full_frame, to_input


def test_full_frame_keeps_an_object_that_already_fills_the_frame():
    img = np.zeros((28, 28), np.float32)
    img[:, 8:20] = np.linspace(0.2, 0.6, 12)  # 28 high, 12 wide, centred, max 0.6
    assert np.allclose(to_full_frame(img), img)


def test_full_frame_fits_a_small_object_to_the_frame_and_centres_its_box():
    img = np.zeros((200, 300), np.float32)
    img[40:60, 100:180] = 0.5  # 80 wide, 20 high
    x = to_full_frame(img)
    rows, cols = np.nonzero(x > 0.01)
    assert (cols.min(), cols.max()) == (0, 27) and rows.max() - rows.min() + 1 == 7
    assert abs((rows.min() + rows.max()) / 2 - 13.5) <= 0.5
    assert x.max() == pytest.approx(0.5, abs=1e-6)  # intensities kept, not stretched


def test_mnist_recipe_stretches_to_full_ink_and_fits_20_pixels():
    img = np.zeros((100, 100), np.float32)
    img[10:90, 45:55] = 0.4
    x = to_input(img, "mnist")
    rows, _ = np.nonzero(x > 0.05)
    assert x.max() == pytest.approx(1.0) and rows.max() - rows.min() + 1 == 20


@pytest.mark.parametrize("background, object_, ink_value, polarity", [
    (0.0, 1.0, 1.0, "white on black"), (1.0, 0.0, 1.0, "black on white"),
    (0x60 / 255, 0.0, 1.0, "black on mid grey"), (0.4, 0.9, 0.5 / 0.6, "light on grey")])
def test_the_object_becomes_ink_whatever_the_background(background, object_, ink_value, polarity):
    gray = np.full((40, 40), background, np.float32)
    gray[10:30, 15:25] = object_
    ink = gray_to_ink(gray)
    assert ink[20, 20] == pytest.approx(ink_value, abs=1e-5), polarity
    assert ink[0, 0] == 0 and prepare(gray, "full-frame") is not None


def test_a_blank_picture_has_no_input():
    assert prepare(np.full((30, 30), 0.37, np.float32), "mnist") is None
    assert prepare(np.full((30, 30), 0.37, np.float32), "full-frame") is None


def test_unknown_recipe_is_named():
    with pytest.raises(ValueError, match="'sketch'"):
        to_input(np.ones((5, 5)), "sketch")


def test_typicality_says_what_is_compared_in_the_cards_words():
    card = SimpleNamespace(subject=("item of clothing", "items of clothing"), test_images=10000)
    enc = Encoding(np.zeros((28, 28)), np.zeros(2), np.zeros(2), np.zeros((28, 28)), 250.0, 40.0)
    text = typicality(enc, card)
    assert text == "60% of the 10,000 test items of clothing fit the model worse (a higher −ELBO): " \
                   "a typical item of clothing"
    enc.percentile = 99.5
    assert typicality(enc, card).endswith("unlike any test item of clothing")

"""The shipped Fashion-MNIST model is treated as clothing: its card's recipe and words reach the
commands, and a user's picture of a test item lands where the encoder puts the item itself."""
import json

import numpy as np
import pytest

from desktop.analysis import analyse_picture
from desktop.pngio import read_gray, save_png
from desktop.runtime import ModelRuntime
from tests.conftest import REPO

FASHION = REPO / "exported" / "fashion-strong"
SAMPLES = REPO / "tests" / "desktop" / "data" / "fashion-mnist-test-50.npz"


@pytest.fixture(scope="module")
def fashion():
    assert (FASHION / "metadata.json").is_file(), f"{FASHION}: shipped Fashion-MNIST model missing"
    return ModelRuntime(FASHION, "cpu")


@pytest.fixture(scope="module")
def samples():
    with np.load(SAMPLES) as f:
        return f["images"].astype(np.float32) / 255, f["labels"]


def _saved_and_encoded(rt, images, tmp_path, recipe=None):
    """z_mean of each picture saved as PNG and read back as a user's file; and of its raw pixels."""
    if recipe is not None:
        rt.card.data["input"] = {"recipe": recipe}
    direct, _ = rt.encode(images.reshape(len(images), -1))
    got = []
    for i, img in enumerate(images):
        save_png(img, tmp_path / f"{i}.png")
        got.append(analyse_picture(rt, read_gray(tmp_path / f"{i}.png")).z_mean)
    return np.linalg.norm(np.array(got) - direct, axis=1)


def test_pictures_saved_as_png_encode_close_to_their_raw_pixels(fashion, samples, tmp_path):
    dz = _saved_and_encoded(fashion, samples[0], tmp_path)
    assert np.median(dz) <= 0.15, np.median(dz)


def test_mnist_preprocessing_would_have_moved_them(samples, tmp_path):
    """Why the card names the recipe: MNIST's (crop, 20x20, centre of mass) displaces clothing."""
    rt = ModelRuntime(FASHION, "cpu")
    assert np.median(_saved_and_encoded(rt, samples[0], tmp_path, recipe="mnist")) > 0.5


def test_the_card_speaks_of_clothing(fashion):
    card = fashion.card
    assert card.recipe == "full-frame" and card.subject == ("item of clothing", "items of clothing")
    assert card.class_names[:2] == ["T-shirt/top", "Trouser"] and card.dataset == "fashion-mnist"
    metrics = card.data["test_metrics"]
    assert metrics["neg_elbo"] <= 256 and metrics["knn5_accuracy"] >= 0.70 and metrics["images"] == 10000
    assert card.data["dataset"]["train_images"] == 60000


def test_a_dark_shoe_on_a_grey_background_is_found(fashion, samples, tmp_path):
    """A black ankle boot photographed on mid grey (#606060): refused as blank before; now it
    lands among the footwear (sandals, sneakers, ankle boots)."""
    images, labels = samples
    boot = images[labels == 9][0]
    photo = np.full((80, 80), 0x60 / 255, np.float32)  # the object dark on grey, as a photo of it is
    photo[10:66, 12:68] = np.kron(1 - boot, np.ones((2, 2)))[:56, :56] * (0x60 / 255)
    save_png(photo, tmp_path / "boot.png")
    enc = analyse_picture(fashion, read_gray(tmp_path / "boot.png"))
    assert enc is not None
    lat = fashion.latents
    nearest = np.argsort(np.linalg.norm(lat.z_mean - enc.z_mean, axis=1))[:25]
    assert np.isin(lat.labels[nearest], [5, 7, 9]).mean() > 0.8


def test_commands_use_the_cards_words_and_class_names(capsys, tmp_path):
    from desktop.cli import main

    with pytest.raises(SystemExit) as e:
        main(["self-test", "--model", str(FASHION)])
    out = capsys.readouterr().out
    assert e.value.code == 0 and "encoded an item of clothing" in out
    with pytest.raises(SystemExit) as e:
        main(["walk", "--from", "Trouser", "--to", "ankle boot", "--steps", "4", "--model", str(FASHION),
              "--out", str(tmp_path / "walk.png")])
    out = capsys.readouterr().out
    assert e.value.code == 0 and "from class Trouser" in out and "to class Ankle boot" in out


def test_the_default_model_stays_the_best_mnist_one():
    from desktop.resources import default_model

    card = json.loads((default_model() / "metadata.json").read_text())
    assert card["dataset"]["name"] == "mnist" and default_model().name == "mnist-strong"

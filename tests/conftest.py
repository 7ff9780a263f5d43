"""Shared test setup: Qt offscreen, private QSettings, the shared MNIST folder and the shipped model."""
from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

import pytest  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED_MNIST = REPO.parent / "shared" / "data" / "mnist"
SEED_MODEL = REPO / "exported" / "mnist-seed"


@pytest.fixture(autouse=True, scope="session")
def _private_settings(tmp_path_factory):
    """QSettings in a temporary INI folder, so tests never read or write the user's settings."""
    from PySide6.QtCore import QCoreApplication, QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path_factory.mktemp("settings")))
    QCoreApplication.setOrganizationName("vae-digits-tests")
    QCoreApplication.setApplicationName("vae-digits-tests")


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    assert (SHARED_MNIST / "t10k-images-idx3-ubyte.gz").is_file(), f"{SHARED_MNIST}: shared MNIST missing"
    return SHARED_MNIST


@pytest.fixture(scope="session")
def seed_model() -> Path:
    assert (SEED_MODEL / "metadata.json").is_file(), f"{SEED_MODEL}: shipped model missing"
    return SEED_MODEL

"""The student models' site, built once for the session: tests/training/test_student_models.py checks the build,
tests/training/test_student_pages.py opens it in the browser."""
from __future__ import annotations

import os

import numpy as np
import pytest

import student_models as sm
from helpers import run


@pytest.fixture(scope="session")
def keras_mnist_site(tmp_path_factory):
    """(the built site's folder, the imported model folder) of the Keras MNIST convnet, with generated photos."""
    if not os.environ.get("PYODIDE_WHEELS"):
        pytest.skip("no wheels folder (PYODIDE_WHEELS)")
    keras = pytest.importorskip("keras")
    import build
    from PIL import Image

    folder = tmp_path_factory.mktemp("keras-mnist-site")
    sm.train_keras(sm.keras_mnist(keras), 28, 1, pixel_scale=255).save(folder / "mnist.keras")
    assert run("import", folder / "mnist.keras", "-o", folder / "model", "--classes", ",".join(sm.CLASSES)).returncode == 0
    pictures, labels = sm.pictures(12, 64, 3, seed=7)
    for i, (picture, label) in enumerate(zip(pictures, labels)):  # a labelled folder, as a student makes one
        (folder / "photos" / sm.CLASSES[label]).mkdir(parents=True, exist_ok=True)
        Image.fromarray((picture * 255).astype(np.uint8)).save(folder / "photos" / sm.CLASSES[label] / f"{i}.png")
    out = build.build(folder / "dist", data=str(folder / "photos"), model=str(folder / "model"),
                      allow_download=False).out
    return out, folder / "model"

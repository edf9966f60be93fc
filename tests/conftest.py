"""Shared test setup: import paths, single-threaded NumPy, where the data and the wheels are, and the
fixtures every subject uses (the trained network, an untrained one, a photo, the synthetic photo).

The dataset and the Pyodide wheels default to ../shared beside the repository (as CI has them)
when $TINY_IMAGENET_DIR / $PYODIDE_WHEELS are not set.
"""
import os
import sys
from pathlib import Path

# Before NumPy is imported anywhere: on a small busy machine one thread is several times faster here.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
# build.py and pyapp; helper modules of the tests (engine_fixtures, helpers, explainer_page)
for folder in (ROOT, ROOT / "tests", ROOT / "tests" / "browser"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

SHARED = ROOT.parent / "shared"
for variable, default in (("TINY_IMAGENET_DIR", SHARED / "data" / "tiny-imagenet-10"),
                          ("PYODIDE_WHEELS", SHARED / "pyodide-0.27.7")):
    if not os.environ.get(variable) and default.is_dir():
        os.environ[variable] = str(default)


# -- fixtures the subjects share (a module may define its own of the same name) ------------------------
import pytest  # noqa: E402  (after the paths and the thread setting above)


@pytest.fixture(scope="module")
def network():
    """The trained network that ships with the site."""
    from pyapp.engine.network import load_network

    return load_network()


@pytest.fixture(scope="module")
def untrained(tmp_path_factory):
    """An untrained (He-initialised) network: the engine's maths never depends on the trained weights."""
    from engine_fixtures import random_network

    return random_network(tmp_path_factory.mktemp("untrained"), seed=3)


@pytest.fixture(scope="module")
def photo():
    from helpers import photo

    return photo()


@pytest.fixture(scope="module")
def synthetic_photo():
    from helpers import synthetic_photo

    return synthetic_photo()


# The Keras MNIST student model's site, built once: tests/training/test_student_models.py checks the build,
# tests/browser/test_student_pages.py opens it in the browser.
@pytest.fixture(scope="session")
def keras_mnist_site(tmp_path_factory):
    """(the built site's folder, the imported model folder) of the Keras MNIST convnet, with generated photos."""
    if not os.environ.get("PYODIDE_WHEELS"):
        pytest.skip("no wheels folder (PYODIDE_WHEELS)")
    keras = pytest.importorskip("keras")
    import build
    import student_models as sm
    from helpers import run

    folder = tmp_path_factory.mktemp("keras-mnist-site")
    sm.train_keras(sm.keras_mnist(keras), 28, 1, pixel_scale=255).save(folder / "mnist.keras")
    assert run("import", folder / "mnist.keras", "-o", folder / "model", "--classes", ",".join(sm.CLASSES)).returncode == 0
    sm.photo_folder(folder / "photos")  # a labelled folder, as a student makes one
    out = build.build(folder / "dist", data=str(folder / "photos"), model=str(folder / "model"),
                      allow_download=False).out
    return out, folder / "model"

"""pip install . into a fresh virtualenv: `import pyapp` and the `cnn-explainer` command work from anywhere,
with the weights inside the package; and the notebook figures (pyapp.overview / pyapp.view)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import pyapp
from pyapp.engine.network import load_network
from pyapp.images.preprocess import load_image

ROOT = Path(__file__).resolve().parents[2]
# What pyproject.toml packages: the sources a user's `pip install .` reads (copied, so the repository stays clean).
SOURCES = ("pyproject.toml", "README.md", "pyapp", "weights", "site/styles")


def photo(path: Path) -> Path:
    Image.fromarray(np.random.default_rng(5).integers(0, 256, (48, 80, 3), dtype=np.uint8)).save(path)
    return path


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    """A new virtualenv with this checkout installed (no network: --no-deps, and NumPy/Pillow reached
    through a .pth file that points at the current environment's site-packages)."""
    tmp = tmp_path_factory.mktemp("package")
    src = tmp / "src"
    for name in SOURCES:
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(ROOT / name, src / name)
    env_dir = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True, timeout=120)
    python = env_dir / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (Path(site) / "outer.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")  # numpy, pillow, setuptools
    result = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
                             "--no-deps", "--no-build-isolation", "--no-index", str(src)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return env_dir


def run(command: list, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env, timeout=120)


def test_cnn_explainer_command_classifies_like_python_m_pyapp(venv, tmp_path):
    image = photo(tmp_path / "photo.png")
    installed = run([venv / "bin" / "cnn-explainer", "classify", "--json", image], cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr
    record = json.loads(installed.stdout)
    probabilities = load_network().forward(load_image(image)).probabilities  # the repository's own weights
    assert record["class"] == load_network().classes[int(probabilities.argmax())]
    assert np.allclose(record["probabilities"], probabilities, atol=1e-6)
    usage = run([venv / "bin" / "cnn-explainer", "--help"], cwd=tmp_path)
    assert usage.returncode == 0 and usage.stdout.startswith("usage: cnn-explainer")


def test_installed_package_has_the_weights_and_every_subpackage(venv, tmp_path):
    code = ("import json, pkgutil, sys, pyapp\n"
            "subpackages = sorted(m.name for m in pkgutil.iter_modules(pyapp.__path__) if m.ispkg and m.name[0] != '_')\n"
            "figure = pyapp.view('relu', sys.argv[1], layer='relu_1_1', neuron=3)\n"
            "print(json.dumps([pyapp.__file__, str(pyapp.WEIGHTS_DIR), subpackages, len(figure._repr_html_())]))")
    result = run([venv / "bin" / "python", "-c", code, photo(tmp_path / "p.png")], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    where, weights, packages, html_size = json.loads(result.stdout)
    assert where.startswith(str(venv)) and weights.startswith(str(venv))  # not the repository's copy
    assert packages == sorted(p.name for p in (ROOT / "pyapp").iterdir() if (p / "__init__.py").is_file())
    assert html_size > 10_000


def test_notebook_figures_come_from_the_page_views(tmp_path):
    image = photo(tmp_path / "photo.png")
    figure = pyapp.overview(image)
    assert figure._repr_svg_().startswith("<?xml") and 'data-layer="conv_1_1"' in figure._repr_svg_()
    relu = pyapp.view("relu", image, layer="relu_1_1", neuron=3)
    assert relu._repr_svg_() is None  # a formula box is HTML
    html = relu._repr_html_()
    assert 'data-view="relu"' in html and 'data-layer="relu_1_1"' in html and 'data-neuron="3"' in html
    assert ".detail-box" in html  # styled by the site's detail.css, also outside the page
    flatten = pyapp.view("flatten", image, neuron=2)
    assert 'data-detail="flatten"' in flatten._repr_svg_() and 'data-neuron="2"' in flatten._repr_svg_()
    assert flatten.save(tmp_path / "f.svg").read_text() == flatten._repr_svg_()


@pytest.mark.parametrize("call, message", [
    (lambda img: pyapp.view("relu", img, layer="conv_1_1"), "the relu view shows relu or leaky_relu or sigmoid or "
                                                             "tanh layers"),
    (lambda img: pyapp.view("batch-norm", img), "the batch-norm view shows batch_norm layers; this network has none"),
    (lambda img: pyapp.view("pool", img, neuron=10), "max_pool_1 has 10 maps; no number 10"),
    (lambda img: pyapp.view("zoom", img), "no view 'zoom'; views are overview, conv-elastic"),
])
def test_notebook_mistakes_are_explained(tmp_path, call, message):
    with pytest.raises(ValueError, match=message):
        call(photo(tmp_path / "photo.png"))

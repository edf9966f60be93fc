"""Views find layers by role (the first convolution, the last one, the output), never by a shipped name:
a model whose layers are all named otherwise works everywhere the built-in one does."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from engine_fixtures import tiny_vgg_description, write_random_network
from pyapp import notebook
from pyapp.engine import explain, roles
from pyapp.engine.network import load_network
from pyapp.views.widgets import playground

RENAMED = ["first", "act_a", "second", "act_b", "shrink_a", "third", "act_c", "fourth", "act_d", "shrink_b",
           "unroll", "scores", "out"]


@pytest.fixture(scope="module")
def renamed(tmp_path_factory):
    description = tiny_vgg_description()
    for spec, name in zip(description["layers"], RENAMED):
        spec["name"] = name
    return write_random_network(tmp_path_factory.mktemp("renamed"), seed=3, description=description)


@pytest.fixture(scope="module")
def image():
    return np.random.default_rng(0).random((64, 64, 3)).astype(np.float32)


def test_roles_are_found_without_the_shipped_names(renamed):
    network = load_network(renamed)
    assert not {"conv_1_1", "conv_2_2", "probabilities"} & set(network.names)
    assert (roles.first_convolution(network), roles.last_convolution(network)) == ("first", "fourth")


def test_playground_and_gradcam_on_a_model_with_other_names(renamed, image):
    network = load_network(renamed)
    trace = network.forward(image)
    html = playground.render(notebook._state(image), trace, network, neuron=2)
    assert "first filter" in html and "first, map 3" in html and "conv_1_1" not in html
    for name in playground.PRESETS:
        kernel, _ = playground.preset(name, network, 1)
        assert kernel.shape == network.kernel("first", 1).shape
    cam = explain.gradcam(network, trace, 0)
    assert cam.shape == (64, 64) and np.isfinite(cam).all()


@pytest.mark.parametrize("view, layer", [("conv-elastic", "second"), ("conv-formula", "first"), ("relu", "act_c"),
                                         ("pool", "shrink_b"), ("flatten", "scores"), ("softmax", "scores"),
                                         ("why", "scores")])
def test_every_view_draws_a_model_with_other_names(renamed, image, view, layer):
    html = notebook.view(view, image, layer=layer, neuron=1, model=str(renamed))._repr_html_()
    assert view == "why" or f'data-layer="{layer}"' in html or f">{layer}<" in html  # Why? names no layer
    assert not [name for name in ("conv_1_1", "conv_2_2", "relu_2_2", "max_pool_2") if name in html]


def test_the_command_line_classifies_with_a_model_with_other_names(renamed, tmp_path):
    from PIL import Image

    Image.fromarray(np.full((64, 64, 3), 90, np.uint8)).save(tmp_path / "grey.png")
    result = subprocess.run([sys.executable, "-m", "pyapp", "classify", "--weights", str(renamed),
                             str(tmp_path / "grey.png")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert "%" in result.stdout

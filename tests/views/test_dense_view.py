"""The dense view: a unit of any dense layer, hidden or not, is the weighted sum PyTorch's linear layer computes,
entry by entry (each input named after the map pixel it was flattened from, in PyTorch's flatten order), with the
activation that follows it; a click on a hidden dense unit opens it."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from pyapp.engine.network import Network, random_weights
from pyapp.ui.state import State
from pyapp.views.detail import registry
from pyapp.views.detail.base import build
from pyapp.views.detail.dense import grid_shape
from pyapp.views.parts.grids import BLANK_GREY
from tests.views.test_detail_views import Markup, frame_value

SPEC = {
    "name": "mlp-head", "input_shape": [12, 12, 3], "classes": ["a", "b", "c"],
    "layers": [
        {"name": "conv", "type": "conv2d", "filters": 3, "kernel_size": 3},
        {"name": "relu", "type": "relu"},
        {"name": "pool", "type": "max_pool2d", "pool_size": 2},
        {"name": "flatten", "type": "flatten"},
        {"name": "hidden", "type": "dense", "units": 7},  # 75 inputs in; 7 (a prime) into the next
        {"name": "squash", "type": "tanh"},
        {"name": "hidden_2", "type": "dense", "units": 5},
        {"name": "leaky", "type": "leaky_relu", "slope": 0.2},
        {"name": "logits", "type": "dense", "units": 3},
        {"name": "probabilities", "type": "softmax"},
    ],
}


@pytest.fixture(scope="module")
def net():
    network = Network(SPEC, random_weights(SPEC, seed=7))
    return network, network.forward(np.random.default_rng(8).random((12, 12, 3), dtype=np.float32))


def torch_linear(network, trace, layer: str) -> np.ndarray:
    dense = network.layer(layer)
    source = torch.from_numpy(trace[network.sources[layer]]).flatten()  # PyTorch's own flatten order
    return torch.nn.functional.linear(source, torch.from_numpy(dense.weight), torch.from_numpy(dense.bias)).numpy()


@pytest.mark.parametrize("layer, unit, activation", [("hidden", 6, torch.tanh),
                                                     ("hidden_2", 2, lambda z: torch.nn.functional.leaky_relu(z, 0.2)),
                                                     ("logits", 1, None)])
def test_each_unit_is_the_weighted_sum_pytorch_computes(net, layer, unit, activation):
    network, trace = net
    view = build(State(view="dense", layer=layer, neuron=unit), trace, network)
    expected = torch_linear(network, trace, layer)
    frame = view.frame((0, 0))
    assert frame_value(frame, "dense-out") == pytest.approx(float(expected[unit]), rel=1e-5, abs=1e-6)
    shown_sum = float(Markup(view.markup()).one(class_="dense-sum").attrs["data-value"])
    assert shown_sum + float(network.layer(layer).bias[unit]) == pytest.approx(float(expected[unit]), rel=1e-5, abs=1e-6)
    source = torch.from_numpy(trace[network.sources[layer]]).flatten().numpy()
    weights = network.layer(layer).weight[unit]
    rows, cols = view.out_shape
    for i in (0, 3, source.size - 1):
        frame = view.frame(divmod(i, cols))
        assert frame_value(frame, "x") == float(source[i]) and frame_value(frame, "w") == float(weights[i])
        assert frame_value(frame, "p") == pytest.approx(float(source[i]) * float(weights[i]), rel=1e-6, abs=1e-9)
    if activation is None:
        assert "act-out" not in frame
    else:
        assert frame_value(frame, "act-out") == pytest.approx(
            float(activation(torch.tensor(expected[unit]))), rel=1e-5, abs=1e-6)


def test_an_input_of_the_flattened_maps_is_named_after_its_pixel(net):
    network, trace = net
    view = build(State(view="dense", layer="hidden", neuron=0), trace, network)
    c, h, w = trace["pool"].shape
    for i in (0, 7, c * h * w - 1):
        text = view.frame(divmod(i, view.out_shape[1]))["entry"]["text"]
        pixel = np.unravel_index(i, (c, h, w))
        assert text == f"input {i}: pool[{pixel[0]}, {pixel[1]}, {pixel[2]}]"
        assert float(torch.from_numpy(trace["pool"]).flatten()[i]) == float(trace["pool"][pixel])


def test_a_prime_count_of_inputs_leaves_grey_cells_that_step_to_the_last_input(net):
    network, trace = net
    assert grid_shape(75) == (5, 15) and grid_shape(400) == (20, 20) and grid_shape(7) == (3, 3)
    view = build(State(view="dense", layer="hidden_2", neuron=0), trace, network)  # 7 inputs in a 3 x 3 grid
    assert view.out_shape == (3, 3) and view.input.blank == 2
    last = view.frame((2, 2))
    assert last["entry"]["text"].startswith("input 6:") and frame_value(last, "x") == float(trace["squash"][6])
    import base64
    import io

    from PIL import Image

    href = Markup(view.markup()).one(data_grid="input").attrs["href"]
    pixels = np.asarray(Image.open(io.BytesIO(base64.b64decode(href.split(",", 1)[1]))).convert("RGB"))
    assert (pixels.reshape(-1, 3)[-2:] == BLANK_GREY).all() and not (pixels.reshape(-1, 3)[:-2] == BLANK_GREY).all()


def test_a_click_on_a_hidden_unit_opens_the_dense_view_and_the_classes_keep_theirs(net):
    network, _ = net
    for layer in ("hidden", "hidden_2"):
        assert registry.opened_by("dense", network, layer).name == "dense"
    assert registry.opened_by("dense", network, "logits").name == "why"  # the classes: Why?, as before
    assert State(view="dense", layer="hidden", neuron=4).checked(network)[0].view == "dense"


def test_a_click_on_the_activation_of_hidden_units_opens_the_units_own_sum(net):
    network, _ = net
    assert registry.unit_source(network, "squash") == "hidden" and registry.unit_source(network, "leaky") == "hidden_2"
    assert registry.unit_source(network, "relu") == "relu"  # an activation of maps opens its own view

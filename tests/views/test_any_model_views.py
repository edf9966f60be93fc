"""The overview of any small CNN: a grey model's one input map is captioned as grey, and a model of every new
layer kind (batch normalisation, leaky ReLU, sigmoid, average pooling, dropout, dense layers between) draws a
column for each layer with maps, in the engine's order."""
from __future__ import annotations

import re

import numpy as np

from pyapp.engine.network import Network, random_weights
from pyapp.ui.state import State
from pyapp.views.widgets import playground
from pyapp.views.widgets.overview import hover_text, standalone_svg

GREY = {
    "name": "grey", "input_shape": [28, 28, 1], "classes": ["a", "b", "c"],
    "layers": [
        {"name": "conv_1", "type": "conv2d", "filters": 8, "kernel_size": 3, "padding": "same"},
        {"name": "bn_1", "type": "batch_norm"},
        {"name": "leaky_1", "type": "leaky_relu", "slope": 0.1},
        {"name": "avg_1", "type": "avg_pool2d", "pool_size": 2},
        {"name": "conv_2", "type": "conv2d", "filters": 6, "kernel_size": 3, "stride": 2},
        {"name": "sigmoid_2", "type": "sigmoid"},
        {"name": "drop_2", "type": "dropout", "rate": 0.5},
        {"name": "flatten", "type": "flatten"},
        {"name": "hidden", "type": "dense", "units": 12},
        {"name": "hidden_tanh", "type": "tanh"},
        {"name": "logits", "type": "dense", "units": 3},
        {"name": "probabilities", "type": "softmax"},
    ],
}


def test_a_grey_model_overview_has_one_grey_input_map_and_a_column_per_map_layer():
    network = Network(GREY, random_weights(GREY, seed=0))
    trace = network.forward(np.random.default_rng(0).random((64, 64, 3), dtype=np.float32))  # a colour photo
    svg = standalone_svg(State(image="custom"), trace, network)
    assert "input, grey channel (28 by 28 pixels)" in svg and "red channel" not in svg
    assert re.search(r">Grey</tspan> channel", svg)
    columns = list(dict.fromkeys(re.findall(r'data-layer="([a-z_0-9]+)" data-index', svg)))
    # the hidden dense layer and its activation are columns of units (the last dense layer is the output's scores)
    assert columns == ["input", "conv_1", "bn_1", "leaky_1", "avg_1", "conv_2", "sigmoid_2", "drop_2", "hidden",
                       "hidden_tanh"]
    assert hover_text(trace, network, "input", 0).startswith("input, grey channel: values")
    assert playground.cell_name(0, 1, 2, count=1) == "Grey weight (row 2, column 3)"

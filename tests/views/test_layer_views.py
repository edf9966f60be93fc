"""The detail views of the layer kinds beyond Tiny VGG show the engine's numbers: the activation view's curve
(leaky ReLU, tanh, sigmoid) with the pixel on it, batch normalisation's channel statistics, dropout passing values
through, average pooling of any size, stride and padding, and global average pooling; checked against PyTorch and
NumPy's own formulas, not the engine's."""
from __future__ import annotations

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from pyapp.engine import layers
from pyapp.engine.network import Network, random_weights
from pyapp.ui.state import State
from pyapp.views.detail import registry
from pyapp.views.detail.base import build
from tests.views.test_detail_views import Markup, frame_value

SPEC = {
    "name": "kinds", "input_shape": [28, 28, 1], "classes": ["a", "b", "c"],
    "layers": [
        {"name": "conv_1", "type": "conv2d", "filters": 4, "kernel_size": 3, "padding": "same"},
        {"name": "bn_1", "type": "batch_norm", "eps": 1e-3},
        {"name": "leaky_1", "type": "leaky_relu", "slope": 0.1},
        {"name": "avg_1", "type": "avg_pool2d", "pool_size": 3, "stride": 2, "padding": 1},
        {"name": "conv_2", "type": "conv2d", "filters": 5, "kernel_size": 3},
        {"name": "tanh_2", "type": "tanh"},
        {"name": "drop_2", "type": "dropout", "rate": 0.25},
        {"name": "conv_3", "type": "conv2d", "filters": 3, "kernel_size": 3},
        {"name": "sigmoid_3", "type": "sigmoid"},
        {"name": "max_3", "type": "max_pool2d", "pool_size": 3, "stride": 2},
        {"name": "gap", "type": "global_avg_pool"},
        {"name": "logits", "type": "dense", "units": 3},
        {"name": "probabilities", "type": "softmax"},
    ],
}
REFERENCE = {  # the activations as their textbooks write them, in float64
    "leaky_1": lambda x: np.where(x > 0, x, 0.1 * x),
    "tanh_2": np.tanh,
    "sigmoid_3": lambda x: 1 / (1 + np.exp(-x)),
}


@pytest.fixture(scope="module")
def kinds():
    weights = random_weights(SPEC, seed=3)
    rng = np.random.default_rng(4)
    for name, low, high in (("weight", 0.5, 2.0), ("bias", -0.5, 0.5), ("running_mean", -0.3, 0.3),
                            ("running_var", 0.2, 3.0)):
        weights[f"bn_1.{name}"] = rng.uniform(low, high, 4).astype(np.float32)  # statistics a trained net has
    network = Network(SPEC, weights)
    picture = np.random.default_rng(5).random((28, 28, 1), dtype=np.float32)
    return network, network.forward(picture)


PIXELS = [(0, 0), (3, 4), (-1, -1)]


def _at(shape, pixel):
    return tuple(p % n for p, n in zip(pixel, shape))


@pytest.mark.parametrize("layer", sorted(REFERENCE))
def test_the_activation_view_marks_the_pixel_on_the_layers_own_curve(kinds, layer):
    network, trace = kinds
    view = build(State(view="relu", layer=layer, neuron=1, pixel=(2, 3)), trace, network)
    markup = Markup(view.markup())
    source = network.sources[layer]
    assert markup.one(class_="detail-title").text == {"leaky_1": "Leaky ReLU Activation", "tanh_2": "Tanh Activation",
                                                      "sigmoid_3": "Sigmoid Activation"}[layer]
    plot = markup.one(class_="activation-plot").attrs
    x0, x1, y0, y1 = (float(plot[f"data-{k}"]) for k in ("x0", "x1", "y0", "y1"))
    left, top, width, height = (float(plot[f"data-{k}"]) for k in ("left", "top", "width", "height"))
    # The curve drawn is the activation: every point of it, read back through the plot's axes, is f(x).
    points = np.array([p.split(",") for p in markup.one(class_="activation-curve").attrs["points"].split()], float)
    xs = x0 + (points[:, 0] - left) / width * (x1 - x0)
    ys = y1 - (points[:, 1] - top) / height * (y1 - y0)
    per_px = (y1 - y0) / height
    assert len(points) > 50 and np.allclose(ys, REFERENCE[layer](xs), atol=per_px * 0.6 + 0.1 * (x1 - x0) / width)
    for pixel in PIXELS:
        pixel = _at(view.out_shape, pixel)
        frame = view.frame(pixel)
        x, y = float(trace[source][1][pixel]), float(trace[layer][1][pixel])
        assert frame_value(frame, "x") == x and frame_value(frame, "y") == y
        assert y == pytest.approx(float(REFERENCE[layer](np.float64(x))), rel=1e-5, abs=1e-6)
        assert frame_value(frame, "act-out") == pytest.approx(y, rel=1e-6, abs=1e-7)  # the code panel's call
        dot = frame["curve-dot"]
        assert (float(dot["data-x"]), float(dot["data-y"])) == (x, y)
        # the dot is drawn where (x, y) falls on the plot: on the curve, at the pixel's value
        assert float(dot["cx"]) == pytest.approx(left + (x - x0) / (x1 - x0) * width, abs=0.01)
        assert float(dot["cy"]) == pytest.approx(top + (y1 - y) / (y1 - y0) * height, abs=0.01)
        assert x0 <= x <= x1


def test_the_batch_norm_view_shows_its_channels_running_statistics_and_the_result(kinds):
    network, trace = kinds
    layer, n = "bn_1", 2
    norm = network.layer(layer)
    view = build(State(view="batch-norm", layer=layer, neuron=n, pixel=(5, 6)), trace, network)
    markup = Markup(view.markup())
    assert markup.one(class_="detail-title").text == "Batch Normalisation"
    expected = torch.nn.functional.batch_norm(
        torch.from_numpy(trace["conv_1"][None]), torch.from_numpy(norm.running_mean), torch.from_numpy(norm.running_var),
        torch.from_numpy(norm.weight), torch.from_numpy(norm.bias), training=False, eps=1e-3).numpy()[0, n]
    for pixel in PIXELS:
        pixel = _at(view.out_shape, pixel)
        frame = view.frame(pixel)
        assert frame_value(frame, "x") == float(trace["conv_1"][n][pixel])
        assert [frame_value(frame, k) for k in ("mean", "var", "gamma", "beta")] == [
            float(norm.running_mean[n]), float(norm.running_var[n]), float(norm.weight[n]), float(norm.bias[n])]
        assert frame_value(frame, "y") == float(trace[layer][n][pixel])
        assert frame_value(frame, "y") == pytest.approx(float(expected[pixel]), rel=1e-5, abs=1e-6)
        assert frame_value(frame, "bn-out") == pytest.approx(float(expected[pixel]), rel=1e-5, abs=1e-6)
    assert "\u03b5 = 0.001" in view.markup()


def test_the_dropout_view_passes_the_value_through_and_says_what_training_does(kinds):
    network, trace = kinds
    view = build(State(view="dropout", layer="drop_2", neuron=4), trace, network)
    text = " ".join(e.text for e in Markup(view.markup()).find(class_="dropout-note"))
    assert "At inference dropout passes every value through." in text
    assert "probability 0.25" in text and "multiplies the rest by 1.33" in text
    for pixel in PIXELS:
        frame = view.frame(_at(view.out_shape, pixel))
        assert frame_value(frame, "x") == frame_value(frame, "y") == float(trace["drop_2"][4][_at(view.out_shape, pixel)])


def test_average_pooling_of_a_padded_strided_3x3_window_is_the_mean_pytorch_takes(kinds):
    network, trace = kinds
    view = build(State(view="pool", layer="avg_1", neuron=3), trace, network)
    markup = Markup(view.markup())
    assert markup.one(class_="detail-title").text == "Average Pooling"
    source = trace["leaky_1"][3]
    expected = F.avg_pool2d(torch.from_numpy(source[None, None]), 3, 2, padding=1).numpy()[0, 0]
    padded = np.pad(source, 1)
    cell = 150 / source.shape[1]
    for y, x in [(0, 0), (5, 7), (13, 13)]:
        frame = view.frame((y, x))
        shown = np.array([frame_value(frame, f"w{i}") for i in range(9)]).reshape(3, 3)
        assert np.array_equal(shown, padded[2 * y:2 * y + 3, 2 * x:2 * x + 3])  # padding zeros included
        assert frame_value(frame, "v") == float(trace["avg_1"][3, y, x])
        assert frame_value(frame, "v") == pytest.approx(float(expected[y, x]), rel=1e-5, abs=1e-7)
        assert frame_value(frame, "pool-out") == pytest.approx(float(shown.mean()), rel=1e-5, abs=1e-7)
        assert "data-max" not in frame["w0"]
        assert float(frame["input-win"]["x"]) == pytest.approx(4 + (2 * x - 1) * cell, abs=0.01)  # starts in the padding


def test_max_pooling_with_a_3x3_window_and_stride_2_marks_its_winner(kinds):
    network, trace = kinds
    view = build(State(view="pool", layer="max_3", neuron=0), trace, network)
    source = trace["sigmoid_3"][0]
    for y, x in [(0, 0), (3, 3), (1, 2)]:
        frame = view.frame((y, x))
        shown = np.array([frame_value(frame, f"w{i}") for i in range(9)])
        assert np.array_equal(shown.reshape(3, 3), source[2 * y:2 * y + 3, 2 * x:2 * x + 3])
        winners = [i for i in range(9) if frame[f"w{i}"]["data-max"] == "true"]
        assert len(winners) == 1 and shown[winners[0]] == shown.max() == frame_value(frame, "v")


def test_global_average_pooling_is_the_mean_of_the_whole_map(kinds):
    network, trace = kinds
    view = build(State(view="pool", layer="gap", neuron=2), trace, network)
    markup = view.markup()
    assert "Global Average Pooling" in markup and view.out_shape == (1, 1)
    frame = view.frame((0, 0))
    expected = F.adaptive_avg_pool2d(torch.from_numpy(trace["max_3"][None]), 1).numpy()[0, 2, 0, 0]
    assert frame_value(frame, "v") == float(trace["gap"][2])
    assert frame_value(frame, "v") == pytest.approx(float(expected), rel=1e-5)
    assert frame_value(frame, "pool-out") == pytest.approx(float(expected), rel=1e-5)
    assert re.search(r"The mean of the whole map", markup)


@pytest.mark.parametrize("kind, view", [("relu", "relu"), ("leaky_relu", "relu"), ("sigmoid", "relu"), ("tanh", "relu"),
                                        ("max_pool2d", "pool"), ("avg_pool2d", "pool"), ("global_avg_pool", "pool"),
                                        ("batch_norm", "batch-norm"), ("dropout", "dropout")])
def test_a_map_of_each_layer_kind_opens_its_view(kinds, kind, view):
    assert registry.opened_by(kind).name == view
    network, _ = kinds
    layer = next(layer.name for layer in network.layers if layer.type == kind) if kind != "relu" else None
    if layer is not None:  # the address of the view is one the network can show
        state = State(view=view, layer=layer, neuron=0)
        assert state.checked(network) == (state, None)


def test_the_activation_view_shows_every_activation_the_engine_has():
    assert registry.ACTIVATION_TYPES == layers.ACTIVATIONS


def test_the_model_line_says_dropout_is_not_drawn_and_why(kinds, network):
    from pyapp.views.widgets.columns import passed_through

    words = passed_through(kinds[0])
    assert words.startswith("Not drawn: drop_2 (25%).") and "passes every value through" in words
    assert passed_through(network) == ""  # Tiny VGG has no dropout: nothing said


def test_the_formula_view_of_a_padded_strided_convolution_shows_the_zeros_and_the_steps():
    spec = {"name": "strided", "input_shape": [16, 16, 2], "classes": ["a", "b"],
            "layers": [{"name": "conv", "type": "conv2d", "filters": 3, "kernel_size": 3, "stride": 2, "padding": 1},
                       {"name": "flatten", "type": "flatten"}, {"name": "logits", "type": "dense", "units": 2},
                       {"name": "probabilities", "type": "softmax"}]}
    network = Network(spec, random_weights(spec, seed=8))
    picture = np.random.default_rng(9).random((16, 16, 2), dtype=np.float32)
    trace = network.forward(picture)
    view = build(State(view="conv-formula", layer="conv", neuron=1, channel=1), trace, network)
    # PyTorch's padded input, channel 1: the window of output pixel (y, x) starts at (2y - 1, 2x - 1)
    padded = F.pad(torch.from_numpy(picture.transpose(2, 0, 1)), (1, 1, 1, 1))[1].numpy()
    kernel = network.kernel("conv", 1)[1]
    for y, x in [(0, 0), (3, 5), (7, 7)]:
        frame = view.frame((y, x))
        window = padded[2 * y:2 * y + 3, 2 * x:2 * x + 3]
        assert [frame_value(frame, f"w{i}") for i in range(9)] == pytest.approx(window.ravel().tolist(), abs=1e-6)
        assert frame_value(frame, "r") == pytest.approx(float((window * kernel).sum()), abs=1e-5)
        assert float(frame["input-win"]["x"]) < float(frame["output-win"]["x"])
    corner = view.frame((0, 0))
    assert [frame_value(corner, f"w{i}") for i in (0, 1, 2, 3, 6)] == [0.0] * 5  # the padding's zeros
    assert float(corner["input-win"]["x"]) < view.input.x  # the window frame starts outside the map
    text = view.markup()
    assert "padded with 1 cell of zeros" in text and "With stride 2 the window moves 2 cells" in text
    assert "padded with 1 zero, window at (-1, -1)" in text  # the code panel names the same window

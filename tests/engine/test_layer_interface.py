"""The one layer interface (pyapp/engine/layers.py): each class holds all the engine needs of its layer type.

A new layer type written here as one class (and nothing else) is built from a description, runs forward and
backward, is initialised, and has the input window of its pixels: the contract a later type relies on.
"""
from __future__ import annotations

import inspect

import numpy as np
import pytest

from engine_fixtures import tiny_vgg_description
from pyapp.engine import explain, gradients, network
from pyapp.engine.layer_arrays import LayerArrays
from pyapp.engine.layers import LAYER_TYPES, Layer
from pyapp.engine.network import SPATIAL_TYPES, Network, NetworkError, Trace, random_weights


class Scale(Layer):
    """A toy type the engine has never seen: ``y = a * x``, one learned number per channel."""

    type = "scale"
    spatial = True

    def __init__(self, name, weight):
        super().__init__(name)
        self.weight = np.asarray(weight, dtype=np.float32)

    @classmethod
    def from_description(cls, spec, parameter, input_shape):
        return cls(spec["name"], parameter("weight", (input_shape[0],)))

    @classmethod
    def initial_parameters(cls, spec, input_shape, rng, scheme="he"):
        return {"weight": np.ones(input_shape[0], dtype=np.float32)}

    def named_parameters(self):
        return {"weight": self.weight}

    def __call__(self, x):
        return x * self.weight[:, None, None]

    def input_gradient(self, x, y, grad_y):
        return grad_y * self.weight[:, None, None]

    def parameter_gradients(self, x, grad_y):
        return {"weight": (grad_y * x).sum(axis=(0, 2, 3))}

    def __repr__(self):
        return f"{self.name} = Scale: y[c] = a[c] x[c]"


@pytest.fixture()
def with_scale(monkeypatch):
    monkeypatch.setitem(LAYER_TYPES, "scale", Scale)
    description = tiny_vgg_description()
    description["layers"].insert(1, {"name": "scale_1", "type": "scale"})
    return description


def test_a_new_layer_type_is_one_class(with_scale):
    weights = random_weights(with_scale, seed=1)
    assert np.array_equal(weights["scale_1.weight"], np.ones(10, np.float32))  # its own initialisation
    net = Network(with_scale, weights)
    assert "scale_1.weight" in net.weights()
    image = np.random.default_rng(0).random((2, 64, 64, 3), dtype=np.float32)
    trace = net.forward(image)
    assert np.allclose(trace["scale_1"], trace["conv_1_1"])  # a = 1 changes nothing
    grads = net.backward(trace, [0, 3])
    assert grads.parameters["scale_1.weight"].shape == (10,)
    # its parameter gradient is d(logit)/da: a finite difference of the summed logits agrees
    bumped = {k: v.copy() for k, v in weights.items()}
    bumped["scale_1.weight"][4] += 1e-2
    logits = gradients.score_layer(net, "logit")
    change = (Network(with_scale, bumped).forward(image)[logits][[0, 1], [0, 3]].sum()
              - trace[logits][[0, 1], [0, 3]].sum()) / 1e-2
    assert change == pytest.approx(grads.parameters["scale_1.weight"][4], rel=0.05)
    assert net.input_window("scale_1", 5, 7) == ("conv_1_1", (5, 6), (7, 8))  # pixel to pixel by default
    assert "scale_1 = Scale" in repr(net)


def test_every_type_is_built_from_its_entry_and_gives_back_its_parameters():
    description = tiny_vgg_description()
    weights = random_weights(description, seed=2)
    net = Network(description, weights)
    assert [type(layer) for layer in net.layers] == [LAYER_TYPES[s["type"]] for s in description["layers"]]
    assert net.weights().keys() == weights.keys()
    for key, array in net.weights().items():
        assert np.array_equal(array, weights[key]) and array.dtype == np.float32
    assert set(SPATIAL_TYPES) == {"conv2d", "relu", "leaky_relu", "sigmoid", "tanh", "max_pool2d", "avg_pool2d",
                                  "batch_norm", "dropout"}  # the kinds that can have pixels
    assert [layer.name for layer in net.layers if layer.spatial] == [
        s["name"] for s in description["layers"] if s["type"] in ("conv2d", "relu", "max_pool2d")]


def test_he_initialisation_is_the_seeded_one_the_tests_were_written_with():
    description = tiny_vgg_description()
    rng = np.random.default_rng(5)
    first = rng.normal(0, np.sqrt(2 / 27), (10, 3, 3, 3)).astype(np.float32)  # random_weights before the move
    weights = random_weights(description, seed=5)
    assert np.array_equal(weights["conv_1_1.weight"], first)
    assert weights["conv_1_1.bias"].std() > 0.01


def test_zero_bias_initialisation_is_pytorchs_with_unbiased_filters():
    weights = random_weights(tiny_vgg_description(), seed=0, init="zero-bias")
    assert not weights["conv_2_2.bias"].any()
    bound = 1 / np.sqrt(10 * 13 * 13)
    assert np.abs(weights["logits.weight"]).max() <= bound and np.abs(weights["logits.bias"]).max() > 0
    assert all(w.dtype == np.float32 for w in weights.values())
    with pytest.raises(ValueError, match="unknown initialisation"):
        random_weights(tiny_vgg_description(), init="xavier")


def test_unknown_types_fail_with_the_known_ones_named():
    description = tiny_vgg_description()
    description["layers"][1]["type"] = "gelu"
    with pytest.raises(NetworkError, match="unknown type 'gelu'.*conv2d"):
        random_weights(description)


@pytest.mark.parametrize("entry, shape", [
    ({"name": "c", "type": "conv2d", "filters": 2, "kernel_size": 3, "stride": 2, "padding": 1}, (3, 9, 9)),
    ({"name": "p", "type": "max_pool2d", "pool_size": 3, "stride": 2}, (3, 9, 9)),
    ({"name": "r", "type": "relu"}, (3, 9, 9)),
])
def test_window_and_input_range_describe_the_same_pixels(entry, shape):
    cls = LAYER_TYPES[entry["type"]]
    params = cls.initial_parameters(entry, shape, np.random.default_rng(0))
    layer = cls.from_description(entry, lambda suffix, _=None: params[suffix], shape)
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    y0, y1 = layer.input_range(2, 3)
    x0, x1 = layer.input_range(1, 2)
    window = layer.window(x, 2, 1)
    assert window.shape[1:] in ((y1 - y0, x1 - x0), ())  # a window of that size, or one value per channel
    pad = getattr(layer, "padding", 0)
    padded = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    inside = padded[:, y0 + pad:y1 + pad, x0 + pad:x1 + pad]
    assert np.array_equal(window.reshape(inside.shape), inside)


def test_chain_from_a_one_hot_is_backward_and_stops_where_asked(tmp_path):
    net = Network(tiny_vgg_description(), random_weights(tiny_vgg_description(), seed=3))
    trace = net.forward(np.random.default_rng(2).random((3, 64, 64, 3), dtype=np.float32))
    full = net.backward(trace, 2)
    one_hot = np.zeros((3, 10), np.float32)
    one_hot[:, 2] = 1
    acts = {name: trace[name] for name in trace.names}
    grads, params = gradients.chain(net, acts, "logits", one_hot, parameters={"logits"}, stop_at="logits")
    assert set(grads) == {"logits"} and set(params) == {"logits.weight", "logits.bias"}
    assert np.allclose(params["logits.weight"], full.parameters["logits.weight"])
    grads, params = gradients.chain(net, acts, "logits", one_hot, stop_at="conv_1_1")
    assert "input" not in grads and "conv_1_1.weight" in params
    assert np.allclose(params["conv_1_1.weight"], full.parameters["conv_1_1.weight"], atol=1e-6)


def test_trace_and_gradients_share_one_base_with_their_own_messages():
    net = Network(tiny_vgg_description(), random_weights(tiny_vgg_description()))
    trace = net.forward(np.zeros((64, 64, 3), np.float32))
    grads = net.backward(trace, 0, parameters=False)
    assert isinstance(trace, LayerArrays) and isinstance(grads, LayerArrays) and isinstance(trace, Trace)
    assert repr(trace).startswith("Trace(input (3, 64, 64)") and repr(grads).startswith("Gradients(input")
    with pytest.raises(KeyError, match="no layer named 'nope'"):
        trace["nope"]
    with pytest.raises(KeyError, match="no gradient for 'probabilities'"):
        grads["probabilities"]
    assert list(trace) == net.names and len(grads) == len(net.names) - 1


def test_no_layer_type_switch_outside_the_table():
    """The engine asks the layer, never its type name (layers.py holds the one table)."""
    for module in (network, gradients, explain):
        source = inspect.getsource(module)
        for kind in LAYER_TYPES:
            assert f'type == "{kind}"' not in source and f'type != "{kind}"' not in source, (module, kind)

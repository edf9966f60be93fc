"""Shared test material for the engine: the Tiny VGG description, an untrained network on disk and the
students' first networks as descriptions.

The engine's maths is tested with random (He-initialised) weights, never the trained ones.
"""
from __future__ import annotations

import copy
import tracemalloc

import numpy as np
import pytest

from pyapp.data.dataset import CLASS_NAMES
from pyapp.engine.network import Network, load_network, random_weights, save_network


def _conv(name, filters=10):
    return {"name": name, "type": "conv2d", "filters": filters, "kernel_size": 3, "stride": 1, "padding": 0}


# The model description of docs/architecture.md.
TINY_VGG = {
    "name": "tiny_vgg",
    "input_shape": [64, 64, 3],
    "classes": list(CLASS_NAMES),
    "layers": [
        _conv("conv_1_1"), {"name": "relu_1_1", "type": "relu"},
        _conv("conv_1_2"), {"name": "relu_1_2", "type": "relu"},
        {"name": "max_pool_1", "type": "max_pool2d", "pool_size": 2, "stride": 2},
        _conv("conv_2_1"), {"name": "relu_2_1", "type": "relu"},
        _conv("conv_2_2"), {"name": "relu_2_2", "type": "relu"},
        {"name": "max_pool_2", "type": "max_pool2d", "pool_size": 2, "stride": 2},
        {"name": "flatten", "type": "flatten"},
        {"name": "logits", "type": "dense", "units": 10},
        {"name": "probabilities", "type": "softmax"},
    ],
}


def tiny_vgg_description():
    return copy.deepcopy(TINY_VGG)


def write_random_network(directory, seed=0, description=None):
    """An untrained network saved in ``directory`` (tiny_vgg.json + tiny_vgg.npz); returns the directory."""
    description = description or tiny_vgg_description()
    return save_network(directory, description, random_weights(description, seed))


def random_network(tmp_dir, seed=0, description=None):
    return load_network(write_random_network(tmp_dir, seed, description))


TOLERANCE = 1e-4  # relative to the largest magnitude compared: float32 sums of a few thousand terms


def assert_close(actual, expected, tolerance=TOLERANCE, what=""):
    """|actual - expected| <= tolerance x the largest |expected| (every entry)."""
    expected = np.asarray(expected, dtype=np.float64)
    scale = max(float(np.abs(expected).max()), 1e-12)
    error = float(np.abs(np.asarray(actual, dtype=np.float64) - expected).max()) / scale
    assert np.shape(actual) == expected.shape, f"{what}: shape {np.shape(actual)} != {expected.shape}"
    assert error <= tolerance, f"{what}: relative error {error:.2e} > {tolerance}"


BIG = 8 * 2 ** 20  # no refusal of a hostile model file may allocate this much: they ask for gigabytes


def refused(call, error) -> str:
    """The one-line message of ``call()``'s refusal (an ``error``), and that its peak memory stayed small."""
    tracemalloc.start()
    try:
        with pytest.raises(error) as caught:
            call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < BIG, f"{peak / 2 ** 20:.0f} MB allocated before the refusal"
    assert len(str(caught.value).splitlines()) == 1
    return str(caught.value)


# The networks a student meets first, as descriptions (random weights): the views' tests on every model.
def conv(name, filters, k, **more):
    return {"name": name, "type": "conv2d", "filters": filters, "kernel_size": k, **more}


def tail(*units):
    dense = [{"name": f"dense_{i}", "type": "dense", "units": n} for i, n in enumerate(units)]
    between = []
    for layer in dense[:-1]:
        between += [layer, {"name": layer["name"] + "_relu", "type": "relu"}]
    return [{"name": "flatten", "type": "flatten"}, *between, {**dense[-1], "name": "logits"},
            {"name": "probabilities", "type": "softmax"}]


MODELS = {
    "cifar-tutorial": ([32, 32, 3], [conv("conv1", 6, 5), {"name": "relu1", "type": "relu"},
                                     {"name": "pool1", "type": "max_pool2d", "pool_size": 2},
                                     conv("conv2", 16, 5), {"name": "relu2", "type": "relu"},
                                     {"name": "pool2", "type": "max_pool2d", "pool_size": 2}, *tail(120, 84, 4)]),
    "keras-mnist": ([28, 28, 1], [conv("conv2d", 32, 3), {"name": "relu", "type": "relu"},
                                  {"name": "pool", "type": "max_pool2d", "pool_size": 2},
                                  conv("conv2d_1", 64, 3), {"name": "relu_1", "type": "relu"},
                                  {"name": "pool_1", "type": "max_pool2d", "pool_size": 2},
                                  {"name": "flatten", "type": "flatten"}, {"name": "dropout", "type": "dropout", "rate": 0.5},
                                  {"name": "logits", "type": "dense", "units": 4},
                                  {"name": "probabilities", "type": "softmax"}]),
    "lenet-5": ([32, 32, 1], [conv("c1", 6, 5), {"name": "t1", "type": "tanh"},
                              {"name": "s2", "type": "avg_pool2d", "pool_size": 2},
                              conv("c3", 16, 5), {"name": "t3", "type": "tanh"},
                              {"name": "s4", "type": "avg_pool2d", "pool_size": 2}, *tail(120, 84, 4)]),
    "vgg-bn": ([32, 32, 3], [conv("conv", 32, 3, padding="same"), {"name": "bn", "type": "batch_norm"},
                             {"name": "relu", "type": "relu"}, {"name": "pool", "type": "max_pool2d", "pool_size": 2},
                             conv("conv_2", 32, 3, padding="same"), {"name": "bn_2", "type": "batch_norm"},
                             {"name": "relu_2", "type": "relu"}, {"name": "pool_2", "type": "max_pool2d", "pool_size": 2},
                             *tail(64, 4)]),
    "global-pooling": ([32, 32, 3], [conv("c1", 8, 3, stride=2, padding=1), {"name": "r1", "type": "leaky_relu", "slope": 0.1},
                                     {"name": "p1", "type": "avg_pool2d", "pool_size": 2},
                                     conv("c2", 16, 3), {"name": "r2", "type": "sigmoid"},
                                     {"name": "gap", "type": "global_avg_pool"},
                                     {"name": "logits", "type": "dense", "units": 4},
                                     {"name": "probabilities", "type": "softmax"}]),
    # no dense layer at all: one map per class, averaged (the GAP net of tests/student_models.py)
    "global-pooling-head": ([32, 32, 3], [conv("c1", 8, 3, padding=1), {"name": "r1", "type": "relu"},
                                          {"name": "p1", "type": "max_pool2d", "pool_size": 2},
                                          conv("c2", 4, 1), {"name": "gap", "type": "global_avg_pool"},
                                          {"name": "probabilities", "type": "softmax"}]),
}


def network_of(name: str) -> Network:
    shape, layers = MODELS[name]
    spec = {"name": name, "input_shape": shape, "classes": ["a", "b", "c", "d"], "layers": layers}
    return Network(spec, random_weights(spec, seed=1))

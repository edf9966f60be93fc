"""Shared test material for the engine: the Tiny VGG description and an untrained network on disk.

The engine's maths is tested with random (He-initialised) weights, never the trained ones.
"""
from __future__ import annotations

import copy
import tracemalloc

import numpy as np
import pytest

from pyapp.data.dataset import CLASS_NAMES
from pyapp.engine.network import load_network, random_weights, save_network


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

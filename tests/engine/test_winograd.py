"""The page's Winograd convolutions (pyapp/engine/winograd.py) against PyTorch, and where the engine takes them.

CPython has a BLAS, so the engine keeps im2col there; these tests turn Winograd on for every 3x3 convolution
(``winograd_everywhere``), so the page's path is checked natively: forward, input gradient and weight gradient on
hypothesis shapes (odd and even maps, paddings), and the choice of layers it is used for.
"""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine_fixtures import assert_close
from pyapp.engine import winograd
from pyapp.engine.layers import Conv2D
from pyapp.engine.network import load_network


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


@contextmanager
def winograd_everywhere():
    """As in the page, and for maps and channel counts of any size (not only where it pays)."""
    saved = winograd.NO_BLAS, winograd.MIN_CHANNELS, winograd.MIN_PIXELS
    winograd.NO_BLAS, winograd.MIN_CHANNELS, winograd.MIN_PIXELS = True, 1, 1
    try:
        yield
    finally:
        winograd.NO_BLAS, winograd.MIN_CHANNELS, winograd.MIN_PIXELS = saved


@st.composite
def case(draw):
    padding = draw(st.sampled_from([0, 1, 2, (0, 1), "same"]))
    low = 1 if padding not in (0, (0, 1)) else 3
    return dict(n=draw(st.integers(1, 5)), c=draw(st.integers(1, 5)), o=draw(st.integers(1, 5)),
                h=draw(st.integers(low, 13)), w=draw(st.integers(low, 13)), padding=padding,
                seed=draw(st.integers(0, 2**31)))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(case())
def test_winograd_convolution_and_its_gradients_match_torch(torch, case):
    rng = np.random.default_rng(case["seed"])
    x = rng.standard_normal((case["n"], case["c"], case["h"], case["w"])).astype(np.float32)
    weight = rng.standard_normal((case["o"], case["c"], 3, 3)).astype(np.float32)
    bias = rng.standard_normal(case["o"]).astype(np.float32)
    layer = Conv2D("c", weight, bias, 1, case["padding"])
    with winograd_everywhere():
        y = layer.forward(x, keep=True)
        assert layer._kept[1].ndim == 6  # the transformed tiles: the Winograd path ran
        g = rng.standard_normal(y.shape).astype(np.float32)
        grad_x = layer.input_gradient(x, y, g)
        grad_w, grad_b = layer.parameter_gradients(x, g).values()
    before, after = layer.pads(case["h"])
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, weight, bias))
    padded = torch.nn.functional.pad(tx, (before, after, before, after))
    ty = torch.nn.functional.conv2d(padded, tw, tb)
    (ty * torch.from_numpy(g)).sum().backward()
    assert_close(y, ty.detach().numpy(), what="y")
    assert_close(grad_x, tx.grad.numpy(), what="dx")
    assert_close(grad_w, tw.grad.numpy(), what="dW")
    assert_close(grad_b, tb.grad.numpy(), what="db")


def test_winograd_runs_in_the_page_on_the_3x3_layers_it_speeds_up(monkeypatch):
    assert not winograd.NO_BLAS  # CPython's NumPy has a BLAS: im2col there
    network = load_network()
    monkeypatch.setattr(winograd, "NO_BLAS", True)
    x = np.random.default_rng(0).random((2, 3, 64, 64), dtype=np.float32)
    kept = {}
    for layer in network.layers:
        x = layer.forward(x, keep=True) if layer.type == "conv2d" else layer(x)
        if layer.type == "conv2d":
            kept[layer.name] = layer._kept[1].ndim
    # conv_1_1 has 3 input channels: im2col (measured faster); every 10-channel one, down to 26x26 maps, Winograd
    assert kept == {"conv_1_1": 3, "conv_1_2": 6, "conv_2_1": 6, "conv_2_2": 6}
    assert not winograd.pays(3, 2, 10, 3600) and not winograd.pays(5, 1, 10, 3600)
    assert not winograd.pays(3, 1, 10, 13 * 13)  # small maps: the transforms' calls cost what they save


def test_the_explainers_own_passes_in_the_page_are_cpythons_bit_for_bit(monkeypatch):
    """Only training takes Winograd: what the explainer shows (maps, probabilities, gradients for Why? and the
    images made for units) stays the sums CPython makes, so the page and the command line agree exactly."""
    network = load_network()
    image = np.random.default_rng(1).random((64, 64, 3), dtype=np.float32)
    cpython = network.forward(image)
    cpython_grads = network.backward(cpython, 3)
    monkeypatch.setattr(winograd, "NO_BLAS", True)
    page = network.forward(image)
    page_grads = network.backward(page, 3)
    for name in cpython.names:
        assert np.array_equal(page[name], cpython[name]), name
    for name in cpython_grads.names:
        assert np.array_equal(page_grads[name], cpython_grads[name]), name

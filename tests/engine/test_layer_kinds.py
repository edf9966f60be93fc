"""Every layer kind a student's CNN uses, forward and backward, against PyTorch autograd on hypothesis shapes.

Convolutions of kernel 1 to 7, stride 1 to 4, padding valid / same / explicit (also uneven), 1 to 64 filters;
ReLU, leaky ReLU, sigmoid, tanh; max and average pooling of any size and stride (padded too), global average
pooling; batch normalisation at inference and with batch statistics (the running ones moved as torch moves
them); dropout (the identity at inference, inverted dropout while training). Tolerance: 1e-4 of the largest
magnitude compared (tests/engine/test_gradients.py's assert_close).
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pyapp.engine import layers
from pyapp.engine.layers import (AvgPool2D, BatchNorm, Conv2D, Dropout, GlobalAvgPool, LeakyReLU, MaxPool2D, Sigmoid,
                                 Tanh)
from engine_fixtures import assert_close

torch = pytest.importorskip("torch")
F = torch.nn.functional
FIXED = settings(max_examples=100, deadline=None, derandomize=True)  # fixed cases: a flaky CI helps no one


def _t(a):
    return torch.tensor(np.asarray(a, np.float32), requires_grad=True)


def _backward(ty, g):
    (ty * torch.from_numpy(np.asarray(g, np.float32))).sum().backward()


@st.composite
def conv_case(draw):
    k = draw(st.integers(1, 7))
    stride = draw(st.integers(1, 4))
    padding = draw(st.one_of(st.just("valid"), st.just("same"), st.integers(0, k - 1),
                             st.tuples(st.integers(0, k - 1), st.integers(0, k - 1)).map(list)))
    size = draw(st.integers(max(k, 2), 14))
    return dict(n=draw(st.integers(1, 2)), c=draw(st.sampled_from([1, 3, 4])), o=draw(st.sampled_from([1, 2, 7, 64])),
                size=size, k=k, stride=stride, padding=padding, seed=draw(st.integers(0, 2 ** 31)))


def torch_pads(padding, size, k, stride):
    """(before, after) written from the frameworks' docs: TF / ONNX SAME_UPPER gives ceil(size / stride) outputs."""
    if padding == "valid":
        return 0, 0
    if padding == "same":
        total = max((math.ceil(size / stride) - 1) * stride + k - size, 0)
        return total // 2, total - total // 2
    return tuple(padding) if isinstance(padding, list) else (padding, padding)


@FIXED
@given(conv_case())
@example(dict(n=1, c=1, o=2, size=5, k=2, stride=1, padding="same", seed=0))  # an odd total: the extra zero after
def test_convolution_forward_and_backward_match_torch(case):
    rng = np.random.default_rng(case["seed"])
    n, c, o, size, k, stride = (case[f] for f in ("n", "c", "o", "size", "k", "stride"))
    x = rng.standard_normal((n, c, size, size)).astype(np.float32)
    w = rng.standard_normal((o, c, k, k)).astype(np.float32)
    b = rng.standard_normal(o).astype(np.float32)
    layer = Conv2D.from_description({"name": "c", "filters": o, "kernel_size": k, "stride": stride,
                                     "padding": case["padding"]},
                                    lambda suffix, shape=None: {"weight": w, "bias": b}[suffix], (c, size, size))
    before, after = torch_pads(case["padding"], size, k, stride)
    tx, tw, tb = _t(x), _t(w), _t(b)
    ty = F.conv2d(F.pad(tx, (before, after, before, after)), tw, tb, stride=stride)
    y = layer(x)
    assert y.shape == tuple(ty.shape) and layer.output_shape((c, size, size)) == y.shape[1:]
    if case["padding"] == "same":
        assert y.shape[-1] == math.ceil(size / stride)
    assert_close(y, ty.detach().numpy(), what="y")
    g = rng.standard_normal(y.shape).astype(np.float32)
    _backward(ty, g)
    assert_close(layer.input_gradient(x, y, g), tx.grad.numpy(), what="dx")
    grads = layer.parameter_gradients(x, g)
    assert_close(grads["weight"], tw.grad.numpy(), what="dW")
    assert_close(grads["bias"], tb.grad.numpy(), what="db")
    # the window behind the last output pixel: the padded input under the kernel, as the engine pads it
    i = y.shape[-1] - 1
    start = layer.input_range(i, i + 1)[0] + before
    padded = np.pad(x[0], ((0, 0), (before, after), (before, after)))
    assert np.array_equal(layer.window(x[0], i, i), padded[:, start:start + k, start:start + k])


ACTIVATIONS = {
    "relu": (layers.ReLU("a"), torch.relu),
    "leaky_relu": (LeakyReLU("a", 0.2), lambda t: F.leaky_relu(t, 0.2)),
    "sigmoid": (Sigmoid("a"), torch.sigmoid),
    "tanh": (Tanh("a"), torch.tanh),
}


@FIXED
@given(st.sampled_from(sorted(ACTIVATIONS)), st.sampled_from([(2, 3, 5, 5), (4, 10), (1, 1, 9, 9)]),
       st.floats(0.1, 30), st.integers(0, 2 ** 31))
def test_activations_match_torch_on_maps_and_units(kind, shape, scale, seed):
    layer, reference = ACTIVATIONS[kind]
    x = (np.random.default_rng(seed).standard_normal(shape) * scale).astype(np.float32)
    x.flat[0] = 0.0  # at exactly 0 the gradients follow PyTorch's convention
    tx = _t(x)
    ty = reference(tx)
    y = layer(x)
    assert_close(y, ty.detach().numpy(), what=f"{kind} y")
    g = np.random.default_rng(seed + 1).standard_normal(shape).astype(np.float32)
    _backward(ty, g)
    assert_close(layer.input_gradient(x, y, g), tx.grad.numpy(), what=f"{kind} dx")


def test_sigmoid_does_not_overflow_and_the_one_number_functions_agree():
    x = np.array([-200.0, -5.0, 0.0, 3.0, 200.0], np.float32)
    with np.errstate(over="raise", invalid="raise"):  # underflow to 0 is right
        y = Sigmoid("s")(x)
    assert np.allclose(y, torch.sigmoid(torch.from_numpy(x)).numpy())
    assert layers.sigmoid_value(np.float64(3.0)) == pytest.approx(float(y[3]), rel=1e-6)
    assert layers.tanh_value(3.0) == pytest.approx(float(Tanh("t")(x)[3]), rel=1e-6)
    assert layers.leaky_relu_value(-2.0, 0.1) == pytest.approx(float(LeakyReLU("l", 0.1)(x)[1] / 2.5), rel=1e-6)


@st.composite
def pool_case(draw):
    p = draw(st.integers(1, 7))
    return dict(p=p, stride=draw(st.integers(1, 4)), padding=draw(st.integers(0, p // 2)),
                size=draw(st.integers(p, 16)), n=draw(st.integers(1, 2)), seed=draw(st.integers(0, 2 ** 31)),
                ties=draw(st.booleans()))


@FIXED
@given(pool_case(), st.sampled_from(["max", "avg"]))
def test_pooling_of_any_size_and_stride_matches_torch(case, kind):
    rng = np.random.default_rng(case["seed"])
    x = rng.standard_normal((case["n"], 3, case["size"], case["size"])).astype(np.float32)
    if case["ties"]:
        x = np.maximum(x, 0)  # rectified maps: many equal zeros, the gradient goes to the first (PyTorch)
    cls, reference = (MaxPool2D, F.max_pool2d) if kind == "max" else (AvgPool2D, F.avg_pool2d)
    layer = cls.from_description({"name": "p", "pool_size": case["p"], "stride": case["stride"],
                                  "padding": case["padding"]}, None, x.shape[1:])
    tx = _t(x)
    ty = reference(tx, case["p"], case["stride"], case["padding"])
    y = layer(x)
    assert layer.output_shape(x.shape[1:]) == y.shape[1:]
    assert_close(y, ty.detach().numpy(), what="y")
    g = rng.standard_normal(y.shape).astype(np.float32)
    _backward(ty, g)
    assert_close(layer.input_gradient(x, y, g), tx.grad.numpy(), what="dx")


@FIXED
@given(st.integers(1, 3), st.integers(1, 64), st.integers(1, 9), st.integers(0, 2 ** 31))
def test_global_average_pooling_matches_torch(n, c, size, seed):
    x = np.random.default_rng(seed).standard_normal((n, c, size, size)).astype(np.float32)
    tx = _t(x)
    ty = F.adaptive_avg_pool2d(tx, 1).flatten(1)
    layer = GlobalAvgPool("g")
    y = layer(x)
    assert layer.output_shape((c, size, size)) == (c,)
    assert_close(y, ty.detach().numpy())
    g = np.random.default_rng(seed + 1).standard_normal(y.shape).astype(np.float32)
    _backward(ty, g)
    assert_close(layer.input_gradient(x, y, g), tx.grad.numpy())


@FIXED
@given(st.sampled_from([(4, 3, 5, 5), (8, 6), (2, 16, 3, 3)]), st.booleans(), st.integers(0, 2 ** 31))
def test_batch_normalisation_matches_torch_at_inference_and_in_training(shape, training, seed):
    rng = np.random.default_rng(seed)
    c = shape[1]
    x = (rng.standard_normal(shape) * 3 + 1).astype(np.float32)
    gamma, beta = rng.standard_normal(c).astype(np.float32), rng.standard_normal(c).astype(np.float32)
    mean, var = rng.standard_normal(c).astype(np.float32), rng.uniform(0.5, 2, c).astype(np.float32)
    layer = BatchNorm("bn", gamma, beta, mean.copy(), var.copy(), eps=1e-3, momentum=0.2)
    layer.training = training
    tx, tg, tb = _t(x), _t(gamma), _t(beta)
    t_mean, t_var = torch.from_numpy(mean.copy()), torch.from_numpy(var.copy())
    ty = F.batch_norm(tx, t_mean, t_var, tg, tb, training=training, momentum=0.2, eps=1e-3)
    y = layer(x)
    assert_close(y, ty.detach().numpy(), what="y")
    assert_close(layer.running_mean, t_mean.numpy(), what="running mean")  # moved in training, kept at inference
    assert_close(layer.running_var, t_var.numpy(), what="running var")
    g = rng.standard_normal(shape).astype(np.float32)
    _backward(ty, g)
    assert_close(layer.input_gradient(x, y, g), tx.grad.numpy(), what="dx")
    grads = layer.parameter_gradients(x, g)
    assert_close(grads["weight"], tg.grad.numpy(), what="dgamma")
    assert_close(grads["bias"], tb.grad.numpy(), what="dbeta")
    if not training:  # the one-number function the view shows gives the same value
        i = (0, 1) + (0,) * (len(shape) - 2)
        value = layers.batch_norm_value(x[i], mean[1], var[1], 1e-3, gamma[1], beta[1])
        assert value == pytest.approx(float(y[i]), rel=1e-5, abs=1e-6)


def test_dropout_passes_values_at_inference_and_drops_while_training():
    x = np.random.default_rng(0).standard_normal((64, 8, 6, 6)).astype(np.float32)
    layer = Dropout("d", 0.25)
    assert np.array_equal(layer(x), x)  # inference: the identity
    g = np.ones_like(x)
    assert np.array_equal(layer.input_gradient(x, x, g), g)
    layer.training = True
    y = layer(x)
    dropped = y == 0
    assert 0.23 < dropped.mean() < 0.27  # about rate of the values
    assert np.allclose(y[~dropped], x[~dropped] / 0.75)  # the rest scaled, so the expected value is kept
    # backward: exactly torch's autograd of the same masked product
    mask = torch.from_numpy(layer.mask)
    tx = _t(x)
    _backward(tx * mask, g)
    assert_close(layer.input_gradient(x, y, g), tx.grad.numpy())
    assert not np.array_equal(layer(x) == 0, dropped)  # a new mask each pass

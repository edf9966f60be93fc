"""The engine's backward pass (pyapp/engine/gradients.py) against PyTorch autograd.

Every layer's gradient on random shapes, strides and paddings (hypothesis); the whole network's gradients
with the trained weights on synthetic and real validation images; and, without PyTorch, the committed
reference (tests/data/reference_gradients.npz, written by training/reference_gradients.py).
Tolerance: 1e-4 relative to the largest magnitude of the array compared.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyapp import WEIGHTS_DIR
from pyapp.data import dataset
from pyapp.engine import gradients
from pyapp.engine.layers import Conv2D, Dense, MaxPool2D, Softmax
from pyapp.images.preprocess import load_image
from training import reference_gradients as reference
from training import reference_logits

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "tests" / "data" / "reference_gradients.npz"
from engine_fixtures import TOLERANCE, assert_close  # noqa: F401 (TOLERANCE: used below)


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _tensor(torch, a):
    return torch.tensor(np.asarray(a, np.float32), requires_grad=True)


# -- one layer at a time, on random shapes ---------------------------------------------------------

@st.composite
def conv_case(draw):
    k = draw(st.integers(1, 4))
    stride, padding = draw(st.integers(1, 3)), draw(st.integers(0, 2))
    h = draw(st.integers(max(1, k - 2 * padding), 11))
    w = draw(st.integers(max(1, k - 2 * padding), 11))
    # batches up to 9: the input gradient's col2im runs a few images at a time (gradients.CHUNK)
    return dict(n=draw(st.integers(1, 9)), c=draw(st.integers(1, 4)), o=draw(st.integers(1, 4)), h=h, w=w, k=k,
                stride=stride, padding=padding, seed=draw(st.integers(0, 2**31)))


@settings(max_examples=60, deadline=None, derandomize=True)  # fixed cases: a rare random one beats float32 tolerance, a flaky CI
@given(conv_case())
def test_conv2d_gradients_match_torch(torch, case):
    rng = np.random.default_rng(case["seed"])
    x = rng.standard_normal((case["n"], case["c"], case["h"], case["w"])).astype(np.float32)
    weight = rng.standard_normal((case["o"], case["c"], case["k"], case["k"])).astype(np.float32)
    bias = rng.standard_normal(case["o"]).astype(np.float32)
    layer = Conv2D("c", weight, bias, case["stride"], case["padding"])
    y = layer(x)
    g = rng.standard_normal(y.shape).astype(np.float32)
    tx, tw, tb = _tensor(torch, x), _tensor(torch, weight), _tensor(torch, bias)
    ty = torch.nn.functional.conv2d(tx, tw, tb, stride=case["stride"], padding=case["padding"])
    (ty * torch.from_numpy(g)).sum().backward()
    assert_close(layer.input_gradient(x, y, g), tx.grad.numpy(), what="dx")
    grad_w, grad_b = layer.parameter_gradients(x, g).values()
    assert_close(grad_w, tw.grad.numpy(), what="dW")
    assert_close(grad_b, tb.grad.numpy(), what="db")


@settings(max_examples=40, deadline=None, derandomize=True)  # fixed cases: a rare random one beats float32 tolerance, a flaky CI
@given(st.integers(1, 3), st.integers(1, 4), st.integers(1, 3), st.integers(0, 2**31), st.booleans())
def test_max_pool2d_gradient_matches_torch(torch, pool, stride, n, seed, ties):
    rng = np.random.default_rng(seed)
    size = rng.integers(pool, 12, size=2)
    x = rng.standard_normal((n, 3, *size)).astype(np.float32)
    if ties:  # rectified maps have many equal zeros: the gradient goes to the first, as in PyTorch
        x = np.maximum(x, 0)
    layer = MaxPool2D("p", pool, stride)
    y = layer(x)
    g = rng.standard_normal(y.shape).astype(np.float32)
    tx = _tensor(torch, x)
    (torch.nn.functional.max_pool2d(tx, pool, stride) * torch.from_numpy(g)).sum().backward()
    assert_close(layer.input_gradient(x, y, g), tx.grad.numpy())


@settings(max_examples=30, deadline=None, derandomize=True)  # fixed cases: a rare random one beats float32 tolerance, a flaky CI
@given(st.integers(1, 4), st.integers(1, 40), st.integers(1, 12), st.integers(0, 2**31))
def test_dense_relu_flatten_softmax_gradients_match_torch(torch, n, inputs, units, seed):
    rng = np.random.default_rng(seed)
    maps = rng.standard_normal((n, 2, 3, inputs)).astype(np.float32)
    maps[rng.random(maps.shape) < 0.3] = 0  # ReLU at exactly 0: the gradient is 0 there, as in PyTorch
    # He-scaled weights, as trained ones are: logits of a few units, not a softmax saturated to float32's last digit
    weight = (rng.standard_normal((units, 6 * inputs)) * np.sqrt(2 / (6 * inputs))).astype(np.float32)
    bias = rng.standard_normal(units).astype(np.float32)
    g = rng.standard_normal((n, units)).astype(np.float32)
    tm, tw, tb = _tensor(torch, maps), _tensor(torch, weight), _tensor(torch, bias)
    relu, flat = torch.relu(tm), None
    relu.retain_grad()
    flat = relu.flatten(1)
    flat.retain_grad()
    logits = torch.nn.functional.linear(flat, tw, tb)
    logits.retain_grad()
    (torch.softmax(logits, -1) * torch.from_numpy(g)).sum().backward()
    # the engine, layer by layer, from the top
    r = np.maximum(maps, 0)
    f = r.reshape(n, -1)
    dense = Dense("d", weight, bias)
    z = dense(f)
    p = Softmax("s")(z)
    dz = gradients.softmax_gradient(g, p)
    assert_close(dz, logits.grad.numpy(), what="softmax")
    df = gradients.dense_input_gradient(dz, weight)
    assert_close(df, flat.grad.numpy(), what="dense dx")
    dw, db = gradients.dense_parameter_gradients(dz, f)
    assert_close(dw, tw.grad.numpy(), what="dense dW")
    assert_close(db, tb.grad.numpy(), what="dense db")
    dr = gradients.flatten_gradient(df, r.shape)
    assert_close(dr, relu.grad.numpy(), what="flatten")
    assert_close(gradients.relu_gradient(dr, maps), tm.grad.numpy(), what="relu")


# -- the whole network, trained weights --------------------------------------------------------------

def _compare_network(network, images, targets, score):
    description = json.loads((WEIGHTS_DIR / "tiny_vgg.json").read_text())
    trace = network.forward(images)
    winners = reference.engine_winners(trace, description)
    layers, params = reference.torch_gradients(network.weights(), description, images, targets, score, winners)
    grads = network.backward(trace, targets, score=score)
    assert set(grads.names) == set(layers)
    for name in grads.names:
        assert_close(grads[name], layers[name], what=name)
    assert set(grads.parameters) == set(params)
    for name, expected in params.items():
        assert_close(grads.parameters[name], expected, what=name)


@pytest.mark.parametrize("score", ["logit", "probability"])
def test_network_backward_matches_torch_on_synthetic_images(torch, network, score):
    images, targets = reference.reference_inputs()
    _compare_network(network, images[::5], targets[::5], score)


def _validation_images(per_class: int):
    root = dataset.dataset_root()
    if root is None or not root.is_dir():
        pytest.skip(f"no dataset: set {dataset.ENV_VAR}")
    _, val = dataset.split_dirs(root)
    samples = dataset.labelled_images(val)
    chosen = [s for c in range(10) for s in [t for t in samples if t.index == c][:per_class]]
    return np.stack([load_image(s.path) for s in chosen]), np.array([s.index for s in chosen])


def test_network_backward_matches_torch_on_50_validation_images(torch, network):
    images, labels = _validation_images(per_class=5)
    assert len(images) == 50
    _compare_network(network, images, labels, "logit")
    # one image alone gives the same as its row of the batch, without a batch axis
    single = network.backward(network.forward(images[7]), labels[7])
    batch = network.backward(network.forward(images[:8]), labels[:8], parameters=False)
    assert single["input"].shape == (3, 64, 64)
    np.testing.assert_allclose(single["conv_1_2"], batch["conv_1_2"][7], atol=1e-6)


# -- the committed reference: no PyTorch needed ------------------------------------------------------

def test_committed_reference_belongs_to_the_weights_and_inputs():
    with np.load(REFERENCE) as ref:
        digest = hashlib.sha256((WEIGHTS_DIR / "tiny_vgg.npz").read_bytes()).hexdigest()
        assert str(ref["weights_sha256"]) == digest, "stale: run python -m training.reference_gradients"
        images = reference_logits.synthetic_inputs()
        assert str(ref["inputs_sha256"]) == reference_logits.array_sha256(images)


def test_engine_matches_committed_pytorch_gradients(network):
    images = reference_logits.synthetic_inputs()
    with np.load(REFERENCE) as ref:
        names, targets, norms = list(ref["names"]), ref["targets"], ref["norms"]
        full, scale = ref["input_gradients"].astype(np.float32), float(ref["input_scale"])
        params = {k[len("param."):]: ref[k].astype(np.float32) for k in ref.files if k.startswith("param.")}
    grads = network.backward(network.forward(images), targets)
    for j, name in enumerate(names):  # every layer's gradient norm, every image: float32, 1e-4
        ours = np.sqrt((grads[name].reshape(len(images), -1).astype(np.float64) ** 2).sum(1))
        assert_close(ours, norms[:, j], what=f"|d/d {name}|")
    # the whole input gradient of two images and the weight gradients, stored as float16 (3 digits)
    half = 2.0 ** -10
    assert np.abs(grads["input"][:len(full)] - full).max() <= half * scale
    for name, expected in params.items():
        assert np.abs(grads.parameters[name] - expected).max() <= half * np.abs(expected).max(), name
    assert len(set(targets.tolist())) >= 3 and norms.min() > 0  # the reference exercises the network


def test_bad_targets_are_refused_with_the_classes(network):
    trace = network.forward(np.zeros((64, 64, 3), np.float32))
    with pytest.raises(ValueError, match="0..9"):
        network.backward(trace, 10)
    with pytest.raises(ValueError, match="score"):
        network.backward(trace, 1, score="loss")
    assert network.backward(trace, "koala").target == 5


@pytest.mark.parametrize("einsum", [False, True])
def test_conv2d_weight_gradient_matches_torch_by_either_product(torch, monkeypatch, einsum):
    """The page (Pyodide, no BLAS) takes the weight gradient as an einsum, CPython as a matmul: both PyTorch's."""
    monkeypatch.setattr(gradients, "EINSUM_WEIGHT_GRADIENT", einsum)
    rng = np.random.default_rng(7)
    x = rng.standard_normal((6, 3, 11, 9)).astype(np.float32)
    weight = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    layer = Conv2D("c", weight, np.zeros(4, np.float32), 2, 1)
    g = rng.standard_normal(layer(x).shape).astype(np.float32)
    tx, tw = _tensor(torch, x), _tensor(torch, weight)
    (torch.nn.functional.conv2d(tx, tw, stride=2, padding=1) * torch.from_numpy(g)).sum().backward()
    assert_close(layer.parameter_gradients(x, g)["weight"], tw.grad.numpy(), what="dW")

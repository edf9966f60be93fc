"""The layers against independent references: plain Python loops (tiny sizes) and scipy.signal.correlate."""
import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import correlate

from pyapp.engine import layers
from pyapp.engine.layers import Conv2D, Dense, Flatten, MaxPool2D, ReLU, Softmax


# -- references -----------------------------------------------------------------------------------

def conv_loops(x, w, b, stride, padding):
    """Cross-correlation written out with loops: the definition, nothing clever."""
    c_in, h, wd = x.shape
    c_out, _, k, _ = w.shape
    xp = np.zeros((c_in, h + 2 * padding, wd + 2 * padding))
    xp[:, padding:padding + h, padding:padding + wd] = x
    oh, ow = (h + 2 * padding - k) // stride + 1, (wd + 2 * padding - k) // stride + 1
    out = np.zeros((c_out, oh, ow))
    for o in range(c_out):
        for i in range(oh):
            for j in range(ow):
                total = float(b[o])
                for c in range(c_in):
                    for u in range(k):
                        for v in range(k):
                            total += xp[c, i * stride + u, j * stride + v] * w[o, c, u, v]
                out[o, i, j] = total
    return out


def conv_scipy(x, w, b, stride, padding):
    """Same maths through scipy: correlate each channel ('valid'), sum channels, add bias, subsample."""
    xp = np.pad(x.astype(np.float64), ((0, 0), (padding, padding), (padding, padding)))
    out = []
    for o in range(w.shape[0]):
        acc = sum(correlate(xp[c], w[o, c].astype(np.float64), mode="valid") for c in range(x.shape[0]))
        out.append(acc[::stride, ::stride] + b[o])
    return np.stack(out)


def pool_loops(x, p, s):
    c, h, w = x.shape
    oh, ow = (h - p) // s + 1, (w - p) // s + 1
    out = np.zeros((c, oh, ow))
    for ch in range(c):
        for i in range(oh):
            for j in range(ow):
                out[ch, i, j] = max(x[ch, i * s + u, j * s + v] for u in range(p) for v in range(p))
    return out


def rand(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


# -- convolution ----------------------------------------------------------------------------------

conv_cases = st.fixed_dictionaries({
    "c_in": st.integers(1, 3), "c_out": st.integers(1, 3), "k": st.integers(1, 4),
    "stride": st.integers(1, 3), "padding": st.integers(0, 2),
    "h": st.integers(1, 9), "w": st.integers(1, 9), "seed": st.integers(0, 2**31),
})


@settings(max_examples=60, deadline=None)
@given(conv_cases)
def test_conv_matches_loops_and_scipy_for_any_shape_stride_padding(case):
    k, p = case["k"], case["padding"]
    h, w = max(case["h"], k), max(case["w"], k)  # at least one window fits without padding
    rng = np.random.default_rng(case["seed"])
    x = rand(rng, case["c_in"], h, w)
    weight = rand(rng, case["c_out"], case["c_in"], k, k)
    bias = rand(rng, case["c_out"])
    conv = Conv2D("conv", weight, bias, stride=case["stride"], padding=p)
    got = conv(x)
    assert got.dtype == np.float32
    assert got.shape == conv.output_shape(x.shape)
    np.testing.assert_allclose(got, conv_loops(x, weight, bias, case["stride"], p), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(got, conv_scipy(x, weight, bias, case["stride"], p), rtol=1e-4, atol=1e-4)


def test_conv_is_cross_correlation_not_flipped():
    # A kernel with a single 1 in its top-left corner copies the pixel up-left of each window's centre.
    x = np.arange(25, dtype=np.float32).reshape(1, 5, 5)
    w = np.zeros((1, 1, 3, 3), np.float32)
    w[0, 0, 0, 0] = 1
    out = Conv2D("c", w, np.zeros(1, np.float32))(x)
    np.testing.assert_array_equal(out[0], x[0, :3, :3])


def test_conv_padding_adds_zeros():
    x = np.ones((1, 3, 3), np.float32)
    w = np.ones((1, 1, 3, 3), np.float32)
    out = Conv2D("c", w, np.zeros(1, np.float32), padding=1)(x)
    # corners see 4 real pixels, edges 6, centre 9
    np.testing.assert_array_equal(out[0], [[4, 6, 4], [6, 9, 6], [4, 6, 4]])


def test_conv_batch_equals_one_by_one():
    rng = np.random.default_rng(1)
    conv = Conv2D("c", rand(rng, 4, 3, 3, 3), rand(rng, 4), stride=2, padding=1)
    batch = rand(rng, 5, 3, 11, 9)
    together = conv(batch)
    for n in range(5):
        np.testing.assert_allclose(together[n], conv(batch[n]), rtol=1e-6, atol=1e-6)


def test_conv_rejects_wrong_channel_count():
    conv = Conv2D("conv_1_2", np.zeros((2, 10, 3, 3)), np.zeros(2))
    with pytest.raises(ValueError, match="10 input channels"):
        conv(np.zeros((3, 8, 8), np.float32))


# -- pooling, relu, flatten, dense ----------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 10), st.integers(1, 10), st.integers(0, 2**31))
def test_max_pool_matches_loops(p, s, h, w, seed):
    h, w = max(h, p), max(w, p)
    x = rand(np.random.default_rng(seed), 2, h, w)
    got = MaxPool2D("pool", p, s)(x)
    np.testing.assert_array_equal(got, pool_loops(x, p, s))
    assert got.shape == MaxPool2D("pool", p, s).output_shape(x.shape)


def test_max_pool_odd_size_drops_last_row_like_pytorch():
    x = np.arange(25, dtype=np.float32).reshape(1, 5, 5)
    out = MaxPool2D("pool", 2, 2)(x)
    np.testing.assert_array_equal(out[0], [[6, 8], [16, 18]])


def test_relu_zeroes_negatives_only():
    x = np.array([[[-2.0, -0.0, 0.5, 3.0]]], np.float32)
    np.testing.assert_array_equal(ReLU("r")(x), [[[0, 0, 0.5, 3]]])


def test_flatten_is_channels_first():
    x = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
    flat = Flatten("f")(x)
    c, y, xx = 1, 2, 3
    assert flat[c * 3 * 4 + y * 4 + xx] == x[c, y, xx]
    assert flat.shape == (24,)


def test_dense_matches_loops():
    rng = np.random.default_rng(2)
    w, b, x = rand(rng, 4, 7), rand(rng, 4), rand(rng, 7)
    expected = [sum(float(w[u, i]) * float(x[i]) for i in range(7)) + float(b[u]) for u in range(4)]
    np.testing.assert_allclose(Dense("d", w, b)(x), expected, rtol=1e-5, atol=1e-5)


# -- softmax --------------------------------------------------------------------------------------

@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-1e4, 1e4, allow_nan=False, width=32), min_size=2, max_size=12))
def test_softmax_is_a_probability_distribution_even_for_huge_logits(values):
    probs = Softmax("s")(np.array(values, np.float32))
    assert np.all(np.isfinite(probs))
    assert np.all(probs >= 0)
    assert abs(float(probs.sum()) - 1) < 1e-5
    # the top logit has the top probability (logits a float32 step apart may round to a tie)
    assert probs[int(np.argmax(np.array(values, np.float32)))] == probs.max()


def test_softmax_large_logits_equal_shifted_ones():
    big = Softmax("s")(np.array([1000.0, 1001.0, 1002.0], np.float32))
    small = Softmax("s")(np.array([0.0, 1.0, 2.0], np.float32))
    np.testing.assert_allclose(big, small, rtol=1e-6)
    e = np.exp([0.0, 1.0, 2.0])
    np.testing.assert_allclose(small, e / e.sum(), rtol=1e-6)


# -- the one-number functions of "show the code" ----------------------------------------------------

def test_one_number_functions_equal_the_vectorised_layers():
    rng = np.random.default_rng(3)
    x = rand(rng, 3, 9, 9)
    w, b = rand(rng, 2, 3, 3, 3), rand(rng, 2)
    conv_out = Conv2D("c", w, b)(x)
    for o, i, j in [(0, 0, 0), (1, 6, 6), (1, 3, 5)]:
        assert layers.conv_pixel(x[:, i:i + 3, j:j + 3], w[o], b[o]) == pytest.approx(conv_out[o, i, j], abs=1e-5)
    relu_out = ReLU("r")(conv_out)
    for idx in [(0, 0, 0), (1, 2, 3), (0, 6, 6)]:
        assert layers.relu_value(conv_out[idx]) == relu_out[idx]
    pool_out = MaxPool2D("p", 2, 2)(x)
    for c, i, j in [(0, 0, 0), (2, 3, 1)]:
        assert layers.pool_value(x[c, 2 * i:2 * i + 2, 2 * j:2 * j + 2]) == pool_out[c, i, j]
    dw, db, dx = rand(rng, 3, 5), rand(rng, 3), rand(rng, 5)
    dense_out = Dense("d", dw, db)(dx)
    for u in range(3):
        assert layers.dense_value(dx, dw[u], db[u]) == pytest.approx(dense_out[u], abs=1e-5)
    logits = np.array([2.0, -1.0, 700.0, 699.0], np.float32)
    probs = Softmax("s")(logits)
    for k in range(4):
        assert layers.softmax_probability(logits, k) == pytest.approx(probs[k], abs=1e-7)


@pytest.mark.parametrize("name", ["conv_pixel", "relu_value", "pool_value", "dense_value", "softmax_probability"])
def test_show_the_code_functions_read_well(name):
    # The detail views print these with inspect.getsource: short, documented, using only NumPy.
    source = inspect.getsource(getattr(layers, name))
    lines = source.strip().splitlines()
    assert lines[0].startswith(f"def {name}(")
    assert '"""' in lines[1]
    assert len(lines) <= 5
    assert "layers." not in source and "self" not in source


def test_repr_reads_like_the_maths():
    rng = np.random.default_rng(0)
    conv = Conv2D("conv_1_1", rand(rng, 10, 3, 3, 3), rand(rng, 10))
    assert repr(conv).startswith("conv_1_1 = Conv2D(3->10, 3x3, stride 1, padding 0)")
    assert "b[o]" in repr(conv)
    assert repr(ReLU("relu_1_1")) == "relu_1_1 = ReLU: y = max(x, 0)"
    assert "2x2, stride 2" in repr(MaxPool2D("max_pool_1", 2, 2))
    assert "1690->10" in repr(Dense("logits", rand(rng, 10, 1690), rand(rng, 10)))
    assert "exp(x[k])" in repr(Softmax("probabilities"))

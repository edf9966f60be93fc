"""The network built from its description: trace layout, an independent reference forward pass, and the
explanations (conv intermediates, receptive fields, pool winners, softmax terms). Untrained weights only."""
import numpy as np
import pytest
from scipy.signal import correlate

from engine_fixtures import random_network, tiny_vgg_description, write_random_network
from pyapp.engine import layers
from pyapp.engine.network import NetworkError, load_network, random_weights, save_network

SHAPES = {
    "input": (3, 64, 64), "conv_1_1": (10, 62, 62), "relu_1_1": (10, 62, 62), "conv_1_2": (10, 60, 60),
    "relu_1_2": (10, 60, 60), "max_pool_1": (10, 30, 30), "conv_2_1": (10, 28, 28), "relu_2_1": (10, 28, 28),
    "conv_2_2": (10, 26, 26), "relu_2_2": (10, 26, 26), "max_pool_2": (10, 13, 13), "flatten": (1690,),
    "logits": (10,), "probabilities": (10,),
}


@pytest.fixture(scope="module")
def net(untrained):
    return untrained


@pytest.fixture(scope="module")
def image():
    return np.random.default_rng(11).random((64, 64, 3), dtype=np.float32)


@pytest.fixture(scope="module")
def trace(net, image):
    return net.forward(image)


def reference_forward(weights, image):
    """Tiny VGG written out independently: scipy correlation per channel, reshape pooling, float64."""
    def conv(x, name):
        w, b = weights[f"{name}.weight"].astype(np.float64), weights[f"{name}.bias"].astype(np.float64)
        return np.stack([sum(correlate(x[c], w[o, c], mode="valid") for c in range(x.shape[0])) + b[o]
                         for o in range(w.shape[0])])

    def pool(x):
        c, h, w = x.shape
        return x.reshape(c, h // 2, 2, w // 2, 2).max(axis=(2, 4))

    x = image.astype(np.float64).transpose(2, 0, 1)
    x = np.maximum(conv(x, "conv_1_1"), 0)
    x = pool(np.maximum(conv(x, "conv_1_2"), 0))
    x = np.maximum(conv(x, "conv_2_1"), 0)
    x = pool(np.maximum(conv(x, "conv_2_2"), 0))
    logits = weights["logits.weight"].astype(np.float64) @ x.reshape(-1) + weights["logits.bias"]
    e = np.exp(logits - logits.max())
    return logits, e / e.sum()


# -- structure and forward pass -------------------------------------------------------------------

def test_trace_has_every_layer_in_order_with_the_contract_shapes(net, trace):
    assert trace.names == list(SHAPES)
    for name, shape in SHAPES.items():
        assert trace[name].shape == shape, name
        assert trace[name].dtype == np.float32, name
        assert net.shapes[name] == shape
    assert [layer.name for layer in net.layers] == list(SHAPES)[1:]
    assert net.layer("max_pool_1").type == "max_pool2d"
    assert net.parameter_count == 19_920  # the figure quoted for Tiny VGG


def test_forward_matches_independent_reference(tmp_path, image):
    description = tiny_vgg_description()
    weights = random_weights(description, seed=3)
    save_network(tmp_path, description, weights)
    trace = load_network(tmp_path).forward(image)
    logits, probs = reference_forward(weights, image)
    np.testing.assert_allclose(trace["logits"], logits, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(trace["probabilities"], probs, rtol=1e-4, atol=1e-6)
    assert trace["probabilities"].sum() == pytest.approx(1, abs=1e-6)


def test_input_is_channels_first_and_flatten_unrolls_maps_in_order(trace, image):
    np.testing.assert_array_equal(trace["input"][1], image[:, :, 1])  # map 1 is the green channel
    pooled, flat = trace["max_pool_2"], trace["flatten"]
    c, y, x = 7, 4, 11
    assert flat[c * 13 * 13 + y * 13 + x] == pooled[c, y, x]


def test_batch_forward_equals_single_images(net, image):
    rng = np.random.default_rng(5)
    batch = np.stack([image, rng.random((64, 64, 3), dtype=np.float32), np.zeros((64, 64, 3), np.float32)])
    together = net.forward(batch)
    assert together["conv_1_1"].shape == (3, 10, 62, 62)
    for n in range(3):
        np.testing.assert_allclose(together["probabilities"][n], net.forward(batch[n])["probabilities"],
                                   rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(net.predict(batch, batch_size=2), together["probabilities"], rtol=1e-6)


def test_uint8_image_is_read_as_pixels_over_255(net, image):
    pixels = np.round(image * 255).astype(np.uint8)
    np.testing.assert_allclose(net.forward(pixels)["probabilities"],
                               net.forward(pixels.astype(np.float32) / 255)["probabilities"], rtol=1e-6)


def test_wrong_image_shape_is_a_clear_error(net):
    with pytest.raises(ValueError, match=r"\(64, 64, 3\)"):
        net.forward(np.zeros((3, 64, 64), np.float32))


# -- loading --------------------------------------------------------------------------------------

def test_missing_weights_directory_is_a_clear_error(tmp_path):
    with pytest.raises(NetworkError, match="tiny_vgg.json: not found"):
        load_network(tmp_path)


def test_weights_of_the_wrong_shape_are_refused(tmp_path):
    description = tiny_vgg_description()
    weights = random_weights(description)
    weights["conv_1_2.weight"] = weights["conv_1_2.weight"][:, :5]
    save_network(tmp_path, description, weights)
    with pytest.raises(NetworkError, match=r"conv_1_2.weight has shape \(10, 5, 3, 3\)"):
        load_network(tmp_path)


def test_missing_layer_weights_are_named(tmp_path):
    description = tiny_vgg_description()
    weights = random_weights(description)
    del weights["logits.bias"]
    save_network(tmp_path, description, weights)
    with pytest.raises(NetworkError, match="logits.bias"):
        load_network(tmp_path)


def test_network_follows_its_description_not_fixed_shapes(tmp_path):
    description = tiny_vgg_description()
    description["layers"][0]["filters"] = 4
    description["layers"][0]["padding"] = 1
    description["layers"][2]["padding"] = 1
    net = random_network(tmp_path, description=description)
    trace = net.forward(np.zeros((64, 64, 3), np.float32))
    assert trace["conv_1_1"].shape == (4, 64, 64)
    assert trace["max_pool_2"].shape == (10, 14, 14)  # 64 -> 64 -> 64 -> 32 -> 30 -> 28 -> 14
    assert trace["flatten"].shape == (1960,)
    assert net.kernel("conv_1_2", 0).shape == (4, 3, 3)


# -- explanations ---------------------------------------------------------------------------------

def test_kernel_and_bias_are_the_saved_weights(tmp_path):
    write_random_network(tmp_path, seed=4)
    with np.load(tmp_path / "tiny_vgg.npz") as saved:
        net = load_network(tmp_path)
        np.testing.assert_array_equal(net.kernel("conv_2_1", 3), saved["conv_2_1.weight"][3])
        assert net.kernel("conv_2_1", 3).shape == (10, 3, 3)
        assert net.bias("conv_2_1", 3) == pytest.approx(float(saved["conv_2_1.bias"][3]))


@pytest.mark.parametrize("layer", ["conv_1_1", "conv_1_2", "conv_2_1", "conv_2_2"])
def test_conv_intermediates_sum_plus_bias_is_the_output(net, trace, layer):
    for neuron in (0, 9):
        parts = net.conv_intermediates(trace, layer, neuron)
        assert parts.shape == (net.shapes[net.sources[layer]][0],) + trace[layer].shape[1:]
        np.testing.assert_allclose(parts.sum(axis=0) + net.bias(layer, neuron), trace[layer][neuron],
                                   rtol=1e-4, atol=1e-4)
    # one intermediate is one input channel correlated with one kernel slice
    source = trace[net.sources[layer]]
    expected = correlate(source[2].astype(np.float64), net.kernel(layer, 5)[2].astype(np.float64), mode="valid")
    np.testing.assert_allclose(net.conv_intermediates(trace, layer, 5)[2], expected, rtol=1e-4, atol=1e-4)


def test_input_window_of_each_kind_of_layer(net):
    assert net.input_window("conv_1_1", 5, 7) == ("input", (5, 8), (7, 10))
    assert net.input_window("relu_2_1", 3, 4) == ("conv_2_1", (3, 4), (4, 5))
    assert net.input_window("max_pool_1", 3, 4) == ("relu_1_2", (6, 8), (8, 10))
    with pytest.raises(IndexError):
        net.input_window("max_pool_2", 13, 0)
    with pytest.raises(ValueError, match="no \\(y, x\\) pixels"):
        net.input_window("logits", 0, 0)


def test_receptive_field_of_a_max_pool_2_pixel_is_16x16_in_the_input(net):
    # By hand, going back from one max_pool_2 pixel: pool 2 -> 2; conv_2_2 +2 -> 4; conv_2_1 +2 -> 6;
    # pool x2 -> 12; conv_1_2 +2 -> 14; conv_1_1 +2 -> 16 input pixels per side.
    field = net.receptive_field("max_pool_2", 5, 9)
    expected_sizes = {"max_pool_2": 1, "relu_2_2": 2, "conv_2_2": 2, "relu_2_1": 4, "conv_2_1": 4,
                      "max_pool_1": 6, "relu_1_2": 12, "conv_1_2": 12, "relu_1_1": 14, "conv_1_1": 14,
                      "input": 16}
    assert set(field) == set(expected_sizes)
    for name, size in expected_sizes.items():
        (y0, y1), (x0, x1) = field[name]
        assert (y1 - y0, x1 - x0) == (size, size), name
    assert field["input"] == ((20, 36), (36, 52))  # starts at 4 * 5 = 20 and 4 * 9 = 36


def perturbed(image, rows, cols, inside, rng):
    """The image with every pixel inside (or outside) the rows x cols box replaced by noise."""
    mask = np.zeros(image.shape[:2], bool)
    mask[rows[0]:rows[1], cols[0]:cols[1]] = True
    if not inside:
        mask = ~mask
    out = image.copy()
    out[mask] = rng.random((int(mask.sum()), 3), dtype=np.float32)
    return out


@pytest.mark.parametrize("layer,y,x", [("max_pool_2", 5, 9), ("max_pool_2", 0, 0), ("max_pool_2", 12, 12),
                                       ("conv_2_1", 27, 3), ("relu_1_2", 30, 59)])
def test_receptive_field_is_exactly_what_the_pixel_depends_on(net, image, layer, y, x):
    rng = np.random.default_rng(y * 100 + x)
    (y0, y1), (x0, x1) = net.receptive_field(layer, y, x)["input"]
    value = net.forward(image)[layer][:, y, x]
    outside = net.forward(perturbed(image, (y0, y1), (x0, x1), inside=False, rng=rng))[layer][:, y, x]
    np.testing.assert_array_equal(outside, value)  # nothing outside the field matters
    inside = net.forward(perturbed(image, (y0, y1), (x0, x1), inside=True, rng=rng))[layer][:, y, x]
    assert not np.allclose(inside, value)  # the field itself does


def linear_description(kernel, stride, padding):
    """A network without ReLU or pooling: every pixel in a conv's field really changes it."""
    description = tiny_vgg_description()
    description["input_shape"] = [17, 17, 3]
    description["layers"] = [
        {"name": "a", "type": "conv2d", "filters": 3, "kernel_size": kernel, "stride": stride, "padding": padding},
        {"name": "b", "type": "conv2d", "filters": 2, "kernel_size": 3, "stride": 1, "padding": padding},
        {"name": "flatten", "type": "flatten"},
        {"name": "logits", "type": "dense", "units": 10},
        {"name": "probabilities", "type": "softmax"},
    ]
    return description


@pytest.mark.parametrize("kernel,stride,padding", [(3, 1, 0), (5, 2, 2), (4, 3, 1), (3, 2, 1)])
def test_receptive_field_with_stride_and_padding_is_tight(tmp_path, kernel, stride, padding):
    net = random_network(tmp_path, seed=kernel, description=linear_description(kernel, stride, padding))
    rng = np.random.default_rng(0)
    image = rng.random((17, 17, 3), dtype=np.float32)
    base = net.forward(image)
    _, h, w = net.shapes["b"]
    for y, x in {(0, 0), (h - 1, w - 1), (h // 2, w // 3), (0, w - 1)}:
        (y0, y1), (x0, x1) = net.receptive_field("b", y, x)["input"]
        assert 0 <= y0 < y1 <= 17 and 0 <= x0 < x1 <= 17
        changed = np.zeros((17, 17), bool)
        for yy, xx in [(y0, x0), (y1 - 1, x1 - 1), (y0 - 1, x0), (y1, x1 - 1), (y0, x0 - 1), (y1 - 1, x1)]:
            if 0 <= yy < 17 and 0 <= xx < 17:
                poked = image.copy()
                poked[yy, xx] += 1
                changed[yy, xx] = not np.allclose(net.forward(poked)["b"][:, y, x], base["b"][:, y, x],
                                                  rtol=0, atol=1e-6)
        inside = np.zeros((17, 17), bool)
        inside[y0:y1, x0:x1] = True
        poked_cells = [(a, b) for a, b in [(y0, x0), (y1 - 1, x1 - 1), (y0 - 1, x0), (y1, x1 - 1),
                                            (y0, x0 - 1), (y1 - 1, x1)] if 0 <= a < 17 and 0 <= b < 17]
        for a, b in poked_cells:
            assert changed[a, b] == inside[a, b], (y, x, a, b)


def test_pool_argmax_points_at_each_windows_maximum(net, trace):
    for layer in ("max_pool_1", "max_pool_2"):
        where = net.pool_argmax(trace, layer)
        source = trace[net.sources[layer]]
        c, h, w = trace[layer].shape
        assert where.shape == (c, h, w, 2)
        ys, xs = where[..., 0], where[..., 1]
        winners = np.take_along_axis(source.reshape(c, -1), (ys * source.shape[2] + xs).reshape(c, -1), axis=1)
        np.testing.assert_array_equal(winners.reshape(c, h, w), trace[layer])
        assert np.all((ys // 2 == np.arange(h)[None, :, None]) & (xs // 2 == np.arange(w)[None, None, :]))


def test_softmax_terms_spell_out_the_probabilities(net, trace):
    terms = net.softmax_terms(trace)
    np.testing.assert_allclose(terms["logits"], trace["logits"], rtol=1e-6)
    np.testing.assert_allclose(terms["exp"], np.exp(trace["logits"].astype(np.float64)), rtol=1e-9)
    assert terms["sum"] == pytest.approx(terms["exp"].sum())
    np.testing.assert_allclose(terms["probabilities"], trace["probabilities"], rtol=1e-5)


def test_one_number_functions_agree_with_the_trace_at_sampled_positions(net, trace):
    rng = np.random.default_rng(0)
    for layer in ("conv_1_1", "conv_1_2", "conv_2_1", "conv_2_2"):
        c, h, w = trace[layer].shape
        for _ in range(5):
            o, y, x = rng.integers(c), rng.integers(h), rng.integers(w)
            value = layers.conv_pixel(net.window(trace, layer, y, x), net.kernel(layer, o), net.bias(layer, o))
            assert value == pytest.approx(trace[layer][o, y, x], abs=1e-4)
    for layer in ("relu_1_1", "relu_2_2"):
        c, y, x = 3, 10, 12
        assert layers.relu_value(trace[net.sources[layer]][c, y, x]) == trace[layer][c, y, x]
    for layer in ("max_pool_1", "max_pool_2"):
        c, y, x = 4, 6, 2
        assert layers.pool_value(net.window(trace, layer, y, x)[c]) == trace[layer][c, y, x]
    for k in range(10):
        assert layers.dense_value(trace["flatten"], net.kernel("logits", k), net.bias("logits", k)) == \
            pytest.approx(trace["logits"][k], abs=1e-4)
        assert layers.softmax_probability(trace["logits"], k) == pytest.approx(trace["probabilities"][k], abs=1e-6)


def test_with_kernel_changes_only_that_filter(net, image, trace):
    sobel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], np.float32)
    edited = net.with_kernel("conv_1_1", 2, np.stack([sobel] * 3), bias=0.0)
    after = edited.forward(image)
    np.testing.assert_array_equal(after["conv_1_1"][[0, 1, 3]], trace["conv_1_1"][[0, 1, 3]])
    expected = sum(correlate(image[:, :, c].astype(np.float64), sobel, mode="valid") for c in range(3))
    np.testing.assert_allclose(after["conv_1_1"][2], expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(net.forward(image)["conv_1_1"], trace["conv_1_1"])  # the original is untouched

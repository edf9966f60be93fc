"""The explanations (pyapp/engine/explain.py): what each heat map is, checked against its definition."""
from __future__ import annotations

import numpy as np
import pytest

from pyapp.engine import explain


@pytest.fixture(scope="module")
def image():
    y, x = np.mgrid[0:64, 0:64] / 64.0
    rng = np.random.default_rng(5)
    return np.clip(np.stack([y, x, 0.5 + 0.3 * np.sin(6 * x * y)], -1) + 0.05 * rng.standard_normal((64, 64, 3)),
                   0, 1).astype(np.float32)


def test_saliency_is_the_gradient_a_small_change_of_one_pixel_follows(network, image):
    trace = network.forward(image)
    k = 5
    grad = explain.input_gradient(network, trace, k)
    sal = explain.saliency(network, trace, k)
    assert sal.shape == (64, 64) and (sal >= 0).all()
    np.testing.assert_array_equal(sal, np.abs(grad).max(axis=0))
    c, y, x = np.unravel_index(np.abs(grad).argmax(), grad.shape)
    eps = 1e-3
    nudged = image.copy()
    nudged[y, x, c] += eps  # the network is piecewise linear: a tiny step stays on the same piece
    change = network.forward(nudged)["logits"][k] - trace["logits"][k]
    assert change == pytest.approx(eps * grad[c, y, x], rel=0.05)


def test_gradient_x_input_is_the_gradient_times_the_pixels(untrained, image):
    trace = untrained.forward(image)
    expected = (explain.input_gradient(untrained, trace, 2) * image.transpose(2, 0, 1)).sum(axis=0)
    np.testing.assert_allclose(explain.gradient_x_input(untrained, trace, 2), expected, rtol=1e-6)


def test_gradcam_is_non_negative_at_the_layer_size_and_upsampled_to_the_input(network, image):
    trace = network.forward(image)
    for k in range(10):
        raw = explain.gradcam(network, trace, k, upsample=False)
        full = explain.gradcam(network, trace, k)
        assert raw.shape == (26, 26) and full.shape == (64, 64)
        assert raw.min() >= 0 and full.min() >= 0
        # linear interpolation: never beyond the layer's own values
        assert full.max() <= raw.max() + 1e-6
    assert explain.gradcam(network, trace, 0, layer="conv_1_2", upsample=False).shape == (60, 60)
    with pytest.raises(ValueError, match="conv layer"):
        explain.gradcam(network, trace, 0, layer="max_pool_1")


def test_gradcam_weights_maps_by_their_mean_gradient(network, image):
    trace = network.forward(image)
    grads = network.backward(trace, 7, parameters=False)
    alpha = grads["relu_2_2"].mean(axis=(1, 2))
    manual = np.maximum((alpha[:, None, None] * trace["relu_2_2"]).sum(0), 0)
    np.testing.assert_allclose(explain.gradcam(network, trace, 7, upsample=False), manual, rtol=1e-5, atol=1e-7)


def test_a_layer_cell_lands_on_its_receptive_field_centre(network):
    ys, xs = explain.layer_centres(network, "relu_2_2")
    assert ys[0] == 7 and ys[1] - ys[0] == 2  # cell 0 reads input rows 0..13, cell 1 rows 2..15
    cell = np.zeros((26, 26), np.float32)
    cell[10, 3] = 1.0
    up = explain.to_input(cell, ys, xs, (64, 64))
    y, x = np.unravel_index(up.argmax(), up.shape)
    field = network.receptive_field("relu_2_2", 10, 3)["input"]
    assert field[0][0] <= y < field[0][1] and field[1][0] <= x < field[1][1]
    assert abs(y + 0.5 - ys[10]) <= 0.5 and abs(x + 0.5 - xs[3]) <= 0.5


def test_occlusion_batched_pass_equals_one_forward_per_position(untrained, image):
    corners = explain.patch_corners(64, explain.PATCH, explain.PATCH_STRIDE)
    assert len(corners) >= 13
    fast = explain.occluded_forward(untrained, untrained.forward(image), corners, corners, explain.PATCH, explain.GREY)
    covered = []
    for y in corners:
        for x in corners:
            im = image.copy()
            im[y:y + explain.PATCH, x:x + explain.PATCH] = explain.GREY
            covered.append(im)
    slow = untrained.predict(np.stack(covered))
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-6)
    # other sizes and places: misaligned with the pools (crops pasted before them) and all aligned one off
    for cy, cx, patch, fill in (([0, 3, 7, 50], [1, 2, 49], 11, 0.2), ([1, 5, 9, 45], [3, 7, 47], 12, 0.9)):
        fast = explain.occluded_forward(untrained, untrained.forward(image), np.array(cy), np.array(cx), patch, fill)
        covered = []
        for y in cy:
            for x in cx:
                im = image.copy()
                im[y:y + patch, x:x + patch] = fill
                covered.append(im)
        np.testing.assert_allclose(fast, untrained.predict(np.stack(covered)), rtol=0, atol=1e-6)


def test_occluding_a_region_with_nothing_in_it_changes_nothing(network):
    picture = np.full((64, 64, 3), explain.GREY, np.float32)
    picture[:20, :20] = [0.9, 0.1, 0.1]  # the only thing in the picture: a red square in a corner
    trace = network.forward(picture)
    drop = explain.occlusion(network, trace, 1, upsample=False)
    corners = explain.patch_corners(64, explain.PATCH, explain.PATCH_STRIDE)
    assert drop.shape == (13, 13)
    empty = (corners[:, None] >= 20) | (corners[None, :] >= 20)  # the patch misses the red square
    assert np.abs(drop[empty]).max() < 1e-6  # float32 rounding of a batched pass, nothing more
    assert np.abs(drop[~empty]).max() > 1e-3  # covering the square does change the probability
    assert explain.occlusion(network, trace, 1).shape == (64, 64)


def test_map_contributions_of_the_last_maps_add_up_to_the_logit(network, image):
    trace = network.forward(image)
    parts = explain.map_contributions(network, trace, "koala")
    assert set(parts) >= {"conv_1_1", "relu_2_2", "max_pool_2"} and all(p.shape == (10,) for p in parts.values())
    # the logit is linear in the last pooled maps: their contributions plus the bias are the logit exactly
    bias = network.bias("logits", 5)
    assert float(parts["max_pool_2"].sum()) + bias == pytest.approx(float(trace["logits"][5]), rel=1e-5)


def test_methods_table_and_bad_arguments(untrained, image):
    trace = untrained.forward(image)
    for key in explain.METHODS:
        heat = explain.explain(untrained, trace, "pizza", key)
        assert heat.shape == (64, 64) and np.isfinite(heat).all()
    with pytest.raises(ValueError, match="saliency"):
        explain.explain(untrained, trace, 0, "lime")
    with pytest.raises(ValueError, match="koala"):
        explain.explain(untrained, trace, "cat")
    with pytest.raises(ValueError, match="0..9"):
        explain.saliency(untrained, trace, 12)


def test_interpolation_matrix_is_linear_interpolation_held_flat_beyond_the_ends():
    centres = np.array([3.0, 5.5, 9.0, 20.0])
    values = np.array([1.0, -2.0, 4.0, 0.5])
    m = explain.interpolation_matrix(centres, 24)
    np.testing.assert_allclose(m @ values, np.interp(np.arange(24) + 0.5, centres, values), rtol=1e-6)
    np.testing.assert_allclose(m.sum(axis=1), 1.0, rtol=1e-6)
    assert (explain.interpolation_matrix(np.array([7.0]), 5) == 1).all()

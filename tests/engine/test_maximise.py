"""The image the network makes for a unit (activation maximisation): it works, and it is reproducible."""
from __future__ import annotations

import numpy as np
import pytest

from pyapp.engine import maximise

UNITS = [("conv_1_1", 3), ("relu_1_2", 7), ("conv_2_1", 4), ("relu_2_2", 0)]


@pytest.mark.parametrize("layer,unit", UNITS)
def test_the_made_image_excites_the_unit_far_more_than_the_grey_noise_it_starts_from(network, layer, unit):
    start = maximise.unit_activation(network, maximise.start_image(network), layer, unit)
    made = maximise.made_image(network, layer, unit)
    assert made.number == made.steps == maximise.STEPS
    # well above the start: every one of the shipped model's 80 units ends at over twice its start (measured)
    assert made.activation > 2 * max(start, 0.01) and made.activation > start + 0.04
    assert made.activation == pytest.approx(maximise.unit_activation(network, made.image, layer, unit), rel=1e-5)
    assert made.image.shape == (64, 64, 3) and made.image.dtype == np.float32
    assert 0 <= made.image.min() and made.image.max() <= 1


def test_the_made_image_is_the_same_for_the_same_seed_and_differs_for_another(network):
    first = maximise.made_image(network, "conv_2_2", 5, seed=1, steps=12)
    again = maximise.made_image(network, "conv_2_2", 5, seed=1, steps=12)
    other = maximise.made_image(network, "conv_2_2", 5, seed=2, steps=12)
    assert np.array_equal(first.image, again.image) and first.activation == again.activation
    assert not np.array_equal(first.image, other.image)


def test_the_ascent_reports_every_step_and_rises(network):
    steps = list(maximise.ascend(network, "conv_2_1", 2, steps=10))
    assert [s.number for s in steps] == list(range(1, 11))
    assert steps[-1].activation > steps[0].activation


def test_a_unit_of_a_relu_layer_is_raised_through_its_input_not_stuck_at_zero(network):
    """Grey noise can leave a ReLU unit at 0 everywhere (no gradient); the ascent pushes its input instead."""
    assert maximise.objective_layer(network, "relu_1_1") == "conv_1_1"
    assert maximise.objective_layer(network, "conv_1_1") == "conv_1_1"


def test_blur_keeps_a_flat_image_and_smooths_a_spike():
    flat = np.full((1, 3, 8, 8), 0.3, np.float32)
    assert np.allclose(maximise.blur(flat), 0.3)
    spike = np.zeros((1, 1, 5, 5), np.float32)
    spike[0, 0, 2, 2] = 1
    out = maximise.blur(spike)[0, 0]
    assert out[2, 2] == pytest.approx(0.25) and out[1, 2] == pytest.approx(0.125) and out[1, 1] == pytest.approx(0.0625)
    assert out.sum() == pytest.approx(1.0)

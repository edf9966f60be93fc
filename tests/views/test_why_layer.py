"""Grad-CAM on any convolution (issue 21 item 3): the Why? view offers every convolution of the model, draws the
engine's Grad-CAM of the chosen one, and keeps the choice in the address."""
from __future__ import annotations

import re

import numpy as np
import pytest

from pyapp.engine import explain
from pyapp.ui.state import State
from pyapp.views.detail import why


@pytest.fixture(scope="module")
def trace(network):
    return network.forward(np.random.default_rng(4).random((64, 64, 3), dtype=np.float32))


def _legend(html):
    found = re.search(r'class="why-legend" data-min="([^"]+)" data-max="([^"]+)"', html)
    return float(found.group(1)), float(found.group(2))


def test_the_why_view_draws_grad_cam_of_the_chosen_convolution(network, trace):
    state = State(view="why", layer="logits", neuron=2, cam="conv_1_1")
    view = why.WhyView(state, trace, network)
    expected = explain.gradcam(network, trace, 2, layer="conv_1_1")
    np.testing.assert_allclose(view.shown[0].heat, expected, rtol=1e-6)
    assert not np.allclose(expected, explain.gradcam(network, trace, 2))  # not the last convolution's
    html = view.markup()
    assert _legend(html) == (pytest.approx(float(expected.min()), abs=1e-6),
                             pytest.approx(float(expected.max()), rel=1e-5))
    options = re.search(r'<select data-why-layer="">(.*?)</select>', html).group(1)
    assert re.findall(r'value="([^"]+)"', options) == ["conv_1_1", "conv_1_2", "conv_2_1", "conv_2_2"]
    assert re.search(r'<option value="conv_1_1" selected="">', options)
    assert "the maps of conv_1_1 that raise" in html and "layer=&#39;conv_1_1&#39;" in html
    plain = why.WhyView(State(view="why", layer="logits", neuron=2), trace, network).markup()
    assert "the maps of the last convolution" in plain
    assert "data-why-layer" not in why.WhyView(State(view="why", layer="logits", neuron=2, method="saliency"),
                                               trace, network).markup()


def test_the_layer_is_in_the_address_and_only_a_convolution_is_kept(network):
    state = State.from_url("view=why&layer=logits&neuron=2&cam=conv_2_1")
    assert state.cam == "conv_2_1" and "cam=conv_2_1" in state.to_url()
    assert state.checked(network) == (state, None)
    wrong, said = State(view="why", layer="logits", neuron=2, cam="relu_1_1").checked(network)
    assert wrong.cam is None and said == "There is no convolution 'relu_1_1' for Grad-CAM."
    assert State(view="overview", cam="conv_2_1").checked(network)[0].cam is None  # only the Why? view has one
    assert state.overview().cam is None

"""The kernel playground (pyapp/views/widgets/playground.py): edited filters rerun the engine, mistakes are named."""
from __future__ import annotations

import re

import numpy as np
import pytest
from scipy.signal import correlate2d

from pyapp.ui.state import State
from pyapp.views.widgets import playground


def test_sobel_preset_makes_conv_1_1_a_sobel_filter_of_the_photo(network, photo):
    kernel, bias = playground.preset("sobel-x", network, 4)
    assert kernel.shape == (3, 3, 3) and bias == 0.0
    edited = network.with_kernel("conv_1_1", 4, kernel, bias)
    sobel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float64)
    expected = sum(correlate2d(photo[..., c].astype(np.float64), sobel, mode="valid") for c in range(3))
    assert np.allclose(edited.forward(photo)["conv_1_1"][4], expected, atol=1e-4)
    assert not np.allclose(network.forward(photo)["conv_1_1"][4], expected, atol=1e-2)  # it did change


def test_trained_preset_is_the_learned_filter(network):
    kernel, bias = playground.preset("trained", network, 2)
    assert np.array_equal(kernel, network.kernel("conv_1_1", 2)) and bias == pytest.approx(network.bias("conv_1_1", 2))
    with pytest.raises(ValueError, match="unknown preset"):
        playground.preset("emboss", network, 0)


def test_typed_numbers_are_parsed_and_mistakes_named(network):
    assert playground.parse_number(" \u22121,5 ") == -1.5
    for bad, words in (("abc", "not a number"), ("", "is empty"), ("nan", "not a finite"), ("1e9", "too large")):
        with pytest.raises(ValueError, match=words):
            playground.parse_number(bad)
    cells = {f"{c},{r},{k}": "0" for c in range(3) for r in range(3) for k in range(3)}
    cells["1,0,2"] = "x"
    parsed = playground.parse_form(cells, "0.25", (3, 3, 3))
    assert parsed.kernel is None and list(parsed.errors) == ["1,0,2"]
    assert "Green weight (row 1, column 3)" in playground.message(parsed.errors)
    cells["1,0,2"] = "2"
    good = playground.parse_form(cells, "0.25", (3, 3, 3))
    assert good.errors == {} and good.kernel[1, 0, 2] == 2 and good.kernel.sum() == 2 and good.bias == 0.25


def test_panel_shows_the_filter_numbers_and_the_prediction(network, photo):
    trace = network.forward(photo)
    panel = playground.render(State(), trace, network, neuron=1, trained_trace=trace)
    values = dict(re.findall(r'value="([^"]*)"[^>]*data-cell="([^"]+)"', panel)[i][::-1] for i in range(28))
    kernel = network.kernel("conv_1_1", 1)
    assert float(values["0,1,2"]) == pytest.approx(float(kernel[0, 1, 2]), abs=1e-4)
    assert float(values["bias"]) == pytest.approx(network.bias("conv_1_1", 1), abs=1e-4)
    best = network.classes[int(np.argmax(trace.probabilities))]
    assert f'data-top="{best}"' in panel and "Restore the trained weights" in panel
    assert all(f'data-preset="{name}"' in panel for name in playground.PRESETS)


def test_the_edited_note_names_the_filters_and_offers_the_one_restore_action():
    assert playground.edited_note((), "conv_1_1") == ""
    note = playground.edited_note((0, 3), "conv_1_1")
    assert "conv_1_1 filters 1, 4" in note and "not the trained model's" in note
    assert note.count('data-action="restore-weights"') == 1

"""Receptive field, kernel playground and embedding: the pure-Python parts, against the engine."""
from __future__ import annotations

import html
import re

import numpy as np
import pytest
from scipy.signal import correlate2d

from pyapp.ui.geometry import NODE_SIZE, overview_layout
from pyapp.engine.network import load_network
from pyapp.ui.state import State
from pyapp.views.widgets import embed, playground
from pyapp.views.widgets import receptive_field as rf


@pytest.fixture(scope="module")
def network():
    return load_network()


@pytest.fixture(scope="module")
def image():
    return np.random.default_rng(3).random((64, 64, 3), dtype=np.float32)


# -- receptive field ------------------------------------------------------------------------------
def test_max_pool_2_pixel_outlines_a_16_pixel_square_on_every_input_channel(network):
    grid = overview_layout(network)
    column = grid.column("input")
    boxes = [b for b in rf.boxes(network, rf.Pick("max_pool_2", 4, 2, 5)) if b.column == "input"]
    assert [b.index for b in boxes] == [0, 1, 2]
    scale = NODE_SIZE / 64
    for box in boxes:
        assert box.rows == (8, 24) and box.cols == (20, 36)
        assert box.x == pytest.approx(column.x + 20 * scale) and box.width == pytest.approx(16 * scale)
        assert box.y == pytest.approx(column.ys[box.index] + 8 * scale) and box.height == pytest.approx(16 * scale)


def test_pool_and_relu_pixels_read_only_their_own_channel_until_a_conv(network):
    picked = rf.channels(network, "max_pool_2", 7)
    assert picked["max_pool_2"] == picked["relu_2_2"] == picked["conv_2_2"] == [7]
    assert picked["relu_2_1"] == list(range(10)) and picked["input"] == [0, 1, 2]
    drawn = {(b.column, b.index) for b in rf.boxes(network, rf.Pick("relu_1_2", 3, 0, 0))}
    assert ("conv_1_2", 3) in drawn and ("conv_1_2", 4) not in drawn and ("relu_1_1", 9) in drawn
    assert not any(b.column in ("max_pool_1", "conv_2_1") for b in rf.boxes(network, rf.Pick("relu_1_2", 3, 0, 0)))


def test_receptive_field_really_is_what_the_pixel_depends_on(network, image):
    # Change every input pixel outside the outlined patch: the picked value must not move; change one inside: it does.
    pick = rf.Pick("conv_2_1", 2, 5, 9)
    box = next(b for b in rf.boxes(network, pick) if b.column == "input")
    (y0, y1), (x0, x1) = box.rows, box.cols
    before = network.forward(image)["conv_2_1"][2, 5, 9]
    outside = np.random.default_rng(0).random(image.shape, dtype=np.float32)
    outside[y0:y1, x0:x1] = image[y0:y1, x0:x1]
    assert network.forward(outside)["conv_2_1"][2, 5, 9] == pytest.approx(before, abs=1e-5)
    inside = image.copy()
    inside[y0:y1, x0:x1] = 1 - inside[y0:y1, x0:x1]
    assert abs(network.forward(inside)["conv_2_1"][2, 5, 9] - before) > 1e-4


def test_boxes_stay_inside_their_maps_and_the_picked_pixel_is_one_pixel(network):
    grid = overview_layout(network)
    for pick in (rf.Pick("conv_1_1", 0, 61, 61), rf.Pick("max_pool_1", 9, 0, 29), rf.Pick("relu_2_2", 1, 25, 0)):
        for box in rf.boxes(network, pick):
            column = grid.column(box.column)
            top = column.ys[box.index]
            assert column.x - 1e-9 <= box.x and box.x + box.width <= column.x + NODE_SIZE + 1e-9
            assert top - 1e-9 <= box.y and box.y + box.height <= top + NODE_SIZE + 1e-9
        picked = [b for b in rf.boxes(network, pick) if b.column == pick.layer]
        assert len(picked) == 1 and picked[0].rows == (pick.row, pick.row + 1)


def test_caption_and_overlay_markup(network):
    pick = rf.Pick("conv_2_2", 0, 3, 7)
    assert rf.caption(network, pick) == "conv_2_2 (3, 7) sees a 14x14 patch of the input (rows 6-19, columns 14-27)"
    markup = rf.render(State(), None, network, pick)
    assert markup.startswith('<g class="rf-overlay"') and 'data-caption="conv_2_2 (3, 7) sees a 14x14' in markup
    assert markup.count("<rect") == len(rf.boxes(network, pick))
    assert rf.render(State(), None, network, None).count("<rect") == 0


# -- kernel playground ------------------------------------------------------------------------------
def test_sobel_preset_makes_conv_1_1_a_sobel_filter_of_the_photo(network, image):
    kernel, bias = playground.preset("sobel-x", network, 4)
    assert kernel.shape == (3, 3, 3) and bias == 0.0
    edited = network.with_kernel("conv_1_1", 4, kernel, bias)
    sobel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float64)
    expected = sum(correlate2d(image[..., c].astype(np.float64), sobel, mode="valid") for c in range(3))
    assert np.allclose(edited.forward(image)["conv_1_1"][4], expected, atol=1e-4)
    assert not np.allclose(network.forward(image)["conv_1_1"][4], expected, atol=1e-2)  # it did change


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


def test_panel_shows_the_filter_numbers_and_the_prediction(network, image):
    trace = network.forward(image)
    panel = playground.render(State(), trace, network, neuron=1, trained_trace=trace)
    values = dict(re.findall(r'value="([^"]*)"[^>]*data-cell="([^"]+)"', panel)[i][::-1] for i in range(28))
    kernel = network.kernel("conv_1_1", 1)
    assert float(values["0,1,2"]) == pytest.approx(float(kernel[0, 1, 2]), abs=1e-4)
    assert float(values["bias"]) == pytest.approx(network.bias("conv_1_1", 1), abs=1e-4)
    best = network.classes[int(np.argmax(trace.probabilities))]
    assert f'data-top="{best}"' in panel and "Reset to trained weights" in panel
    assert all(f'data-preset="{name}"' in panel for name in playground.PRESETS)


# -- embedding ---------------------------------------------------------------------------------------
def iframe_src(snippet: str) -> str:
    return html.unescape(re.search(r'src="([^"]+)"', snippet).group(1))


def test_snippet_src_reproduces_the_current_view():
    state = State(image="koala", colors="module", view="conv-elastic", layer="conv_2_1", neuron=3, pixel=(4, 5))
    code = embed.snippet("https://example.org/explainer/index.html?x=1#image=pizza", state)
    src = iframe_src(code)
    assert src.startswith("https://example.org/explainer/index.html?x=1#")
    assert State.from_url(src.split("#", 1)[1]) == state.with_(embed=True)
    assert 'loading="lazy"' in code and 'width="100%"' in code and re.search(r'height="\d+"', code)
    assert 'title="CNN Explainer in Python: Tiny VGG on the koala example, convolution of conv_2_1 map 4"' in code
    assert "&amp;" in code  # the address's & are escaped inside the attribute


def test_own_image_from_a_file_cannot_be_embedded_and_says_so():
    state = State(image="custom", view="overview")
    assert State.from_url(iframe_src(embed.snippet("https://a.b/", state)).split("#")[1]).image == "espresso"
    assert "not part of the address" in embed.warning(state)
    web = State(image="custom", image_url="https://a.b/cat.png")
    assert State.from_url(embed.src("https://a.b/", web).split("#")[1]) == web.with_(embed=True)
    assert embed.warning(web) == ""


def test_full_address_leaves_embed_mode():
    state = State(image="koala", embed=True)
    assert embed.full_address("https://a.b/p/#image=koala&embed=1", state) == "https://a.b/p/#image=koala"
    assert embed.full_address("https://a.b/p/#embed=1", State(embed=True)) == "https://a.b/p/"

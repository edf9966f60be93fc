"""The detail views show the engine's own numbers: every value on screen equals the network's trace.

The views are plain functions of (state, trace, network); here their markup and frames are read
back (the numbers carry their full value in data-value) and compared with the trace, the kernels,
the biases and the engine's one-number functions.
"""
from __future__ import annotations

import inspect
from html.parser import HTMLParser

import numpy as np
import pytest

from pyapp.engine import layers
from pyapp.ui import geometry
from pyapp.ui.state import State
from pyapp.views.detail import conv_elastic, softmax
from pyapp.views.detail.base import build
from pyapp.views.parts import frames, scales, slide

CONV_LAYERS = ("conv_1_1", "conv_1_2", "conv_2_1", "conv_2_2")
RTOL, ATOL = 1e-5, 1e-6  # float32 sums in another order (np.sum vs the im2col matmul)


# -- fixtures and readers ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def trace(network, photo):
    return network.forward(photo)


class Element:
    def __init__(self, tag, attrs):
        self.tag, self.attrs, self.text = tag, dict(attrs), ""

    def value(self) -> float:
        return float(self.attrs["data-value"])


class Markup(HTMLParser):
    """Every element of a view's markup with its attributes and own text, in order."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        element = Element(tag, attrs)
        self.elements.append(element)
        self._open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.elements.append(Element(tag, attrs))

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop().tag == tag:
                break

    def handle_data(self, data):
        if self._open:
            self._open[-1].text += data

    def find(self, **attrs) -> list[Element]:
        wanted = {k.rstrip("_").replace("_", "-"): str(v) for k, v in attrs.items()}
        return [e for e in self.elements if all(e.attrs.get(k) == v for k, v in wanted.items())]

    def one(self, **attrs) -> Element:
        found = self.find(**attrs)
        assert len(found) == 1, f"expected one element with {attrs}, found {len(found)}"
        return found[0]


def frame_value(frame, key) -> float:
    return float(frame[key]["data-value"])


# -- ReLU ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("layer, neuron", [("relu_1_1", 3), ("relu_2_2", 7)])
def test_relu_view_shows_the_traced_input_and_output(network, trace, layer, neuron):
    state = State(view="relu", layer=layer, neuron=neuron, pixel=(5, 9))
    view = build(state, trace, network)
    markup = Markup(view.markup())
    assert markup.one(data_view="relu").attrs["data-layer"] == layer
    source = network.sources[layer]
    x, y = trace[source][neuron, 5, 9], trace[layer][neuron, 5, 9]
    assert markup.one(data_u="x").value() == pytest.approx(float(x), abs=0)
    assert markup.one(data_u="y").value() == pytest.approx(float(y), abs=0)
    assert markup.one(data_u="y-t").text == frames.value_text(y)
    # Every pixel of the map, stepped through frames, agrees with the trace and with max(0, x).
    h, w = view.out_shape
    for pixel in [(0, 0), (h - 1, w - 1), (h // 2, 3)]:
        frame = view.frame(pixel)
        assert frame_value(frame, "x") == float(trace[source][neuron][pixel])
        assert frame_value(frame, "y") == float(trace[layer][neuron][pixel]) == max(0.0, frame_value(frame, "x"))
        assert frame_value(frame, "act-out") == float(trace[layer][neuron][pixel])


def test_a_pinned_link_opens_paused_and_an_unpinned_one_plays(network, trace):
    paused = Markup(build(State(view="relu", layer="relu_1_1", neuron=0, pixel=(4, 4)), trace, network).markup())
    playing = Markup(build(State(view="relu", layer="relu_1_1", neuron=0), trace, network).markup())
    assert paused.one(data_view="relu").attrs["data-playing"] == "false"
    assert paused.one(data_action="play").attrs["aria-pressed"] == "false"
    assert playing.one(data_view="relu").attrs["data-playing"] == "true"
    assert paused.one(data_u="pixel").text == "(4, 4)"
    assert playing.one(data_u="pixel").text == "(0, 0)"


# -- max pool ------------------------------------------------------------------------------------

@pytest.mark.parametrize("layer, neuron", [("max_pool_1", 2), ("max_pool_2", 9)])
def test_pool_view_takes_the_max_of_the_real_window_and_marks_the_winner(network, trace, layer, neuron):
    view = build(State(view="pool", layer=layer, neuron=neuron), trace, network)
    source = trace[network.sources[layer]][neuron]
    h, w = view.out_shape
    for y, x in [(0, 0), (h - 1, w - 1), (h // 3, w // 2)]:
        frame = view.frame((y, x))
        window = source[2 * y:2 * y + 2, 2 * x:2 * x + 2]
        shown = np.array([frame_value(frame, f"w{i}") for i in range(4)]).reshape(2, 2)
        assert np.array_equal(shown, window)
        assert frame_value(frame, "v") == float(trace[layer][neuron, y, x]) == float(window.max())
        winners = [i for i in range(4) if frame[f"w{i}"]["data-max"] == "true"]
        assert len(winners) == 1 and shown.ravel()[winners[0]] == window.max()
        assert frame["input-win"]["width"] == frame["input-win"]["height"]  # a square window
        assert float(frame_value(frame, "pool-out")) == float(trace[layer][neuron, y, x])


# -- convolution formula -------------------------------------------------------------------------

@pytest.mark.parametrize("layer, neuron, channel", [("conv_1_1", 4, 2), ("conv_2_1", 6, 9)])
def test_conv_formula_multiplies_the_real_window_by_the_real_kernel(network, trace, layer, neuron, channel):
    state = State(view="conv-formula", layer=layer, neuron=neuron, channel=channel, pixel=(7, 11))
    view = build(state, trace, network)
    markup = Markup(view.markup())
    kernel = network.kernel(layer, neuron)[channel]
    shown_kernel = np.array([e.value() for e in markup.find(class_="kernel-cell")]).reshape(3, 3)
    assert np.array_equal(shown_kernel, kernel)
    source = trace[network.sources[layer]][channel]
    intermediates = network.conv_intermediates(trace, layer, neuron)
    for y, x in [(7, 11), (0, 0), (view.out_shape[0] - 1, view.out_shape[1] - 1)]:
        frame = view.frame((y, x))
        window = np.array([frame_value(frame, f"w{i}") for i in range(9)]).reshape(3, 3)
        assert np.array_equal(window, source[y:y + 3, x:x + 3])
        result = frame_value(frame, "r")
        assert result == pytest.approx(float(np.sum(window * kernel)), rel=RTOL, abs=ATOL)
        assert result == float(intermediates[channel, y, x])
        # The line under the grids: all channels' shares plus the bias is the conv's own output pixel.
        shares, out = frame_value(frame, "sum-shares"), frame_value(frame, "sum-out")
        assert out == float(trace[layer][neuron, y, x])
        assert shares + network.bias(layer, neuron) == pytest.approx(out, rel=RTOL, abs=ATOL)


def test_conv_formula_refuses_a_channel_the_layer_does_not_have(network, trace):
    with pytest.raises(ValueError, match="3 input channels"):
        build(State(view="conv-formula", layer="conv_1_1", neuron=0, channel=5), trace, network)
    with pytest.raises(ValueError, match="not a convolution"):
        build(State(view="conv-formula", layer="relu_1_1", neuron=0, channel=0), trace, network)


# -- show the code -------------------------------------------------------------------------------

def test_the_code_panel_shows_the_engines_own_source_and_what_it_returned(network, trace):
    state = State(view="conv-formula", layer="conv_1_2", neuron=5, channel=3, pixel=(20, 30))
    view = build(state, trace, network)
    markup = view.markup()
    parsed = Markup(markup)
    source = [e.text for e in parsed.elements if e.tag == "code" and "def conv_pixel" in e.text]
    assert source == [inspect.getsource(layers.conv_pixel).rstrip()]  # the real code, not a retyped copy
    assert "np.sum(window * kernel) + bias" in source[0]
    whole = parsed.one(data_u="pixel-out")
    assert whole.value() == pytest.approx(float(trace["conv_1_2"][5, 20, 30]), rel=RTOL, abs=ATOL)
    assert parsed.one(data_u="pixel-window").text == "relu_1_1[:, 20:23, 30:33]"
    assert parsed.one(data_u="pixel-window-d").text == "float32 array, shape (10, 3, 3)"
    assert parsed.one(data_u="pixel-kernel-d").text == "float32 array, shape (10, 3, 3)"
    share = parsed.one(data_u="share-out")
    assert share.value() == pytest.approx(float(network.conv_intermediates(trace, "conv_1_2", 5)[3, 20, 30]),
                                          rel=RTOL, abs=ATOL)
    assert float(share.text) == pytest.approx(share.value(), rel=1e-6)


@pytest.mark.parametrize("state, func, expected", [
    (State(view="relu", layer="relu_2_1", neuron=1, pixel=(3, 4)), "relu_value", ("relu_2_1", (1, 3, 4))),
    (State(view="pool", layer="max_pool_1", neuron=8, pixel=(10, 2)), "pool_value", ("max_pool_1", (8, 10, 2))),
])
def test_every_formula_view_has_its_engine_function_in_the_code_panel(network, trace, state, func, expected):
    parsed = Markup(build(state, trace, network).markup())
    sources = [e.text for e in parsed.elements if e.tag == "code" and e.text.startswith("def ")]
    assert sources == [inspect.getsource(getattr(layers, func)).rstrip()]
    outs = [e for e in parsed.elements if e.attrs.get("data-u", "").endswith("-out")]
    layer, index = expected
    assert [e.value() for e in outs] == [float(trace[layer][index])]


# -- softmax -------------------------------------------------------------------------------------

@pytest.mark.parametrize("k", [0, 6, 9])
def test_softmax_terms_are_the_logits_and_the_result_is_the_probability(network, trace, k):
    parsed = Markup(softmax.render(State(view="softmax", layer="logits", neuron=k), trace, network))
    logits = trace["logits"]
    terms = parsed.find(class_="term-value")
    # The numerator exp(l_k), then the ten denominator terms in class order.
    assert terms[0].value() == float(logits[k])
    assert [t.value() for t in terms[1:]] == [float(v) for v in logits]
    assert parsed.one(class_="probability").value() == pytest.approx(float(trace.probabilities[k]), rel=1e-6)
    circles = parsed.find(class_="logit")
    assert [int(c.attrs["data-k"]) for c in circles] == list(range(10))
    assert [e.value() for e in parsed.find(class_="logit-value")] == [float(v) for v in logits]
    worked = parsed.one(class_="worked")
    assert float(worked.attrs["data-exp"]) / float(worked.attrs["data-sum"]) == pytest.approx(
        float(trace.probabilities[k]), rel=1e-5)
    assert parsed.one(data_u="softmax-out").value() == pytest.approx(float(trace.probabilities[k]), rel=1e-6)
    # Hovering term k lights circle k (and the reverse): one CSS rule per class ties them.
    style = [e.text for e in parsed.elements if e.tag == "style"][0]
    assert f'.softmax-svg:has([data-k="{k}"]:hover) .logit[data-k="{k}"] circle' in style
    assert f'.softmax-svg:has([data-k="{k}"]:hover) .logit[data-k="{k}"] text' in style


def test_softmax_circles_are_darker_for_larger_logits(network, trace):
    parsed = Markup(softmax.render(State(view="softmax", layer="logits", neuron=0), trace, network))
    fills = [e.attrs["fill"] for e in parsed.find(class_="logit-circle")]
    logits = trace["logits"]
    lightness = [sum(int(f[i:i + 2], 16) for i in (1, 3, 5)) for f in fills]
    assert lightness[int(np.argmax(logits))] == min(lightness)
    assert lightness[int(np.argmin(logits))] == max(lightness)


# -- the elastic view ----------------------------------------------------------------------------

@pytest.mark.parametrize("layer", CONV_LAYERS)
def test_elastic_layout_keeps_columns_in_order_and_apart(network, layer):
    grid_ = geometry.overview_layout(network)
    e = slide.elastic_layout(grid_, layer)
    xs = [e.xs[c.name] for c in grid_.columns]
    assert all(b - a >= geometry.NODE_SIZE - 1e-6 for a, b in zip(xs, xs[1:])), xs
    assert xs[0] >= 0 and xs[-1] + geometry.NODE_SIZE <= grid_.width
    n = geometry.NODE_SIZE
    assert e.left_x + n < e.inter_x and e.inter_x + n < e.plus_x < e.target_x
    assert e.xs[layer] == e.target_x and e.xs[network.sources[layer]] == e.left_x


@pytest.mark.parametrize("layer, neuron", [("conv_1_1", 0), ("conv_1_2", 4), ("conv_2_2", 9)])
def test_elastic_view_draws_every_input_channel_with_its_own_kernel(network, trace, layer, neuron):
    state = State(view="conv-elastic", layer=layer, neuron=neuron)
    parsed = Markup(conv_elastic.render(state, trace, network))
    root = parsed.one(data_view="conv-elastic")
    c_in = network.layer(layer).in_channels
    assert int(root.attrs["data-channels"]) == c_in
    assert float(root.attrs["data-bias"]) == network.bias(layer, neuron)
    assert len(parsed.find(class_="intermediate")) == c_in
    kernels = network.kernel(layer, neuron)
    glyphs = parsed.find(class_="kernel-glyph hit")
    assert len(glyphs) == c_in
    for glyph in glyphs:
        i = int(glyph.attrs["data-channel"])
        weights = np.array([float(w) for w in glyph.attrs["data-weights"].split()]).reshape(3, 3)
        assert np.array_equal(weights, kernels[i])
        assert glyph.attrs["data-hover"].startswith("Kernel weights: [")
    assert len(parsed.find(data_action="channel", class_="row-hit hit")) == c_in
    bias = parsed.one(class_="bias-node hit")
    assert bias.value() == network.bias(layer, neuron) and bias.attrs["data-hover"].startswith("Bias: ")


def test_the_sliding_kernel_reveals_row_by_row_and_skip_reveals_all():
    total = conv_elastic.TICKS_1D ** 2
    revealed = []
    for tick in range(total):
        frame = conv_elastic.tick_frame(tick)
        rows = float(frame["reveal-rows"]["height"])
        cells = float(frame["reveal-cells"]["width"]) * (1 / conv_elastic.TICKS_1D)
        revealed.append(rows + cells)
    assert revealed == sorted(revealed) and len(set(revealed)) == total
    assert revealed[-1] == pytest.approx(1.0)
    assert conv_elastic.tick_frame(3)["overlay"]["style"] == f"--kx:{3 * conv_elastic.GLYPH:g}px;--ky:0px"
    done = conv_elastic.tick_frame(0, done=True)
    assert done["reveal-rows"]["height"] == "1" and done["overlay"]["data-done"] == "true"


def test_elastic_slide_moves_columns_and_fades_the_other_maps(network):
    state = State(view="conv-elastic", layer="conv_1_1", neuron=2)
    css = conv_elastic.slide_css(state, network)
    e = slide.elastic_layout(geometry.overview_layout(network), "conv_1_1")
    dx = e.xs["conv_1_1"] - geometry.overview_layout(network).column("conv_1_1").x
    assert f'[data-column="conv_1_1"]:not(.more-maps){{transform:translateX({dx:.2f}'.rstrip("0") in css
    assert '[data-column="conv_1_1"] .map-box:not(:has([data-index="2"]))' in css
    assert '#overview-svg[data-detail="conv-formula"]' in css  # the formula view keeps the elastic layout


# -- the flatten view ----------------------------------------------------------------------------

@pytest.mark.parametrize("k", [0, 6])
def test_flatten_hover_shows_the_entry_its_pixel_and_its_weight(network, trace, k):
    view = build(State(view="flatten", layer="logits", neuron=k), trace, network)
    pooled = trace["max_pool_2"]
    weights = network.kernel("logits", k)
    for index in (0, 168, 169 * 9 + 50):
        frame = view.hover_frame(index)
        c, rest = divmod(index, 169)
        row, col = divmod(rest, 13)
        info = frame["flatten-info"]
        assert float(info["data-value"]) == float(trace["flatten"][index]) == float(pooled[c, row, col])
        assert float(info["data-weight"]) == float(weights[index])
        assert f"max_pool_2[{c}, {row}, {col}]" in info["text"]
        x, y, side = view.pixel_box(index)
        column = geometry.overview_layout(network).column("max_pool_2")
        assert float(frame["hover-pixel"]["y"]) == pytest.approx(column.ys[c] + row * side, abs=0.01)
        assert float(frame["hover-pixel"]["x"]) == pytest.approx(view.f.left_x + col * side, abs=0.01)
    # Pointer positions map to entries: on the vector by height, on a map by (x, y).
    assert view.entry_at("flat-0", 0.0) == 0 and view.entry_at("flat-last", 0.999) == 1689
    assert view.entry_at("map-9", fy=0.5, fx=0.0) == 9 * 169 + 6 * 13
    assert view.entry_at("map-3", 0.5) is None  # the maps between are drawn as bars only


def test_flatten_sum_box_adds_products_and_bias_into_the_logit(network, trace):
    view = build(State(view="flatten", layer="logits", neuron=3), trace, network)
    parsed = Markup(view.code_box())
    assert parsed.one(data_part="flatten-sum").attrs["data-neuron"] == "3"
    numbers = [e.value() for e in parsed.find(class_="num")]
    products, bias, logit = numbers
    assert logit == float(trace["logits"][3])
    assert bias == network.bias("logits", 3)
    assert products + bias == pytest.approx(logit, rel=1e-5, abs=1e-5)
    assert parsed.one(data_u="dense-out").value() == pytest.approx(logit, rel=1e-5, abs=1e-6)
    overlay = Markup(view.overlay())
    assert overlay.one(data_view="flatten").attrs["data-class"] == network.classes[3]
    assert len(overlay.find(class_="flatten-entries hit")) == 2


# -- shared grid logic ---------------------------------------------------------------------------

def test_stepping_goes_row_by_row_and_wraps():
    assert frames.next_pixel((0, 4), (3, 5)) == (1, 0)
    assert frames.next_pixel((2, 4), (3, 5)) == (0, 0)
    assert frames.pixel_for_hover("input", 9, 9, 2, (30, 30)) == (4, 4)
    assert frames.pixel_for_hover("input", 63, 63, 1, (62, 62)) == (61, 61)  # the window stays inside
    assert frames.clamp_pixel((99, -3), (13, 13)) == (12, 0)
    assert frames.clamp_pixel(None, (13, 13)) == (0, 0)


def test_arrow_keys_move_the_output_pixel_and_stop_at_the_edges():
    assert frames.moved_pixel((3, 5), "ArrowRight", (13, 13)) == (3, 6)
    assert frames.moved_pixel((3, 5), "ArrowUp", (13, 13)) == (2, 5)
    assert frames.moved_pixel((0, 12), "ArrowUp", (13, 13)) == (0, 12)
    assert frames.moved_pixel((0, 12), "ArrowRight", (13, 13)) == (0, 12)
    assert frames.moved_pixel((4, 7), "Home", (13, 13)) == (4, 0)
    assert frames.moved_pixel((4, 7), "End", (13, 13)) == (4, 12)


def test_arrow_keys_move_between_the_overviews_maps(network):
    grid = geometry.overview_layout(network)
    assert geometry.neighbour(grid, "conv_1_1", 4, "ArrowDown") == ("conv_1_1", 5)
    assert geometry.neighbour(grid, "conv_1_1", 9, "ArrowDown") == ("conv_1_1", 9)  # the column's end
    assert geometry.neighbour(grid, "conv_1_1", 4, "End") == ("conv_1_1", 9)
    assert geometry.neighbour(grid, "relu_1_1", 4, "ArrowLeft") == ("conv_1_1", 4)
    assert geometry.neighbour(grid, "output", 2, "ArrowRight") == ("output", 2)  # the last column
    # the input's 3 channels sit apart: left and right go to the map nearest in height
    inputs = grid.column("input")
    for channel in range(3):
        name, index = geometry.neighbour(grid, "input", channel, "ArrowRight")
        gaps = [abs(y - inputs.ys[channel]) for y in grid.column(name).ys]
        assert name == "conv_1_1" and gaps[index] == min(gaps)
        assert geometry.neighbour(grid, name, index, "ArrowLeft") == ("input", channel)


def test_frames_only_rewrite_what_changed(network, trace):
    view = build(State(view="pool", layer="max_pool_2", neuron=0), trace, network)
    a, b = view.frame((0, 0)), view.frame((0, 1))
    diff = frames.changes(a, b)
    assert diff["input-win"] == {"x": b["input-win"]["x"]}  # moved right only
    assert "output-win" in diff and frames.changes(a, a) == {}


def test_cell_text_stays_readable_on_dark_cells():
    scale = scales.activation_scale(1.0)
    assert scale.ink(0.95) == scales.INK_DARK and scale.ink(-0.95) == scales.INK_DARK
    assert scale.ink(0.0) == scales.INK_LIGHT
    assert frames.value_text(-0.0001) == "0.00"

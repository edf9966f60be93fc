"""The overview of a bigger student model (issue 21 item 3): a column of 64 maps shows as many as fit with a
"+ N more" button that pages through them (all columns together, in the address), hidden dense layers are columns
of units with the engine's values, a deep model grows wider instead of squeezing its columns, and the page's
markup stays bounded whatever the filter count."""
from __future__ import annotations

import re

import numpy as np
import pytest

from pyapp.engine.network import Network, random_weights
from pyapp.ui import geometry
from pyapp.ui.state import State
from pyapp.views.detail import why_contributions
from pyapp.views.detail.base import build
from pyapp.views.widgets import overview


def description(filters=(32, 64), dense=(120, 84), blocks=1, size=28, channels=1) -> dict:
    layers = []
    for b in range(blocks):
        for k, n in enumerate(filters):
            layers += [{"name": f"conv_{b}_{k}", "type": "conv2d", "filters": n, "kernel_size": 3, "padding": "same"},
                       {"name": f"relu_{b}_{k}", "type": "relu"}]
        layers.append({"name": f"pool_{b}", "type": "max_pool2d", "pool_size": 2})
    layers.append({"name": "flatten", "type": "flatten"})
    for k, n in enumerate(dense):
        layers += [{"name": f"dense_{k}", "type": "dense", "units": n}, {"name": f"dense_{k}_relu", "type": "relu"}]
    layers += [{"name": "logits", "type": "dense", "units": 4}, {"name": "probabilities", "type": "softmax"}]
    return {"name": "student", "input_shape": [size, size, channels], "classes": list("abcd"), "layers": layers}


@pytest.fixture(scope="module")
def network():
    spec = description()
    return Network(spec, random_weights(spec, seed=1))


@pytest.fixture(scope="module")
def trace(network):
    return network.forward(np.random.default_rng(2).random((28, 28, 3), dtype=np.float32))


def test_a_64_map_column_shows_what_fits_and_says_how_many_more(network):
    column = geometry.overview_layout(network).column("conv_0_1")
    assert column.drawn == tuple(range(10)) and column.more == 54
    ys = [column.ys[i] for i in column.drawn] + [column.more_y]
    assert all(b - a >= geometry.NODE_SIZE for a, b in zip(ys, ys[1:]))  # 10 maps and the button, none overlap
    assert ys[-1] + geometry.NODE_SIZE <= geometry.COLUMNS_TOP + geometry.COLUMNS_HEIGHT


def test_the_more_button_pages_through_every_map_and_back(network):
    seen, page = [], 0
    for _ in range(7):
        column = geometry.overview_layout(network, page).column("conv_0_1")
        seen += column.drawn
        page = geometry.next_page(column)
    assert seen == list(range(64)) and page == 0  # seven pages of 10 (the last of 4), then the first again
    last = geometry.overview_layout(network, 6)
    assert last.column("conv_0_0").drawn == (30, 31)  # 32 maps: four pages, it stays on its last
    for page in range(7):  # a ReLU always shows the maps of its convolution, row for row (links stay one to one)
        grid = geometry.overview_layout(network, page)
        assert grid.column("relu_0_1").drawn == grid.column("conv_0_1").drawn
        assert [grid.column("relu_0_1").ys[i] for i in grid.column("relu_0_1").drawn] == \
            [grid.column("conv_0_1").ys[i] for i in grid.column("conv_0_1").drawn]


def test_the_page_is_in_the_address():
    state = State(maps=3)
    assert state.to_url() == "maps=3" and State.from_url("maps=3") == state
    assert State.parse("maps=x")[1] == ["maps"] and State.parse("maps=64")[1] == ["maps"]


def test_the_button_says_how_many_more_and_which_maps_show(network, trace):
    page = overview.render(State(image="custom"), trace, network, canvas=True)
    buttons = re.findall(r'<g class="more-maps" data-column="([a-z_0-9]+)" data-page="(\d+)".*?</g>', page)
    assert ("conv_0_1", "1") in buttons and ("dense_0", "1") in buttons
    assert re.search(r'data-column="conv_0_1"[^>]*role="button"[^>]*aria-label="\+ 54 more 1\u201310 of 64 shown '
                     r'in conv_0_1: show the next maps".*?>\+ 54 more<.*?>1\u201310 of 64<', page)
    last = overview.render(State(image="custom", maps=6), trace, network, canvas=True)
    assert re.search(r'data-column="conv_0_1" data-page="0".*?>back to 1<.*?>61\u201364 of 64<', last)


def test_hidden_dense_layers_are_columns_of_units_with_the_engines_values(network, trace):
    grid = geometry.overview_layout(network)
    names = [c.name for c in grid.columns]
    assert names[-5:] == ["dense_0", "dense_0_relu", "dense_1", "dense_1_relu", geometry.OUTPUT]
    page = overview.render(State(image="custom"), trace, network, canvas=True)
    for name in ("dense_0", "dense_1_relu"):
        units = re.findall(rf'<rect[^>]*class="unit" data-layer="{name}" data-index="(\d+)"[^>]*aria-label="[^"]*: '
                           rf'(-?[0-9.]+)"', page)
        column = grid.column(name)
        assert [int(i) for i, _ in units] == list(column.drawn) == list(range(19))
        assert [float(v) for _, v in units] == pytest.approx(trace[name][:19].tolist(), abs=1e-4)
    assert overview.hover_text(trace, network, "dense_1", 3) == f"dense_1, unit 4 of 84: {trace['dense_1'][3]:.4f}"
    # links into a dense layer come from every drawn map of the last pooling column, into its activation one to one
    assert len(geometry.sources(grid, grid.column("dense_0"), 0)) == 10
    assert geometry.sources(grid, grid.column("dense_0_relu"), 5) == [(grid.column("dense_0"), 5)]


def test_a_64_filter_models_page_stays_bounded(trace, network):
    """The page's DOM is bounded (2,200 elements with Tiny VGG's 103 maps): the overview of 32 and 64 filters and
    two dense layers of 120 and 84 units draws no more elements than Tiny VGG's."""
    from pyapp.engine.network import load_network

    tiny = load_network()
    shipped = overview.render(State(), tiny.forward(np.zeros((64, 64, 3), np.float32)), tiny, canvas=True)
    page = overview.render(State(image="custom"), trace, network, canvas=True)
    assert page.count("<") <= shipped.count("<")
    wider = Network(description(filters=(64, 64), blocks=2, size=32, channels=3),
                    random_weights(description(filters=(64, 64), blocks=2, size=32, channels=3), seed=0))
    assert overview.render(State(image="custom"), wider.forward(np.zeros((32, 32, 3), np.float32)), wider,
                           canvas=True).count("<") <= 1.5 * shipped.count("<")


def test_a_deep_model_grows_wider_and_cuts_long_names_to_their_room():
    spec = description(filters=(8, 8), dense=(16,), blocks=3, size=64, channels=3)
    for layer in spec["layers"]:
        layer["name"] = layer["name"].replace("conv", "convolution_layer")
    network = Network(spec, random_weights(spec, seed=0))
    grid = geometry.overview_layout(network)
    assert len(grid.columns) == 19 and grid.width > geometry.CANVAS_WIDTH
    xs = [c.x for c in grid.columns]
    assert min(b - a for a, b in zip(xs, xs[1:])) >= geometry.NODE_SIZE + geometry.MIN_GAP
    page = overview.render(State(image="custom"), network.forward(np.zeros((64, 64, 3), np.float32)), network,
                           canvas=True)
    assert 'class="overview-scroll wide"' in page and "--overview-wide:" in page
    names = re.findall(r'<tspan font-size="11.5">([^<]*)</tspan>', page)
    assert names[1] == "con\u2026_0_0" and len(set(names)) == len(names)  # cut in the middle: still told apart


def test_why_bars_go_under_the_drawn_maps_only(network, trace):
    bars = re.findall(r'class="why-contribution" data-layer="conv_0_1" data-index="(\d+)"',
                      why_contributions.overlay(network, trace, 0, page=2))
    assert [int(i) for i in bars] == list(range(20, 30))


@pytest.mark.parametrize("filters, page", [(64, 0), (64, 3), (64, 6), (61, 6)])
def test_the_flatten_view_details_the_maps_drawn_and_bars_the_other_pages(filters, page):
    """64 pooled maps, 10 to a page: the vector shows the first and last map of the page in full, beside those
    maps; the maps between as bars; the other pages' maps as bars from the "+ N more" row (before: the last
    detailed map and all after it sat at that row, the bars between squeezed to nothing). 61 maps: a last page
    of one map, one block, down to the button's row at most."""
    spec = description(filters=(filters,), dense=())  # the pooled maps straight into the logits
    network = Network(spec, random_weights(spec, seed=3))
    trace = network.forward(np.random.default_rng(4).random((28, 28, 1), dtype=np.float32))
    view = build(State(view="flatten", layer="logits", neuron=1, maps=page), trace, network)
    column = geometry.overview_layout(network, page).column("pool_0")
    drawn, per_map = column.drawn, 14 * 14
    first, last = drawn[0], drawn[-1]
    assert view.detailed_maps() == (first, last) and column.more_y is not None
    markup = view.overlay()
    blocks = re.findall(r'<image [^>]*class="flatten-entries hit"[^>]*>', markup)
    assert [int(re.search(r'data-map="(\d+)"', b).group(1)) for b in blocks] == sorted({first, last})
    below = column.more_y if first == last else column.ys[last]  # a page of one: down to the button's row
    for block in blocks:  # each detailed map's entries lie beside the drawn maps, above the "+ N more" row
        y, height = (float(re.search(f' {a}="([-\\d.]+)"', block).group(1)) for a in ("y", "height"))
        assert column.ys[first] - 0.01 <= y and y + height <= below + geometry.NODE_SIZE + 0.01
        assert height >= 0.5 * geometry.NODE_SIZE  # legible: at least half a map's height
    bars = re.findall(r'<rect [^>]*class="flatten-abstract[^"]*"[^>]*>', markup)
    between = [int(re.search(r'data-map="(\d+)"', b).group(1)) for b in bars if "data-map=" in b]
    rest = [re.search(r'data-maps="(\d+)-(\d+)"', b).groups() for b in bars if "data-maps=" in b]
    assert between == list(drawn[1:-1])
    end = str(filters - 1)
    assert rest == ([("0", str(first - 1))] if first else []) + ([(str(last + 1), end)] if last < filters - 1 else [])
    assert all(float(re.search(r' height="([-\d.]+)"', b).group(1)) > 0 for b in bars)
    # the pointer on the last detailed map's entries, and on that map, finds its values
    assert view.entry_at("flat-last", 0.0) == last * per_map
    assert view.entry_at(f"map-{last}", 0.0, 0.0) == last * per_map
    assert float(view.hover_frame(last * per_map)["flatten-info"]["data-value"]) == float(trace["pool_0"][last, 0, 0])

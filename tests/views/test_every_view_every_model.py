"""Every detail view on every layer it explains, for the networks a student meets first (issue 21 item 5):
PyTorch's CIFAR-10 tutorial net, the Keras MNIST convnet, LeNet-5, a VGG-style net with same padding and batch
normalisation, a net with global average pooling before its dense layer and one with no dense layer at all (its
classes' scores are the averages of its last maps); each view is built, drawn and stepped on every
map-bearing layer it shows, with random weights (the numbers' correctness is checked view by view elsewhere)."""
from __future__ import annotations

import numpy as np
import pytest
from engine_fixtures import MODELS, network_of

from pyapp.ui.state import State
from pyapp.views.detail import registry
from pyapp.views.detail.base import build

NEEDS_DATA = {"unit", "atlas", "shift"}  # the patches of a model's images, the MLP beside the shipped model: elsewhere


@pytest.mark.parametrize("model", list(MODELS))
def test_every_view_opens_draws_and_steps_on_every_layer_it_explains(model):
    network = network_of(model)
    picture = np.random.default_rng(2).random(tuple(network.input_shape), dtype=np.float32)
    trace = network.forward(picture)
    opened, refused = set(), set()
    for entry in registry.ENTRIES:
        if entry.name in NEEDS_DATA:
            continue
        for layer in network.layers:
            if not registry.can_show(entry, network, layer.name):
                continue
            count = trace[layer.name].shape[0]
            for neuron in sorted({0, count - 1}):
                state = State(view=entry.name, layer=layer.name, neuron=neuron)
                checked, said = state.checked(network)
                if checked.view != entry.name:  # a view that cannot draw this layer is refused in words
                    assert said and said == registry.misfit(entry, network, layer.name), (model, entry.name, said)
                    refused.add((entry.name, layer.name))
                    continue
                view = build(state, trace, network)
                markup = view.markup() + view.overlay()  # a box, an overlay on the overview, or both
                view.overlay_frame()
                assert f'data-view="{entry.name}"' in markup or f"data-view='{entry.name}'" in markup, \
                    (model, entry.name, layer.name)
                shape = getattr(view, "out_shape", None)
                if entry.step_ms and shape:  # a stepping view: its last window too
                    view.frame((shape[0] - 1, shape[1] - 1))
                opened.add(entry.name)
    # every map layer opens its view; what is refused is only a view of numbers that are not maps
    assert all(len(network.shapes[layer]) == 1 for view, layer in refused if view not in ("flatten", "softmax"))
    assert {"conv-elastic", "conv-formula", "pool", "why", "softmax"} <= opened
    # the softmax over the flatten view, or alone where that cannot draw the classes; Esc goes back accordingly
    output = registry.output_layer(network)
    alone = registry.misfit(registry.entry("flatten"), network, output) is not None
    assert registry.drawn_root("softmax", network, output) == ("softmax" if alone else "flatten")
    assert State(view="softmax", layer=output, neuron=1).back(network).view == ("overview" if alone else "flatten")
    # a click on an output class opens a view that can draw it: the flatten view, or Why? without a flatten step
    first = registry.opened_by(registry.OUTPUT_LAYER_TYPE, network, registry.output_layer(network))
    assert first.name == ("flatten" if model == "keras-mnist" else "why")  # one dense layer after the flatten


def test_a_view_of_a_map_on_a_later_page_opens_where_that_map_is_drawn():
    """VGG-style, 32 maps a layer: map 20 is drawn on the overview's third page; its views are drawn there."""
    from pyapp.ui import geometry
    from pyapp.views.parts.pair import pair_anchor

    network = network_of("vgg-bn")
    trace = network.forward(np.random.default_rng(2).random(tuple(network.input_shape), dtype=np.float32))
    per = geometry.MAP_ROWS - 1
    state, _ = State(view="pool", layer="pool", neuron=20).checked(network)  # an address without maps=
    assert state.maps == 20 // per
    column = geometry.overview_layout(network, state.maps).column("pool")
    assert 20 in column.drawn
    x, y, _ = pair_anchor(network, "pool", 20, state.maps)
    assert y == column.ys[20] + geometry.NODE_SIZE / 2 and y != column.more_y + geometry.NODE_SIZE / 2
    assert f"M{column.x:.1f},{column.ys[20]:.1f}" in build(state, trace, network).overlay()  # the map's outline
    assert State(view="pool", layer="pool", neuron=3, maps=0).checked(network)[0].maps == 0  # in sight: kept

"""Issue 24 item 10: what a visitor reads numbers maps, channels and classes from 1, as the overview does;
addresses and code keep Python's 0-based indices."""
from __future__ import annotations

from pyapp.ui.state import State
from pyapp.views.article import figures
from pyapp.views.detail import conv_elastic
from pyapp.views.detail.base import build


def test_detail_views_number_maps_and_channels_from_one(network, photo):
    trace = network.forward(photo)
    elastic = conv_elastic.render(State(view="conv-elastic", layer="conv_1_2", neuron=0), trace, network)
    assert "How conv_1_2 map 1 is computed" in elastic and "map 0" not in elastic
    assert "input channel 1 \u2217 kernel 1" in elastic and "channel 0" not in elastic
    formula = build(State(view="conv-formula", layer="conv_2_1", neuron=4, channel=0, pixel=(1, 1)),
                    trace, network).markup()
    assert "channel <b>1</b>\u2019s share" in formula
    assert "<code>conv_2_1[4]" in formula  # code keeps the index Python uses


def test_a_links_notice_and_the_flatten_figure_count_from_one(network):
    _, problem = State(view="relu", layer="relu_1_1", neuron=12).checked(network)
    assert problem == "relu_1_1 has 10 maps; there is no map 13."
    _, problem = State(view="conv-formula", layer="conv_1_2", neuron=1, channel=10, pixel=(0, 0)).checked(network)
    assert "has no input channel 11." in problem
    assert "map 1 row by row, then map 2" in figures.flatten() and ">map 0<" not in figures.flatten()

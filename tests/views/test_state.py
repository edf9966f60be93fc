"""The address form of the State: every valid state survives the round trip, any text at all reads as a
valid state (with a notice of what was dropped), and a state is fitted to the network before it is drawn."""
from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyapp.ui.state import COLOR_MODES, CUSTOM_IMAGE, DEFAULT_METHOD, METHODS, VIEWS, State, notice
from pyapp.views.detail import registry

CLASSES = ("lifeboat", "ladybug", "pizza", "bell pepper", "school bus", "koala", "espresso", "red panda", "orange",
           "sport car")
small = st.integers(min_value=0, max_value=999_999)


@st.composite
def states(draw):
    view = draw(st.sampled_from(VIEWS))
    detail_view = view != "overview"
    image = draw(st.sampled_from(CLASSES + (CUSTOM_IMAGE,)))
    return State(
        image=image,
        image_url=draw(st.none() | st.text(min_size=1)) if image == CUSTOM_IMAGE else None,
        colors=draw(st.sampled_from(COLOR_MODES)),
        detail=draw(st.booleans()),
        embed=draw(st.booleans()),
        view=view,
        layer=draw(st.from_regex(r"[A-Za-z0-9_]{1,64}", fullmatch=True)) if detail_view else None,
        neuron=draw(small) if detail_view else None,
        channel=draw(st.none() | small),
        pixel=draw(st.none() | st.tuples(small, small)),
        method=draw(st.sampled_from(METHODS)),
        compare=draw(st.none() | small),
    )


def valid(state: State) -> bool:
    """What every part of the app may rely on, whatever the link said."""
    ints = all(v is None or (type(v) is int and 0 <= v < 10**6) for v in (state.neuron, state.channel, state.compare))
    pixel = state.pixel is None or (len(state.pixel) == 2 and all(type(p) is int and p >= 0 for p in state.pixel))
    detail_ok = state.view == "overview" or (state.layer is not None and state.neuron is not None)
    custom_ok = state.image_url is None or (state.image == CUSTOM_IMAGE and state.image_url != "")
    return (state.view in VIEWS and state.method in METHODS and state.colors in COLOR_MODES and ints and pixel and detail_ok and custom_ok
            and isinstance(state.detail, bool) and isinstance(state.embed, bool))


@settings(max_examples=300, deadline=None)
@given(states())
def test_every_valid_state_survives_its_address(state):
    assert State.from_url(state.to_url(), CLASSES) == state
    assert State.from_url("#" + state.to_url()) == state


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_any_text_reads_as_a_valid_state(text):
    state, dropped = State.parse(text, CLASSES)
    assert valid(state)
    assert isinstance(dropped, list)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["image", "view", "layer", "neuron", "channel", "pixel", "colors", "detail",
                                        "embed", "image_url", "method", "compare"]), st.text(), max_size=6))
def test_any_values_of_the_known_fields_read_as_a_valid_state(fields):
    text = "&".join(f"{quote(k)}={quote(v)}" for k, v in fields.items())
    state, dropped = State.parse(text, CLASSES)
    assert valid(state)


@pytest.mark.parametrize("text,field", [
    ("neuron=%C2%B2&view=relu&layer=relu_1_1", "neuron"),  # superscript two: isdigit(), but int() refuses it
    ("pixel=%C2%B9,%C2%B9&view=relu&layer=relu_1_1&neuron=1", "pixel"),
    ("neuron=" + "9" * 5000 + "&view=relu&layer=relu_1_1", "neuron"),  # over int()'s 4300-digit limit
    ("view=nonsense", "view"),
    ("image=not-a-class", "image"),
    ("colors=rainbow", "colors"),
    ("view=why&layer=logits&neuron=5&method=guesswork", "method"),
    ("view=why&layer=logits&neuron=5&compare=-1", "compare"),
    ("view=why&layer=logits&neuron=5&compare=%C2%B3", "compare"),
])
def test_crafted_links_are_dropped_with_a_notice(text, field):
    state, dropped = State.parse(text, CLASSES)
    assert valid(state)
    assert field in dropped
    assert field in notice(dropped)


def test_a_clean_link_gives_no_notice():
    state, dropped = State.parse("image=koala&view=relu&layer=relu_1_1&neuron=3&pixel=4,5", CLASSES)
    assert dropped == [] and notice(dropped) is None
    assert state == State(image="koala", view="relu", layer="relu_1_1", neuron=3, pixel=(4, 5))


@pytest.mark.parametrize("state,expected,words", [
    (State(view="relu", layer="relu_9_9", neuron=0), State(), "no layer called 'relu_9_9'"),
    (State(view="relu", layer="conv_1_1", neuron=0), State(), "not a layer the relu view"),
    (State(view="pool", layer="max_pool_1", neuron=10), State(), "no map 11"),
    (State(view="softmax", layer="logits", neuron=10), State(), "no map 11"),
    (State(view="conv-formula", layer="conv_1_2", neuron=1, channel=10),
     State(view="conv-elastic", layer="conv_1_2", neuron=1), "no input channel 11"),
    (State(view="relu", layer="relu_2_2", neuron=1, pixel=(26, 0)),
     State(view="relu", layer="relu_2_2", neuron=1), "no pixel (26, 0)"),
    (State(view="why", layer="logits", neuron=5, method="occlusion", compare=10),
     State(view="why", layer="logits", neuron=5, method="occlusion"), "no class 11 to compare with"),
    (State(view="why", layer="conv_1_1", neuron=5), State(), "not a layer the why view"),
    (State(view="why", layer="logits", neuron=12), State(), "no map 13"),
])
def test_a_state_the_network_cannot_show_is_fitted_to_it(network, state, expected, words):
    fitted, problem = state.checked(network)
    assert fitted == expected
    assert words in problem
    assert fitted.checked(network) == (fitted, None)  # what is left can be drawn


def test_every_registered_view_accepts_its_own_layer_type(network):
    for entry in registry.ENTRIES:
        layer = next((layer.name for layer in network.layers if entry.shows(layer.type)), None)
        if layer is None:  # batch normalisation, dropout: tests/views/test_layer_views.py, on a model that has them
            continue
        state = State(view=entry.name, layer=layer, neuron=0, pixel=None)
        assert state.checked(network) == (state, None)


def test_back_follows_the_registry():
    formula = State(view="conv-formula", layer="conv_1_1", neuron=2, channel=1, pixel=(3, 3))
    assert formula.back() == State(view="conv-elastic", layer="conv_1_1", neuron=2)
    assert formula.back().back() == State()
    assert State(view="softmax", layer="logits", neuron=2).back() == State(view="flatten", layer="logits", neuron=2)
    assert State().back() == State()


def test_a_why_link_reads_back_with_its_method_and_class_to_compare():
    text = "image=koala&view=why&layer=logits&neuron=5&method=saliency&compare=7"
    state, dropped = State.parse(text, CLASSES)
    assert dropped == []
    assert state == State(image="koala", view="why", layer="logits", neuron=5, method="saliency", compare=7)
    assert State.from_url(state.to_url(), CLASSES) == state
    assert "method=saliency" in state.to_url() and "compare=7" in state.to_url()
    assert "method" not in State(view="why", layer="logits", neuron=5).to_url()  # the default is not written


def test_method_and_compare_belong_to_the_why_view(network):
    why = State(image="koala", view="why", layer="logits", neuron=5, method="occlusion", compare=2)
    assert why.checked(network) == (why, None)
    assert why.back() == State(image="koala")  # Esc: the overview, with the method back to its default
    # another view, or the overview, does not keep them (its address stays clean)
    relu = State(view="relu", layer="relu_1_1", neuron=0, method="saliency", compare=3)
    assert relu.checked(network) == (State(view="relu", layer="relu_1_1", neuron=0), None)
    assert State(method="saliency").checked(network) == (State(), None)
    # comparing a class with itself shows it once
    assert why.with_(compare=5).checked(network) == (why.with_(compare=None), None)


def test_the_states_methods_are_the_engines():
    from pyapp.engine import explain

    assert METHODS == tuple(explain.METHODS) and DEFAULT_METHOD == explain.DEFAULT_METHOD


def test_a_unit_link_reads_back_and_fits_a_convolution_or_relu_map_only(network):
    state, dropped = State.parse("image=koala&view=unit&layer=conv_2_1&neuron=4", CLASSES)
    assert dropped == [] and state == State(image="koala", view="unit", layer="conv_2_1", neuron=4)
    assert state.checked(network) == (state, None)
    assert State(view="unit", layer="relu_1_1", neuron=9).checked(network)[1] is None
    assert State(view="unit", layer="max_pool_1", neuron=0).checked(network) == \
        (State(), "max_pool_1 is not a layer the unit view can show.")
    assert State(view="unit", layer="conv_1_1", neuron=10).checked(network)[0] == State()
    assert State(view="unit", layer="conv_2_1", neuron=4).back() == State()


def test_the_atlas_needs_no_unit_but_keeps_a_whole_one():
    assert State.parse("view=atlas", CLASSES) == (State(view="atlas"), [])
    assert State.parse("view=atlas&layer=conv_1_2&neuron=3", CLASSES)[0] == State(view="atlas", layer="conv_1_2", neuron=3)
    assert State.parse("view=atlas&layer=conv_1_2", CLASSES) == (State(view="atlas"), ["layer"])
    assert State.parse("view=unit&layer=conv_1_2", CLASSES) == (State(), ["view"])  # which unit? the overview


def test_the_registry_s_units_are_the_atlas_s():
    from pyapp.engine import atlas

    assert registry.UNIT_TYPES == atlas.UNIT_TYPES

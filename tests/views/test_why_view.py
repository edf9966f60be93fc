"""The "Why?" view (pyapp/views/detail/why.py): facts a reader relies on, not a snapshot."""
import re

import numpy as np
import pytest

from pyapp.engine import explain
from pyapp.views.detail import why, why_contributions
from pyapp.views.parts import code_panel
from pyapp.images.png import input_pixels


@pytest.fixture(scope="module")
def net(untrained):
    return untrained


@pytest.fixture(scope="module")
def trace(net):
    return net.forward(np.random.default_rng(8).random((64, 64, 3), dtype=np.float32))


def _attr(html, cls, name):
    match = re.search(rf'<g[^>]*class="{cls}"[^>]*>', html)
    return float(re.search(rf'{name}="([^"]+)"', match.group(0)).group(1))


@pytest.mark.parametrize("method", list(explain.METHODS))
def test_legend_shows_the_real_minimum_and_maximum(net, trace, method):
    html = why.render(None, trace, net, method=method, target="orange")
    heat = explain.explain(net, trace, "orange", method)
    assert _attr(html, "why-legend", "data-min") == pytest.approx(float(heat.min()), rel=1e-5, abs=1e-30)
    assert _attr(html, "why-legend", "data-max") == pytest.approx(float(heat.max()), rel=1e-5)
    assert f"min {float(heat.min()):.3g}" in html and f"max {float(heat.max()):.3g}" in html
    # signed methods: the colour bar is centred on zero and reaches the largest magnitude
    bar = re.search(r'data-lo="([^"]+)" data-hi="([^"]+)"', html)
    lo, hi = float(bar.group(1)), float(bar.group(2))
    if explain.METHODS[method].signed:
        assert lo == -hi and hi == pytest.approx(np.abs(heat).max(), rel=1e-5)
    else:
        assert (lo, hi) == (pytest.approx(float(heat.min()), abs=1e-9), pytest.approx(float(heat.max()), rel=1e-5))


def test_default_class_is_the_answer_and_compare_shares_one_range(net, trace):
    answer = net.classes[int(trace.probabilities.argmax())]
    html = why.render(None, trace, net)
    assert f'data-class="{answer}"' in html and 'data-view="why"' in html and 'data-method="gradcam"' in html
    both = why.render(None, trace, net, method="saliency", target="koala", compare="lifeboat")
    assert re.findall(r'class="why-panel" data-class="([^"]+)"', both) == ["koala", "lifeboat"]
    heats = [explain.saliency(net, trace, k) for k in ("koala", "lifeboat")]
    assert _attr(both, "why-legend", "data-max") == pytest.approx(max(float(h.max()) for h in heats), rel=1e-5)


def test_the_text_is_two_sentences_with_a_citation_and_the_code_is_the_engines(net, trace):
    html = why.render(None, trace, net, method="occlusion", target=3)
    text = re.search(r'<p class="why-text"[^>]*>(.*?)</p>', html).group(1)
    assert len(re.findall(r"[.!?](?:\s|$)", text)) == 2 and "Zeiler and Fergus 2014" in text
    assert "bell pepper" in text
    escaped = code_panel.source(explain.occlusion).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert escaped.replace('"', "&quot;").replace("'", "&#39;") in html
    assert 'aria-pressed="true"' in html and html.count('data-action="why-method"') == len(explain.METHODS)


def test_the_heat_map_is_drawn_over_the_photo_and_fades_where_weak(net, trace):
    heat = explain.gradcam(net, trace, 1)
    scale = why.heat_scale(explain.METHODS["gradcam"], [heat])
    rgba = why.heat_rgba(heat, scale)
    assert rgba[..., 3].max() == round(255 * why.ALPHA) and rgba[..., 3][heat == heat.min()].max() == 0
    photo = input_pixels(trace)
    blended = why.overlay(photo, heat, scale)
    weak = heat == heat.min()
    np.testing.assert_array_equal(blended[weak], photo[weak])  # where the map is at its minimum: the photo


def test_article_section_is_well_formed_and_says_plainly_which_methods_do_no_better_than_the_centre(monkeypatch):
    import xml.etree.ElementTree as ET

    from pyapp.views.article import why as why_article

    root = ET.fromstring(why_article.section())
    assert root.get("id") == "article-why"
    text = "".join(root.itertext())
    assert "explain this model, not the world" in text
    # the figures are printed, and every method at or under the centre's score is said to do no better
    for everything, small in why_article.POINTING.values():
        assert f"{100 * everything:.1f}%" in text and f"{100 * small:.1f}%" in text
    if len(why_article.no_better()) == len(why_article.POINTING):
        assert "None of the methods does better than pointing at the centre" in text
    for key in why_article.no_better():
        assert explain.METHODS[key].label in text.split("than pointing at the centre")[0] or "None of" in text
    # a method that beats the centre is not called worse
    monkeypatch.setitem(why_article.POINTING, "occlusion", (0.95, 0.9))
    monkeypatch.setitem(why_article.POINTING, "gradcam", (0.95, 0.5))
    said = " ".join(why_article.verdicts())
    assert "Occlusion points inside the box more often than the centre" in said
    assert "Grad-CAM beats the centre only on some images" in said
    assert said.startswith("Saliency and Gradient \u00d7 input do no better than pointing at the centre")


# -- the view in the page: built from the State through the registry -------------------------------

def _state(**changes):
    from pyapp.ui.state import State

    return State(view="why", layer="logits", neuron=5, **changes)


@pytest.mark.parametrize("method", list(explain.METHODS))
def test_the_registry_builds_the_view_from_the_state_for_every_method(net, trace, method):
    from pyapp.views.detail import base, registry

    assert registry.entry("why").parent == registry.OVERVIEW and registry.opened_by("dense").name == "flatten"
    view = base.build(_state(method=method), trace, net)
    html = view.markup()
    assert f'data-view="why"' in html and f'data-method="{method}"' in html and 'data-class="koala"' in html
    assert re.findall(r'class="why-panel" data-class="([^"]+)"', html) == ["koala"]
    heat = explain.explain(net, trace, "koala", method)
    assert _attr(html, "why-legend", "data-max") == pytest.approx(float(heat.max()), rel=1e-5)
    pressed = re.findall(r'data-method="([^"]+)" aria-pressed="true"', html)
    assert pressed == [method]
    assert 'data-section="article-why"' in html  # the info button leads to the article's section
    placement = view.placement()
    assert placement.width >= why.PHOTO and placement.height > why.PHOTO


def test_compare_from_the_state_draws_both_classes_and_the_select_says_which(net, trace):
    from pyapp.views.detail import base

    html = base.build(_state(method="saliency", compare=0), trace, net).markup()
    assert re.findall(r'class="why-panel" data-class="([^"]+)"', html) == ["koala", "lifeboat"]
    options = re.findall(r'<option value="(\d*)"( selected)?', html)
    assert ("0", " selected") in options and ("", "") in options
    assert ("5", "") not in options and ("5", " selected") not in options  # not the class itself


def test_the_read_out_gives_the_heat_maps_value_under_the_pointer(net, trace):
    from pyapp.views.detail import base

    view = base.build(_state(method="gradient-x-input", compare=2), trace, net)
    heat = explain.gradient_x_input(net, trace, 2)
    # the pointer at 10.5 / 64 across and 40.5 / 64 down the photo of class 2: pixel (40, 10)
    assert view.readout(2, 10.5 / 64, 40.5 / 64) == f"pizza, pixel (40, 10): {float(heat[40, 10]):.4g}"
    assert view.readout(5, 1.0, 1.0).startswith("koala, pixel (63, 63): ")  # the edge stays inside


def test_the_overview_offers_a_why_button_per_class_and_fades_behind_the_box(net, trace):
    from pyapp.ui.state import State
    from pyapp.views.detail import base
    from pyapp.views.widgets import overview

    page = overview.render(State(), trace, net, canvas=True)
    buttons = re.findall(r'<g class="why-open" data-why="(\d+)" tabindex="0" role="button" aria-label="Why ([^?]+)\?',
                         page)
    assert buttons == [(str(i), name) for i, name in enumerate(net.classes)]
    assert 'class="why-open"' not in overview.standalone_svg(State(), trace, net)  # a file has nothing to press
    css = base.build(_state(), trace, net).overview_css()
    assert '.why-open[data-why="5"]' in css and '.column:not([data-column="output"])' in css


def test_the_overlay_draws_each_maps_contribution_to_the_class_under_it(net, trace):
    from pyapp.ui import geometry
    from pyapp.views.detail import base

    overlay = base.build(_state(), trace, net).overlay()
    bars = re.findall(r'<g class="why-contribution" data-layer="(\w+)" data-index="(\d+)" data-value="([^"]+)"'
                      r'[^>]*>.*?<rect [^>]*width="([^"]+)"[^>]*fill="(#\w+)" class="why-bar"', overlay)
    contributions = explain.map_contributions(net, trace, 5)
    assert len(bars) == sum(len(v) for v in contributions.values()) == 100
    for layer, index, value, width, fill in bars:
        values = contributions[layer]
        v = float(values[int(index)])
        assert float(value) == pytest.approx(v, rel=1e-5, abs=1e-9)
        assert float(width) == pytest.approx(geometry.NODE_SIZE * abs(v) / np.abs(values).max(), abs=0.01)
        if abs(v) > 1e-6:
            assert fill == (why_contributions.RAISES if v > 0 else why_contributions.LOWERS)
    assert "contribution to \u201ckoala\u201d" in overlay and 'data-role="hover-info"' in overlay

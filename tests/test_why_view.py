"""The "Why?" view (pyapp/views/why.py): facts a reader relies on, not a snapshot."""
import re

import numpy as np
import pytest

from engine_fixtures import random_network
from pyapp import explain
from pyapp.views import code_panel, why


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    return random_network(tmp_path_factory.mktemp("weights"), seed=4)


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
    photo = why.photo_pixels(trace)
    blended = why.overlay(photo, heat, scale)
    weak = heat == heat.min()
    np.testing.assert_array_equal(blended[weak], photo[weak])  # where the map is at its minimum: the photo


def test_article_section_is_well_formed_and_says_plainly_which_methods_do_no_better_than_the_centre(monkeypatch):
    import xml.etree.ElementTree as ET

    from pyapp.views import why_article

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

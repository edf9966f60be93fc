"""The first paint: the overview the build drew into the page, on screen before Python runs, kept by Python
when it shows the state the page starts in, its maps turned into canvases in the first idle moment."""
from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from explainer_page import read_probabilities, wait_until_started
from overview_pixels import SAMPLED, assert_same_picture, canvas_pixels, expected_pixels, trace_of


def test_first_paint_is_in_the_served_page_before_python_runs(page, site, native):
    html = (site.dir / "index.html").read_text()
    assert html.count('class="map"') == 103 and 'id="overview-svg"' in html
    held = []
    page.route("**/pyscript-*/core.js", lambda route: held.append(route))  # never answered: no Python
    page.goto(site.url, wait_until="commit")
    page.wait_for_selector("#overview-svg image.map >> nth=102", state="attached")
    assert page.eval_on_selector("#app", "e => e.dataset.status") == "loading"
    assert page.eval_on_selector_all("#overview-svg image.map[data-layer][data-index]", "els => els.length") == 103
    # The pictures decode and are the engine's (drawn by the same Python at build time).
    href = page.get_attribute('#overview-svg image.map[data-layer="conv_1_2"][data-index="5"]', "href")
    shown = np.asarray(Image.open(io.BytesIO(base64.b64decode(href.split(",", 1)[1]))).convert("RGBA"))
    trace = trace_of(native, site, "espresso")
    assert_same_picture(shown, expected_pixels(native, trace, "unit", "conv_1_2", 5), "first paint")
    decoded = page.evaluate("""() => Promise.all([...document.querySelectorAll('#overview-svg image.map')]
        .map(i => i.decode().then(() => true, () => false)))""")
    assert all(decoded)
    waiting = page.evaluate("getComputedStyle(document.querySelector('.overview-buttons'), '::after').content")
    assert "Python is starting" in waiting
    box = page.eval_on_selector("#overview-svg", "e => e.getBoundingClientRect().height")
    assert box > 300  # the graph has its real size, not a placeholder


def test_start_keeps_the_first_paint_and_its_maps_become_canvases_when_idle(page, site, native):
    """Python does not draw the first screen again when the first paint already shows it: at ready the very
    <svg> of the served page is there, with the page's own probabilities; in the first idle moment its maps
    become canvases in place (same <svg>, the keyboard's single tab stop kept), with the engine's pixels."""
    page.add_init_script("""new MutationObserver(() => {
        const app = document.getElementById('app');
        if (!app || app.dataset.status !== 'ready' || window.__atReady) return;
        const svg = document.querySelector('#overview-svg');
        window.__atReady = {same: svg === window.__firstSvg, images: svg.querySelectorAll('image.map').length};
    }).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-status']});
    document.addEventListener('DOMContentLoaded',
                              () => { window.__firstSvg = document.querySelector('#overview-svg'); });""")
    page.goto(site.url)
    wait_until_started(page)
    assert page.evaluate("window.__atReady") == {"same": True, "images": 103}
    assert read_probabilities(page) == pytest.approx(native.probabilities("espresso"), abs=1e-5)
    assert page.evaluate("document.querySelector('#overview-svg') === window.__firstSvg")
    assert page.eval_on_selector_all("#overview-svg image.map", "els => els.length") == 0
    assert page.eval_on_selector_all("#overview-svg canvas.map", "els => els.length") == 103
    assert page.eval_on_selector_all("#overview-svg canvas.ghost", "els => els.length") == 103
    stops = page.eval_on_selector_all("#overview-svg .map[tabindex='0'], #overview-svg .output-class[tabindex='0']",
                                      "els => els.map(e => e.dataset.layer || e.dataset.class)")
    assert stops == ["input"]
    trace = trace_of(native, site, "espresso")
    for layer, index in SAMPLED:
        assert_same_picture(canvas_pixels(page, layer, index), expected_pixels(native, trace, "unit", layer, index),
                            (layer, index))


def test_a_focused_and_a_hovered_map_stay_so_when_the_first_paint_becomes_canvases(page, site):
    """A visitor who tabs to a map and points at another before the first idle moment after ready keeps both:
    the focus on the same map's canvas (one tab stop), the read-out on the pointed map's pixel."""
    page.add_init_script("""window.__idle = [];
    window.requestIdleCallback = (callback) => window.__idle.push(callback);""")  # run when the test says
    page.goto(site.url)
    wait_until_started(page, settled=False)
    assert page.eval_on_selector_all("#overview-svg image.map", "els => els.length") == 103
    page.focus('#overview-svg image.map[data-layer="conv_1_1"][data-index="3"]')
    pointed = '#overview-svg image.map[data-layer="relu_1_2"][data-index="2"]'
    box = page.locator(pointed).bounding_box()  # a point well inside one pixel of the 60 by 60 map
    page.hover(pointed, position={"x": 0.2875 * box["width"], "y": 0.5625 * box["height"]})
    read_out = page.text_content("#overview-hover-text")
    assert "relu_1_2" in read_out
    page.evaluate("""() => {  // idle moments until the take-over (the first step after ready) has run
        while (document.querySelector('#overview-svg image.map') && window.__idle.length)
            window.__idle.shift()({didTimeout: false, timeRemaining: () => 50});
    }""")
    assert page.eval_on_selector_all("#overview-svg image.map", "els => els.length") == 0
    focused = page.evaluate("[document.activeElement.tagName, document.activeElement.dataset.layer, "
                            "document.activeElement.dataset.index, document.activeElement.getAttribute('tabindex')]")
    assert focused == ["CANVAS", "conv_1_1", "3", "0"]
    assert page.eval_on_selector_all("#overview-svg .map[tabindex='0']", "els => els.length") == 1
    assert page.is_visible("#overview-hover") and page.text_content("#overview-hover-text") == read_out
    page.mouse.move(0, 0)  # the pointer leaves: the read-out goes, as it would have from the image
    page.wait_for_function("document.getElementById('overview-hover').hidden")

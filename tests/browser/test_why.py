"""The "Why?" view in a real browser: a deep link opens it with the heat map and legend of the engine's own
numbers, the method buttons and "compare with" change it (and the address), a pointer reads a value, Esc
goes back, and each class's "Why?" button (mouse or keyboard) opens it.

One page per test (a page start costs seconds on this machine).
"""
from __future__ import annotations

import re

import pytest
from explainer_page import wait_until_started

from pyapp.engine import explain

IMAGE = "koala"
KOALA = 5
BOX = "[data-view='why']"


@pytest.fixture(scope="module")
def trace(site, native):
    from pyapp.images.preprocess import load_image

    return native.network.forward(load_image(site.example_file(IMAGE)))


def legend_range(page) -> tuple[float, float]:
    lo, hi = page.eval_on_selector(f"{BOX} .why-legend", "e => [e.dataset.min, e.dataset.max]")
    return float(lo), float(hi)


def check_heat_map(page, native, trace, method: str, target: int) -> None:
    """The box shows the photo, the heat map over it and a legend with the real range of the engine's map."""
    page.wait_for_selector(f"{BOX}[data-method='{method}'][data-class='{native.network.classes[target]}']")
    for part in ("why-photo", "why-heat"):
        box = page.locator(f"{BOX} .why-panel[data-index='{target}'] .{part}").bounding_box()
        assert box is not None and box["width"] >= 150 and box["height"] >= 150, f"{part} is not on screen"
    heat = explain.explain(native.network, trace, target, method)
    extent = float(abs(heat).max())
    lo, hi = legend_range(page)
    # Pyodide's NumPy sums in another order: the same map to float32 noise
    assert lo == pytest.approx(float(heat.min()), rel=1e-3, abs=1e-4 * extent)
    assert hi == pytest.approx(float(heat.max()), rel=1e-3, abs=1e-4 * extent)
    assert page.locator(f"{BOX} .why-legend rect").count() >= 1  # the colour bar


def test_an_embedded_deep_link_shows_the_heat_map_and_legend_and_the_controls_change_it(page, open_app, native, trace):
    open_app(page, f"#image={IMAGE}&view=why&layer=logits&neuron={KOALA}&method=saliency&embed=1")
    check_heat_map(page, native, trace, "saliency", KOALA)
    assert page.eval_on_selector("html", "e => e.classList.contains('embed')")  # embedded, like every view
    assert page.get_attribute("#overview-svg", "data-detail") == "why"
    text = page.inner_text(f"{BOX} .why-text")
    assert "koala" in text and "Simonyan" in text

    # A pointer on the photo reads the heat map's value under it: pixel (row 40, column 10).
    heat = explain.saliency(native.network, trace, KOALA)
    box = page.locator(f"{BOX} .why-panel[data-index='{KOALA}'] .why-heat").bounding_box()
    page.mouse.move(box["x"] + 10.5 / 64 * box["width"], box["y"] + 40.5 / 64 * box["height"])
    readout = f"{BOX} [data-role='why-readout']"
    page.wait_for_function(f"document.querySelector(\"{readout}\").textContent.startsWith('koala, pixel')")
    said = re.fullmatch(r"koala, pixel \((\d+), (\d+)\): (\S+)", page.inner_text(readout))
    assert (int(said.group(1)), int(said.group(2))) == (40, 10)
    assert float(said.group(3)) == pytest.approx(float(heat[40, 10]), rel=1e-3, abs=1e-4 * float(heat.max()))

    # Another method: the address keeps it, the legend is the new map's.
    page.click(f"{BOX} [data-action='why-method'][data-method='occlusion']")
    check_heat_map(page, native, trace, "occlusion", KOALA)
    assert "method=occlusion" in page.evaluate("location.hash")
    assert page.get_attribute(f"{BOX} [data-method='occlusion']", "aria-pressed") == "true"

    # Compare with another class: both photos, one colour range over both maps.
    page.select_option(f"{BOX} [data-why-compare]", "0")
    page.wait_for_selector(f"{BOX} .why-panel[data-index='0']")
    panels = page.eval_on_selector_all(f"{BOX} .why-panel", "els => els.map(e => e.dataset.class)")
    assert panels == ["koala", "lifeboat"]
    both = [explain.occlusion(native.network, trace, k) for k in (KOALA, 0)]
    assert legend_range(page)[1] == pytest.approx(max(float(h.max()) for h in both), rel=1e-3)
    assert "compare=0" in page.evaluate("location.hash")
    page.screenshot(path="/tmp/why-compare.png")

    # Esc: back to the overview, with a clean address.
    page.keyboard.press("Escape")
    page.wait_for_function("!document.querySelector('[data-view]')")
    assert page.get_attribute("#overview-svg", "data-detail") is None
    assert "view=" not in page.evaluate("location.hash") and "method=" not in page.evaluate("location.hash")


def test_the_why_button_of_a_class_opens_it_by_mouse_and_by_keyboard(page, open_app, native, trace):
    open_app(page, f"#image={IMAGE}")
    page.click("#overview-svg .why-open[data-why='3']")
    check_heat_map(page, native, trace, "gradcam", 3)
    assert "view=why" in page.evaluate("location.hash") and "neuron=3" in page.evaluate("location.hash")
    # Under each map, a bar for its contribution to the class; a pointer on one reads its value.
    assert page.locator("#overview-svg .why-contributions .why-contribution").count() == 100
    contribution = float(explain.map_contributions(native.network, trace, 3)["max_pool_2"][4])
    page.hover("#overview-svg .why-contribution[data-layer='max_pool_2'][data-index='4']")
    info = "#overview-svg .why-contributions [data-role='hover-info']"
    page.wait_for_function(f"document.querySelector(\"{info}\").textContent.startsWith('max_pool_2, map 5')")
    said = re.search(r"contribution (\S+) to", page.text_content(info))
    assert float(said.group(1)) == pytest.approx(contribution, rel=1e-3, abs=1e-4)
    page.screenshot(path="/tmp/why-bars.png")
    # From the open view, another class's button (by keyboard) switches the class and keeps the method.
    page.click(f"{BOX} [data-action='why-method'][data-method='gradient-x-input']")
    page.wait_for_selector(f"{BOX}[data-method='gradient-x-input']")
    page.focus("#overview-svg .why-open[data-why='8']")
    page.keyboard.press("Enter")
    check_heat_map(page, native, trace, "gradient-x-input", 8)
    # The info button leads to the article's section on the heat maps.
    page.click(f"{BOX} [data-action='info']")
    page.wait_for_function("Math.abs(document.getElementById('article-why').getBoundingClientRect().top) < 80",
                           timeout=5000)
    page.evaluate("scrollTo(0, 0)")
    page.click(f"{BOX} [data-action='close']")
    page.wait_for_function("!document.querySelector('[data-view]')")
    # From the overview, Tab reaches a Why? button and Enter opens it.
    page.focus("#overview-svg .why-open[data-why='7']")
    page.keyboard.press(" ")
    check_heat_map(page, native, trace, "gradcam", 7)


def test_a_why_button_pressed_while_python_starts_opens_the_view_when_ready(site, page):
    from test_startup import held_site

    server, release, url = held_site(site.dir)
    try:
        page.goto(url)
        page.click('#overview-svg .why-open[data-why="6"]')  # the first paint's button
        assert page.is_visible("#starting-note")
        release.set()
        wait_until_started(page)
        page.wait_for_selector(f"{BOX}[data-class='espresso']", timeout=10000)
        assert "view=why" in page.evaluate("location.hash") and "neuron=6" in page.evaluate("location.hash")
    finally:
        release.set()
        server.shutdown()
        server.server_close()

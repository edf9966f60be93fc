"""What each unit looks for, in a real browser: a deep link opens the unit view with the nine patches of the
build's atlas and the image the page's own Python makes for the unit (the numbers CPython makes); the read-out
of a map (its link, or U) and its detail view lead there; the atlas shows every unit and leads to each; with
no shipped atlas for the model on screen, the page finds the patches itself over its examples.
"""
from __future__ import annotations

import json

import pytest
from explainer_page import shot, wait_until_started

from pyapp.engine import maximise
from pyapp.views.parts import patches

UNIT = "[data-view='unit']"
ATLAS = "[data-view='atlas']"
FILLED = 30_000  # ms: the patches fetched and the image made, on a busy 2-core machine


def wait_filled(page) -> None:
    page.wait_for_selector(f"{UNIT} .unit-patch >> nth=8", timeout=FILLED)
    page.wait_for_selector(f"{UNIT} img.unit-made-image[data-done='true']", timeout=FILLED)


def shown_patches(page) -> list[tuple[str, float]]:
    return page.eval_on_selector_all(f"{UNIT} .unit-patch",
                                     "els => els.map(e => [e.dataset.image, parseFloat(e.dataset.activation)])")


def test_a_deep_link_shows_the_nine_patches_and_the_image_made_for_the_unit(page, open_app, site, native):
    open_app(page, "#image=koala&view=unit&layer=conv_2_1&neuron=4")
    wait_filled(page)
    document = json.loads((site.dir / patches.DOCUMENT).read_text())
    expected = [(p["image"], p["activation"]) for p in document["layers"]["conv_2_1"][4]]
    shown = shown_patches(page)
    assert [image for image, _ in shown] == [image for image, _ in expected]
    assert [a for _, a in shown] == pytest.approx([a for _, a in expected], rel=1e-5)
    # each patch is drawn: its part of the sprite, on screen at its size
    for k in range(9):
        box = page.locator(f"{UNIT} .unit-patch svg.patch").nth(k).bounding_box()
        assert box is not None and box["width"] >= 60 and box["height"] >= 60
    assert page.evaluate("[...document.querySelectorAll('#unit-sprite')].length") == 1
    assert page.eval_on_selector("#unit-sprite", "e => e.getAttribute('href')") == "atlas/atlas.jpg"
    decoded = page.evaluate("""() => new Promise(resolve => { const i = new Image();
        i.onload = () => resolve([i.naturalWidth, i.naturalHeight]); i.onerror = () => resolve(null);
        i.src = 'atlas/atlas.jpg'; })""")
    assert decoded == [9 * 32, 80 * 32]
    # the made image: the page's ascent gives CPython's (same seed, same engine)
    made = maximise.made_image(native.network, "conv_2_1", 4)
    value = float(page.eval_on_selector(f"{UNIT} img.unit-made-image", "e => e.dataset.activation"))
    assert value == pytest.approx(made.activation, rel=1e-3)
    start = maximise.unit_activation(native.network, maximise.start_image(native.network), "conv_2_1", 4)
    assert value > 2 * start
    img = page.locator(f"{UNIT} img.unit-made-image").bounding_box()
    assert img["width"] >= 150 and img["height"] >= 150
    shot(page, "unit-view")


def test_a_map_s_read_out_and_its_detail_view_lead_to_the_unit_view(page, open_app):
    open_app(page, "#image=koala")
    page.hover('#overview-svg canvas.map[data-layer="relu_1_2"][data-index="6"]')
    link = page.locator("#overview-hover-unit")
    assert link.is_visible() and link.text_content().startswith("What does map 7 look for?")
    assert "view=unit&layer=relu_1_2&neuron=6" in link.get_attribute("href")
    page.keyboard.press("u")
    page.wait_for_selector(f"{UNIT}[data-layer='relu_1_2'][data-neuron='6']")
    assert "view=unit" in page.evaluate("location.hash")
    page.keyboard.press("Escape")
    page.wait_for_selector(UNIT, state="detached")
    # a pooling map has no unit view: the link goes
    page.hover('#overview-svg canvas.map[data-layer="max_pool_1"][data-index="2"]')
    assert not link.is_visible()
    # the ReLU view's box links to its unit
    page.click('#overview-svg canvas.map[data-layer="relu_2_1"][data-index="3"]')
    page.click("[data-view='relu'] [data-role='looks-for']")
    page.wait_for_selector(f"{UNIT}[data-layer='relu_2_1'][data-neuron='3']")
    wait_filled(page)


def test_the_atlas_shows_every_unit_and_leads_to_each(page, open_app):
    open_app(page, "#image=koala&view=atlas")
    page.wait_for_selector(f"{ATLAS} .atlas-unit >> nth=79")
    layers = page.eval_on_selector_all(f"{ATLAS} .atlas-layer", "els => els.map(e => e.getAttribute('aria-label'))")
    assert layers == ["conv_1_1", "relu_1_1", "conv_1_2", "relu_1_2", "conv_2_1", "relu_2_1", "conv_2_2", "relu_2_2"]
    assert page.eval_on_selector_all(f"{ATLAS} .atlas-unit", "els => els.length") == 80
    shot(page, "atlas")
    # by keyboard: the atlas's units are links
    page.focus(f"{ATLAS} .atlas-unit[data-layer='conv_2_2'][data-index='5']")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"{UNIT}[data-layer='conv_2_2'][data-neuron='5']")
    wait_filled(page)
    page.click(f"{UNIT} [data-role='unit-atlas']")  # and back to the atlas, at that unit
    page.wait_for_selector(f"{ATLAS} .atlas-current[data-layer='conv_2_2'][data-index='5']")


def test_without_the_model_s_atlas_the_page_finds_the_patches_over_its_examples(browser, site, native):
    """As for an opened or imported model: the build's atlas is another model's, or missing here."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.route("**/atlas/atlas.json", lambda route: route.fulfill(status=404, body="none"))
    page.goto(site.url + "#image=koala&view=unit&layer=conv_1_2&neuron=2")
    wait_until_started(page)
    wait_filled(page)
    shown = shown_patches(page)
    from pyapp.engine import atlas
    from pyapp.views.widgets.examples import example_input

    images = [(name, example_input(name, site.dir)) for name in native.network.classes]
    expected = atlas.top_patches(native.network, images, ["conv_1_2"])["conv_1_2"][2]
    assert [image for image, _ in shown] == [p.image for p in expected]
    assert [a for _, a in shown] == pytest.approx([p.activation for p in expected], rel=1e-4)
    assert page.eval_on_selector("#unit-sprite", "e => e.getAttribute('href')").startswith("data:image/png;base64,")
    assert "among the 10 images of this page" in page.text_content(f"{UNIT} [data-role='unit-source']")
    context.close()


@pytest.mark.parametrize("where", ["phone", "embed"])
def test_the_unit_view_on_a_phone_and_in_an_embed(browser, site, where):
    phone = where == "phone"
    context = browser.new_context(viewport={"width": 390, "height": 844} if phone else {"width": 700, "height": 900},
                                  is_mobile=phone, has_touch=phone)
    page = context.new_page()
    page.goto(site.url + "#image=koala&view=unit&layer=conv_1_1&neuron=3" + ("" if phone else "&embed=1"))
    wait_until_started(page)
    wait_filled(page)
    width = page.evaluate("innerWidth")
    for selector in (f"{UNIT} .unit-patch svg.patch >> nth=0", f"{UNIT} img.unit-made-image"):
        box = page.locator(selector).bounding_box()
        assert box is not None and 0 <= box["x"] and box["x"] + box["width"] <= width, selector
    assert page.evaluate("document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth") == 0
    shot(page, f"unit-view-{where}")
    context.close()

"""The kernel playground in a real browser: an edited filter reruns the network as the engine does."""
from __future__ import annotations

import pytest
from explainer_page import click_example, read_probabilities, shot

from pyapp.views.widgets import playground


def conv_pixels(page, index: int) -> list[int]:
    return page.eval_on_selector(f"#overview-svg canvas.map[data-layer='conv_1_1'][data-index='{index}']",
                                 "c => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)")


def test_sobel_preset_reruns_the_network_like_the_engine(page, open_app, site, native):
    from pyapp.images.preprocess import load_image

    image = load_image(site.example_file("koala"))
    open_app(page, "#image=koala")
    page.click("#playground > summary")
    page.select_option("#pg-neuron", "2")
    before = conv_pixels(page, 2)
    page.click("#playground .pg-preset[data-preset='sobel-x']")
    kernel, bias = playground.preset("sobel-x", native.network, 2)
    expected = native.network.with_kernel("conv_1_1", 2, kernel, bias).forward(image)["probabilities"]
    page.wait_for_function("document.querySelector('#playground .pg-edited') !== null")
    got = read_probabilities(page)
    assert [got[c] for c in native.network.classes] == pytest.approx(list(map(float, expected)), abs=1e-5)
    assert conv_pixels(page, 2) != before, "the conv_1_1 map of the edited filter should change"
    assert page.input_value("#playground .pg-cell[data-cell='1,1,2']") == "2"
    shot(page, "playground-sobel")
    # a typo: an inline message, the field marked, the network unchanged
    page.fill("#playground .pg-cell[data-cell='0,0,0']", "abc")
    page.wait_for_selector("#pg-message:not([hidden])")
    assert "Red weight (row 1, column 1)" in page.inner_text("#pg-message")
    assert "not a number" in page.inner_text("#pg-message")
    assert page.get_attribute("#playground .pg-cell[data-cell='0,0,0']", "aria-invalid") == "true"
    assert read_probabilities(page) == pytest.approx(got, abs=1e-7)
    shot(page, "playground-typo")
    # a typed number is applied as typed
    page.fill("#playground .pg-cell[data-cell='0,0,0']", "-0.5")
    page.wait_for_selector("#pg-message[hidden]", state="attached")
    kernel[0, 0, 0] = -0.5
    typed = native.network.with_kernel("conv_1_1", 2, kernel, 0.0).forward(image)["probabilities"]
    page.wait_for_function(f"Math.abs(+document.querySelector('.output-class[data-index=\"0\"]').dataset.probability"
                           f" - {float(typed[0])}) < 1e-5")
    assert list(read_probabilities(page).values()) == pytest.approx(list(map(float, typed)), abs=1e-5)
    # reset: the trained network's numbers again
    page.click("#pg-reset")  # the panel's restore action (the note's twin)
    page.wait_for_function("document.querySelector('#playground .pg-edited') === null")
    assert read_probabilities(page) == pytest.approx(native.probabilities("koala"), abs=1e-5)
    assert conv_pixels(page, 2) == before


def test_edited_weights_are_said_over_the_overview_and_dropped_on_leaving(page, open_app, native):
    """Issue 24 item 1: an edit stays only while the playground is open; while it does, the overview says so
    (with one restore action) and <html data-weights="edited"> marks it; the address never carries it."""
    open_app(page, "#image=koala")
    page.click("#playground > summary")
    page.click("#playground .pg-preset[data-preset='sobel-x']")
    page.wait_for_selector("html[data-weights='edited']")
    note = page.inner_text("#weights-note")
    assert "not the trained model's" in note and "conv_1_1 filter 1" in note
    assert page.locator("#weights-note [data-action='restore-weights']").count() == 1
    hash_before = page.evaluate("location.hash")
    # another image: still the edited network, and still said
    click_example(page, "espresso")
    assert page.get_attribute("html", "data-weights") == "edited"
    assert page.is_visible("#weights-note")
    assert read_probabilities(page) != pytest.approx(native.probabilities("espresso"), abs=1e-5)
    assert "kernel" not in page.evaluate("location.hash") and hash_before == "#image=koala"
    page.wait_for_timeout(900)  # the old maps fade out (ghost canvases) before the picture is taken
    shot(page, "playground-edited-note")
    # the note's action restores the model
    page.click("#weights-note [data-action='restore-weights']")
    page.wait_for_function("!document.documentElement.hasAttribute('data-weights')")
    assert page.is_hidden("#weights-note")
    assert read_probabilities(page) == pytest.approx(native.probabilities("espresso"), abs=1e-5)
    # leaving the playground (closing it) drops an edit too
    page.click("#playground .pg-preset[data-preset='blur']")
    page.wait_for_selector("html[data-weights='edited']")
    page.click("#playground > summary")
    page.wait_for_function("!document.documentElement.hasAttribute('data-weights')")
    assert read_probabilities(page) == pytest.approx(native.probabilities("espresso"), abs=1e-5)
    page.click("#playground > summary")
    assert page.input_value("#playground .pg-cell[data-cell='1,1,1']") != "0.1111"

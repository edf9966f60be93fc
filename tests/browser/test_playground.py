"""The kernel playground in a real browser: an edited filter reruns the network as the engine does."""
from __future__ import annotations

import pytest
from explainer_page import read_probabilities, shot

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
    page.click("#pg-reset")
    page.wait_for_function("document.querySelector('#playground .pg-edited') === null")
    assert read_probabilities(page) == pytest.approx(native.probabilities("koala"), abs=1e-5)
    assert conv_pixels(page, 2) == before

"""Receptive field, kernel playground and embedding in a real browser (one page per feature)."""
from __future__ import annotations

import html
import os
import re
from pathlib import Path

import pytest
from explainer_page import active_example, read_probabilities

from pyapp.ui.state import State
from pyapp.views.widgets import playground

SHOTS = Path(os.environ.get("EXTRAS_SHOTS", "/tmp/extras-shots"))


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def map_box(page, layer: str, index: int) -> dict:
    return page.locator(f"#overview-svg .map[data-layer='{layer}'][data-index='{index}']").bounding_box()


def point_at(page, layer: str, index: int, row: int, col: int, size: int) -> None:
    box = map_box(page, layer, index)
    page.mouse.move(box["x"] + (col + 0.5) * box["width"] / size, box["y"] + (row + 0.5) * box["height"] / size)


def test_receptive_field_of_a_pool_pixel_outlines_its_16x16_input_patch(page, open_app):
    open_app(page, "#image=koala")
    page.click("#rf-toggle")
    assert page.get_attribute("#rf-toggle", "aria-pressed") == "true"
    assert "point at any pixel" in page.inner_text("#rf-caption").lower()
    point_at(page, "max_pool_2", 3, 2, 5, 13)
    overlay = "#overview-svg .rf-overlay[data-layer='max_pool_2'][data-index='3'][data-row='2'][data-col='5']"
    page.wait_for_selector(overlay, state="attached")
    assert page.inner_text("#rf-caption") == ("max_pool_2 (2, 5) sees a 16x16 patch of the input "
                                              "(rows 8-23, columns 20-35)")
    # every input channel: a 16x16-pixel square at rows 8.., columns 20.. of the 64x64 map, where the user sees it
    for channel in range(3):
        outline = page.locator(f"{overlay} rect[data-column='input'][data-index='{channel}']").bounding_box()
        image = map_box(page, "input", channel)
        pixel = image["width"] / 64
        assert outline["x"] == pytest.approx(image["x"] + 20 * pixel, abs=1.5)
        assert outline["y"] == pytest.approx(image["y"] + 8 * pixel, abs=1.5)
        assert outline["width"] == pytest.approx(16 * pixel, abs=2) and outline["height"] == pytest.approx(16 * pixel, abs=2)
    # a pool pixel reads only map 3 back to conv_2_2, then all ten maps of every earlier layer
    drawn = page.eval_on_selector_all(f"{overlay} rect", "rs => rs.map(r => r.dataset.column + '/' + r.dataset.index)")
    assert "conv_2_2/3" in drawn and "conv_2_2/4" not in drawn and "relu_2_1/9" in drawn
    assert len(drawn) == 3 + 7 * 10 + 3
    shot(page, "receptive-field")
    # the outline stays when the pointer leaves; the arrow keys move the picked pixel of the focused map
    page.mouse.move(5, 5)
    page.focus("#overview-svg .map[data-layer='conv_1_1'][data-index='0']")
    page.wait_for_selector("#overview-svg .rf-overlay[data-layer='conv_1_1'][data-row='31'][data-col='31']",
                           state="attached")
    page.keyboard.press("ArrowRight")
    page.wait_for_selector("#overview-svg .rf-overlay[data-layer='conv_1_1'][data-col='32']", state="attached")
    assert "3x3 patch" in page.inner_text("#rf-caption")
    page.keyboard.press("Shift+ArrowDown")  # Shift+arrows move between maps while the arrows pick pixels
    page.wait_for_selector("#overview-svg .rf-overlay[data-layer='conv_1_1'][data-index='1']", state="attached")
    assert page.evaluate("document.activeElement.dataset.index") == "1"
    page.click("#rf-toggle")
    assert page.locator("#overview-svg .rf-overlay").count() == 0 and not page.is_visible("#rf-caption")


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


def iframe_src(snippet: str) -> str:
    return html.unescape(re.search(r'<iframe src="([^"]+)"', snippet).group(1))


def test_embed_code_reproduces_the_view_in_compact_mode(page, context, open_app, site):
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.url.rstrip("/"))
    open_app(page, "#image=pizza&colors=module")
    assert page.is_visible("#article") and page.is_visible(".site-header")
    page.click("#embed-copy")
    page.wait_for_function("document.querySelector('#embed-status').textContent.includes('copied')")
    snippet = page.evaluate("navigator.clipboard.readText()")
    assert 'loading="lazy"' in snippet and 'title="CNN Explainer in Python' in snippet
    src = iframe_src(snippet)
    assert src.startswith(site.url)
    assert State.from_url(src.split("#", 1)[1]) == State(image="pizza", colors="module", embed=True)
    # clipboard refused: the code is shown selected in a dialog
    page.evaluate("() => { navigator.clipboard.writeText ="
                  " () => Promise.reject(new DOMException('denied', 'NotAllowedError')); }")
    page.click("#embed-copy")
    page.wait_for_selector("#embed-dialog[open]")
    assert page.input_value("#embed-code") == snippet
    assert page.evaluate("(() => { const t = document.querySelector('#embed-code');"
                         " return [t.selectionStart, t.selectionEnd, document.activeElement === t]; })()") == \
        [0, len(snippet), True]
    shot(page, "embed-dialog")
    page.click("#embed-dialog .embed-close")
    # the snippet's address: the same view, compact (no title, no article, no playground), in an iframe
    page.set_content(snippet.replace('width="100%"', 'width="1000"'))
    frame = page.frame_locator("iframe")
    frame.locator("#app[data-status='ready']").wait_for(timeout=90_000)
    inner = page.frames[1]
    assert inner.is_visible("#overview-svg") and not inner.is_visible("#article")
    assert not inner.is_visible(".site-header") and not inner.is_visible("#playground")
    assert inner.get_attribute("#overview-svg", "data-colors") == "module"
    assert active_example(inner) == "pizza"
    # the link to the full page needs Python's embed controller, installed after ready: wait for it
    inner.wait_for_selector("#embed-full[href$='#image=pizza&colors=module']", state="attached")
    shot(page, "embed-iframe")


# Runs in every frame from its first script on; in an iframe it checks, before every frame the browser
# paints (requestAnimationFrame), whether any of the full page's chrome is laid out, and counts the frames.
SAMPLE_EVERY_FRAME = """
if (window !== window.top) {
  window.__chrome = [];
  window.__frames = 0;
  const check = () => {
    window.__frames++;
    for (const selector of ["#article", ".site-header", ".site-footer"]) {
      const element = document.querySelector(selector);
      if (element && element.getClientRects().length) window.__chrome.push([selector, Math.round(performance.now())]);
    }
    requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
}
"""


def test_embed_in_another_sites_page_is_compact_from_its_first_paint(page, context, site, serve, tmp_path):
    """A blog on another site (127.0.0.1 embeds localhost): the browser blocks the iframe's storage (as with
    third-party storage off or in a private window), and the explainer still starts, compact throughout."""
    context.add_init_script(SAMPLE_EVERY_FRAME)
    embedded = site.url.replace("127.0.0.1", "localhost") + "#image=koala&embed=1"
    (tmp_path / "index.html").write_text(f'<!doctype html><p>A blog post</p>'
                                         f'<iframe src="{embedded}" width="700" height="760"></iframe>')
    page.goto(serve(tmp_path))
    page.frame_locator("iframe").locator("#app:not([data-status='loading'])").wait_for(timeout=90_000)
    inner = page.frames[1]
    assert inner.get_attribute("#app", "data-status") == "ready", inner.inner_text("#error")
    # until the deferred controllers are in and Pillow is loaded: every moment a reader could see
    inner.wait_for_function("'settled' in window.explainer.timings", timeout=60_000)
    assert inner.evaluate("window.__frames") > 10, "the frame was not sampled while it loaded"
    assert inner.evaluate("window.__chrome") == [], "the embed showed the full page's title, article or footer"
    assert inner.is_visible("#overview-svg") and active_example(inner) == "koala"
    shot(page, "embed-other-site")

"""Issue 24 items 7 and 8: on a phone the formula sheets fit the screen, and the answer is in view."""
from __future__ import annotations

import pytest

SHEETS = {  # the view, its link, and the element that shows the sum's result
    "conv-formula": ("view=conv-formula&layer=conv_1_1&neuron=2&channel=0&pixel=10,12", "[data-u='r']"),
    "softmax": ("view=softmax&layer=logits&neuron=5", ".probability"),
}
# Everything inside a sheet that scrolls sideways (its body, or any part of it), and how far.
SIDEWAYS_JS = """sel => [...document.querySelectorAll(sel + ', ' + sel + ' *')]
    .filter(e => !(e instanceof SVGElement) || e instanceof SVGSVGElement)
    .filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible')
    .map(e => (e.getAttribute('class') || e.tagName) + ' ' + e.scrollWidth + '/' + e.clientWidth)"""


@pytest.mark.parametrize("width,height", [(390, 844), (320, 640)])
def test_formula_sheets_fit_a_phone_without_sideways_scrolling(page, open_app, width, height):
    page.set_viewport_size({"width": width, "height": height})
    open_app(page, "#image=koala")
    for view, (link, result) in SHEETS.items():
        page.evaluate(f"location.hash = '#image=koala&{link}'")
        sheet = f"[data-view='{view}']"
        page.wait_for_selector(sheet)
        page.evaluate("Promise.all(document.getAnimations().map(a => a.finished.catch(() => null)))")
        assert page.evaluate(SIDEWAYS_JS, sheet) == [], (width, view)
        # the sum's result, the thing the sheet explains, lies within the screen's width
        left, right = page.eval_on_selector(f"{sheet} {result}",
                                            "e => { const r = e.getBoundingClientRect(); return [r.left, r.right]; }")
        assert 0 <= left and right <= width, (width, view, left, right)
        # and the numbers stay legible: no text drawn smaller than 7 px on screen
        smallest = page.eval_on_selector_all(
            f"{sheet} .detail-body text",
            "els => Math.min(...els.filter(e => e.getClientRects().length).map(e => "
            "parseFloat(getComputedStyle(e).fontSize) * e.closest('svg').getScreenCTM().a))")
        assert smallest >= 7, (width, view, smallest)


def _check_result_line(frame, native_top: tuple[str, float]) -> None:
    """#result above the overview names the top class and its probability; a tap opens its softmax sheet."""
    line = frame.locator("#result .result-open")
    line.wait_for()
    name, p = native_top
    text = line.inner_text()
    assert name in text and f"{p * 100:.1f}%" in text, text
    result_bottom, overview_top, width = frame.evaluate("""() => [
        document.getElementById('result').getBoundingClientRect().bottom,
        document.querySelector('#overview .overview-scroll').getBoundingClientRect().top, innerWidth]""")
    assert result_bottom <= overview_top
    box = line.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5
    line.click()
    frame.wait_for_selector("[data-view='softmax']")
    assert frame.get_attribute("[data-view='softmax']", "data-neuron") == str(native_index(name))


def native_index(name: str) -> int:
    from pyapp.engine.network import load_network

    return load_network().classes.index(name)


def _top(native) -> tuple[str, float]:
    probabilities = native.probabilities("koala")
    name = max(probabilities, key=probabilities.get)
    return name, probabilities[name]


def test_phone_shows_the_answer_above_the_overview_and_a_cue_on_the_scroller(page, open_app, native):
    page.set_viewport_size({"width": 390, "height": 844})
    open_app(page, "#image=koala")
    # the sideways scroller shows that more lies to the right
    cue = "e => { const s = getComputedStyle(e, '::after'); return [s.content, parseFloat(s.width), +s.opacity]; }"
    content, width, opacity = page.eval_on_selector("#overview .overview-scroll", cue)
    assert content not in ("none", "normal", "") and width >= 10 and opacity > 0.5
    _check_result_line(page, _top(native))


def test_embed_shows_the_answer_above_the_overview(page, site, native):
    page.goto(site.url + "manifest.webmanifest")  # the site's origin, as the embed tests' page
    page.set_content(f'<iframe src="{site.url}#image=koala&embed=1" width="560" height="760" style="border:0">'
                     "</iframe>", wait_until="commit")
    page.frame_locator("iframe").locator("#app[data-status='ready']").wait_for(timeout=90_000)
    _check_result_line(page.frames[1], _top(native))


def test_a_wide_screen_has_no_result_line(page, open_app):
    # the output column is in view there, and the page's DOM is at its bound (test_overview)
    open_app(page, "#image=koala")
    assert page.query_selector("#result") is None

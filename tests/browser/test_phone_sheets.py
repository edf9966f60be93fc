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

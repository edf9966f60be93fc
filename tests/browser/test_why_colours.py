"""Issue 24 item 4: the Why? views speak one colour language with the overview (blue raises a class, red lowers
it, purple says how much either way, orange is only the logits'), with one legend each, fully on screen, and
the bars' caption clear of every legend at every width."""
from __future__ import annotations

import colorsys

import pytest

from pyapp.engine import explain

BOX = "[data-view='why']"
LINK = "#image=koala&view=why&layer=logits&neuron=5&method={}"
RECT = "e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }"
VISIBLE_RECTS = """sel => [...document.querySelectorAll(sel)]
    .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden'
                 && +getComputedStyle(e).opacity > 0)
    .map(e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })"""


def hue(color: str) -> float:
    r, g, b = (int(color.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return colorsys.rgb_to_hsv(r, g, b)[0] * 360


def family(color: str) -> str:
    h = hue(color)
    return ("red" if h < 15 or h >= 330 else "orange" if h < 50 else "blue" if 190 <= h < 245
            else "purple" if 245 <= h < 330 else "other")


def overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_every_why_view_gives_each_colour_one_meaning(page, open_app):
    open_app(page, "#image=koala")
    for method, info in explain.METHODS.items():
        page.evaluate(f"location.hash = '{LINK.format(method)}'")
        page.wait_for_selector(f"{BOX}[data-method='{method}']")
        assert page.eval_on_selector_all(f"{BOX} .why-legend", "els => els.length") == 1  # one legend
        stops = page.eval_on_selector_all(f"{BOX} linearGradient stop", "els => els.map(e => e.getAttribute('stop-color'))")
        if info.signed:  # what raises the score blue, what lowers it red, as the overview's positive and negative
            assert (family(stops[0]), family(stops[-1])) == ("red", "blue"), (method, stops)
        else:  # how much, either way: neither the blue of "raises" nor the orange of the logits
            assert family(stops[-1]) == "purple", (method, stops)
    bars = page.eval_on_selector_all(".why-contribution", "els => els.map(e => [+e.dataset.value, "
                                     "e.querySelector('.why-bar').getAttribute('fill')])")
    assert {family(fill) for value, fill in bars if value > 0} == {"blue"}
    assert {family(fill) for value, fill in bars if value < 0} == {"red"}


@pytest.mark.parametrize("width,height", [(1280, 900), (560, 800), (390, 844)])
def test_why_legend_and_caption_are_whole_and_apart(page, open_app, width, height):
    page.set_viewport_size({"width": width, "height": height})
    open_app(page, LINK.format("gradcam"))
    page.wait_for_selector(BOX)
    page.evaluate("Promise.all(document.getAnimations().map(a => a.finished.catch(() => null)))")
    # the legend's numbers lie inside the box's visible body (a phone's sheet used to cut "0.000" to ".000")
    body = page.eval_on_selector(f"{BOX} .detail-body", RECT)
    for label in page.evaluate(VISIBLE_RECTS, f"{BOX} .why-legend text"):
        assert body[0] <= label[0] and label[2] <= body[2], (width, body, label)
    # the caption of the bars under the maps overlaps no legend of the overview
    caption = page.eval_on_selector(".why-caption", RECT)
    for legend in page.evaluate(VISIBLE_RECTS, "#overview-svg .legends text"):
        assert not overlaps(caption, legend), (width, caption, legend)

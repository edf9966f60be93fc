"""Issue 24 item 13: on a screen without hover the page and the article say "Tap", with a mouse "Hover over"
(by the input the visitor has: the media query (hover: none))."""
from __future__ import annotations

import pytest

from explainer_page import wait_until_started

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("touch", [True, False])
def test_hints_say_tap_on_a_touch_screen_and_hover_with_a_mouse(browser, site, touch):
    context = browser.new_context(viewport=PHONE if touch else {"width": 1280, "height": 900}, has_touch=touch)
    try:
        page = context.new_page()
        page.goto(site.url + "#view=relu&layer=relu_1_1&neuron=2")
        wait_until_started(page)
        assert page.evaluate("matchMedia('(hover: none)').matches") is touch
        hint = page.inner_text("[data-view='relu'] .detail-hint")
        article = page.inner_text("#article")
        if touch:
            assert hint.startswith("Tap the matrices") and "Hover" not in hint
            assert "Tap a map to" in article, article
            assert "Hover" not in article and "hover over" not in article
        else:
            assert hint.startswith("Hover over the matrices") and "Tap" not in hint
            assert "Hover over a map to" in article and "Tap a map" not in article
        page.screenshot(path=f"/tmp/ux-shots/hint-{'touch' if touch else 'mouse'}.png")
    finally:
        context.close()

"""Item 15 of issue 24: the network's real mistakes, one click (or key) away from the example strip."""
from __future__ import annotations

import json

import numpy as np
import pytest

from explainer_page import active_example, read_probabilities, shot
from pyapp.images.preprocess import load_image
from pyapp.views.widgets.examples import MISTAKES_FILE

TOGGLE = "#examples [data-action='mistakes']"


def test_mistakes_open_by_mouse_run_the_network_and_stay_in_the_address(page, open_app, site, native):
    truths = {name: m["truth"] for name, m in json.loads((site.dir / MISTAKES_FILE).read_text()).items()}
    open_app(page)
    assert page.locator("[data-truth]").count() == 0  # drawn only when asked for: the first screen stays small
    page.click(TOGGLE)
    tiles = page.eval_on_selector_all("[data-example][data-truth]", "els => els.map(e => [e.dataset.example, e.dataset.truth])")
    assert dict(tiles) == truths
    shot(page, "mistakes-open")
    for name, truth in truths.items():
        page.click(f'[data-example="{name}"]')
        page.wait_for_function(f"""location.hash.includes('image={name}')""")
        page.wait_for_function(f"""document.querySelector('[data-example="{name}"]').getAttribute('aria-pressed') === 'true'""")
        shown = read_probabilities(page)
        expected = native.probabilities_of(load_image(site.dir / f"examples/{name}.png"))
        assert shown == pytest.approx(expected, abs=1e-5)
        top = max(shown, key=shown.get)
        wrong = top != truth
        # a mistake shows a top class other than the truth; a right but unsure one, the truth below 0.9
        assert wrong or shown[truth] < 0.9, (name, truth, shown)
        caption = page.inner_text(".mistake-caption")  # the page says which is which, at every width
        assert caption.startswith("This photo is") and truth in caption and top in caption
        assert ("is wrong" in caption) == wrong
    assert any(max(native.probabilities_of(load_image(site.dir / f"examples/{n}.png")).items(),
                   key=lambda kv: kv[1])[0] != t for n, t in truths.items())
    # the address holds it: a fresh page on this link opens on the mistake, its tiles shown
    link = page.url
    page.goto(site.url)
    open_app(page, "#" + link.split("#", 1)[1])
    assert active_example(page) == list(truths)[-1]
    assert page.locator("[data-truth]").count() == len(truths)
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("[data-truth]").first.scroll_into_view_if_needed()
    shot(page, "mistakes-phone")


def test_mistakes_open_and_run_by_keyboard(page, open_app, site):
    truths = json.loads((site.dir / MISTAKES_FILE).read_text())
    first = next(iter(truths))
    open_app(page)
    page.focus(TOGGLE)
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-truth]")
    assert page.evaluate("document.activeElement.dataset.action") == "mistakes"  # the toggle keeps the focus
    assert page.get_attribute(TOGGLE, "aria-expanded") == "true"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.example") == first
    page.keyboard.press("Enter")
    page.wait_for_function(f"""location.hash.includes('image={first}')""")
    assert active_example(page) == first
    assert np.isfinite(list(read_probabilities(page).values())).all()

"""Accessibility and legibility in a real browser, on one page: axe-core finds no serious or critical
problem on the overview or on any detail view of the registry, an open "Show the code" panel stays on
screen with every line whole, and the formula box leaves the elastic view's notes readable.

axe-core is the npm package pinned in package.json (devDependencies), injected from node_modules:
nothing is fetched from another origin and nothing of it ships with the site.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from explainer_page import VIEWPORT, wait_until_started

from pyapp.ui.state import State
from pyapp.views.detail import registry

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("critical", "serious")
# Animations that end (fades, slides) have ended: axe reads colours as a visitor finally sees them.
SETTLED = ("document.getAnimations().every(a => a.playState !== 'running'"
           " || a.effect.getComputedTiming().iterations === Infinity)")


@pytest.fixture(scope="module")
def app(browser, site):
    """One page for the whole module (a start costs seconds); each test opens what it needs by address."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (axe-core is a pinned devDependency)")
    context = browser.new_context(viewport=VIEWPORT, bypass_csp=True)  # the page's CSP refuses the injected axe script
    page = context.new_page()
    page.goto(site.url)
    wait_until_started(page)
    yield page
    context.close()


def showable(network) -> tuple[registry.ViewEntry, ...]:
    """The views the shipped model has layers for (batch normalisation's and dropout's are checked on a student's
    model, tests/browser/test_student_pages.py)."""
    return tuple(entry for entry in registry.ENTRIES if any(entry.shows(layer.type) for layer in network.layers))


def link(network, entry: registry.ViewEntry) -> str:
    """The address of ``entry``'s view on the first layer it explains: map 1, paused at pixel (1, 1)."""
    layer = next(layer for layer in network.layers if entry.shows(layer.type))
    maps = len(network.shapes[layer.name]) == 3
    return "#" + State(view=entry.name, layer=layer.name, neuron=1, pixel=(1, 1) if maps else None,
                       channel=1 if getattr(layer, "in_channels", None) else None).to_url()


def show(page, address: str, view: str) -> None:
    page.evaluate(f"location.hash = {json.dumps(address)}")
    if view != registry.OVERVIEW:
        page.wait_for_selector(f"[data-view='{view}']")
    page.wait_for_function(SETTLED)


def blocking_violations(page) -> list[str]:
    if not page.evaluate("!!window.axe"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate("""async impacts => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.filter(v => impacts.includes(v.impact)).flatMap(
            v => v.nodes.map(n => `${v.id} (${v.impact}): ${n.target.join(' ')}: ${n.failureSummary}`));
    }""", list(BLOCKING))


def test_axe_finds_nothing_serious_on_the_overview_or_any_detail_view(app, native):
    found = {}
    for entry in (None,) + showable(native.network):
        view = entry.name if entry else registry.OVERVIEW
        show(app, link(native.network, entry) if entry else "#", view)
        # every code panel open: their colours are checked too
        app.eval_on_selector_all(".detail-box [data-role=code]", "ds => ds.forEach(d => { d.open = true; })")
        found[view] = blocking_violations(app)
    assert found == {view: [] for view in found}


def test_axe_finds_nothing_serious_at_phone_width(app, native):
    # a phone has its own parts: the result line (#result), the sheets, the overview's sideways scroller
    app.set_viewport_size({"width": 390, "height": 844})
    try:
        found = {}
        for entry in (None,) + showable(native.network):
            view = entry.name if entry else registry.OVERVIEW
            show(app, link(native.network, entry) if entry else "#", view)
            if entry is None:
                app.wait_for_selector("#result .result-open")
            found[view] = blocking_violations(app)
        assert found == {view: [] for view in found}
    finally:
        app.set_viewport_size(VIEWPORT)


def test_an_open_code_panel_stays_on_screen_with_whole_lines(app, native):
    checked = []
    for entry in showable(native.network):
        show(app, link(native.network, entry), entry.name)
        for k in range(len(app.query_selector_all(".detail-box [data-role=code]"))):
            panel = app.locator(".detail-box [data-role=code]").nth(k)
            panel.evaluate("d => { d.open = true; d.closest('.detail-box').scrollIntoView({block: 'nearest'}); }")
            box, shown, lines, below, view = panel.evaluate("""d => {
                const box = d.closest('.detail-box').getBoundingClientRect();
                const next = document.getElementById('stage').nextElementSibling.getBoundingClientRect();
                return [[box.left, box.top, box.right, box.bottom], [innerWidth, innerHeight],
                        [...d.querySelectorAll('pre')].map(p => p.scrollWidth - p.clientWidth),
                        next.top, d.closest('[data-view], [data-part]').dataset.view || 'part'];
            }""")
            where = f"{entry.name} ({view})"
            assert all(cut <= 0 for cut in lines), f"{where}: code lines cut off by {lines} px"
            left, top, right, bottom = box  # scrolled into view, to within a pixel's rounding
            assert 0 <= left and right <= shown[0] and -1 < top and bottom < shown[1] + 1, \
                f"{where}: the box {box} runs past the {shown} window"
            assert bottom <= below, f"{where}: the box ends at {bottom}, over what follows at {below}"
            checked.append(where)
    assert len(checked) >= 5  # every formula box has a code panel


@pytest.mark.parametrize("layer", ["conv_1_1", "conv_1_2"])
def test_the_formula_box_leaves_the_elastic_notes_readable(app, layer):
    for neuron in (0, 4, 9):  # the note's three placements: beside the first map, under a map, over the last
        show(app, f"#view=conv-formula&layer={layer}&neuron={neuron}&channel=0&pixel=1,1", "conv-formula")
        covered = app.evaluate("""() => {
            const b = document.querySelector('.detail-box[data-view=conv-formula]').getBoundingClientRect();
            return [...document.querySelectorAll('[data-view=conv-elastic] :is(.annotation-text, .layer-label)')]
                .filter(t => { const r = t.getBoundingClientRect();
                    return r.width && r.right > b.left && r.left < b.right && r.bottom > b.top && r.top < b.bottom; })
                .map(t => t.textContent);
        }""")
        assert covered == [], f"{layer} map {neuron}: the formula box hides {covered}"

"""Layout facts a visitor sees at laptop, tablet and phone widths and in an embed: nothing jumps, nothing is cut off."""
from __future__ import annotations

import pytest


def _svg_top(page) -> float:
    return page.evaluate("document.getElementById('overview-svg').getBoundingClientRect().top")


@pytest.mark.parametrize("width", [800])
def test_hovering_a_map_does_not_move_the_network(page, open_app, width):
    # on a narrow screen the hover read-out's first text used to wrap the bar and push the graph down
    page.set_viewport_size({"width": width, "height": 900})
    open_app(page, "#image=ladybug")
    before = _svg_top(page)
    page.hover(".map[data-layer=conv_1_2][data-index='3']")
    page.wait_for_function("!document.getElementById('overview-hover').hidden")
    assert _svg_top(page) == before
    page.hover(".output-class[data-class=koala]")
    page.wait_for_function("document.getElementById('overview-hover-text').textContent.startsWith('koala')")
    assert _svg_top(page) == before


def test_parameter_table_fits_the_article_column(page, site):
    # the last column holds the counts a reader looks for: it must not be scrolled out of view
    page.goto(site.url, wait_until="domcontentloaded")
    wrap, table = page.eval_on_selector(
        ".parameter-table-wrap", "wrap => [wrap.clientWidth, wrap.querySelector('table').scrollWidth]")
    assert table <= wrap


@pytest.mark.parametrize("view", ["flatten", "softmax"])
def test_layer_names_do_not_overlap_when_the_output_views_squeeze_the_columns(page, open_app, view):
    # the flatten and softmax views squeeze ten columns into the left third: their names would collide
    open_app(page, f"#image=koala&view={view}&layer=logits&neuron=5")
    page.wait_for_selector(f"[data-view={view}]")
    # the columns slide aside over CSS transitions: measure where they end
    page.evaluate("Promise.all(document.getAnimations().map(a => a.finished.catch(() => null)))")
    boxes = page.eval_on_selector_all(
        "#overview-svg .layer-label, #overview-svg .input-captions text",
        """nodes => nodes.filter(n => getComputedStyle(n).visibility !== 'hidden'
                                   && n.getBoundingClientRect().width > 0)
                         .map(n => { const r = n.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })""")
    assert len(boxes) >= 3  # the names of the columns the view is about stay
    gap = 6  # px: closer than about two spaces, "relu max_pool conv" reads as one name
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a[2] + gap <= b[0] or b[2] + gap <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)


# -- phones, tablets and an embed in a blog's text column (issue 10, item 1; item 4) ------------------

# Each detail view of the registry, opened by a link (one page, the hash changed between them).
VIEW_LINKS = {
    "conv-elastic": "view=conv-elastic&layer=conv_1_2&neuron=2",
    "conv-formula": "view=conv-formula&layer=conv_1_1&neuron=2&channel=0&pixel=10,12",
    "relu": "view=relu&layer=relu_1_1&neuron=2&pixel=10,12",
    "pool": "view=pool&layer=max_pool_1&neuron=2&pixel=10,12",
    "flatten": "view=flatten&layer=logits&neuron=5",
    "softmax": "view=softmax&layer=logits&neuron=5",
    "why": "view=why&layer=logits&neuron=5",
    "unit": "view=unit&layer=conv_2_1&neuron=4",
    "atlas": "view=atlas",
    "shift": "view=shift&layer=logits&neuron=0&shift=4,-3",
    "dense": "view=dense&layer=logits&neuron=5",  # any dense unit's weighted sum: the logit's, on the shipped model
}
# Right, left, top, bottom of every control of a view (its box's buttons; the elastic view's channel rows).
CONTROLS_JS = """() => {
    const boxes = [...document.querySelectorAll('.detail-box')];  // the view's and its parent's (softmax, flatten)
    const controls = boxes.length ? [...boxes, ...document.querySelectorAll('.detail-box .detail-button:not([hidden])')]
                                  : [...document.querySelectorAll('.detail-overlay [data-action="channel"]')];
    return controls.map(e => { const r = e.getBoundingClientRect(); return [r.left, r.right, r.top, r.bottom]; });
}"""
MIN_MAP_PX = 30  # a 62x62 map under ~30 px shows no shape a student can point at


def settle(page) -> None:
    page.evaluate("Promise.all(document.getAnimations().map(a => a.finished.catch(() => null)))")


def horizontal_overflow(page) -> int:
    return page.evaluate("document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth")


def test_phone_and_tablet_show_every_detail_view_within_the_screen(page, open_app):
    from pyapp.views.detail import registry

    from pyapp.engine.network import load_network

    # a new view gets a link here, when the shipped model has its layers (batch normalisation and dropout:
    # tests/browser/test_student_pages.py, on a student's model)
    kinds = {layer.type for layer in load_network().layers} | {"dense"}
    assert set(VIEW_LINKS) == {entry.name for entry in registry.ENTRIES if any(map(entry.shows, kinds))}
    for width, height in ((390, 844), (768, 1024)):
        page.set_viewport_size({"width": width, "height": height})
        open_app(page, "#image=koala")
        assert horizontal_overflow(page) == 0
        # the maps keep a legible size: the overview scrolls sideways in its own area instead of shrinking
        side = page.eval_on_selector("#overview-svg .map[data-layer=conv_1_1]", "e => e.getBoundingClientRect().width")
        assert side >= MIN_MAP_PX
        for view, link in VIEW_LINKS.items():
            page.evaluate(f"location.hash = '#image=koala&{link}'")
            page.wait_for_selector(f"[data-view='{view}']")
            settle(page)
            boxes = page.evaluate(CONTROLS_JS)
            assert boxes, view
            # the box and its close/play/info buttons: on screen; the elastic view's rows: in from the sides
            # (the page scrolls down to a lower one, but nothing shows that one lies off to the side)
            tall = height if view != "conv-elastic" else float("inf")
            for left, right, top, bottom in boxes:
                assert 0 <= left and right <= width and 0 <= top and bottom <= tall, (width, view, boxes)
            assert horizontal_overflow(page) == 0, (width, view)


def test_embed_in_a_text_column_is_legible_and_fills_its_frame(page, open_app, site):
    # a blog's text column: the iframe of the embed snippet, 700 px wide and 760 px high
    page.goto(site.url + "manifest.webmanifest")  # the site's origin, as the embed test's page
    page.set_content(f'<iframe src="{site.url}#image=koala&embed=1" width="700" height="760" style="border:0">'
                     "</iframe>", wait_until="commit")
    page.frame_locator("iframe").locator("#app[data-status='ready']").wait_for(timeout=90_000)
    frame = page.frames[1]
    frame.wait_for_function("explainer.timings.settled")
    settle(frame)
    # rendered text height: the font size in the SVG's units times the SVG's scale on screen
    sizes = frame.evaluate("""() => [...document.querySelectorAll(
            '#overview-svg .label-name > tspan:first-child, #overview-svg .output-text')]
        .map(e => parseFloat(getComputedStyle(e).fontSize) * e.closest('svg').getScreenCTM().a)""")
    assert len(sizes) == 12 + 10 and min(sizes) >= 10, sizes
    tops = frame.eval_on_selector_all("#examples .example", "els => els.map(e => Math.round(e.getBoundingClientRect().top))")
    assert len(set(tops)) == 1, tops  # the thumbnails on one row
    # nothing wasted: the explainer reaches the frame's bottom, and does not run past it
    bottom, inner, scroll = frame.evaluate("""() => [document.getElementById('share-bar').getBoundingClientRect().bottom,
                                                     innerHeight, document.scrollingElement.scrollHeight]""")
    assert inner - 40 <= bottom and scroll <= inner, (bottom, inner, scroll)
    # by default the headers name the layers (not "conv relu conv relu max_pool" twice), with sizes and legends
    names = frame.eval_on_selector_all("#overview-svg .label-name > tspan:first-child", "els => els.map(e => e.textContent)")
    assert names[:6] == ["input", "conv_1_1", "relu_1_1", "conv_1_2", "relu_1_2", "max_pool_1"]
    assert frame.eval_on_selector_all("#overview-svg .label-dims", "els => els.filter(e => e.getClientRects().length).length") == 12
    assert frame.eval_on_selector("#overview-svg .legends", "e => getComputedStyle(e).opacity") == "1"


# Every text of the elastic view stays where a visitor can read it (issue 24 item 9): inside each box that cuts off
# what overflows it, and inside the part of a scroller one can scroll to (nothing left of its start).
CLIPPED_TEXT_JS = """() => {
    const cut = [];
    for (const t of document.querySelectorAll('[data-view=conv-elastic] text')) {
        if (!t.getClientRects().length || !t.textContent.trim()) continue;
        const r = t.getBoundingClientRect();
        for (let e = t.parentElement; e && e !== document.documentElement; e = e.parentElement) {
            const s = getComputedStyle(e);
            if (s.overflowX === 'visible' && s.overflowY === 'visible') continue;
            const c = e.getBoundingClientRect(), left = c.left - e.scrollLeft, top = c.top - e.scrollTop;
            const right = ['hidden', 'clip'].includes(s.overflowX) ? c.right : left + e.scrollWidth;
            const bottom = ['hidden', 'clip'].includes(s.overflowY) ? c.bottom : top + e.scrollHeight;
            if (r.left < left - 1 || r.right > right + 1 || r.top < top - 1 || r.bottom > bottom + 1)
                cut.push(`"${t.textContent.trim()}" by ${e.tagName}.${e.className.baseVal ?? e.className}`);
        }
        if (r.left < -1) cut.push(`"${t.textContent.trim()}" left of the page`);
    }
    return cut;
}"""
ELASTIC_LINKS = [f"view=conv-elastic&layer={layer}&neuron={neuron}"
                 for layer in ("conv_1_1", "conv_2_2") for neuron in (0, 9)]  # the first and last columns' edges


@pytest.mark.parametrize("width, height", [(1280, 900), (390, 844)])
def test_the_elastic_views_labels_are_not_cut_off(page, open_app, width, height):
    page.set_viewport_size({"width": width, "height": height})
    open_app(page, "#image=koala")
    for link in ELASTIC_LINKS:
        page.evaluate(f"location.hash = '#image=koala&{link}'")
        page.wait_for_selector("[data-view='conv-elastic'] text")
        settle(page)
        assert page.evaluate(CLIPPED_TEXT_JS) == [], (width, link)


def test_the_elastic_views_labels_are_not_cut_off_in_an_embed(page, site):
    page.goto(site.url + "manifest.webmanifest")  # the site's origin, as the embed tests' page
    page.set_content(f'<iframe src="{site.url}#image=koala&embed=1" width="560" height="760" style="border:0">'
                     "</iframe>", wait_until="commit")
    page.frame_locator("iframe").locator("#app[data-status='ready']").wait_for(timeout=90_000)
    frame = page.frames[1]
    for link in ELASTIC_LINKS:
        frame.evaluate(f"location.hash = '#image=koala&embed=1&{link}'")
        frame.wait_for_selector("[data-view='conv-elastic'] text")
        settle(frame)
        assert frame.evaluate(CLIPPED_TEXT_JS) == [], link

"""Layout facts a visitor sees at common laptop widths: nothing jumps, nothing is cut off."""
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

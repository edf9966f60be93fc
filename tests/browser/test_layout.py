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

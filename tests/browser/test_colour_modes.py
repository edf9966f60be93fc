"""Issue 24 item 2: each colour range mode says what it compares, and its legends show its ranges."""
from __future__ import annotations

import pytest

from pyapp.views.parts import color_range


def test_each_colour_mode_says_what_it_compares_and_shows_its_ranges(page, open_app, site, native):
    from pyapp.images.preprocess import load_image

    trace = native.network.forward(load_image(site.example_file("koala")))
    open_app(page, "#image=koala")
    for mode in ("module", "global", "unit"):
        page.select_option("#overview-colors", mode)
        page.wait_for_function(f"document.getElementById('overview-svg').dataset.colors === '{mode}'")
        # a short caption beside the choice: what the mode lets the eye compare
        caption = page.eval_on_selector(".overview-select", "e => e.textContent")
        assert color_range.MODE_CAPTIONS[mode] in caption, (mode, caption)
        assert page.is_visible(".overview-select")
        # one legend per group of columns sharing a range, each with that range's real ends
        legends = page.eval_on_selector_all(
            "#overview-svg .legends [data-legend][data-hi]",
            "els => els.filter(e => e.dataset.legend !== 'input' && e.dataset.legend !== 'output')"
            ".map(e => [e.dataset.legend.split(' '), +e.dataset.hi])")
        expected = color_range.layer_ranges(trace, native.network, mode)
        assert [names for names, _ in legends] == [list(g) for g in color_range.groups(native.network, mode)]
        for names, hi in legends:
            assert hi == pytest.approx(expected[names[0]].hi, rel=1e-5), (mode, names)

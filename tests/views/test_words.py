"""The words around class names: "an espresso", "a koala" (issue 24: "a espresso", "a orange")."""
from __future__ import annotations

from pathlib import Path

import pytest

from pyapp.ui.words import indefinite
from pyapp.views.article import why as why_article
from pyapp.views.detail import why


@pytest.mark.parametrize("name, said", [
    ("espresso", "an espresso"), ("orange", "an orange"), ("koala", "a koala"), ("lifeboat", "a lifeboat"),
    ("red panda", "a red panda"), ("umbrella", "an umbrella"), ("unicorn", "a unicorn"),
    ("European robin", "a European robin"), ("hourglass", "an hourglass"), ("SUV", "an SUV"), ("GPU", "a GPU"),
    ("one-way sign", "a one-way sign"), ("ice cream", "an ice cream"),
])
def test_indefinite_article_follows_the_sound(name, said):
    assert indefinite(name) == said


def test_why_view_says_an_espresso_and_an_orange(network):
    for name in ("espresso", "orange"):
        text = why.sentences(network, "saliency", network.classes.index(name))
        assert f"makes something an {name} in" in text and " a " + name not in text


def test_article_why_section_uses_the_right_article_for_another_models_class():
    text = why_article.section(["orange", "koala"])
    assert "an\n    orange" in text or "an orange" in text.replace("\n    ", " ")
    assert " a orange" not in text.replace("\n    ", " ")


def test_article_counts_the_windows_that_cover_a_padded_border_pixel():
    """With padding 1 and a 3x3 kernel (stride 1), count the windows over each input pixel of a 6x6 input."""
    import numpy as np

    size, k, p = 6, 3, 1
    cover = np.zeros((size + 2 * p, size + 2 * p), dtype=int)
    for y in range(size + 2 * p - k + 1):
        for x in range(size + 2 * p - k + 1):
            cover[y:y + k, x:x + k] += 1
    inner = cover[p:-p, p:-p]
    corner, edge, middle = inner[0, 0], inner[0, size // 2], inner[size // 2, size // 2]
    text = " ".join((Path(__file__).resolve().parents[2] / "site" / "article.html").read_text(encoding="utf-8").split())
    assert "used as often as those in the middle" not in text  # issue 24: it is false
    assert (f"a corner pixel falls in {corner} of the 3&#215;3 windows, an edge pixel in {edge}, an inner pixel "
            f"in {middle}") in text


def test_a_mistake_says_what_the_photo_is_against_what_the_network_says():
    from pyapp.views.widgets.examples import mistake_caption, render_mistakes
    from pyapp.ui.state import State
    assert "This photo is an orange. The network is wrong: it says koala, 61.0%." in mistake_caption("orange", "koala", 0.61)
    assert "right but unsure: orange, 40.0%" in mistake_caption("orange", "orange", 0.4)
    mistakes = {"mistake-1": "orange"}
    shown = render_mistakes(State(image="mistake-1"), mistakes, True, ("koala", 0.61))
    assert 'alt="an orange (the true class)"' in shown and "mistake-caption" in shown
    assert "mistake-caption" not in render_mistakes(State(image="koala"), mistakes, True, ("koala", 0.9))

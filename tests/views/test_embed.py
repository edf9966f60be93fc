"""Embedding (pyapp/views/widgets/embed.py): the snippet's address reproduces the view, in compact mode."""
from __future__ import annotations

import html
import re

from pyapp.ui.state import State
from pyapp.views.widgets import embed


def iframe_src(snippet: str) -> str:
    return html.unescape(re.search(r'src="([^"]+)"', snippet).group(1))


def test_snippet_src_reproduces_the_current_view():
    state = State(image="koala", colors="module", view="conv-elastic", layer="conv_2_1", neuron=3, pixel=(4, 5))
    code = embed.snippet("https://example.org/explainer/index.html?x=1#image=pizza", state)
    src = iframe_src(code)
    assert src.startswith("https://example.org/explainer/index.html?x=1#")
    assert State.from_url(src.split("#", 1)[1]) == state.with_(embed=True)
    assert 'loading="lazy"' in code and 'width="100%"' in code and re.search(r'height="\d+"', code)
    assert 'title="CNN Explainer in Python: Tiny VGG on the koala example, convolution of conv_2_1 map 4"' in code
    assert "&amp;" in code  # the address's & are escaped inside the attribute


def test_own_image_from_a_file_cannot_be_embedded_and_says_so():
    state = State(image="custom", view="overview")
    assert State.from_url(iframe_src(embed.snippet("https://a.b/", state)).split("#")[1]).image == "espresso"
    assert "not part of the address" in embed.warning(state)
    web = State(image="custom", image_url="https://a.b/cat.png")
    assert State.from_url(embed.src("https://a.b/", web).split("#")[1]) == web.with_(embed=True)
    assert embed.warning(web) == ""


def test_full_address_leaves_embed_mode():
    state = State(image="koala", embed=True)
    assert embed.full_address("https://a.b/p/#image=koala&embed=1", state) == "https://a.b/p/#image=koala"
    assert embed.full_address("https://a.b/p/#embed=1", State(embed=True)) == "https://a.b/p/"

"""Embedding in a real browser: the copied code reproduces the view, and another site's page shows it compact."""
from __future__ import annotations

import html
import re

from explainer_page import active_example, shot
from pyapp.ui.state import State


def iframe_src(snippet: str) -> str:
    return html.unescape(re.search(r'<iframe src="([^"]+)"', snippet).group(1))


def test_embed_code_reproduces_the_view_in_compact_mode(page, context, open_app, site):
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.url.rstrip("/"))
    open_app(page, "#image=pizza&colors=module")
    assert page.is_visible("#article") and page.is_visible(".site-header")
    page.click("#embed-copy")
    page.wait_for_function("document.querySelector('#embed-status').textContent.includes('copied')")
    snippet = page.evaluate("navigator.clipboard.readText()")
    assert 'loading="lazy"' in snippet and 'title="CNN Explainer in Python' in snippet
    src = iframe_src(snippet)
    assert src.startswith(site.url)
    assert State.from_url(src.split("#", 1)[1]) == State(image="pizza", colors="module", embed=True)
    # clipboard refused: the code is shown selected in a dialog
    page.evaluate("() => { navigator.clipboard.writeText ="
                  " () => Promise.reject(new DOMException('denied', 'NotAllowedError')); }")
    page.click("#embed-copy")
    page.wait_for_selector("#embed-dialog[open]")
    assert page.input_value("#embed-code") == snippet
    assert page.evaluate("(() => { const t = document.querySelector('#embed-code');"
                         " return [t.selectionStart, t.selectionEnd, document.activeElement === t]; })()") == \
        [0, len(snippet), True]
    shot(page, "embed-dialog")
    page.click("#embed-dialog .embed-close")
    # the snippet's address: the same view, compact (no title, no article, no playground), in an iframe
    page.set_content(snippet.replace('width="100%"', 'width="1000"'))
    frame = page.frame_locator("iframe")
    frame.locator("#app[data-status='ready']").wait_for(timeout=90_000)
    inner = page.frames[1]
    assert inner.is_visible("#overview-svg") and not inner.is_visible("#article")
    assert not inner.is_visible(".site-header") and not inner.is_visible("#playground")
    assert inner.get_attribute("#overview-svg", "data-colors") == "module"
    assert active_example(inner) == "pizza"
    # the link to the full page needs Python's embed controller, installed after ready: wait for it
    inner.wait_for_selector("#embed-full[href$='#image=pizza&colors=module']", state="attached")
    shot(page, "embed-iframe")


def test_the_embed_code_of_a_mistake_makes_room_for_its_strip(page, context, open_app, site):
    """On one of the build's mistakes the embed shows the strip of mistakes and the caption that tells the truth:
    the copied code's frame is tall enough for them in a blog's 560 px column (before, the explainer ran past
    its bottom and scrolled inside it), and no taller than it needs."""
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.url.rstrip("/"))
    open_app(page, "#image=mistake-1")
    page.click("#embed-copy")
    page.wait_for_function("document.querySelector('#embed-status').textContent.includes('copied')")
    snippet = page.evaluate("navigator.clipboard.readText()")
    page.set_content(snippet.replace('width="100%"', 'width="560"'))
    page.frame_locator("iframe").locator("#app[data-status='ready']").wait_for(timeout=90_000)
    frame = page.frames[1]
    frame.wait_for_function("explainer.timings.settled")
    assert frame.is_visible(".mistake-caption") and frame.is_visible(".examples-list.mistakes")
    bottom, inner, scroll = frame.evaluate("""() => [document.getElementById('share-bar').getBoundingClientRect().bottom,
                                                     innerHeight, document.scrollingElement.scrollHeight]""")
    assert scroll <= inner and inner - 40 <= bottom, (bottom, inner, scroll)
    shot(page, "embed-mistake-560")


# Runs in every frame from its first script on; in an iframe it checks, before every frame the browser
# paints (requestAnimationFrame), whether any of the full page's chrome is laid out, and counts the frames.
SAMPLE_EVERY_FRAME = """
if (window !== window.top) {
  window.__chrome = [];
  window.__frames = 0;
  const check = () => {
    window.__frames++;
    for (const selector of ["#article", ".site-header", ".site-footer"]) {
      const element = document.querySelector(selector);
      if (element && element.getClientRects().length) window.__chrome.push([selector, Math.round(performance.now())]);
    }
    requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
}
"""


def test_embed_in_another_sites_page_is_compact_from_its_first_paint(page, context, site, serve, tmp_path):
    """A blog on another site (127.0.0.1 embeds localhost): the browser blocks the iframe's storage (as with
    third-party storage off or in a private window), and the explainer still starts, compact throughout."""
    context.add_init_script(SAMPLE_EVERY_FRAME)
    embedded = site.url.replace("127.0.0.1", "localhost") + "#image=koala&embed=1"
    (tmp_path / "index.html").write_text(f'<!doctype html><p>A blog post</p>'
                                         f'<iframe src="{embedded}" width="700" height="760"></iframe>')
    page.goto(serve(tmp_path))
    page.frame_locator("iframe").locator("#app:not([data-status='loading'])").wait_for(timeout=90_000)
    inner = page.frames[1]
    assert inner.get_attribute("#app", "data-status") == "ready", inner.inner_text("#error")
    # until the deferred controllers are in and Pillow is loaded: every moment a reader could see
    inner.wait_for_function("'settled' in window.explainer.timings", timeout=60_000)
    assert inner.evaluate("window.__frames") > 10, "the frame was not sampled while it loaded"
    assert inner.evaluate("window.__chrome") == [], "the embed showed the full page's title, article or footer"
    assert inner.is_visible("#overview-svg") and active_example(inner) == "koala"
    shot(page, "embed-other-site")

"""Embedding: the iframe snippet that shows the current view in a blog post or slides.

The page's state already lives in the address's hash, so the snippet is the page's address with the
current state plus ``embed=1`` (compact mode: no title, article or footer).
"""
from __future__ import annotations

from ...ui import svg
from ...ui.state import CUSTOM_IMAGE, DEFAULT_IMAGE, State
from ..detail.registry import VIEWS

WIDTH = "100%"  # fills the blog's column; the explainer scales its drawing to the width
HEIGHT = {"overview": 760}  # px: example strip + the overview at a typical article width
DETAIL_HEIGHT = 820  # the detail boxes need a little more room below the overview
MISTAKE_HEIGHT = 120  # px more on one of the build's mistakes: the strip of mistakes and its caption show
VIEW_TITLES = {"conv-elastic": "convolution", "conv-formula": "convolution formula", "relu": "activation",
               "pool": "pooling", "batch-norm": "batch normalisation", "flatten": "flatten and dense layer", "softmax": "softmax"}


def embed_state(state: State) -> State:
    """The state an embed shows: this one in embed mode. An own image from a file has no address,
    so the embed falls back to the default example (see ``warning``)."""
    if state.image == CUSTOM_IMAGE and not state.image_url:
        state = state.with_(image=DEFAULT_IMAGE, image_url=None)
    return state.with_(embed=True)


def warning(state: State) -> str:
    """Why the embed will not look exactly like the page, or ''."""
    if state.image == CUSTOM_IMAGE and not state.image_url:
        return (f"Your own image is not part of the address, so the embed shows the {DEFAULT_IMAGE} example "
                f"(an image from a web address would be kept).")
    return ""


def page_address(href: str) -> str:
    """The page's address without its hash (the state is written afresh)."""
    return href.split("#", 1)[0]


def src(href: str, state: State) -> str:
    return f"{page_address(href)}#{embed_state(state).to_url()}"


def title(state: State) -> str:
    """The iframe's title (read by screen readers): what it shows."""
    shown = embed_state(state)
    image = f"the {shown.image} example" if shown.image != CUSTOM_IMAGE else "an image from the web"
    text = f"CNN Explainer in Python: Tiny VGG on {image}"
    if shown.view != "overview" and shown.layer is not None:
        what = VIEW_TITLES.get(shown.view, shown.view)
        # the output layer's views (by role: the registry's dense views) are about the whole layer; the others one map
        whole = shown.view in VIEWS and VIEWS[shown.view].layer_type == "dense"
        text += f", {what}" if whole else f", {what} of {shown.layer} map {shown.neuron + 1}"
    return text


def height(state: State, mistake: bool = False) -> int:
    """The iframe's height for ``state``; ``mistake``: its image is one of the build's mistakes."""
    return HEIGHT.get(state.view, DETAIL_HEIGHT) + (MISTAKE_HEIGHT if mistake else 0)


def snippet(href: str, state: State, mistake: bool = False) -> str:
    """The <iframe> to paste into a page: current view, lazy loading, a title, no border (``mistake``: see
    ``height``)."""
    return (f'<iframe src="{svg.escape(src(href, state))}" width="{WIDTH}" height="{height(state, mistake)}" '
            f'style="border:0;max-width:1100px" loading="lazy" title="{svg.escape(title(state))}" '
            f'allow="clipboard-write"></iframe>')


def full_address(href: str, state: State) -> str:
    """From an embed, the same view on the full page (embed mode off)."""
    text = state.with_(embed=False).to_url()
    return page_address(href) + (f"#{text}" if text else "")


def dialog(text: str = "", note: str = "") -> str:
    """The fallback when the clipboard refuses: the snippet selected in a box, to copy by hand."""
    notice = svg.element("p", svg.escape(note), class_="embed-note") if note else ""
    return svg.element("dialog", [
        svg.element("h2", "Embed this view", id="embed-dialog-title"),
        svg.element("p", "Copy this code (Ctrl+C, or \u2318C on a Mac) and paste it into your page:",
                    class_="embed-help"),
        svg.element("textarea", svg.escape(text), id="embed-code", readonly=True, rows=4, spellcheck="false",
                    aria_labelledby="embed-dialog-title"),
        notice,
        svg.element("form", svg.element("button", "Close", value="close", class_="embed-close"), method="dialog")],
        id="embed-dialog", class_="embed-dialog", aria_labelledby="embed-dialog-title")


def share_bar(state: State) -> str:
    """Under the overview: "Copy embed code" and its confirmation; in embed mode a link to the full page."""
    button = svg.element("button", "Copy embed code", type="button", id="embed-copy", class_="embed-copy",
                         title="An <iframe> snippet that shows this view in a blog post or slides")
    status = svg.element("span", "", id="embed-status", class_="embed-status", role="status")
    full = svg.element("a", "Open the full explainer \u2197", href="#", id="embed-full", class_="embed-full",
                       target="_blank", rel="noopener")
    return svg.element("div", [button, status, full], class_="share-bar", id="share-bar")

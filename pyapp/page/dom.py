"""The DOM operations the page needs, one bridge call or two each.

Views hand over whole strings, so drawing costs one ``set_html`` however many elements it holds.
"""
from __future__ import annotations

import js
from js import document


def query(selector: str, root=None):
    """The first element matching selector (inside root, default the document), or None."""
    return (root or document).querySelector(selector)


def query_all(selector: str, root=None) -> list:
    return list((root or document).querySelectorAll(selector))


def _element(selector):
    element = query(selector) if isinstance(selector, str) else selector
    if element is None:
        raise LookupError(f"no element matches {selector!r}")
    return element


def set_html(selector, html: str) -> None:
    _element(selector).innerHTML = html


def set_text(selector, text: str) -> None:
    _element(selector).textContent = text


def set_attr(selector, name: str, value) -> None:
    """Set an attribute; None removes it, True sets it empty (like a boolean HTML attribute)."""
    element = _element(selector)
    if value is None or value is False:
        element.removeAttribute(name)
    else:
        element.setAttribute(name, "" if value is True else str(value))


def show(selector, visible: bool = True) -> None:
    _element(selector).hidden = not visible


def focus(element, scroll: bool = True) -> None:
    """Give ``element`` the keyboard focus; ``scroll`` False keeps the page where it is."""
    element.focus(js.Object.fromEntries([["preventScroll", not scroll]]))


def reduced_motion() -> bool:
    """The visitor asked for less motion (prefers-reduced-motion): nothing moves on its own."""
    return bool(js.window.matchMedia("(prefers-reduced-motion: reduce)").matches)


def scroll_to(element) -> None:
    """Bring ``element`` to the top of the window: smoothly, or at once for prefers-reduced-motion."""
    behaviour = "auto" if reduced_motion() else "smooth"
    element.scrollIntoView(js.Object.fromEntries([["behavior", behaviour], ["block", "start"]]))

"""Small helpers to build SVG (and HTML) text: escaping, attributes, elements, image data URLs.

Views build their markup as one string, which the page sets with a single innerHTML, so the number
of bridge calls never grows with the number of elements.
"""
from __future__ import annotations

import base64
from typing import Iterable

import numpy as np

from ..images.png import PNG_COMPRESS_LEVEL, png_bytes

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})


def escape(text) -> str:
    """Text made safe for element content and for double- or single-quoted attribute values."""
    return str(text).translate(_ESCAPES)


def num(value: float, digits: int = 2) -> str:
    """A coordinate or length, short: at most ``digits`` decimals, no trailing zeros, no '-0'."""
    text = f"{float(value):.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _attr_name(key: str) -> str:
    # Python names to SVG names: class_ -> class, data_layer -> data-layer, stroke_width -> stroke-width.
    # Names that need colons or underscores (xlink:href, xml:space) are passed through **{"xlink:href": ...}.
    if ":" in key:
        return key
    return key.rstrip("_").replace("_", "-")


def attrs(**values) -> str:
    """Attribute text, each with a leading space; None and False are left out, True writes the bare name."""
    parts = []
    for key, value in values.items():
        if value is None or value is False:
            continue
        name = _attr_name(key)
        if value is True:
            parts.append(f' {name}=""')
        elif isinstance(value, float):
            parts.append(f' {name}="{num(value)}"')
        else:
            parts.append(f' {name}="{escape(value)}"')
    return "".join(parts)


def element(tag: str, content: str | Iterable[str] | None = None, **values) -> str:
    """One element: self-closing when it has no content; ``content`` is markup (already escaped)."""
    if content is None:
        return f"<{tag}{attrs(**values)}/>"
    if not isinstance(content, str):
        content = "".join(content)
    return f"<{tag}{attrs(**values)}>{content}</{tag}>"


def text(content, **values) -> str:
    """A <text> element whose content is plain text (escaped here)."""
    return element("text", escape(content), **values)


def group(children: Iterable[str], **values) -> str:
    return element("g", "".join(children), **values)


def with_tooltip(tip: str, control: str) -> str:
    """``control`` with a hover tooltip on a wrapping group: a <title> inside the control would count as
    its visible text, no longer matching its aria-label (axe: label-content-name-mismatch)."""
    return group([element("title", escape(tip)), control])


def png_data_url(pixels: np.ndarray, compress_level: int = PNG_COMPRESS_LEVEL) -> str:
    """A uint8 array as a 'data:image/png;base64,...' URL for an <image href>."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(pixels, compress_level)).decode("ascii")


def document(content: str, width: float, height: float, title: str | None = None,
             style: str | None = None, **values) -> str:
    """A complete standalone SVG file (XML declaration, namespaces, optional <title> and <style>)."""
    head = ""
    if title:
        head += f"<title>{escape(title)}</title>"
    if style:
        head += f"<style><![CDATA[\n{style}\n]]></style>"
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<svg xmlns="{SVG_NS}" xmlns:xlink="{XLINK_NS}"'
            f'{attrs(width=float(width), height=float(height), viewBox=f"0 0 {num(width)} {num(height)}", **values)}>'
            f"{head}{content}</svg>\n")


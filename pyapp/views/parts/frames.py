"""Frames: what a detail view changes on screen when its window moves, and how the window moves.

A frame is ``{key: {attribute: value, "text": ...}}`` for the elements marked ``data-u="key"``. A view's
markup is built from its first frame and the page applies later frames attribute by attribute
(``changes``), so one code path writes the numbers on screen.
"""
from __future__ import annotations

from ...ui import svg
from ...ui.geometry import ARROWS

Frame = dict[str, dict[str, str]]


def value_text(value: float, digits: int = 2) -> str:
    """A number as a cell shows it: fixed decimals, never '-0.00'."""
    text = f"{float(value):.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def exact(value) -> str:
    """A value with every digit it has (float32 round-trips), for data-value attributes and tests."""
    return repr(float(value))


def dynamic(tag: str, key: str, frame: Frame, content: str | None = None, **static) -> str:
    """An element whose changing attributes (and text) come from ``frame[key]``; ``content`` is markup."""
    values = dict(frame.get(key, {}))
    text = values.pop("text", None)
    if text is not None:
        content = svg.escape(text)
    markup_attrs = svg.attrs(data_u=key, **static)
    markup_attrs += "".join(f' {name}="{svg.escape(value)}"' for name, value in values.items())
    if content is None:
        return f"<{tag}{markup_attrs}/>"
    return f"<{tag}{markup_attrs}>{content}</{tag}>"


def changes(old: Frame | None, new: Frame) -> Frame:
    """Only what differs between two frames (what the page has to write)."""
    if not old:
        return new
    out: Frame = {}
    for key, values in new.items():
        before = old.get(key, {})
        diff = {a: v for a, v in values.items() if before.get(a) != v}
        if diff:
            out[key] = diff
    return out


def pixel_for_hover(role: str, row: int, col: int, stride: int, out_shape: tuple[int, int]) -> tuple[int, int]:
    """The output pixel a pointer on an input or output cell stands for (the window starting there)."""
    h, w = out_shape
    if role == "input":
        row, col = row // stride, col // stride
    return min(max(row, 0), h - 1), min(max(col, 0), w - 1)


def next_pixel(pixel: tuple[int, int], out_shape: tuple[int, int]) -> tuple[int, int]:
    """The animation's next position: row by row, back to the start after the last pixel."""
    h, w = out_shape
    flat = (pixel[0] * w + pixel[1] + 1) % (h * w)
    return divmod(flat, w)


def clamp_pixel(pixel, out_shape: tuple[int, int]) -> tuple[int, int]:
    """A pinned pixel from a link or a state, kept inside the map."""
    if pixel is None:
        return (0, 0)
    h, w = out_shape
    return min(max(int(pixel[0]), 0), h - 1), min(max(int(pixel[1]), 0), w - 1)


def moved_pixel(pixel: tuple[int, int], key: str, out_shape: tuple[int, int]) -> tuple[int, int]:
    """Where an arrow key moves a formula's output pixel (Home and End: its row's ends); it stops at the edges."""
    if key in ("Home", "End"):
        return pixel[0], 0 if key == "Home" else out_shape[1] - 1
    dx, dy = ARROWS[key]
    return clamp_pixel((pixel[0] + dy, pixel[1] + dx), out_shape)

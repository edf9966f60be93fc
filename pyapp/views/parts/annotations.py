"""The grey notes of the detail views: curved arrows (with their marker) and italic annotation text."""
from __future__ import annotations

from ...ui import svg, words

HOVER = "Hover over "  # a lead-in said "Tap " on a touch screen (words.hover_or_tap)


def arrow(sx, sy, tx, ty, radius, flip=False, marker="detail-arrow") -> str:
    d = f"M{svg.num(sx)},{svg.num(sy)}A{svg.num(radius)},{svg.num(radius)} 0 0,{0 if flip else 1} " \
        f"{svg.num(tx)},{svg.num(ty)}"
    return svg.element("path", d=d, fill="none", stroke="gray", marker_end=f"url(#{marker})")


def annotation(lines: list[tuple[str, str | None]], x: float, y: float, anchor: str = "start") -> str:
    """Italic grey notes, one tspan per line; a line is (text, bold lead-in or None)."""
    spans = []
    for k, (text, lead) in enumerate(lines):
        dy = "0" if k == 0 else "1.15em"
        lead_text = words.hover_or_tap("tspan") if lead == HOVER else svg.escape(lead or "")
        inner = (svg.element("tspan", lead_text, font_weight="700") if lead else "") + svg.escape(text)
        spans.append(svg.element("tspan", inner, x=float(x), dy=dy))
    return svg.element("text", "".join(spans), x=float(x), y=float(y), class_="annotation-text",
                       text_anchor=anchor, dominant_baseline="hanging")


def arrow_marker(marker_id: str = "detail-arrow") -> str:
    return svg.element("marker", svg.element("path", d="M0,-5L10,0L0,5", fill="gray"), id=marker_id,
                       viewBox="0 -5 10 10", refX=6, refY=0, markerWidth=6, markerHeight=6, orient="auto")

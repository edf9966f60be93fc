"""Colour legends: a bar filled with a scale's gradient and a few labelled ticks under it.

Shared by the overview and the detail views: ``gradient`` goes once into <defs>, ``color_legend``
draws a legend anywhere, ``bar_legend`` a plain bar with ticks (the output probabilities).
"""
from __future__ import annotations

import numpy as np

from ...ui import colors, svg

HEIGHT = 5.0
TICK_LENGTH = 3.0
LABEL_DY = 12.0  # from the bottom of the bar to the tick labels' baseline
GRADIENT_STOPS = 10  # the reference samples its gradients at 10 points; the scales are smooth
BAR_FILL = "gray"


def gradient(gradient_id: str, scale: str, reverse: bool = False, stops: int = GRADIENT_STOPS) -> str:
    """A left-to-right <linearGradient> through a colour scale (low values on the left)."""
    t = np.linspace(0.0, 1.0, stops)
    parts = [svg.element("stop", offset=f"{svg.num(p * 100)}%",
                         stop_color=colors.hex_color(scale, float(p), reverse)) for p in t]
    return svg.element("linearGradient", parts, id=gradient_id, x1="0", y1="0", x2="1", y2="0")


def tick_values(lo: float, hi: float, count: int) -> list[float]:
    """``count`` evenly spaced values from lo to hi (3: ends and middle; 5: quarters too)."""
    return [float(v) for v in np.linspace(lo, hi, count)]


def _ticks(x: float, y: float, width: float, lo: float, hi: float, values, digits: int) -> list[str]:
    span = (hi - lo) or 1.0
    xs = [x + (v - lo) / span * width for v in values]
    bottom = y + HEIGHT
    marks = "".join(f"M{svg.num(tx)},{svg.num(bottom)}v{svg.num(TICK_LENGTH)}" for tx in xs)
    out = [svg.element("path", d=marks, class_="legend-ticks", stroke="#555", stroke_width=0.6, fill="none")]
    for tx, v in zip(xs, values):
        label = f"{v:.{digits}f}"
        if label.startswith("-") and float(label) == 0:
            label = label[1:]  # never "-0.00"
        out.append(svg.text(label, x=tx, y=bottom + LABEL_DY, class_="legend-label",
                            text_anchor="middle", font_size="9", fill="#555"))
    return out


def color_legend(x: float, y: float, width: float, lo: float, hi: float, gradient_id: str,
                 ticks: int = 3, digits: int = 2, **values) -> str:
    """A legend bar of ``width`` at (x, y) filled with a gradient; ``ticks`` labels from lo to hi."""
    bar = svg.element("rect", x=x, y=y, width=width, height=HEIGHT, fill=f"url(#{gradient_id})",
                      stroke="#999", stroke_width=0.3)
    return svg.group([bar, *_ticks(x, y, width, lo, hi, tick_values(lo, hi, ticks), digits)],
                     **{"data-lo": f"{lo:.6g}", "data-hi": f"{hi:.6g}", **values})


def bar_legend(x: float, y: float, width: float, lo: float, hi: float, ticks: int = 2, digits: int = 2,
               fill: str = BAR_FILL, **values) -> str:
    """A plain bar with ticks: the scale of a bar chart (the output probabilities)."""
    bar = svg.element("rect", x=x, y=y, width=width, height=HEIGHT, fill=fill)
    return svg.group([bar, *_ticks(x, y, width, lo, hi, tick_values(lo, hi, ticks), digits)],
                     **{"data-lo": f"{lo:.6g}", "data-hi": f"{hi:.6g}", **values})

"""Parts of the overview's columns for any small CNN: the layer labels (fitted to the columns' spacing), a
hidden dense layer's units with their values, and the "+ N more" control of a column with more maps than fit.

A column shows at most ``geometry.MAP_ROWS`` maps (``UNIT_ROWS`` units); the last row of a longer column is the
control, which turns to the next page of maps (the State's ``maps``, in the address) and back to the first after
the last. Every column pages together, so map i of a convolution and map i of its ReLU are always in one row.
"""
from __future__ import annotations

import numpy as np

from ...engine.network import INPUT
from ...ui import geometry, svg
from ...ui.geometry import NODE_SIZE, OUTPUT, Column, OverviewLayout
from ..detail import registry

TEXT_COLOR = "#222"
NAME_CHAR = 6.4  # user units per character of a layer name at 11.5 (a name longer than its room is cut with "...")
UNIT_BOX = 10.0  # the coloured square of a unit; its value is written right of it
UNIT_FONT = 8.0
MORE_FILL, MORE_STROKE = "#f3f5f8", "#b8c0cc"  # the "+ N more" button: a light key, as the page's buttons


def dimension(column: Column) -> str:
    return f"({', '.join(str(n) for n in (*column.shape[1:], column.shape[0]))})" if len(column.shape) == 3 \
        else f"({column.shape[0]})"


def article_topic(kind: str) -> str:
    """Which article section a layer label scrolls to (#article-<topic>): the registry's, for its views."""
    if kind == INPUT:
        return "input"
    return registry.section(registry.OUTPUT_LAYER_TYPE if kind == OUTPUT else kind)


def fitted_name(grid: OverviewLayout, column: Column) -> str:
    """The column's name, cut in the middle to the room between its neighbours (a deep model's columns sit
    closer): names often differ only at the end, conv2d_1 and conv2d_2."""
    position = grid.columns.index(column)
    xs = [c.x for c in grid.columns[max(position - 1, 0):position + 2]]
    room = min((abs(b - a) for a, b in zip(xs, xs[1:])), default=grid.width)
    chars = max(4, int(room / NAME_CHAR))
    head = (chars - 1) // 2
    return column.name if len(column.name) <= chars else \
        column.name[:head] + "\u2026" + column.name[len(column.name) - (chars - 1 - head):]


def label(grid: OverviewLayout, column: Column, detail: bool | None) -> str:
    """The layer's name over its column, its size (H, W, C) under it with ``detail`` (None: both, the page
    toggles the size with a class). The name always shows: "conv relu conv" twice says less than conv_1_1."""
    cx = column.x + NODE_SIZE / 2
    shown = fitted_name(grid, column)
    content = svg.element("tspan", svg.escape(shown), font_size="11.5")
    if detail is not False:
        content += svg.element("tspan", svg.escape(dimension(column)), x=cx, dy="1.4em", font_size="8.5",
                               class_="label-dims")
    group = svg.group([svg.element("text", content, x=cx, y=geometry.LABEL_Y, class_="label-name")],
                      class_="layer-label", data_article=article_topic(column.kind),
                      tabindex=0 if detail is None else None, role=None if detail is not None else "link",
                      # a cut name is said as shown, then whole (axe: a label holds the text it shows)
                      aria_label=f"{shown if shown == column.name else f'{shown}, {column.name}'}: read about this layer",
                      text_anchor="middle", font_size="12",
                      fill=TEXT_COLOR)
    return svg.with_tooltip("Go to the article section on this layer", group)


def unit_value(value: float) -> str:
    return f"{value:.2f}" if abs(value) < 100 else f"{value:.0f}"


def units(column: Column, values: np.ndarray, scale, interactive: bool = True) -> str:
    """The drawn units of a hidden dense column: a square in the column's colours and the value beside it.
    The inner markup of the column's ``.units`` group, which the page replaces on an image switch."""
    drawn = list(column.drawn)
    fills = scale.fills(values[drawn])
    parts = []
    for i, fill in zip(drawn, fills):
        value = float(values[i])
        y = column.ys[i]
        parts.append(svg.element("rect", x=column.x, y=y, width=UNIT_BOX, height=column.size, fill=fill,
                                 class_="unit", data_layer=column.name, data_index=i,
                                 tabindex=0 if interactive else None, role="img",
                                 aria_label=f"{column.name}, unit {i + 1} of {column.count}: {value:.4f}"))
        parts.append(svg.element("text", unit_value(value), x=column.x + UNIT_BOX + 2, y=y + column.size / 2,
                                 dominant_baseline="central"))
    return "".join(parts)


def units_group(column: Column, values: np.ndarray, scale, interactive: bool) -> str:
    return svg.group([units(column, values, scale, interactive)], class_="units", data_units=column.name,
                     font_size=svg.num(UNIT_FONT), fill=TEXT_COLOR)


def more_control(column: Column, interactive: bool) -> str:
    """The last row of a column with more maps than fit: "+ N more" (or back to the first after the last
    page) and which maps show; a button that turns the page."""
    if column.more_y is None:
        return ""
    first, last, x, y, size = column.drawn[0] + 1, column.drawn[-1] + 1, column.x, column.more_y, column.size
    what = "units" if column.units else "maps"
    says = f"+ {column.more} more" if column.more else "back to 1"
    # one <text>, its lines as tspans with a space between: the button's visible words read as one phrase
    spans = svg.element("tspan", svg.escape(says), x=x + NODE_SIZE / 2,
                        y=y + (size / 2 if column.units else size * 0.4), class_="more-says",
                        font_size="7.5" if column.units else None)
    which = f"{first}\u2013{last} of {column.count}"
    if not column.units:  # a map's row has room for which maps show
        spans += " " + svg.element("tspan", which, x=x + NODE_SIZE / 2, y=y + size * 0.72, class_="more-which",
                                   font_size="7")
    lines = [svg.element("text", spans, dominant_baseline="central")]
    turn = (f"show the next {what}" if column.more else f"back to {what} 1 to {len(column.drawn)}")
    return svg.group([svg.element("rect", x=x, y=y, width=NODE_SIZE, height=size, rx=3, class_="more-box",
                                  fill=MORE_FILL, stroke=MORE_STROKE), *lines],
                     class_="more-maps", data_column=column.name, data_page=geometry.next_page(column),
                     tabindex=0 if interactive else None, role="button" if interactive else None,
                     # the visible words first (axe: a label holds the text it shows), then what a press does
                     aria_label=(f"{says} {which} shown" if not column.units else f"{says} ({which} shown)")
                     + f" in {column.name}: {turn}",
                     text_anchor="middle", font_size="8.5", fill=TEXT_COLOR)


def passed_through(network) -> str:
    """The words for the layers the overview leaves out because they change nothing here: dropout passes every
    value through at inference (the numbers on screen), and drops values only in training."""
    drops = [layer for layer in network.layers if layer.type == "dropout"]
    if not drops:
        return ""
    named = ", ".join(f"{layer.name} ({layer.rate:.0%})" for layer in drops)
    return (f"Not drawn: {named}. Dropout passes every value through when the network answers, as here; "
            "only in training does it set a random share of the values to zero.")

"""The Why? view over the overview: under each activation map a bar for that map's contribution to the
chosen class (``explain.map_contributions``: activation x gradient, summed over the map).

Bars are scaled per layer (the layer's largest contribution fills the map's width), blue where the map
raises the class's logit and red where it lowers it, as the overview's colours. A pointer on a bar reads
its value in the line under the network (the host's ``[data-role="hover-info"]``).
"""
from __future__ import annotations

import numpy as np

from ...engine import explain
from ...ui import geometry, svg
from ...ui.geometry import NODE_SIZE
from ...ui import colors
from ...ui.colors import TEXT_GREY

BAR_DY, BAR_HEIGHT, HIT_HEIGHT = 1.5, 3.0, 6.0  # under the map: the bar, and the strip that takes the pointer
RAISES, LOWERS = colors.hex_color("rdbu", colors.RAISES), colors.hex_color("rdbu", colors.LOWERS)  # the overview's
CAPTION_X = 520.0  # right of the box, which covers the overview's left part


def contributions(network, trace, target: int) -> dict[str, np.ndarray]:
    return explain.map_contributions(network, trace, target)


def overlay(network, trace, target: int, page: int = 0) -> str:
    """A <g> for the overview's <svg>: one bar under every drawn map (``page``: the State's ``maps``), a
    caption, and the hover read-out."""
    grid = geometry.overview_layout(network, page)
    name = network.classes[target]
    parts = []
    for layer, values in contributions(network, trace, target).items():
        column = grid.column(layer)
        extent = float(np.max(np.abs(values))) or 1.0
        lengths = NODE_SIZE * np.abs(values) / extent  # one vectorised scale per layer
        for i, (value, length) in enumerate(zip(values.tolist(), lengths.tolist())):
            if i not in column.drawn:
                continue
            x, y = column.node(i)
            said = f"{layer}, map {i + 1}: contribution {value:+.4g} to the logit of \u201c{name}\u201d"
            parts.append(svg.group([
                svg.element("rect", x=x, y=y + NODE_SIZE, width=NODE_SIZE, height=HIT_HEIGHT, fill="transparent"),
                svg.element("rect", x=x, y=y + NODE_SIZE + BAR_DY, width=length, height=BAR_HEIGHT,
                            fill=RAISES if value >= 0 else LOWERS, class_="why-bar"),
            ], class_="why-contribution", data_layer=layer, data_index=i, data_value=f"{value:.6g}", data_hover=said))
    y = grid.legend_y + 8
    parts.append(svg.text(f"Bar under each map: its contribution to \u201c{name}\u201d (activation \u00d7 gradient, "
                          f"summed; blue raises the score, red lowers it; scaled per layer)", x=CAPTION_X, y=y,
                          font_size=10, fill=TEXT_GREY, class_="why-caption"))
    parts.append(svg.text("", x=CAPTION_X, y=y + 14, font_size=10, fill="#222", data_role="hover-info"))
    return svg.group(parts, class_="detail-overlay why-contributions")

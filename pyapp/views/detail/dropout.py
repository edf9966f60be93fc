"""The dropout view: the map it reads and the same map out, for one pixel x = y, because at inference dropout
passes every value through; while training it zeroes each value with probability ``rate`` and scales the rest.

Opened by a click on a dropout map; the pixel steps on its own, hovering a cell pins it.
"""
from __future__ import annotations

from ...ui import svg, words
from ...ui.colors import TEXT_GREY
from ..parts import color_range
from ..parts.frames import Frame
from ..parts.grids import CELL, MapGrid, cell, cell_frame, symbol
from ..parts.pair import PairView

LEFT, TOP = 4, 22


def says(rate: float) -> tuple[str, ...]:
    """What dropout does, in words, as the view and the overview's read-out say it."""
    return ("At inference dropout passes every value through.",
            f"While training it zeroes each with probability {rate:g}",
            f"and multiplies the rest by {1 / (1 - rate):.3g}." if rate < 1 else "(all of them).")


class DropoutView(PairView):
    view = "dropout"
    title = "Dropout"
    hint = f"<b>{words.hover_or_tap()}</b>the matrices to change the pixel."
    width = 560
    height = 200

    def __init__(self, state, trace, network):
        super().__init__(state, trace, network)
        self.source = network.sources[self.layer]
        self.rate = network.layer(self.layer).rate
        ranges = color_range.layer_ranges(trace, network, state.colors)
        self.x_map = trace[self.source][self.neuron]
        self.y_map = trace[self.layer][self.neuron]
        self.input = MapGrid("input", self.x_map, ranges[self.source], LEFT, TOP)
        self.output = MapGrid("output", self.y_map, ranges[self.layer], self.width - LEFT - self.input.size, TOP)

    def formula_frame(self, pixel) -> Frame:
        y, x = pixel
        out = cell_frame("x", self.x_map[y, x], self.input.scale)
        out.update(cell_frame("y", self.y_map[y, x], self.output.scale))
        return out

    def formula_markup(self, frame: Frame) -> str:
        middle = (LEFT + self.input.size + self.output.x) / 2
        top = TOP + 30
        lines = says(self.rate)
        return "".join([
            cell("x", frame, middle - 52, top), symbol("\u2192", middle, top + CELL / 2),
            cell("y", frame, middle + 22, top),
            *(svg.text(line, x=middle, y=top + CELL + 26 + 13 * i, font_size=9.5, fill=TEXT_GREY,
                       text_anchor="middle", class_="dropout-note") for i, line in enumerate(lines)),
        ])

    def calls(self, pixel) -> list:
        return []  # nothing is computed at inference: the value is the input's

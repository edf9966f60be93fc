"""The dropout view: the map it reads and the same map out, for one pixel x = y, because at inference dropout
passes every value through; while training it zeroes each value with probability ``rate`` and scales the rest.

Opened by a click on a dropout map; the pixel steps on its own, hovering a cell pins it.
"""
from __future__ import annotations

from ...ui import svg
from ...ui.colors import TEXT_GREY
from ..parts.frames import Frame
from ..parts.grids import CELL, cell, symbol
from ..parts.pair import TOP, ElementwiseView


def says(rate: float) -> tuple[str, ...]:
    """What dropout does, in words, as the view and the overview's read-out say it."""
    return ("At inference dropout passes every value through.",
            f"While training it zeroes each with probability {rate:g}",
            f"and multiplies the rest by {1 / (1 - rate):.3g}." if rate < 1 else "(all of them).")


class DropoutView(ElementwiseView):
    view = "dropout"
    title = "Dropout"
    width = 560
    height = 200

    def __init__(self, state, trace, network):
        super().__init__(state, trace, network)
        self.rate = network.layer(self.layer).rate

    def formula_frame(self, pixel) -> Frame:
        return self.xy_frame(pixel)

    def formula_markup(self, frame: Frame) -> str:
        middle = self.middle
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

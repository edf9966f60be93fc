"""The ReLU detail view: the convolution's map, max(0, x) = y for one pixel with its real value, the ReLU map.

Opened by a click on a ReLU map; the pixel steps on its own, hovering a cell pins it.
"""
from __future__ import annotations

from ...engine import layers
from ...ui import words
from ..parts import color_range
from ..parts.code_panel import Call, Operand
from ..parts.frames import Frame
from ..parts.grids import CELL, MapGrid, cell, cell_frame, symbol
from ..parts.pair import PairView

LEFT, TOP, GAP = 4, 22, 36


class ReluView(PairView):
    view = "relu"
    title = "ReLU Activation"
    hint = f"<b>{words.hover_or_tap()}</b>the matrices to change the pixel."
    width = 540
    height = 200

    def __init__(self, state, trace, network):
        super().__init__(state, trace, network)
        self.source = network.sources[self.layer]
        ranges = color_range.layer_ranges(trace, network, state.colors)
        self.scale = ranges[self.layer]
        self.x_map = trace[self.source][self.neuron]
        self.y_map = trace[self.layer][self.neuron]
        self.input = MapGrid("input", self.x_map, ranges[self.source], LEFT, TOP)
        self.mid = LEFT + self.input.size + GAP
        self.output = MapGrid("output", self.y_map, self.scale, self.width - LEFT - self.input.size, TOP)

    def formula_frame(self, pixel) -> Frame:
        y, x = pixel
        out = cell_frame("zero", 0.0, self.scale)
        out.update(cell_frame("x", self.x_map[y, x], self.input.scale))
        out.update(cell_frame("y", self.y_map[y, x], self.scale))
        return out

    def formula_markup(self, frame: Frame) -> str:
        cy = TOP + self.input.size / 2 - CELL / 2
        x = self.mid
        x0 = x + 40  # after "max("
        return "".join([
            symbol("max(", x + 17, cy + CELL / 2, size=15),
            cell("zero", frame, x0, cy),
            symbol(",", x0 + CELL + 6, cy + CELL / 2 + 4),
            cell("x", frame, x0 + CELL + 12, cy),
            symbol(")", x0 + 2 * CELL + 18, cy + CELL / 2, size=15),
            symbol("=", x0 + 2 * CELL + 34, cy + CELL / 2),
            cell("y", frame, x0 + 2 * CELL + 46, cy),
        ])

    def calls(self, pixel) -> list[Call]:
        y, x = pixel
        n = self.neuron
        value = self.trace[self.source][n, y, x]
        return [Call("relu", layers.relu_value, (Operand("x", f"{self.source}[{n}, {y}, {x}]", value),),
                     "The ReLU of the pixel under the window:", f"{self.layer}[{n}, {y}, {x}]")]

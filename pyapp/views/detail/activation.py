"""The activation view (ReLU, leaky ReLU, sigmoid, tanh): the map it reads, f(x) = y for one pixel with its real
value, the function's curve with that pixel's (x, y) marked on it, and the activation's map.

Opened by a click on an activation's map; the pixel steps on its own, hovering a cell pins it. The curve is the
layer itself run on a row of inputs (the engine's numbers, not a redrawn formula).
"""
from __future__ import annotations

import numpy as np

from ...engine import layers
from ...ui import svg
from ...ui.colors import TEXT_GREY
from ..parts.code_panel import Call, Operand
from ..parts.frames import Frame, dynamic, exact, value_text
from ..parts.grids import CELL, HIGHLIGHT_STROKE, cell, symbol
from ..parts.pair import LEFT, TOP, ElementwiseView

GAP = 36  # px: from the input map to the formula
PLOT_TOP, PLOT_HEIGHT, PLOT_WIDTH = 96, 104, 180  # px: the curve's box in the middle column
SAMPLES = 121  # inputs the curve is drawn through
# type -> (the name written before the bracket, the one-number function shown in the code, its least x range):
# an S-curve needs about +-4 to show its bend, a ReLU's kink shows at any range
KINDS = {
    "relu": ("ReLU(", layers.relu_value, 1.0),
    "leaky_relu": ("leaky(", layers.leaky_relu_value, 1.0),
    "sigmoid": ("\u03c3(", layers.sigmoid_value, 4.0),
    "tanh": ("tanh(", layers.tanh_value, 2.5),
}
NAMES = {"relu": "ReLU", "leaky_relu": "leaky ReLU", "sigmoid": "sigmoid", "tanh": "tanh"}


class Curve:
    """The function's curve over [x0, x1] x [y0, y1], drawn in a ``PLOT_WIDTH`` x ``PLOT_HEIGHT`` box at (left, top)."""

    def __init__(self, layer, x_values: np.ndarray, least: float, left: float, top: float):
        reach = max(float(np.abs(x_values).max(initial=0.0)), least)
        self.x0, self.x1 = -reach, reach
        self.xs = np.linspace(self.x0, self.x1, SAMPLES, dtype=np.float32)
        self.ys = layer(self.xs)  # the layer's own forward pass on a row of inputs
        self.y0, self.y1 = min(float(self.ys.min()), 0.0), max(float(self.ys.max()), 0.0)
        if self.y1 - self.y0 < 1e-6:
            self.y1 = self.y0 + 1.0
        self.left, self.top = left, top

    def px(self, x: float) -> float:
        return self.left + (float(x) - self.x0) / (self.x1 - self.x0) * PLOT_WIDTH

    def py(self, y: float) -> float:
        return self.top + (self.y1 - float(y)) / (self.y1 - self.y0) * PLOT_HEIGHT

    def markup(self, frame: Frame) -> str:
        points = " ".join(f"{self.px(x):.1f},{self.py(y):.1f}" for x, y in zip(self.xs, self.ys))
        right, bottom = self.left + PLOT_WIDTH, self.top + PLOT_HEIGHT
        axes = (f"M{self.left:.1f},{self.py(0):.1f}H{right:.1f}"  # y = 0
                f"M{self.px(0):.1f},{self.top:.1f}V{bottom:.1f}")  # x = 0
        text = {"font_size": 9, "fill": TEXT_GREY}
        return svg.group([
            svg.element("path", d=axes, stroke="#bbb", stroke_width=1, fill="none"),
            svg.element("polyline", points=points, fill="none", stroke="#444", stroke_width=1.6,
                        class_="activation-curve"),
            dynamic("path", "curve-guide", frame, fill="none", stroke=HIGHLIGHT_STROKE, stroke_width=1.2,
                    stroke_dasharray="3 2"),
            dynamic("circle", "curve-dot", frame, r=4.5, fill=HIGHLIGHT_STROKE, stroke="#222", stroke_width=1.0),
            svg.text(value_text(self.x0, 1), x=self.left, y=bottom + 11, text_anchor="start", **text),
            svg.text(value_text(self.x1, 1), x=right, y=bottom + 11, text_anchor="end", **text),
            svg.text("x", x=(self.left + right) / 2, y=bottom + 11, text_anchor="middle", **text),
            svg.text(value_text(self.y1, 1), x=self.left - 3, y=self.top + 4, text_anchor="end", **text),
            svg.text(value_text(self.y0, 1), x=self.left - 3, y=bottom, text_anchor="end", **text),
            svg.text("y", x=self.left - 3, y=(self.top + bottom) / 2 + 3, text_anchor="end", **text),
        ], class_="activation-plot", data_x0=exact(self.x0), data_x1=exact(self.x1), data_y0=exact(self.y0),
            data_y1=exact(self.y1), data_left=self.left, data_top=self.top, data_width=PLOT_WIDTH,
            data_height=PLOT_HEIGHT)

    def frame(self, x: float, y: float) -> Frame:
        """The pixel's (x, y) on the curve, and the dashed lines from it to the axes (the output read off)."""
        cx, cy = self.px(x), self.py(y)
        return {"curve-dot": {"cx": f"{cx:.2f}", "cy": f"{cy:.2f}", "data-x": exact(x), "data-y": exact(y)},
                "curve-guide": {"d": f"M{cx:.2f},{self.top + PLOT_HEIGHT:.1f}V{cy:.2f}H{self.left:.1f}"}}


class ActivationView(ElementwiseView):
    view = "relu"
    width = 540
    height = 230

    def __init__(self, state, trace, network):
        super().__init__(state, trace, network)
        self.kind = network.layer(self.layer)
        self.title = f"{NAMES[self.kind.type][0].upper()}{NAMES[self.kind.type][1:]} Activation"
        self.name, self.function, least = KINDS[self.kind.type]
        self.curve = Curve(self.kind, self.x_map, least, self.middle - PLOT_WIDTH / 2 + 10, PLOT_TOP)

    def formula_frame(self, pixel) -> Frame:
        out = self.xy_frame(pixel)
        out.update(self.curve.frame(self.x_map[pixel], self.y_map[pixel]))
        return out

    def formula_markup(self, frame: Frame) -> str:
        cy = TOP + 14
        x0 = LEFT + self.input.size + GAP + 44  # after the function's name and bracket
        return "".join([
            svg.text(f"y = {self.kind.formula}", x=self.middle, y=TOP + 2, font_size=11, text_anchor="middle",
                     class_="activation-formula"),
            svg.text(self.name, x=x0 - 2, y=cy + CELL / 2, font_size=14, text_anchor="end",
                     dominant_baseline="central", class_="op"),
            cell("x", frame, x0, cy),
            symbol(")", x0 + CELL + 6, cy + CELL / 2, size=15),
            symbol("=", x0 + CELL + 22, cy + CELL / 2),
            cell("y", frame, x0 + CELL + 34, cy),
            self.curve.markup(frame),
        ])

    def calls(self, pixel) -> list[Call]:
        y, x = pixel
        n = self.neuron
        operands = [Operand("x", f"{self.source}[{n}, {y}, {x}]", self.trace[self.source][n, y, x])]
        if self.kind.type == "leaky_relu":
            operands.append(Operand("slope", f"{self.layer}.slope", np.float32(self.kind.slope)))
        return [Call("act", self.function, tuple(operands), f"The {NAMES[self.kind.type]} of the pixel:",
                     f"{self.layer}[{n}, {y}, {x}]")]


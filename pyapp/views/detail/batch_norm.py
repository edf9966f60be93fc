"""The batch-normalisation view: the map it reads, (x - mean) / sqrt(var + eps) * gamma + beta = y for one pixel
with its channel's real statistics and scale, and the normalised map.

Opened by a click on a batch-normalisation map; the pixel steps on its own, hovering a cell pins it. At inference
the layer uses the running statistics it learned (shown here); while training it uses the batch's own.
"""
from __future__ import annotations

import numpy as np

from ...engine import layers
from ...ui import svg
from ...ui.colors import TEXT_GREY
from ..parts import scales
from ..parts.code_panel import Call, Operand
from ..parts.frames import Frame
from ..parts.grids import CELL, cell, cell_frame, symbol
from ..parts.pair import LEFT, TOP, ElementwiseView

PARAMETERS = (("mean", "running_mean"), ("var", "running_var"), ("gamma", "weight"), ("beta", "bias"))


class BatchNormView(ElementwiseView):
    view = "batch-norm"
    title = "Batch Normalisation"
    width = 560
    height = 200

    def __init__(self, state, trace, network):
        super().__init__(state, trace, network)
        self.norm = network.layer(self.layer)
        self.numbers = {name: np.float32(getattr(self.norm, attr)[self.neuron]) for name, attr in PARAMETERS}
        self.param_scale = scales.weight_scale(max(abs(float(v)) for v in self.numbers.values()))

    def formula_frame(self, pixel) -> Frame:
        out = self.xy_frame(pixel)
        for name, value in self.numbers.items():
            out.update(cell_frame(name, value, self.param_scale, digits=3 if name in ("mean", "var") else 2))
        return out

    def formula_markup(self, frame: Frame) -> str:
        x0 = LEFT + self.input.size + 10
        middle = self.middle
        top, low = TOP + 24, TOP + 84  # the two rows: the standardising, then the scale and shift
        c = CELL / 2
        label = {"font_size": 9, "fill": TEXT_GREY, "text_anchor": "middle"}
        names = (("x", x0 + 10), ("mean", x0 + 58), ("var", x0 + 140))
        return "".join([
            symbol("(", x0 + 4, top + c, size=15), cell("x", frame, x0 + 10, top),
            symbol("\u2212", x0 + 49, top + c), cell("mean", frame, x0 + 58, top),
            symbol(")", x0 + 94, top + c, size=15), symbol("/ \u221a(", x0 + 114, top + c, size=13),
            cell("var", frame, x0 + 140, top), symbol(f"+ \u03b5)", x0 + 188, top + c, size=13),
            *(svg.text(name, x=px + c, y=top - 5, **label) for name, px in names),
            svg.text(f"\u03b5 = {self.norm.eps:g}", x=x0 + 196, y=top + CELL + 10, **label),
            symbol("\u00d7", x0 + 30, low + c), cell("gamma", frame, x0 + 40, low),
            symbol("+", x0 + 80, low + c), cell("beta", frame, x0 + 90, low),
            symbol("=", x0 + 132, low + c), cell("y", frame, x0 + 144, low),
            *(svg.text(name, x=px + c, y=low - 5, **label)
              for name, px in (("gamma", x0 + 40), ("beta", x0 + 90), ("y", x0 + 144))),
            svg.text(f"channel {self.neuron}'s running statistics (inference);", x=middle, y=low + CELL + 24,
                     **label),
            svg.text("training uses each batch's own", x=middle, y=low + CELL + 36, **label),
        ])

    def calls(self, pixel) -> list[Call]:
        y, x = pixel
        n, name = self.neuron, self.layer
        operands = (Operand("x", f"{self.source}[{n}, {y}, {x}]", self.x_map[y, x]),
                    *(Operand(key, f"{name}.{attr}[{n}]", self.numbers[key]) for key, attr in PARAMETERS[:2]),
                    Operand("eps", f"{name}.eps", np.float32(self.norm.eps)),
                    *(Operand(key, f"{name}.{attr}[{n}]", self.numbers[key]) for key, attr in PARAMETERS[2:]))
        return [Call("bn", layers.batch_norm_value, operands, "The pixel normalised by its channel's numbers:",
                     f"{name}[{n}, {y}, {x}]")]

"""The dense view: one unit of any dense layer as the weighted sum it is. Its inputs (the flattened maps, or
the units before it) in a grid, each input times its weight for the entry that steps, the products in a grid of
the same shape (which inputs push the unit up, which down), and the sum of them all plus the bias; then the
activation that follows the layer, when one does.

Opened by a click on a unit of a hidden dense column or of its activation (the output layer's classes open the
flatten view, which draws the same sum over the overview, or Why? when maps are not flattened straight into
them). The entry steps on its own; hovering a cell pins it; the arrow keys move it.
"""
from __future__ import annotations

import math

import numpy as np

from ...engine import layers
from ...ui import geometry, svg, words
from ...ui.colors import TEXT_GREY
from ..parts import color_range
from ..parts.code_panel import Call, Operand
from ..parts.frames import Frame, dynamic, value_text
from ..parts.grids import CELL, GridView, MapGrid, cell, cell_frame, symbol
from ..parts.scales import weight_scale
from .activation import KINDS, NAMES
from .base import Placement

LEFT, TOP, SIDE = 4, 22, 150  # px: the two grids' place and size in the box
WIDTH, HEIGHT = 600, 200
MAX_ASPECT = 4  # a grid of the inputs is at most this much wider than tall; else it is squarer, padded
FADE = 0.15  # the other columns and units while the view is open


def grid_shape(n: int) -> tuple[int, int]:
    """(rows, cols) for n entries: an exact rectangle close to square when n has one, else the square that holds
    them (the cells past n are drawn blank)."""
    for rows in range(math.isqrt(n), 0, -1):
        if n % rows == 0 and n // rows <= MAX_ASPECT * rows:
            return rows, n // rows
    cols = math.ceil(math.sqrt(n))
    return math.ceil(n / cols), cols


def as_grid(values: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    out = np.zeros(shape[0] * shape[1], dtype=np.float32)
    out[:values.size] = values
    return out.reshape(shape)


def activation_after(network, layer: str):
    """The activation layer that reads this dense layer's output, or None."""
    return next((item for item in network.layers
                 if network.sources.get(item.name) == layer and item.type in KINDS), None)


def where_from(network, trace, source: str, index: int) -> str:
    """Entry ``index`` of the dense layer's input named after the maps it was flattened from, when it was."""
    name = source
    while name in network.sources and trace[name].ndim == 1 and network.layer(name).type in ("flatten", "dropout"):
        name = network.sources[name]
    if trace[name].ndim == 3:
        c, h, w = np.unravel_index(index, trace[name].shape)
        return f"{name}[{c}, {h}, {w}]"
    return f"{source}[{index}]"


class DenseView(GridView):
    view = "dense"
    title = "Dense Unit"
    width, height = WIDTH, HEIGHT
    hint = f"<b>{words.hover_or_tap()}</b>the grids to change the input."

    def __init__(self, state, trace, network):
        super().__init__(state, trace, network)
        self.dense = network.layer(self.layer)
        self.source = network.sources[self.layer]
        self.inputs = trace[self.source].ravel().astype(np.float32)
        self.weights = self.dense.weight[self.neuron].astype(np.float32)
        self.products = self.inputs * self.weights
        self.n = self.inputs.size
        self.bias = np.float32(self.dense.bias[self.neuron])
        self.z = np.float32(trace[self.layer][self.neuron])
        self.total = float(np.sum(self.products.astype(np.float64)))
        self.after = activation_after(network, self.layer)
        shape = grid_shape(self.n)
        ranges = color_range.layer_ranges(trace, network, state.colors)
        name = self.source
        while name not in ranges and name in network.sources:  # flatten, dropout: the maps' own colours
            name = network.sources[name]
        in_scale = ranges.get(name) or weight_scale(float(np.abs(self.inputs).max(initial=0.0)))
        blank = shape[0] * shape[1] - self.n
        self.input = MapGrid("input", as_grid(self.inputs, shape), in_scale, LEFT, TOP, SIDE, blank)
        self.product_scale = weight_scale(float(np.abs(self.products).max(initial=0.0)))
        self.output = MapGrid("output", as_grid(self.products, shape), self.product_scale,
                              self.width - LEFT - SIDE, TOP, SIDE, blank)
        self.weight_scale = weight_scale(float(np.abs(self.weights).max(initial=0.0)))
        self.out_scale = ranges.get(self.layer) or weight_scale(abs(float(self.z)))

    def captions(self) -> tuple[str, str, str]:
        return f"Inputs ({self.n})", f"Products ({self.n})", "input"

    def frame(self, pixel) -> Frame:
        out = super().frame(pixel)
        out["pixel"]["text"] = str(self.index(pixel))
        return out

    def index(self, pixel: tuple[int, int]) -> int:
        return min(pixel[0] * self.out_shape[1] + pixel[1], self.n - 1)  # a blank cell is the last entry

    def describe(self, pixel) -> str:
        i = self.index(pixel)
        return (f"input {i} of {self.n}: {value_text(self.inputs[i], 4)} times weight "
                f"{value_text(self.weights[i], 4)} is {value_text(self.products[i], 4)}")

    # -- the formula ---------------------------------------------------------------------------
    def formula_frame(self, pixel) -> Frame:
        i = self.index(pixel)
        out = cell_frame("x", self.inputs[i], self.input.scale, digits=3)
        out.update(cell_frame("w", self.weights[i], self.weight_scale, digits=3))
        out.update(cell_frame("p", self.products[i], self.product_scale, digits=3))
        out["entry"] = {"text": f"input {i}: {where_from(self.network, self.trace, self.source, i)}",
                        "data-index": str(i)}
        return out

    def formula_markup(self, frame: Frame) -> str:
        x0 = LEFT + SIDE + 14
        middle = self.width / 2
        top, low = TOP + 30, TOP + 100
        c = CELL / 2
        label = {"font_size": 9, "fill": TEXT_GREY, "text_anchor": "middle"}
        fixed = {}
        fixed.update(cell_frame("bias", self.bias, self.weight_scale, digits=3))
        fixed.update(cell_frame("z", self.z, self.out_scale, digits=3))
        parts = [
            dynamic("text", "entry", frame, x=middle, y=top - 14, **label),
            cell("x", frame, x0 + 20, top), symbol("\u00d7", x0 + 66, top + c), cell("w", frame, x0 + 80, top),
            symbol("=", x0 + 126, top + c), cell("p", frame, x0 + 140, top, w=CELL + 16),
            *(svg.text(name, x=x0 + px + c, y=top + CELL + 11, **label)
              for name, px in (("input", 20), ("weight", 80), ("product", 148))),
            svg.text(f"all {self.n} products add up to {value_text(self.total, 4)}", x=middle, y=low - 14,
                     class_="dense-sum", data_value=repr(self.total), **label),
            symbol("\u03a3 +", x0 + 34, low + c, size=13), cell("bias", fixed, x0 + 56, low),
            symbol("=", x0 + 102, low + c), cell("z", fixed, x0 + 114, low, w=CELL + 16),
            svg.text("bias", x=x0 + 56 + c, y=low + CELL + 11, **label),
            svg.text(f"{self.layer}[{self.neuron}]", x=x0 + 122 + c, y=low + CELL + 11, **label),
        ]
        if self.after is not None:
            a = np.float32(self.trace[self.after.name][self.neuron])
            parts.append(svg.text(f"{NAMES[self.after.type]} \u2192 {value_text(a, 4)} ({self.after.name})",
                                  x=middle, y=low + CELL + 30, class_="dense-activation", data_value=repr(float(a)),
                                  **label))
        return "".join(parts)

    def calls(self, pixel) -> list[Call]:
        name, k = self.layer, self.neuron
        out = [Call("dense", layers.dense_value,
                    (Operand("inputs", self.source, self.inputs),
                     Operand("weights", f"{name}.weight[{k}]", self.weights),
                     Operand("bias", f"{name}.bias[{k}]", self.bias)),
                    f"Unit {k} of {name}: every input times its weight, added up, plus the bias:", f"{name}[{k}]")]
        if self.after is not None:
            operands = [Operand("x", f"{name}[{k}]", self.z)]
            if self.after.type == "leaky_relu":
                operands.append(Operand("slope", f"{self.after.name}.slope", np.float32(self.after.slope)))
            out.append(Call("act", KINDS[self.after.type][1], tuple(operands),
                            f"The {NAMES[self.after.type]} of that sum:", f"{self.after.name}[{k}]"))
        return out

    # -- on the overview -------------------------------------------------------------------------
    def _column(self):
        """The unit's column: its own, or the output column for the output layer's classes."""
        grid = geometry.overview_layout(self.network, self.state.maps)
        return grid.column(self.layer if self.layer in {c.name for c in grid.columns} else geometry.OUTPUT)

    def overview_css(self) -> str:
        r = f'#overview-svg[data-detail="{self.view}"]'
        mine = self._column()
        unit = ".output-class" if mine.name == geometry.OUTPUT else ".unit"
        columns = geometry.overview_layout(self.network, self.state.maps).columns
        rules = [f'{r} [data-column="{column.name}"]{{opacity:{FADE};pointer-events:none}}'
                 for column in columns if column.name != mine.name]
        rules.append(f'{r} [data-column="{mine.name}"] {unit}:not([data-index="{self.neuron}"]){{opacity:{FADE}}}')
        rules.append(f"{r} .links,{r} .legends,{r} .hover-frames,{r} .hover-links{{visibility:hidden}}")
        return "\n".join(rules)

    def _unit(self) -> tuple[float, float, float]:
        column = self._column()
        return column.x, column.ys[self.neuron], column.size

    def overlay(self) -> str:
        x, y, size = self._unit()
        return svg.group([svg.element("rect", x=x - 2, y=y - 2, width=size + 4, height=size + 4, fill="none",
                                      stroke="#555", stroke_width=1.5)],
                         class_="detail-overlay", pointer_events="none", data_view=self.view, data_layer=self.layer,
                         data_neuron=self.neuron)

    def placement(self) -> Placement:
        grid = geometry.overview_layout(self.network, self.state.maps)
        x, y, size = self._unit()
        if grid.width - x >= x:
            return Placement((x + size + 60, y + size / 2, "left", "middle"), self.width, self.height + 100)
        return Placement((x - 24, y + size / 2, "right", "middle"), self.width, self.height + 100)

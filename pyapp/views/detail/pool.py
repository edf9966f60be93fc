"""The max-pool detail view: the ReLU map, max(2x2 window) = v with the winning cell marked, the pooled map.

Opened by a click on a max-pool map; the window steps by the stride on its own, hovering pins it.
"""
from __future__ import annotations

from ...engine import layers
from ..parts import color_range
from ..parts.code_panel import Call, Operand
from ..parts.frames import Frame
from ..parts.grids import CELL, HIGHLIGHT_STROKE, MapGrid, cell, cell_frame, symbol
from ..parts.pair import PairView

LEFT, TOP, GAP = 4, 22, 36


class PoolView(PairView):
    view = "pool"
    title = "Max Pooling"
    width = 540
    height = 200

    def __init__(self, state, trace, network):
        super().__init__(state, trace, network)
        self.source = network.sources[self.layer]
        pool = network.layer(self.layer)
        self.window_size, self.stride = pool.pool_size, pool.stride
        ranges = color_range.layer_ranges(trace, network, state.colors)
        self.scale = ranges[self.layer]
        self.in_map = trace[self.source][self.neuron]
        self.out_map = trace[self.layer][self.neuron]
        self.winners = network.pool_argmax(trace, self.layer)[self.neuron]  # (H', W', 2)
        self.input = MapGrid("input", self.in_map, ranges[self.source], LEFT, TOP)
        self.mid = LEFT + self.input.size + GAP
        self.output = MapGrid("output", self.out_map, self.scale, self.width - LEFT - self.input.size, TOP)

    def _window(self, pixel):
        y, x = pixel
        s, k = self.stride, self.window_size
        return self.in_map[y * s:y * s + k, x * s:x * s + k]

    def formula_frame(self, pixel) -> Frame:
        y, x = pixel
        s, k = self.stride, self.window_size
        win = self._window(pixel)
        wy, wx = self.winners[y, x]
        out: Frame = {}
        for i in range(k):
            for j in range(k):
                key = f"w{i * k + j}"
                out.update(cell_frame(key, win[i, j], self.input.scale))
                won = (y * s + i, x * s + j) == (int(wy), int(wx))
                out[key]["stroke"] = HIGHLIGHT_STROKE if won else "#222222"
                out[key]["stroke-width"] = "3" if won else "0.6"
                out[key]["data-max"] = "true" if won else "false"
        out.update(cell_frame("v", self.out_map[y, x], self.scale))
        return out

    def formula_markup(self, frame: Frame) -> str:
        k = self.window_size
        top = TOP + self.input.size / 2 - k * CELL / 2
        x0 = self.mid + 40
        parts = [symbol("max(", self.mid + 17, top + k * CELL / 2, size=15)]
        for i in range(k):
            for j in range(k):
                parts.append(cell(f"w{i * k + j}", frame, x0 + j * CELL, top + i * CELL))
        right = x0 + k * CELL
        parts += [symbol(")", right + 6, top + k * CELL / 2, size=15),
                  symbol("=", right + 24, top + k * CELL / 2),
                  cell("v", frame, right + 38, top + k * CELL / 2 - CELL / 2)]
        return "".join(parts)

    def calls(self, pixel) -> list[Call]:
        y, x = pixel
        s, k, n = self.stride, self.window_size, self.neuron
        expr = f"{self.source}[{n}, {y * s}:{y * s + k}, {x * s}:{x * s + k}]"
        return [Call("pool", layers.pool_value, (Operand("window", expr, self._window(pixel)),),
                     "The largest value in the window:", f"{self.layer}[{n}, {y}, {x}]")]

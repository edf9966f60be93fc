"""The pooling view: the map it reads, max(window) or mean(window) = v with the window's real numbers (the
winner marked for max), the pooled map. Any window size, stride and padding; global average pooling is the
mean of the whole map (one window, one output).

Opened by a click on a pooling map; the window steps by the stride on its own, hovering pins it.
"""
from __future__ import annotations

import numpy as np

from ...engine import layers
from ..parts import color_range
from ..parts.code_panel import Call, Operand
from ..parts.frames import Frame
from ..parts.grids import CELL, HIGHLIGHT_STROKE, MapGrid, cell, cell_frame, heatmap, symbol
from ..parts.pair import PairView

LEFT, TOP, GAP = 4, 22, 36
MOST_CELLS = 7  # a window this wide at most is drawn as number cells; a whole map (global pooling) as a picture
WINDOW_SPAN = 120  # px: the most a window's cells take (a 4x4 window at full size; bigger ones get smaller cells)
# type -> (title, the word in the formula, the one-number function, what it does in words)
KINDS = {
    "max_pool2d": ("Max Pooling", "max(", layers.pool_value, "The largest value in the window:"),
    "avg_pool2d": ("Average Pooling", "mean(", layers.avg_pool_value, "The mean of the window:"),
    "global_avg_pool": ("Global Average Pooling", "mean(", layers.avg_pool_value, "The mean of the whole map:"),
}


class PoolView(PairView):
    view = "pool"
    width = 540
    height = 200

    def __init__(self, state, trace, network):
        super().__init__(state, trace, network)
        self.source = network.sources[self.layer]
        pool = network.layer(self.layer)
        self.title, self.word, self.function, self.caption = KINDS[pool.type]
        ranges = color_range.layer_ranges(trace, network, state.colors)
        self.scale = ranges.get(self.layer, ranges[self.source])  # a global pool's means: on its maps' range
        self.in_map = trace[self.source][self.neuron]
        self.whole = pool.type == "global_avg_pool"
        if self.whole:  # one window: the whole map
            self.window_size, self.stride, self.before = self.in_map.shape[-1], self.in_map.shape[-1], 0
            self.windows = self.in_map[None, None]
            self.out_map = trace[self.layer][self.neuron].reshape(1, 1)
        else:
            self.window_size, self.stride = pool.pool_size, pool.stride
            self.before = pool.pads(self.in_map.shape[-1])[0]
            # (H', W', k, k): the engine's own windows, padding included (max pads with -inf, average with 0)
            self.windows = layers.windows(self.in_map[None], pool.pool_size, pool.stride,
                                          pool.pads(self.in_map.shape[-1]), pool.fill)[0]
            self.out_map = trace[self.layer][self.neuron]
        self.is_max = pool.type == "max_pool2d"
        k = self.window_size
        self.cell = min(CELL, WINDOW_SPAN / k)
        self.input = MapGrid("input", self.in_map, ranges[self.source], LEFT, TOP)
        self.mid = LEFT + self.input.size + GAP
        self.output = MapGrid("output", self.out_map, self.scale, self.width - LEFT - self.input.size, TOP)

    def _window(self, pixel):
        return self.windows[pixel[0], pixel[1]]

    def frame(self, pixel) -> Frame:
        out = super().frame(pixel)
        if self.before:  # the window starts in the padding
            y, x = pixel
            out.update(self.input.window_frame(y * self.stride - self.before, x * self.stride - self.before,
                                               self.window_size, self.window_size))
        return out

    def formula_frame(self, pixel) -> Frame:
        y, x = pixel
        k = self.window_size
        win = self._window(pixel)
        winner = int(np.argmax(win)) if self.is_max else -1  # the first largest, as the engine's argmax
        digits = 2 if self.cell >= 24 else 1
        out: Frame = {}
        for i in range(k * k if k <= MOST_CELLS else 0):
            key = f"w{i}"
            out.update(cell_frame(key, win.flat[i], self.input.scale, digits))
            if self.is_max:
                out[key]["stroke"] = HIGHLIGHT_STROKE if i == winner else "#222222"
                out[key]["stroke-width"] = "3" if i == winner else "0.6"
                out[key]["data-max"] = "true" if i == winner else "false"
        out.update(cell_frame("v", self.out_map[y, x], self.scale))
        return out

    def formula_markup(self, frame: Frame) -> str:
        k, c = self.window_size, self.cell
        top = TOP + self.input.size / 2 - k * c / 2
        x0 = self.mid + 10 * len(self.word)  # after "max(" or "mean("
        font = min(10.0, c / 3)
        parts = [symbol(self.word, self.mid + 5 * len(self.word) - 3, top + k * c / 2, size=15)]
        if k > MOST_CELLS:
            parts.append(heatmap(self.in_map, self.input.scale, x0, top, k * c, class_="pool-window"))
        for i in range(k if k <= MOST_CELLS else 0):
            for j in range(k):
                parts.append(cell(f"w{i * k + j}", frame, x0 + j * c, top + i * c, c, c, font))
        right = x0 + k * c
        parts += [symbol(")", right + 6, top + k * c / 2, size=15),
                  symbol("=", right + 24, top + k * c / 2),
                  cell("v", frame, right + 38, top + k * c / 2 - CELL / 2)]
        return "".join(parts)

    def calls(self, pixel) -> list[Call]:
        y, x = pixel
        s, k, n, b = self.stride, self.window_size, self.neuron, self.before
        if self.whole:
            where, target = f"{self.source}[{n}]", f"{self.layer}[{n}]"
        else:
            where = (f"{self.source}[{n}] padded, window at ({y * s - b}, {x * s - b})" if b else
                     f"{self.source}[{n}, {y * s}:{y * s + k}, {x * s}:{x * s + k}]")
            target = f"{self.layer}[{n}, {y}, {x}]"
        return [Call("pool", self.function, (Operand("window", where, self._window(pixel)),), self.caption, target)]

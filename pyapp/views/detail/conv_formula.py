"""The convolution formula view: one input channel, its 3x3 window times the 3x3 kernel, and the result.

Opened from the elastic view by a click on an intermediate row (``state.channel``). The left map is
input channel ``channel`` of the layer's input, the right map that channel's intermediate result (the
channel correlated with its kernel); a line under the grids adds the other channels and the bias to
reach the convolution's own output pixel. The window steps on its own, hovering pins it.
"""
from __future__ import annotations

import numpy as np

from ...engine import layers
from ...engine.network import INPUT
from ...ui import svg, words
from ..parts import color_range
from ..parts.code_panel import Call, Operand
from ..parts.frames import Frame, dynamic, exact, value_text
from ..parts.grids import CELL, FONT, GridView, MapGrid, cell, cell_frame, symbol
from ..parts.scales import Scale, activation_scale, weight_scale
from ..parts.slide import box_anchor
from .base import Placement

LEFT, TOP, GAP = 4, 22, 30
PITCH = CELL + 22  # one window column: its cell and the gap holding "+" and the next "x"
VALUE_H, WEIGHT_H, ROW_GAP = 26, 20, 6


def layer_extent(ranges: dict, network, layer: str) -> float:
    """The colour extent shared by a conv layer's input and output grids (the larger of the two, as the
    reference redraws both columns on one range when it opens the elastic view)."""
    source = network.sources[layer]
    extent = float(ranges[layer].hi)
    if source != INPUT:
        extent = max(extent, float(ranges[source].hi))
    return extent


def input_scale_for(ranges: dict, network, layer: str) -> Scale:
    source = network.sources[layer]
    if source == INPUT:
        return ranges[INPUT]
    return activation_scale(layer_extent(ranges, network, layer))


_INTERMEDIATES: dict = {}  # the last filter's: the elastic view and its formula boxes share one einsum


def conv_intermediates(trace, network, layer: str, neuron: int) -> np.ndarray:
    """network.conv_intermediates, kept for the last (trace, network, layer, neuron) asked."""
    key = (id(trace), id(network), layer, neuron)
    if key not in _INTERMEDIATES:
        _INTERMEDIATES.clear()  # the key's objects stay alive with the entry, so their ids are not reused
        _INTERMEDIATES[key] = (trace, network, network.conv_intermediates(trace, layer, neuron))
    return _INTERMEDIATES[key][2]


def intermediate_extent(intermediates: np.ndarray) -> float:
    """The colour extent of a filter's intermediate results: their own largest absolute value (one
    channel's share is much smaller than the layer's values, and would be drawn almost white)."""
    return float(np.max(np.abs(intermediates))) or 1.0


def kernel_extent(network, layer: str, neuron: int) -> float:
    """The weight colour range of one filter: its largest absolute weight over every input channel."""
    return float(np.max(np.abs(network.kernel(layer, neuron))))


class ConvFormulaView(GridView):
    view = "conv-formula"
    title = "Convolution"
    hint = f"<b>{words.hover_or_tap()}</b>the matrices to change the kernel's position."
    width = 600
    height = 200

    def __init__(self, state, trace, network, intermediates: np.ndarray | None = None):
        super().__init__(state, trace, network)
        conv = network.layer(self.layer)
        if conv.type != "conv2d":
            raise ValueError(f"{self.layer} is a {conv.type} layer, not a convolution")
        self.source = network.sources[self.layer]
        self.channel = int(state.channel or 0)
        if not 0 <= self.channel < conv.in_channels:
            raise ValueError(f"{self.layer} has {conv.in_channels} input channels, not channel {self.channel}")
        self.window_size, self.stride = conv.kernel_size, conv.stride
        ranges = color_range.layer_ranges(trace, network, state.colors)
        self.kernels = network.kernel(self.layer, self.neuron)  # (C, k, k)
        self.kernel = self.kernels[self.channel]
        self.bias = network.bias(self.layer, self.neuron)
        self.kernel_scale = weight_scale(kernel_extent(network, self.layer, self.neuron))
        if intermediates is None:
            intermediates = conv_intermediates(trace, network, self.layer, self.neuron)
        self.intermediates = intermediates  # (C, H', W')
        self.out_scale = activation_scale(intermediate_extent(intermediates))
        self.in_map = trace[self.source][self.channel]
        pads = conv.pads(self.in_map.shape[-1])
        self.before = pads[0]  # a padded convolution's window starts this many cells outside the map
        # (C, H', W', k, k): the engine's own windows of every channel, the padding's zeros included
        self.windows = layers.windows(trace[self.source], self.window_size, self.stride, pads)
        self.output_map = trace[self.layer][self.neuron]
        self.input = MapGrid("input", self.in_map, input_scale_for(ranges, network, self.layer), LEFT, TOP)
        self.mid = LEFT + self.input.size + GAP
        self.output = MapGrid("output", intermediates[self.channel], self.out_scale,
                              self.width - LEFT - self.input.size, TOP)

    def placement(self) -> Placement:
        return Placement(box_anchor(self.state, self.network), self.width, self.height + 140)

    def _window(self, pixel) -> np.ndarray:
        return self.windows[self.channel, pixel[0], pixel[1]]

    def frame(self, pixel) -> Frame:
        out = super().frame(pixel)
        if self.before:  # the window reaches into the padding: its frame is drawn out there too
            y, x = pixel
            out.update(self.input.window_frame(y * self.stride - self.before, x * self.stride - self.before,
                                               self.window_size, self.window_size))
        return out

    def _where(self, pixel, channels: str) -> str:
        y, x = pixel
        s, k, b = self.stride, self.window_size, self.before
        if b:
            return f"{self.source}[{channels}] padded with {b} zero{'s' if b > 1 else ''}, window at ({y * s - b}, {x * s - b})"
        return f"{self.source}[{channels}, {y * s}:{y * s + k}, {x * s}:{x * s + k}]"

    def formula_frame(self, pixel) -> Frame:
        y, x = pixel
        k = self.window_size
        win = self._window(pixel)
        out: Frame = {}
        for i in range(k):
            for j in range(k):
                out.update(cell_frame(f"w{i * k + j}", win[i, j], self.input.scale))
        out.update(cell_frame("r", self.intermediates[self.channel, y, x], self.out_scale))
        total = self.output_map[y, x]
        shares = float(self.intermediates[:, y, x].sum())
        out["sum-shares"] = {"text": value_text(shares), "data-value": exact(shares)}
        out["sum-out"] = {"text": value_text(total), "data-value": exact(total)}
        out["sum-at"] = {"text": f"[{y}, {x}]"}
        return out

    def formula_markup(self, frame: Frame) -> str:
        k = self.window_size
        pair_h = VALUE_H + WEIGHT_H + ROW_GAP
        top = TOP + (self.input.size - k * pair_h + ROW_GAP) / 2
        x0 = self.mid + 14
        parts = []
        for i in range(k):
            for j in range(k):
                x, y = x0 + j * PITCH, top + i * pair_h
                parts.append(cell(f"w{i * k + j}", frame, x, y, h=VALUE_H, opacity=0.8, stroke="#222",
                                  stroke_width=0.6))
                weight = float(self.kernel[i, j])
                fill = self.kernel_scale.fill(weight)
                parts.append(svg.element("rect", x=float(x), y=float(y + VALUE_H), width=float(CELL),
                                         height=float(WEIGHT_H), fill=fill, class_="kernel-cell",
                                         data_value=exact(weight)))
                parts.append(svg.text(value_text(weight), x=float(x + CELL / 2), y=float(y + VALUE_H + WEIGHT_H / 2),
                                      font_size=float(FONT), text_anchor="middle", dominant_baseline="central",
                                      fill=self.kernel_scale.ink(weight), class_="kernel-text"))
                parts.append(symbol("\u00d7", x - 7, y + VALUE_H + WEIGHT_H / 2, size=11, font_weight="600"))
                last = i == k - 1 and j == k - 1
                if not last:
                    parts.append(symbol("+", x + CELL + 8, y + VALUE_H / 2, size=13))
        last_x = x0 + (k - 1) * PITCH + CELL
        mid_y = top + (k * pair_h - ROW_GAP) / 2
        parts.append(symbol("=", last_x + 30, mid_y))
        parts.append(cell("r", frame, last_x + 44, mid_y - CELL / 2))
        return "".join(parts)

    def extra_markup(self, frame: Frame) -> str:
        conv = self.network.layer(self.layer)
        n_in = conv.in_channels
        return (self._steps_note() + '<p class="detail-sum">This is channel '
                f'<b>{self.channel + 1}</b>\u2019s share. All {n_in} channels\u2019 shares add up to '
                + dynamic("span", "sum-shares", frame, class_="num")
                + f'; plus the bias <span class="num" data-value="{exact(self.bias)}">{value_text(self.bias)}</span>'
                f' that is the convolution\u2019s output <code>{svg.escape(self.layer)}[{self.neuron}]'
                + dynamic("span", "sum-at", frame) + "</code> = "
                + dynamic("span", "sum-out", frame, class_="num") + ".</p>")

    def _steps_note(self) -> str:
        """Padding and stride in words, where the layer has them (Tiny VGG has neither: nothing said)."""
        said = []
        if self.before:
            said.append(f"The input is padded with {self.before} cell{'s' if self.before > 1 else ''} of zeros on "
                        "each side: near the border the window reaches past the map, and the zeros there add "
                        "nothing to the sum.")
        if self.stride > 1:
            said.append(f"With stride {self.stride} the window moves {self.stride} cells for each output pixel, "
                        f"so the output is about 1/{self.stride} of the input's size.")
        return f'<p class="detail-steps">{" ".join(said)}</p>' if said else ""

    def calls(self, pixel) -> list[Call]:
        y, x = pixel
        n, c = self.neuron, self.channel
        layer = self.layer
        share = Call("share", layers.conv_pixel,
                     (Operand("window", self._where(pixel, str(c)), self._window(pixel)),
                      Operand("kernel", f"{layer}.weight[{n}, {c}]", self.kernel),
                      Operand("bias", "0", 0.0)),
                     f"Channel {c + 1}\u2019s share (the number above), without the bias:",
                     f"network.conv_intermediates(trace, \"{layer}\", {n})[{c}, {y}, {x}]")
        whole = Call("pixel", layers.conv_pixel,
                     (Operand("window", self._where(pixel, ":"), self.windows[:, y, x]),
                      Operand("kernel", f"{layer}.weight[{n}]", self.kernels),
                      Operand("bias", f"{layer}.bias[{n}]", np.float32(self.bias))),
                     "The whole output pixel: every channel and the bias:",
                     f"{layer}[{n}, {y}, {x}]")
        return [share, whole]

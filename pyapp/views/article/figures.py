"""The article's small teaching figures, drawn as SVG by the same engine code the explainer runs.

Where the reference article shows GIFs, these are static pictures whose every number is computed
here by the engine's own layers (pyapp.engine.layers), on small integer examples a reader can check by hand.
``FIGURES`` maps a figure's name to its function; each returns one <svg> element.
"""
from __future__ import annotations

import numpy as np

from ...engine.layers import Flatten, MaxPool2D, ReLU, Softmax, windows
from ...ui import colors, svg

TEXT, MUTED, HIGHLIGHT = "#333333", "#777777", "#111111"
FONT = "system-ui, sans-serif"

# A 3-channel 5x5 input, one 3x3 kernel per channel and a bias: the convolution figure's numbers.
CONV_INPUT = np.array([
    [[0, 1, 2, 1, 0], [1, 2, 2, 1, 0], [0, 1, 2, 2, 1], [0, 0, 1, 2, 2], [0, 0, 0, 1, 2]],
    [[2, 2, 1, 0, 0], [1, 2, 1, 1, 0], [0, 1, 1, 2, 1], [0, 0, 1, 1, 2], [1, 0, 0, 1, 1]],
    [[1, 0, 0, 0, 1], [0, 1, 0, 1, 0], [0, 0, 2, 0, 0], [0, 1, 0, 1, 0], [1, 0, 0, 0, 1]],
], dtype=np.float32)
CONV_KERNELS = np.array([
    [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]],
    [[0, 1, 0], [1, -1, 1], [0, 1, 0]],
    [[1, 0, -1], [0, 0, 0], [-1, 0, 1]],
], dtype=np.float32)
CONV_BIAS = 1.0
POOL_INPUT = np.array([[[1, 3, 2, 0], [4, 2, 1, 1], [0, 1, 5, 2], [2, 6, 3, 1]]], dtype=np.float32)
RELU_VALUES = np.array([-2.4, -0.7, 0.0, 0.9, 2.1], dtype=np.float32)
SOFTMAX_LOGITS = (2.6, 1.3, 0.2, -1.0)  # made-up logits, shown for the model's first classes
FLATTEN_INPUT = np.arange(1, 9, dtype=np.float32).reshape(2, 2, 2)
CHANNEL_COLORS = ("#d8492f", "#2f7fc1", "#3c9a4b")  # red, green, blue input channels read as their names


def _figure(content: list[str], width: float, height: float, label: str, name: str) -> str:
    return svg.element("svg", [svg.element("title", svg.escape(label))] + content, xmlns=svg.SVG_NS,
                       viewBox=f"0 0 {svg.num(width)} {svg.num(height)}", width=float(width),
                       height=float(height), role="img", aria_label=label, font_family=FONT,
                       class_="article-svg", data_figure=name)


def _num(value: float) -> str:
    text = f"{float(value):.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text.replace("-", "\u2212")


def _grid(values: np.ndarray, x: float, y: float, cell: float, scale: str | None, limit: float,
          outline: tuple[int, int, int] | None = None, stroke: str = HIGHLIGHT, bold=None,
          low: float | None = None) -> str:
    """A grid of numbers coloured on ``scale`` over [low, limit] (low = -limit by default); ``outline`` = (row, col, size)."""
    parts = []
    fills = colors.to_rgb(values, -limit if low is None else low, limit, scale) if scale else None
    for (r, c), value in np.ndenumerate(values):
        fill = "#ffffff"
        dark = False
        if fills is not None:
            red, green, blue = (int(v) for v in fills[r, c])
            fill = f"#{red:02x}{green:02x}{blue:02x}"
            dark = 0.299 * red + 0.587 * green + 0.114 * blue < 120  # white text on dark cells
        parts.append(svg.element("rect", x=x + c * cell, y=y + r * cell, width=float(cell), height=float(cell),
                                 fill=fill, stroke="#bbbbbb", stroke_width=1.0))
        heavy = bold is not None and bold[r, c]
        parts.append(svg.text(_num(value), x=x + (c + 0.5) * cell, y=y + (r + 0.5) * cell, dy="0.35em",
                              text_anchor="middle", font_size=round(min(cell * 0.42, 13), 1),
                              fill="#ffffff" if dark else TEXT, font_weight="bold" if heavy else None))
    if outline is not None:
        r, c, size = outline
        parts.append(svg.element("rect", x=x + c * cell, y=y + r * cell, width=size * cell, height=size * cell,
                                 fill="none", stroke=stroke, stroke_width=2.5))
    return "".join(parts)


def _label(text: str, x: float, y: float, anchor: str = "middle", size: float = 12, color: str = MUTED,
           **extra) -> str:
    return svg.text(text, x=x, y=y, text_anchor=anchor, font_size=size, fill=color, **extra)


def convolution_numbers() -> tuple[np.ndarray, np.ndarray]:
    """The figure's intermediate results (3, 3, 3), one per channel, and its output (3, 3)."""
    inter = np.sum(windows(CONV_INPUT, 3) * CONV_KERNELS[:, None, None], axis=(-2, -1))
    return inter, inter.sum(axis=0) + CONV_BIAS


def convolution() -> str:
    """Each input channel correlated with its own kernel, the intermediate results summed with the bias."""
    inter, output = convolution_numbers()
    cell, row_h, top = 22, 130, 28
    x_in, x_k, x_mid, x_out = 34, 176, 290, 470
    act_limit = float(max(np.abs(inter).max(), np.abs(output).max()))
    parts = [_label("input channel", x_in + 2.5 * cell, 16), _label("kernel", x_k + 1.5 * cell, 16),
             _label("intermediate result", x_mid + 1.5 * cell, 16), _label("output (bias 1)", x_out + 1.5 * cell, 16)]
    for i, name in enumerate(("R", "G", "B")):
        y = top + i * row_h
        parts += [
            _label(name, 16, y + 2.5 * cell, size=14, color=CHANNEL_COLORS[i], dy="0.35em", font_weight="bold"),
            _grid(CONV_INPUT[i], x_in, y, cell, "greys", 3, outline=(0, 0, 3), low=0),
            _label("\u2605", x_k - 18, y + 2.5 * cell, size=16, color=TEXT, dy="0.35em"),
            _grid(CONV_KERNELS[i], x_k, y + cell, cell, "brbg", 1.5),
            _label("=", x_mid - 24, y + 2.5 * cell, size=16, color=TEXT, dy="0.35em"),
            _grid(inter[i], x_mid, y + cell, cell, "rdbu", act_limit, outline=(0, 0, 1)),
            svg.element("path", d=f"M{x_mid + 3 * cell + 6} {y + 2.5 * cell} C {x_mid + 3 * cell + 60} "
                                  f"{y + 2.5 * cell} {x_out - 60} {top + row_h + 2.5 * cell} {x_out - 34} "
                                  f"{top + row_h + 2.5 * cell}", fill="none", stroke="#999999", stroke_width=1.2),
        ]
    y_out = top + row_h + cell
    parts += [
        svg.element("circle", cx=x_out - 22, cy=y_out + 1.5 * cell, r=11, fill="#ffffff", stroke="#999999"),
        _label("+", x_out - 22, y_out + 1.5 * cell, size=16, color=TEXT, dy="0.35em"),
        _grid(output, x_out, y_out, cell, "rdbu", act_limit, outline=(0, 0, 1)),
    ]
    terms = " + ".join(_num(v) for v in inter[:, 0, 0])
    parts.append(_label(f"top left: {terms} + {_num(CONV_BIAS)} = {_num(output[0, 0])}",
                        x_out + 1.5 * cell, y_out + 3 * cell + 20, size=11.5, color=TEXT))
    label = (f"Convolution of a 3-channel 5 by 5 input with three 3 by 3 kernels: three 3 by 3 intermediate "
             f"results, added together with the bias 1, give the 3 by 3 output; its top-left value is "
             f"{terms} + 1 = {_num(output[0, 0])}.")
    return _figure(parts, 600, top + 3 * row_h - 10, label, "convolution")


def relu() -> str:
    """The graph of max(0, x), and five numbers before and after."""
    after = ReLU("relu")(RELU_VALUES[None, None])[0, 0]
    w, h, ox, oy, unit = 250, 170, 125, 110, 32  # origin and px per unit of the graph
    xs = np.linspace(-3.5, 3.5, 2)
    parts = [
        svg.element("line", x1=ox - 3.5 * unit, y1=oy, x2=ox + 3.5 * unit, y2=oy, stroke=MUTED),
        svg.element("line", x1=ox, y1=oy + 1.5 * unit, x2=ox, y2=oy - 3.2 * unit, stroke=MUTED),
        _label("x", ox + 3.5 * unit + 8, oy + 4, size=13, color=TEXT, font_style="italic"),
        _label("max(0, x)", ox + 8, oy - 3.2 * unit + 4, anchor="start", size=13, color=TEXT),
        svg.element("polyline", points=f"{svg.num(ox + xs[0] * unit)},{oy} {ox},{oy} "
                                       f"{svg.num(ox + 3.2 * unit)},{svg.num(oy - 3.2 * unit)}",
                    fill="none", stroke="#1f6fb2", stroke_width=3.0),
    ]
    for tick in (-3, -2, -1, 1, 2, 3):
        parts.append(_label(str(tick).replace("-", "\u2212"), ox + tick * unit, oy + 16, size=10))
    for value, result in zip(RELU_VALUES, after):
        parts.append(svg.element("circle", cx=ox + float(value) * unit, cy=oy - float(result) * unit, r=4,
                                 fill="#d8492f"))
    cell, x0 = 40, w + 40
    parts += [_label("before", x0 - 8, 62, anchor="end", size=12), _label("after", x0 - 8, 118, anchor="end", size=12),
              _grid(RELU_VALUES[None], x0, 40, cell, "rdbu", 2.5),
              _grid(after[None], x0, 96, cell, "rdbu", 2.5)]
    for i in range(len(RELU_VALUES)):
        parts.append(svg.element("line", x1=x0 + (i + 0.5) * cell, y1=76, x2=x0 + (i + 0.5) * cell, y2=94,
                                 stroke="#999999", marker_end=None))
    before_text = ", ".join(_num(v) for v in RELU_VALUES)
    after_text = ", ".join(_num(v) for v in after)
    label = f"The ReLU graph: flat at 0 for negative x, the line y = x for positive x. {before_text} become {after_text}."
    return _figure(parts, x0 + 5 * cell + 10, h, label, "relu")


def pooling() -> str:
    """A 4x4 map, its four 2x2 windows (stride 2), and the 2x2 map of their maxima."""
    pool = MaxPool2D("max_pool", 2, 2)
    output = pool(POOL_INPUT)[0]
    # the winners: where each window's value equals its maximum
    winners = POOL_INPUT[0] == np.kron(output, np.ones((2, 2), dtype=np.float32))
    cell, x_in, x_out, top = 36, 14, 300, 26
    shades = ("#f6c9a8", "#c9def0", "#cfe8c9", "#e6d3ee")
    parts = [_label("input 4\u00d74", x_in + 2 * cell, 16), _label("output 2\u00d72", x_out + cell, 16)]
    for k, (r, c) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1))):
        parts.append(svg.element("rect", x=x_in + 2 * c * cell, y=top + 2 * r * cell, width=2 * cell,
                                 height=2 * cell, fill=shades[k]))
        parts.append(svg.element("rect", x=x_out + c * cell, y=top + cell + r * cell, width=float(cell),
                                 height=float(cell), fill=shades[k]))
    for (r, c), value in np.ndenumerate(POOL_INPUT[0]):
        parts.append(svg.element("rect", x=x_in + c * cell, y=top + r * cell, width=float(cell), height=float(cell),
                                 fill="none", stroke="#bbbbbb"))
        parts.append(svg.text(_num(value), x=x_in + (c + 0.5) * cell, y=top + (r + 0.5) * cell, dy="0.35em",
                              text_anchor="middle", font_size=15, fill=TEXT if winners[r, c] else MUTED,
                              font_weight="bold" if winners[r, c] else None))
    for (r, c), value in np.ndenumerate(output):
        parts.append(svg.element("rect", x=x_out + c * cell, y=top + cell + r * cell, width=float(cell),
                                 height=float(cell), fill="none", stroke="#bbbbbb"))
        parts.append(svg.text(_num(value), x=x_out + (c + 0.5) * cell, y=top + cell + (r + 0.5) * cell,
                              dy="0.35em", text_anchor="middle", font_size=15, fill=TEXT, font_weight="bold"))
    for r in (0, 1):  # grid lines between the windows
        parts.append(svg.element("line", x1=x_in + 2 * cell, y1=top, x2=x_in + 2 * cell, y2=top + 4 * cell,
                                 stroke=TEXT, stroke_width=2.0))
        parts.append(svg.element("line", x1=x_in, y1=top + 2 * cell, x2=x_in + 4 * cell, y2=top + 2 * cell,
                                 stroke=TEXT, stroke_width=2.0))
    middle = (x_in + 4 * cell + x_out) / 2
    parts += [_label("max of each", middle, top + 2 * cell - 22, size=11.5),
              _label("2\u00d72 window", middle, top + 2 * cell - 8, size=11.5),
              svg.element("path", d=f"M{middle - 40} {top + 2 * cell + 6} H{middle + 40} m-7 -5 l7 5 l-7 5",
                          fill="none", stroke=MUTED, stroke_width=1.5)]
    label = (f"Max pooling with a 2 by 2 window and stride 2: the 4 by 4 map becomes 2 by 2, keeping "
             f"{', '.join(_num(v) for v in output.ravel())}, the largest value of each window.")
    return _figure(parts, x_out + 2 * cell + 14, top + 4 * cell + 8, label, "pooling")


def softmax(classes=("class 1", "class 2", "class 3", "class 4")) -> str:
    """Up to four logits, their exponentials, and the probabilities (exponentials divided by their sum)."""
    names = list(classes)[:len(SOFTMAX_LOGITS)]
    logits = np.array(SOFTMAX_LOGITS[:len(names)], dtype=np.float32)
    exps = np.exp(logits)
    probabilities = Softmax("softmax")(logits)
    row, top, name_w, bar_w = 28, 40, 78, 120
    columns = (("logit z", logits, float(np.abs(logits).max()), "#f0a35e"),
               ("exp(z)", exps, float(exps.max()), "#e07b39"),
               ("probability", probabilities, 1.0, "#c44103"))
    parts = []
    for j, (title, values, scale, color) in enumerate(columns):
        x = name_w + j * (bar_w + 40)
        parts.append(_label(title, x + bar_w / 2, 20, size=12, color=TEXT))
        zero = x + (bar_w / 2 if j == 0 else 0)  # logits can be negative: bars grow from the middle
        span = bar_w / 2 if j == 0 else bar_w
        for i, value in enumerate(values):
            y = top + i * row
            length = float(value) / scale * span
            parts.append(svg.element("rect", x=min(zero, zero + length), y=y, width=abs(length), height=row - 10,
                                     fill=color))
            digits = "{:.0%}".format(float(value)) if j == 2 else _num(round(float(value), 1))
            parts.append(_label(digits, zero + max(length, 0) + 4, y + (row - 10) / 2, anchor="start", size=11,
                                color=TEXT, dy="0.35em"))
        if j == 0:
            parts.append(svg.element("line", x1=zero, y1=top - 4, x2=zero, y2=top + len(values) * row - 6,
                                     stroke=MUTED))
    for i, name in enumerate(names):
        parts.append(_label(name, name_w - 8, top + i * row + (row - 10) / 2, anchor="end", size=12, color=TEXT,
                            dy="0.35em"))
    total = float(exps.sum())
    parts.append(_label(f"sum of exp(z) = {_num(round(total, 1))}; each probability is exp(z) / {_num(round(total, 1))}",
                        name_w, top + len(names) * row + 10, anchor="start", size=11.5, color=TEXT))
    width = name_w + 3 * (bar_w + 40)
    label = ("Softmax of four logits: " + ", ".join(f"{n} {_num(z)} becomes {p:.0%}" for n, z, p in
                                                    zip(names, logits, probabilities)) + ".")
    return _figure(parts, width, top + len(names) * row + 24, label, "softmax")


def flatten() -> str:
    """Two 2x2 maps unrolled, channel after channel, into one vector of 8 numbers."""
    vector = Flatten("flatten")(FLATTEN_INPUT)
    cell, top = 30, 26
    shades = ("#f6c9a8", "#c9def0")
    parts = []
    for c in range(2):
        x = 14 + c * (2 * cell + 24)
        parts.append(_label(f"map {c}", x + cell, 16))
        for (r, k), value in np.ndenumerate(FLATTEN_INPUT[c]):
            parts.append(svg.element("rect", x=x + k * cell, y=top + r * cell, width=float(cell), height=float(cell),
                                     fill=shades[c], stroke="#999999"))
            parts.append(svg.text(_num(value), x=x + (k + 0.5) * cell, y=top + (r + 0.5) * cell, dy="0.35em",
                                  text_anchor="middle", font_size=13, fill=TEXT))
    x0 = 14 + 2 * (2 * cell + 24) + 30
    parts.append(_label("flattened vector (8)", x0 + 4 * cell, 16))
    per_map = FLATTEN_INPUT[0].size
    for i, value in enumerate(vector):
        parts.append(svg.element("rect", x=x0 + i * cell, y=top + cell / 2, width=float(cell), height=float(cell),
                                 fill=shades[i // per_map], stroke="#999999"))
        parts.append(svg.text(_num(value), x=x0 + (i + 0.5) * cell, y=top + cell, dy="0.35em",
                              text_anchor="middle", font_size=13, fill=TEXT))
    parts.append(_label("\u2192", x0 - 16, top + cell, size=18, color=TEXT, dy="0.35em"))
    label = ("Flatten: two 2 by 2 maps become one vector of 8 numbers, map 0 row by row, then map 1: "
             + ", ".join(_num(v) for v in vector) + ".")
    return _figure(parts, x0 + 8 * cell + 14, top + 2 * cell + 12, label, "flatten")


FIGURES = {"convolution": convolution, "relu": relu, "pooling": pooling, "softmax": softmax, "flatten": flatten}


def render(name: str, classes=None) -> str:
    """One figure's SVG by name (see FIGURES); the softmax one names the model's ``classes``."""
    try:
        return FIGURES[name](classes) if name == "softmax" and classes else FIGURES[name]()
    except KeyError:
        raise KeyError(f"no article figure named {name!r}; figures are {', '.join(FIGURES)}") from None

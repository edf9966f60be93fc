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
WHITE, GRID_LINE, LINK = "#ffffff", "#bbbbbb", "#999999"  # cell fills, cell borders, curves and arrows
SHADES = ("#f6c9a8", "#c9def0", "#cfe8c9", "#e6d3ee")  # light fills that tell windows and maps apart
FONT = "system-ui, sans-serif"
# Shared by the figures, in px unless said otherwise.
TITLE_Y = 16  # baseline of the titles over the grids
CENTRE = "0.35em"  # the dy that centres a number on its cell's middle
CELL_TEXT, CELL_TEXT_MAX = 0.42, 13  # a grid number's size: this share of its cell, at most this
LUMA = (0.299, 0.587, 0.114)  # Rec. 601 weights of red, green, blue in a colour's brightness
DARK_CELL = 120  # on a cell darker than this (of 255) the number is white
OUTLINE_WIDTH = 2.5  # the frame around a window or a picked cell
SIGN_SIZE = 16  # the operators between grids
CAPTION_SIZE = 11.5
CAPTION_GAP = 20  # a caption's baseline under the grid it explains
NAME_GAP = 8  # a row's name ends this far left of its grid or bar
VALUE_GAP = 4  # a bar's number starts this far right of it
AXIS_NAME_DX, AXIS_NAME_DY = 8, 4  # an axis's name, right of and under its end
TICK_DY = 16  # tick numbers under their axis
RIGHT_MARGIN = 14  # every figure ends this far right of its last grid

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
        fill = WHITE
        dark = False
        if fills is not None:
            red, green, blue = (int(v) for v in fills[r, c])
            fill = f"#{red:02x}{green:02x}{blue:02x}"
            dark = LUMA[0] * red + LUMA[1] * green + LUMA[2] * blue < DARK_CELL  # white text on dark cells
        parts.append(svg.element("rect", x=x + c * cell, y=y + r * cell, width=float(cell), height=float(cell),
                                 fill=fill, stroke=GRID_LINE, stroke_width=1.0))
        heavy = bold is not None and bold[r, c]
        parts.append(svg.text(_num(value), x=x + (c + 0.5) * cell, y=y + (r + 0.5) * cell, dy=CENTRE,
                              text_anchor="middle", font_size=round(min(cell * CELL_TEXT, CELL_TEXT_MAX), 1),
                              fill=WHITE if dark else TEXT, font_weight="bold" if heavy else None))
    if outline is not None:
        r, c, size = outline
        parts.append(svg.element("rect", x=x + c * cell, y=y + r * cell, width=size * cell, height=size * cell,
                                 fill="none", stroke=stroke, stroke_width=OUTLINE_WIDTH))
    return "".join(parts)


def _label(text: str, x: float, y: float, anchor: str = "middle", size: float = 12, color: str = MUTED,
           **extra) -> str:
    return svg.text(text, x=x, y=y, text_anchor=anchor, font_size=size, fill=color, **extra)


def convolution_numbers() -> tuple[np.ndarray, np.ndarray]:
    """The figure's intermediate results (3, 3, 3), one per channel, and its output (3, 3)."""
    inter = np.sum(windows(CONV_INPUT, 3) * CONV_KERNELS[:, None, None], axis=(-2, -1))
    return inter, inter.sum(axis=0) + CONV_BIAS


# The convolution figure, in px: one row per input channel, four columns (input, kernel, intermediate, output).
CONV_CELL = 22  # one number
CONV_ROW = 130  # from one channel's row to the next: a 5-cell grid and room for the curves between
CONV_TOP = 28  # the first row, under the titles
CONV_COLUMNS = (34, 176, 290, 470)  # left edges of the input, kernel, intermediate and output grids
CONV_MID = 2.5  # cells from a 5x5 grid's top to its middle row
CHANNEL_X = 16  # centre of the R, G, B letters
SIGN_DX = (18, 24)  # the star left of a kernel, the "=" left of an intermediate result
CURVE = (6, 60, 34)  # the curve into the sum: starts right of a result, its pull, ends left of the output
SUM_DX, SUM_R = 22, 11  # the sum's circle: its centre left of the output grid, its radius
CONV_WIDTH = 600
CONV_TRIM = 10  # the last row needs less room than CONV_ROW below its grid


def convolution() -> str:
    """Each input channel correlated with its own kernel, the intermediate results summed with the bias."""
    inter, output = convolution_numbers()
    cell, row_h, top = CONV_CELL, CONV_ROW, CONV_TOP
    x_in, x_k, x_mid, x_out = CONV_COLUMNS
    act_limit = float(max(np.abs(inter).max(), np.abs(output).max()))
    parts = [_label("input channel", x_in + CONV_MID * cell, TITLE_Y), _label("kernel", x_k + 1.5 * cell, TITLE_Y),
             _label("intermediate result", x_mid + 1.5 * cell, TITLE_Y),
             _label("output (bias 1)", x_out + 1.5 * cell, TITLE_Y)]
    start, pull, end = CURVE
    for i, name in enumerate(("R", "G", "B")):
        y = top + i * row_h
        parts += [
            _label(name, CHANNEL_X, y + CONV_MID * cell, size=14, color=colors.CHANNELS[i][1], dy=CENTRE,
                   font_weight="bold"),
            _grid(CONV_INPUT[i], x_in, y, cell, "greys", 3, outline=(0, 0, 3), low=0),
            _label("\u2605", x_k - SIGN_DX[0], y + CONV_MID * cell, size=SIGN_SIZE, color=TEXT, dy=CENTRE),
            _grid(CONV_KERNELS[i], x_k, y + cell, cell, "brbg", 1.5),
            _label("=", x_mid - SIGN_DX[1], y + CONV_MID * cell, size=SIGN_SIZE, color=TEXT, dy=CENTRE),
            _grid(inter[i], x_mid, y + cell, cell, "rdbu", act_limit, outline=(0, 0, 1)),
            svg.element("path", d=f"M{x_mid + 3 * cell + start} {y + CONV_MID * cell} C {x_mid + 3 * cell + pull} "
                                  f"{y + CONV_MID * cell} {x_out - pull} {top + row_h + CONV_MID * cell} {x_out - end} "
                                  f"{top + row_h + CONV_MID * cell}", fill="none", stroke=LINK, stroke_width=1.2),
        ]
    y_out = top + row_h + cell
    parts += [
        svg.element("circle", cx=x_out - SUM_DX, cy=y_out + 1.5 * cell, r=SUM_R, fill=WHITE, stroke=LINK),
        _label("+", x_out - SUM_DX, y_out + 1.5 * cell, size=SIGN_SIZE, color=TEXT, dy=CENTRE),
        _grid(output, x_out, y_out, cell, "rdbu", act_limit, outline=(0, 0, 1)),
    ]
    terms = " + ".join(_num(v) for v in inter[:, 0, 0])
    parts.append(_label(f"top left: {terms} + {_num(CONV_BIAS)} = {_num(output[0, 0])}",
                        x_out + 1.5 * cell, y_out + 3 * cell + CAPTION_GAP, size=CAPTION_SIZE, color=TEXT))
    label = (f"Convolution of a 3-channel 5 by 5 input with three 3 by 3 kernels: three 3 by 3 intermediate "
             f"results, added together with the bias 1, give the 3 by 3 output; its top-left value is "
             f"{terms} + 1 = {_num(output[0, 0])}.")
    return _figure(parts, CONV_WIDTH, top + 3 * row_h - CONV_TRIM, label, "convolution")


# The ReLU figure, in px: the graph on the left, the numbers before and after on the right.
RELU_GRAPH = (250, 170)  # the graph's width and the figure's height
RELU_ORIGIN = (125, 110)  # where x = 0, y = 0 is drawn
RELU_UNIT = 32  # px per unit on both axes
RELU_AXES = (3.5, 1.5, 3.2)  # the x axis's half length, the y axis below and above 0, in units
RELU_COLORS = ("#1f6fb2", "#d8492f")  # the max(0, x) line, the five numbers' points on it
RELU_CELL = 40
RELU_GRIDS = (40, 96)  # tops of the before and after rows (room for the arrows between them)
RELU_NAME_DY = 22  # "before" / "after" sit on their row's middle
RELU_ARROWS = (76, 94)  # the arrows from before to after: from just under one row to just over the next
RELU_LIMIT = 2.5  # the colour range of both rows: the largest number, 2.1, and a margin
RELU_RIGHT = 10  # narrower than RIGHT_MARGIN: the grids' last column has no title to clear


def relu() -> str:
    """The graph of max(0, x), and five numbers before and after."""
    after = ReLU("relu")(RELU_VALUES[None, None])[0, 0]
    (w, h), (ox, oy), unit = RELU_GRAPH, RELU_ORIGIN, RELU_UNIT
    half, below, above = RELU_AXES
    xs = np.linspace(-half, half, 2)
    parts = [
        # both axes in one path: the article counts against the page's bound on elements
        svg.element("path", d=f"M{svg.num(ox - half * unit)} {oy} H{svg.num(ox + half * unit)} "
                              f"M{ox} {svg.num(oy + below * unit)} V{svg.num(oy - above * unit)}",
                    fill="none", stroke=MUTED),
        _label("x", ox + half * unit + AXIS_NAME_DX, oy + AXIS_NAME_DY, size=13, color=TEXT, font_style="italic"),
        _label("max(0, x)", ox + AXIS_NAME_DX, oy - above * unit + AXIS_NAME_DY, anchor="start", size=13, color=TEXT),
        svg.element("polyline", points=f"{svg.num(ox + xs[0] * unit)},{oy} {ox},{oy} "
                                       f"{svg.num(ox + above * unit)},{svg.num(oy - above * unit)}",
                    fill="none", stroke=RELU_COLORS[0], stroke_width=3.0),
    ]
    for tick in (-3, -2, -1, 1, 2, 3):
        parts.append(_label(str(tick).replace("-", "\u2212"), ox + tick * unit, oy + TICK_DY, size=10))
    for value, result in zip(RELU_VALUES, after):
        parts.append(svg.element("circle", cx=ox + float(value) * unit, cy=oy - float(result) * unit, r=4,
                                 fill=RELU_COLORS[1]))
    cell, x0 = RELU_CELL, w + RELU_CELL
    (before_y, after_y), (arrow_from, arrow_to) = RELU_GRIDS, RELU_ARROWS
    parts += [_label("before", x0 - NAME_GAP, before_y + RELU_NAME_DY, anchor="end", size=12),
              _label("after", x0 - NAME_GAP, after_y + RELU_NAME_DY, anchor="end", size=12),
              _grid(RELU_VALUES[None], x0, before_y, cell, "rdbu", RELU_LIMIT),
              _grid(after[None], x0, after_y, cell, "rdbu", RELU_LIMIT)]
    parts.append(svg.element("path", d=" ".join(f"M{svg.num(x0 + (i + 0.5) * cell)} {arrow_from} V{arrow_to}"
                                                for i in range(len(RELU_VALUES))), fill="none", stroke=LINK))
    before_text = ", ".join(_num(v) for v in RELU_VALUES)
    after_text = ", ".join(_num(v) for v in after)
    label = f"The ReLU graph: flat at 0 for negative x, the line y = x for positive x. {before_text} become {after_text}."
    return _figure(parts, x0 + 5 * cell + RELU_RIGHT, h, label, "relu")


# The pooling figure, in px: the 4x4 input, its four windows shaded, and the 2x2 output.
POOL_CELL = 36
POOL_COLUMNS = (14, 300)  # left edges of the input and the output
POOL_TOP = 26
POOL_NUMBER = 15  # font size of its numbers: larger than a grid's, there are only 20
WINDOW_LINE = 2.0  # the lines between the windows
POOL_NOTE = (22, 8)  # the two lines of "max of each 2x2 window", above the input's middle
POOL_ARROW = (40, 7, 5)  # the arrow under the note: half its length, its head's length and half width
POOL_BOTTOM = 8


def pooling() -> str:
    """A 4x4 map, its four 2x2 windows (stride 2), and the 2x2 map of their maxima."""
    pool = MaxPool2D("max_pool", 2, 2)
    output = pool(POOL_INPUT)[0]
    # the winners: where each window's value equals its maximum
    winners = POOL_INPUT[0] == np.kron(output, np.ones((2, 2), dtype=np.float32))
    cell, (x_in, x_out), top = POOL_CELL, POOL_COLUMNS, POOL_TOP
    parts = [_label("input 4\u00d74", x_in + 2 * cell, TITLE_Y), _label("output 2\u00d72", x_out + cell, TITLE_Y)]
    for k, (r, c) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1))):
        parts.append(svg.element("rect", x=x_in + 2 * c * cell, y=top + 2 * r * cell, width=2 * cell,
                                 height=2 * cell, fill=SHADES[k]))
        parts.append(svg.element("rect", x=x_out + c * cell, y=top + cell + r * cell, width=float(cell),
                                 height=float(cell), fill=SHADES[k]))
    # every cell's outline, input and output, in one path: the article counts against the page's element bound
    corners = [(x_in + c * cell, top + r * cell) for r in range(4) for c in range(4)]
    corners += [(x_out + c * cell, top + cell + r * cell) for r in range(2) for c in range(2)]
    parts.append(svg.element("path", d=" ".join(f"M{x} {y} h{cell} v{cell} h-{cell} Z" for x, y in corners),
                             fill="none", stroke=GRID_LINE))
    for (r, c), value in np.ndenumerate(POOL_INPUT[0]):
        parts.append(svg.text(_num(value), x=x_in + (c + 0.5) * cell, y=top + (r + 0.5) * cell, dy=CENTRE,
                              text_anchor="middle", font_size=POOL_NUMBER, fill=TEXT if winners[r, c] else MUTED,
                              font_weight="bold" if winners[r, c] else None))
    for (r, c), value in np.ndenumerate(output):
        parts.append(svg.text(_num(value), x=x_out + (c + 0.5) * cell, y=top + cell + (r + 0.5) * cell,
                              dy=CENTRE, text_anchor="middle", font_size=POOL_NUMBER, fill=TEXT, font_weight="bold"))
    # the lines between the windows, one path (they were drawn twice over, as four lines)
    parts.append(svg.element("path", d=f"M{x_in + 2 * cell} {top} V{top + 4 * cell} M{x_in} {top + 2 * cell} "
                                       f"H{x_in + 4 * cell}", fill="none", stroke=TEXT, stroke_width=WINDOW_LINE))
    middle = (x_in + 4 * cell + x_out) / 2
    half, head, spread = POOL_ARROW
    parts += [_label("max of each", middle, top + 2 * cell - POOL_NOTE[0], size=CAPTION_SIZE),
              _label("2\u00d72 window", middle, top + 2 * cell - POOL_NOTE[1], size=CAPTION_SIZE),
              svg.element("path", d=f"M{middle - half} {top + 2 * cell + 6} H{middle + half} "
                                    f"m-{head} -{spread} l{head} {spread} l-{head} {spread}",
                          fill="none", stroke=MUTED, stroke_width=1.5)]
    label = (f"Max pooling with a 2 by 2 window and stride 2: the 4 by 4 map becomes 2 by 2, keeping "
             f"{', '.join(_num(v) for v in output.ravel())}, the largest value of each window.")
    return _figure(parts, x_out + 2 * cell + RIGHT_MARGIN, top + 4 * cell + POOL_BOTTOM, label, "pooling")


# The softmax figure, in px: one row per class, three columns of bars (logit, exp, probability).
SOFTMAX_ROW = 28  # one class: a bar and the gap under it
SOFTMAX_BAR_GAP = 10
SOFTMAX_TOP = 40  # the first bar, under the column titles (at y = 20)
SOFTMAX_NAMES = 78  # the class names' column (right-aligned against the bars)
SOFTMAX_BAR = 120  # a full bar
SOFTMAX_COLUMN_GAP = 40  # between one column's longest bar and the next column (its number fits)
SOFTMAX_ORANGES = ("#f0a35e", "#e07b39", "#c44103")  # light to dark as the numbers turn into probabilities


def softmax(classes=("class 1", "class 2", "class 3", "class 4")) -> str:
    """Up to four logits, their exponentials, and the probabilities (exponentials divided by their sum)."""
    names = list(classes)[:len(SOFTMAX_LOGITS)]
    logits = np.array(SOFTMAX_LOGITS[:len(names)], dtype=np.float32)
    exps = np.exp(logits)
    probabilities = Softmax("softmax")(logits)
    row, top, name_w, bar_w = SOFTMAX_ROW, SOFTMAX_TOP, SOFTMAX_NAMES, SOFTMAX_BAR
    bar_h = row - SOFTMAX_BAR_GAP
    columns = (("logit z", logits, float(np.abs(logits).max()), SOFTMAX_ORANGES[0]),
               ("exp(z)", exps, float(exps.max()), SOFTMAX_ORANGES[1]),
               ("probability", probabilities, 1.0, SOFTMAX_ORANGES[2]))
    parts = []
    for j, (title, values, scale, color) in enumerate(columns):
        x = name_w + j * (bar_w + SOFTMAX_COLUMN_GAP)
        parts.append(_label(title, x + bar_w / 2, 20, size=12, color=TEXT))
        zero = x + (bar_w / 2 if j == 0 else 0)  # logits can be negative: bars grow from the middle
        span = bar_w / 2 if j == 0 else bar_w
        for i, value in enumerate(values):
            y = top + i * row
            length = float(value) / scale * span
            parts.append(svg.element("rect", x=min(zero, zero + length), y=y, width=abs(length), height=bar_h,
                                     fill=color))
            digits = "{:.0%}".format(float(value)) if j == 2 else _num(round(float(value), 1))
            parts.append(_label(digits, zero + max(length, 0) + VALUE_GAP, y + bar_h / 2, anchor="start", size=11,
                                color=TEXT, dy=CENTRE))
        if j == 0:  # the zero line, a little longer than the bars at both ends
            parts.append(svg.element("line", x1=zero, y1=top - 4, x2=zero, y2=top + len(values) * row - 6,
                                     stroke=MUTED))
    for i, name in enumerate(names):
        parts.append(_label(name, name_w - NAME_GAP, top + i * row + bar_h / 2, anchor="end", size=12, color=TEXT,
                            dy=CENTRE))
    total = float(exps.sum())
    parts.append(_label(f"sum of exp(z) = {_num(round(total, 1))}; each probability is exp(z) / {_num(round(total, 1))}",
                        name_w, top + len(names) * row + SOFTMAX_BAR_GAP, anchor="start", size=CAPTION_SIZE,
                        color=TEXT))
    width = name_w + 3 * (bar_w + SOFTMAX_COLUMN_GAP)
    label = ("Softmax of four logits: " + ", ".join(f"{n} {_num(z)} becomes {p:.0%}" for n, z, p in
                                                    zip(names, logits, probabilities)) + ".")
    return _figure(parts, width, top + len(names) * row + 24, label, "softmax")


# The flatten figure, in px: two 2x2 maps, an arrow, the vector of 8.
FLATTEN_CELL = 30
FLATTEN_TOP = 26
FLATTEN_LEFT = 14
FLATTEN_MAP_GAP = 24  # between the two maps
FLATTEN_ARROW_GAP = 30  # from the second map to the vector: the arrow sits in it, 16 px left of the vector


def flatten() -> str:
    """Two 2x2 maps unrolled, channel after channel, into one vector of 8 numbers."""
    vector = Flatten("flatten")(FLATTEN_INPUT)
    cell, top = FLATTEN_CELL, FLATTEN_TOP
    parts = []
    for c in range(2):
        x = FLATTEN_LEFT + c * (2 * cell + FLATTEN_MAP_GAP)
        parts.append(_label(f"map {c + 1}", x + cell, TITLE_Y))
        for (r, k), value in np.ndenumerate(FLATTEN_INPUT[c]):
            parts.append(svg.element("rect", x=x + k * cell, y=top + r * cell, width=float(cell), height=float(cell),
                                     fill=SHADES[c], stroke=LINK))
            parts.append(svg.text(_num(value), x=x + (k + 0.5) * cell, y=top + (r + 0.5) * cell, dy=CENTRE,
                                  text_anchor="middle", font_size=13, fill=TEXT))
    x0 = FLATTEN_LEFT + 2 * (2 * cell + FLATTEN_MAP_GAP) + FLATTEN_ARROW_GAP
    parts.append(_label("flattened vector (8)", x0 + 4 * cell, TITLE_Y))
    per_map = FLATTEN_INPUT[0].size
    for i, value in enumerate(vector):
        parts.append(svg.element("rect", x=x0 + i * cell, y=top + cell / 2, width=float(cell), height=float(cell),
                                 fill=SHADES[i // per_map], stroke=LINK))
        parts.append(svg.text(_num(value), x=x0 + (i + 0.5) * cell, y=top + cell, dy=CENTRE,
                              text_anchor="middle", font_size=13, fill=TEXT))
    parts.append(_label("\u2192", x0 - 16, top + cell, size=18, color=TEXT, dy=CENTRE))
    label = ("Flatten: two 2 by 2 maps become one vector of 8 numbers, map 1 row by row, then map 2: "
             + ", ".join(_num(v) for v in vector) + ".")
    return _figure(parts, x0 + 8 * cell + RIGHT_MARGIN, top + 2 * cell + 12, label, "flatten")


FIGURES = {"convolution": convolution, "relu": relu, "pooling": pooling, "softmax": softmax, "flatten": flatten}


def render(name: str, classes=None) -> str:
    """One figure's SVG by name (see FIGURES); the softmax one names the model's ``classes``."""
    try:
        return FIGURES[name](classes) if name == "softmax" and classes else FIGURES[name]()
    except KeyError:
        raise KeyError(f"no article figure named {name!r}; figures are {', '.join(FIGURES)}") from None

"""Small numeric grids of the detail views, and the one stepping model they share.

The convolution formula, ReLU and max-pool views have the same shape: an input map, a window on it,
a small formula with the window's real numbers, and the output map with the matching pixel. This
module holds what is common: colour scales for single numbers, heat maps of a whole map (one PNG
``<image>``, never one element per pixel), cells with their numbers, and *frames*.

A frame is everything that changes when the window moves: ``{key: {attribute: value, "text": ...}}``
for the elements marked ``data-u="key"``. A view's markup is built from its first frame and the page
applies later frames attribute by attribute, so one code path writes the numbers on screen.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import colors, svg

# What the page's cell-text colour flips on: dark cells get white numbers (as in the reference).
INK_DARK, INK_LIGHT = "#ffffff", "#222222"
INK_FLIP = 0.2  # normalised colour position closer than this to either end counts as dark
MAP_SIZE = 150  # px: side of an input or output heat map in a detail view (the reference's size)
CELL = 30  # px: one number cell of a formula
FONT = 10  # px: numbers in cells
LABEL_FONT = 12
WINDOW_STROKE = "#222222"
HIGHLIGHT_STROKE = "#f4a261"
TEXT_COLOR = "#4a4a4a"
WEIGHT_GAP = 0.2  # the reference lightens weight colours by keeping away from the scale's ends

Frame = dict[str, dict[str, str]]


def value_text(value: float, digits: int = 2) -> str:
    """A number as a cell shows it: fixed decimals, never '-0.00'."""
    text = f"{float(value):.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def exact(value) -> str:
    """A value with every digit it has (float32 round-trips), for data-value attributes and tests."""
    return repr(float(value))


@dataclass(frozen=True)
class Scale:
    """How numbers of one grid become colours: a named scale over [lo, hi] (optionally reversed)."""

    name: str
    lo: float
    hi: float
    reverse: bool = False

    def position(self, values) -> np.ndarray:
        t = colors.normalise(values, self.lo, self.hi)
        return 1.0 - t if self.reverse else t

    def rgb(self, values) -> np.ndarray:
        return colors.to_rgb(values, self.lo, self.hi, self.name, self.reverse)

    def fill(self, value: float) -> str:
        return colors.hex_color(self.name, float(self.position(value)))

    def fills(self, values) -> list[str]:
        """``fill`` of many values in one vectorised lookup."""
        rgb = self.rgb(np.asarray(values, dtype=np.float64).ravel())
        return [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in rgb.tolist()]

    def ink(self, value: float) -> str:
        """Text colour readable on ``fill(value)``."""
        t = float(self.position(value))
        if self.name == "greys":  # greys is dark only at its high end
            return INK_DARK if t > 1 - INK_FLIP else INK_LIGHT
        return INK_DARK if t < INK_FLIP or t > 1 - INK_FLIP else INK_LIGHT


def activation_scale(extent: float) -> Scale:
    """Red-blue centred on zero, as the overview colours activations (negative red, positive blue)."""
    extent = float(extent) if extent > 0 else 1.0
    return Scale("rdbu", -extent, extent)


def input_scale() -> Scale:
    """Input pixels in [0, 1]: bright pixels white, dark ones black."""
    return Scale("greys", 0.0, 1.0, reverse=True)


def weight_scale(extent: float, gap: float = WEIGHT_GAP) -> Scale:
    """Brown-teal centred on zero, kept ``gap`` away from both ends so that numbers stay readable."""
    extent = float(extent) if extent > 0 else 1.0
    widen = extent * 2 * gap / (1 - 2 * gap)  # [lo, hi] grown so the scale's ends are never reached
    return Scale("brbg", -extent - widen, extent + widen)


def logit_scale(logits) -> Scale:
    """Oranges over the logits' own extent, from 0.2 up (the reference's logit circles)."""
    lo, hi = float(np.min(logits)), float(np.max(logits))
    if hi <= lo:
        hi = lo + 1.0
    return Scale("oranges", lo - 0.25 * (hi - lo), hi)  # lo lands at 0.2 of the scale


def picture(pixels: np.ndarray, x: float, y: float, width: float, height: float, **attrs) -> str:
    """A uint8 picture as a crisp <image> (a PNG data URL: base64 needs no escaping, and escaping
    kilobytes of it would cost more than encoding it)."""
    href = svg.png_data_url(pixels)
    return (f'<image href="{href}"{svg.attrs(x=float(x), y=float(y), width=float(width), height=float(height))}'
            f' preserveAspectRatio="none" style="image-rendering:pixelated"{svg.attrs(**attrs)}/>')


def heatmap(values: np.ndarray, scale: Scale, x: float, y: float, size: float, **attrs) -> str:
    """A whole 2-D map as one crisp image, ``size`` px square."""
    return picture(scale.rgb(values), x, y, size, size, **attrs)


def dynamic(tag: str, key: str, frame: Frame, content: str | None = None, **static) -> str:
    """An element whose changing attributes (and text) come from ``frame[key]``; ``content`` is markup."""
    values = dict(frame.get(key, {}))
    text = values.pop("text", None)
    if text is not None:
        content = svg.escape(text)
    markup_attrs = svg.attrs(data_u=key, **static)
    markup_attrs += "".join(f' {name}="{svg.escape(value)}"' for name, value in values.items())
    if content is None:
        return f"<{tag}{markup_attrs}/>"
    return f"<{tag}{markup_attrs}>{content}</{tag}>"


def changes(old: Frame | None, new: Frame) -> Frame:
    """Only what differs between two frames (what the page has to write)."""
    if not old:
        return new
    out: Frame = {}
    for key, values in new.items():
        before = old.get(key, {})
        diff = {a: v for a, v in values.items() if before.get(a) != v}
        if diff:
            out[key] = diff
    return out


def cell_frame(key: str, value: float, scale: Scale, digits: int = 2) -> Frame:
    """The frame entries of one number cell: its fill, its text and the text's colour."""
    return {key: {"fill": scale.fill(value), "data-value": exact(value)},
            f"{key}-t": {"text": value_text(value, digits), "fill": scale.ink(value)}}


def cell(key: str, frame: Frame, x: float, y: float, w: float = CELL, h: float = CELL,
         font: float = FONT, **attrs) -> str:
    """One number cell (a rect and its centred text) drawn from ``frame``."""
    return (dynamic("rect", key, frame, x=float(x), y=float(y), width=float(w), height=float(h),
                    class_="cell", **attrs)
            + dynamic("text", f"{key}-t", frame, x=float(x + w / 2), y=float(y + h / 2), class_="cell-text",
                      font_size=float(font), text_anchor="middle", dominant_baseline="central"))


def symbol(text: str, x: float, y: float, size: float = 16, **attrs) -> str:
    """An operator between cells: x, +, =, brackets."""
    return svg.text(text, x=float(x), y=float(y), font_size=float(size), text_anchor="middle",
                    dominant_baseline="central", class_="op", **attrs)


def label(text: str, x: float, y: float, **attrs) -> str:
    return svg.text(text, x=float(x), y=float(y), font_size=float(LABEL_FONT), text_anchor="middle",
                    class_="grid-label", fill=TEXT_COLOR, **attrs)


@dataclass(frozen=True)
class MapGrid:
    """A whole map drawn as a heat map, with a window frame that marks the cells in use."""

    role: str  # "input" or "output": what the page maps the pointer to
    values: np.ndarray  # (H, W)
    scale: Scale
    x: float
    y: float
    size: float = MAP_SIZE

    @property
    def cell(self) -> float:
        return self.size / self.values.shape[1]

    def window_frame(self, y0: int, x0: int, rows: int, cols: int) -> Frame:
        c = self.cell
        return {f"{self.role}-win": {"x": svg.num(self.x + x0 * c), "y": svg.num(self.y + y0 * c),
                                     "width": svg.num(cols * c), "height": svg.num(rows * c)}}

    def markup(self, frame: Frame) -> str:
        h, w = self.values.shape
        return (heatmap(self.values, self.scale, self.x, self.y, self.size, class_="map", opacity=0.85,
                        data_grid=self.role, data_rows=h, data_cols=w)
                + svg.element("rect", x=float(self.x), y=float(self.y), width=float(self.size),
                              height=float(self.size), fill="none", class_="map-border")
                + dynamic("rect", f"{self.role}-win", frame, fill="none", stroke=WINDOW_STROKE,
                          stroke_width=1.5, class_="window", pointer_events="none"))


def pixel_for_hover(role: str, row: int, col: int, stride: int, out_shape: tuple[int, int]) -> tuple[int, int]:
    """The output pixel a pointer on an input or output cell stands for (the window starting there)."""
    h, w = out_shape
    if role == "input":
        row, col = row // stride, col // stride
    return min(max(row, 0), h - 1), min(max(col, 0), w - 1)


def next_pixel(pixel: tuple[int, int], out_shape: tuple[int, int]) -> tuple[int, int]:
    """The animation's next position: row by row, back to the start after the last pixel."""
    h, w = out_shape
    flat = (pixel[0] * w + pixel[1] + 1) % (h * w)
    return divmod(flat, w)


def clamp_pixel(pixel, out_shape: tuple[int, int]) -> tuple[int, int]:
    """A pinned pixel from a link or a state, kept inside the map."""
    if pixel is None:
        return (0, 0)
    h, w = out_shape
    return min(max(int(pixel[0]), 0), h - 1), min(max(int(pixel[1]), 0), w - 1)


def scale_of(color_range) -> Scale:
    """The Scale of one of the overview's ColorRanges (pyapp.views.color_range), so colours match it."""
    return Scale(color_range.scale, float(color_range.lo), float(color_range.hi), bool(color_range.reverse))


class GridView:
    """A steppable detail view: input map, window, formula with the window's numbers, output map.

    Subclasses set ``view``, ``title``, ``hint``, ``step_ms``, ``stride``, ``window_size`` and the two
    MapGrids, and provide the formula (markup and frame) and the engine calls behind its number.
    The page steps it with ``frame(pixel)`` and maps the pointer with ``pixel_for_hover``.
    """

    view = ""
    title = ""
    hint = "<b>Hover over</b> the matrices to change the window's position."
    step_ms = 250
    stride = 1
    window_size = 1
    width = 500
    height = 190
    input: MapGrid
    output: MapGrid

    def __init__(self, state, trace, network):
        self.state, self.trace, self.network = state, trace, network
        self.layer, self.neuron = state.layer, int(state.neuron or 0)

    @property
    def out_shape(self) -> tuple[int, int]:
        return self.output.values.shape

    def start_pixel(self) -> tuple[int, int]:
        return clamp_pixel(self.state.pixel, self.out_shape)

    def hover(self, role: str, row: int, col: int) -> tuple[int, int]:
        return pixel_for_hover(role, row, col, self.stride, self.out_shape)

    # -- what subclasses provide -------------------------------------------------------------
    def formula_markup(self, frame: Frame) -> str:
        raise NotImplementedError

    def formula_frame(self, pixel: tuple[int, int]) -> Frame:
        raise NotImplementedError

    def calls(self, pixel: tuple[int, int]) -> list:
        raise NotImplementedError

    def extra_markup(self, frame: Frame) -> str:
        return ""

    # -- shared ------------------------------------------------------------------------------
    def frame(self, pixel: tuple[int, int]) -> Frame:
        from . import code_panel  # imported late: code_panel builds on this module

        y, x = pixel
        k, s = self.window_size, self.stride
        out = {}
        out.update(self.input.window_frame(y * s, x * s, k, k))
        out.update(self.output.window_frame(y, x, 1, 1))
        out.update(self.formula_frame(pixel))
        out.update(code_panel.frame(self.calls(pixel)))
        out["pixel"] = {"text": f"({y}, {x})", "data-row": str(y), "data-col": str(x)}
        return out

    def body(self, frame: Frame) -> str:
        from .detail_box import svg_block

        in_h, in_w = self.input.values.shape
        out_h, out_w = self.output.values.shape
        content = (label(f"Input ({in_h}, {in_w})", self.input.x + self.input.size / 2, 12)
                   + self.input.markup(frame)
                   + self.formula_markup(frame)
                   + label(f"Output ({out_h}, {out_w})", self.output.x + self.output.size / 2, 12)
                   + self.output.markup(frame)
                   + svg.text("output pixel", x=float(self.output.x + self.output.size / 2),
                              y=float(self.output.y + self.output.size + 16), font_size=10, fill=TEXT_COLOR,
                              text_anchor="end", class_="pixel-label")
                   + dynamic("text", "pixel", frame, x=float(self.output.x + self.output.size / 2 + 4),
                             y=float(self.output.y + self.output.size + 16), font_size=10, fill=TEXT_COLOR,
                             class_="pixel-at"))
        return svg_block(content, self.width, self.height)

    def markup(self, pixel: tuple[int, int] | None = None, playing: bool | None = None) -> str:
        from . import code_panel
        from .detail_box import box

        pixel = self.start_pixel() if pixel is None else pixel
        playing = self.state.pixel is None if playing is None else playing  # a pinned link opens paused
        frame = self.frame(pixel)
        attrs = {"data_step_ms": self.step_ms, "data_stride": self.stride,
                 "data_out_rows": self.out_shape[0], "data_out_cols": self.out_shape[1],
                 "data_playing": "true" if playing else "false"}
        if self.state.channel is not None:
            attrs["data_channel"] = self.state.channel
        return box(self.view, self.title, self.body(frame), layer=self.layer, neuron=self.neuron,
                   hint=self.hint, code=code_panel.panel(self.calls(pixel), frame), playing=playing,
                   extra=self.extra_markup(frame), **attrs)


# -- where a ReLU / pool view sits on the overview ----------------------------------------------

FOCUS_FADE = 0.15  # columns away from the pair (the reference's white overlays leave about this much)
PAIR_FADE = 0.25  # the other maps of the pair's two columns (the reference has 0.3)


def other_maps(root: str, column: str, neuron: int) -> str:
    """Selector of a column's maps but one: the live page's <foreignObject> boxes (opacity on the canvas
    inside one is not drawn) and the standalone picture's <image>s."""
    c = f'{root} [data-column="{column}"]'
    return f'{c} .map-box:not(:has([data-index="{neuron}"])),{c} image.map:not([data-index="{neuron}"])'


def pair_focus_css(network, view: str, layer: str, neuron: int) -> str:
    """The overview while a ReLU or pool view is open: the map and its input stay, the rest fades."""
    from .. import layout as geometry

    grid = geometry.overview_layout(network)
    source = network.sources[layer]
    r = f'#overview-svg[data-detail="{view}"]'
    rules = []
    for column in grid.columns:
        if column.name in (source, layer):
            rules.append(f"{other_maps(r, column.name, neuron)}{{opacity:{PAIR_FADE};pointer-events:none}}")
        else:
            rules.append(f'{r} [data-column="{column.name}"]{{opacity:{FOCUS_FADE};pointer-events:none}}')
    rules.append(f"{r} .links,{r} .legends,{r} .hover-frames,{r} .hover-links{{visibility:hidden}}")
    return "\n".join(rules)


def pair_anchor(network, layer: str, neuron: int) -> tuple[float, float, str]:
    """Where the box of a ReLU or pool view goes (viewBox units): beside the pair, on the side with
    more room; ``side`` says which edge of the box (x, y) is: "left" or "right"."""
    from .. import layout as geometry

    grid = geometry.overview_layout(network)
    x_source = grid.column(network.sources[layer]).x
    x_layer = grid.column(layer).x + geometry.NODE_SIZE
    y = grid.column(layer).ys[neuron] + geometry.NODE_SIZE / 2
    if grid.width - x_layer >= x_source:
        return x_layer + 24, y, "left"
    return x_source - 24, y, "right"


BOX_PADDING = 14  # px each side of a detail box (detail.css)
BOX_MARGIN = 6  # px kept between a box and the edge of the overview


def box_style(grid_width: float, grid_height: float, anchor, width: float, height: float) -> str:
    """CSS that pins a box of about ``width`` x ``height`` px at ``anchor`` = (x, y, side, valign) of the
    overview (viewBox units), kept inside it. Percentages of the overview's own box and clamp() do the
    arithmetic in the browser, so placing a box reads no layout (a forced reflow costs tens of ms)."""
    x, y, side, valign = anchor
    px, py = x / grid_width * 100, y / grid_height * 100
    w = width + 2 * BOX_PADDING
    left = f"{px:.3f}%" if side == "left" else f"calc({px:.3f}% - {w:.0f}px)"
    shift = {"top": 0.0, "middle": height / 2, "bottom": float(height)}[valign]
    top = f"calc({py:.3f}% - {shift:.0f}px)"
    return (f"width:{w:.0f}px;left:clamp({BOX_MARGIN}px, {left}, calc(100% - {w + BOX_MARGIN:.0f}px));"
            f"top:clamp(0px, {top}, calc(100% - {height:.0f}px))")


def pair_overlay(network, layer: str, neuron: int) -> str:
    """Outlines around the map a ReLU or pool view explains and the map it is computed from, and the
    link between them (the overview's own links are hidden while the view is open)."""
    from .. import layout as geometry

    grid = geometry.overview_layout(network)
    n = geometry.NODE_SIZE
    source, target = grid.column(network.sources[layer]), grid.column(layer)
    (sx, sy), (tx, ty) = source.node(neuron), target.node(neuron)
    frames = "".join(f"M{x:.1f},{y:.1f}h{n:g}v{n:g}h{-n:g}z" for x, y in ((sx, sy), (tx, ty)))
    link = geometry.link_path(sx + n, sy + n / 2, tx, ty + n / 2)
    return svg.group([svg.element("path", d=frames, fill="none", stroke="#555", stroke_width=1.5),
                      svg.element("path", d=link, fill="none", stroke="gray", stroke_width=1)],
                     class_="detail-overlay pair-overlay", pointer_events="none", data_layer=layer,
                     data_neuron=neuron)

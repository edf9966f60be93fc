"""The steppable detail views' pictures: heat maps of whole maps, number cells, and ``GridView``.

The convolution formula, ReLU and max-pool views have the same shape: an input map, a window on it,
a small formula with the window's real numbers, and the output map with the matching pixel. Maps are
one PNG ``<image>`` each, never one element per pixel; cells carry their numbers through frames
(pyapp.views.parts.frames).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import code_panel
from ...ui import svg, words
from ...ui.colors import TEXT_GREY
from ..detail.base import DetailView
from .box import box, looks_for_link, svg_block
from .frames import Frame, dynamic, exact, value_text
from .scales import Scale

MAP_SIZE = 150  # px: side of an input or output heat map in a detail view (the reference's size)
CELL = 30  # px: one number cell of a formula
FONT = 10  # px: numbers in cells
LABEL_FONT = 12
BLANK_GREY = 235
WINDOW_STROKE = "#222222"
HIGHLIGHT_STROKE = "#f4a261"


def picture(pixels: np.ndarray, x: float, y: float, width: float, height: float, **attrs) -> str:
    """A uint8 picture as a crisp <image> (a PNG data URL: base64 needs no escaping, and escaping
    kilobytes of it would cost more than encoding it)."""
    href = svg.png_data_url(pixels)
    return (f'<image href="{href}"{svg.attrs(x=float(x), y=float(y), width=float(width), height=float(height))}'
            f' preserveAspectRatio="none" style="image-rendering:pixelated"{svg.attrs(**attrs)}/>')


def heatmap(values: np.ndarray, scale: Scale, x: float, y: float, size: float, **attrs) -> str:
    """A whole 2-D map as one crisp image, ``size`` px square."""
    return picture(scale.rgb(values), x, y, size, size, **attrs)


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
                    class_="grid-label", fill=TEXT_GREY, **attrs)


@dataclass(frozen=True)
class MapGrid:
    """A whole map drawn as a heat map, with a window frame that marks the cells in use."""

    role: str  # "input" or "output": what the page maps the pointer to
    values: np.ndarray  # (H, W)
    scale: Scale
    x: float
    y: float
    size: float = MAP_SIZE
    blank: int = 0  # the last cells hold no value (a vector laid out in a grid): drawn grey

    @property
    def cell(self) -> float:
        return self.size / self.values.shape[1]

    def window_frame(self, y0: int, x0: int, rows: int, cols: int) -> Frame:
        c = self.cell
        return {f"{self.role}-win": {"x": svg.num(self.x + x0 * c), "y": svg.num(self.y + y0 * c),
                                     "width": svg.num(cols * c), "height": svg.num(rows * c)}}

    def markup(self, frame: Frame) -> str:
        h, w = self.values.shape
        # the output map is a tab stop: the arrow keys move the output pixel (the page's keyboard)
        # (role application: a focusable widget with its own keys; an <image> may not carry a label without a role)
        keys = {"tabindex": 0, "role": "application",
                "aria_label": f"Output map ({h} by {w}): the arrow keys move the output pixel"} \
            if self.role == "output" else {}
        pixels = self.scale.rgb(self.values)
        if self.blank:
            pixels.reshape(-1, pixels.shape[-1])[-self.blank:] = BLANK_GREY
        return (picture(pixels, self.x, self.y, self.size, self.size, class_="map", opacity=0.85,
                        data_grid=self.role, data_rows=h, data_cols=w, **keys)
                + svg.element("rect", x=float(self.x), y=float(self.y), width=float(self.size),
                              height=float(self.size), fill="none", class_="map-border")
                + dynamic("rect", f"{self.role}-win", frame, fill="none", stroke=WINDOW_STROKE,
                          stroke_width=1.5, class_="window", pointer_events="none"))


class GridView(DetailView):
    """A steppable detail view: input map, window, formula with the window's numbers, output map.

    Subclasses set ``view``, ``title``, ``hint``, ``step_ms``, ``stride``, ``window_size`` and the two
    MapGrids, and provide the formula (markup and frame) and the engine calls behind its number.
    The page steps it with ``frame(pixel)`` and maps the pointer with ``pixel_for_hover``.
    """

    title = ""
    hint = f"<b>{words.hover_or_tap()}</b>the matrices to change the window's position."
    window_size = 1
    width = 500
    height = 190
    input: MapGrid
    output: MapGrid

    @property
    def out_shape(self) -> tuple[int, int]:
        return self.output.values.shape

    # -- what subclasses provide -------------------------------------------------------------
    def formula_markup(self, frame: Frame) -> str:
        raise NotImplementedError

    def formula_frame(self, pixel: tuple[int, int]) -> Frame:
        raise NotImplementedError

    def calls(self, pixel: tuple[int, int]) -> list:
        raise NotImplementedError

    def extra_markup(self, frame: Frame) -> str:
        return ""

    def captions(self) -> tuple[str, str, str]:
        """The input grid's label, the output grid's, and what the cell under the output is called."""
        (in_h, in_w), (out_h, out_w) = self.input.values.shape, self.output.values.shape
        return f"Input ({in_h}, {in_w})", f"Output ({out_h}, {out_w})", "output pixel"

    # -- shared ------------------------------------------------------------------------------
    def describe(self, pixel: tuple[int, int]) -> str:
        """The output pixel in words (what a screen reader says when the arrow keys move it)."""
        y, x = pixel
        return f"output pixel ({y}, {x}): {value_text(self.output.values[y, x])}"

    def frame(self, pixel: tuple[int, int]) -> Frame:
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
        """Three SVGs side by side, input map, formula, output map (one picture on a wide screen), so
        that on a phone's sheet the formula goes under the two maps instead of off the screen (detail.css)."""
        in_label, out_label, pixel_label = self.captions()
        in_right, out_left = self.input.x + self.input.size, self.output.x
        source = label(in_label, self.input.x + self.input.size / 2, 12) + self.input.markup(frame)
        result = (label(out_label, self.output.x + self.output.size / 2, 12)
                  + self.output.markup(frame)
                  + svg.text(pixel_label, x=float(self.output.x + self.output.size / 2),
                             y=float(self.output.y + self.output.size + 16), font_size=10, fill=TEXT_GREY,
                             text_anchor="end", class_="pixel-label")
                  + dynamic("text", "pixel", frame, x=float(self.output.x + self.output.size / 2 + 4),
                            y=float(self.output.y + self.output.size + 16), font_size=10, fill=TEXT_GREY,
                            class_="pixel-at"))
        return (svg_block(source, in_right, self.height, class_="detail-svg grid-part grid-map")
                + svg_block(self.formula_markup(frame), out_left - in_right, self.height,
                            class_="detail-svg grid-part grid-formula", left=in_right)
                + svg_block(result, self.width - out_left, self.height, class_="detail-svg grid-part grid-map",
                            left=out_left))

    def markup(self, pixel: tuple[int, int] | None = None, playing: bool | None = None) -> str:
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
                   extra=self.extra_markup(frame) + looks_for_link(self.network, self.state, self.layer, self.neuron),
                   **attrs)

"""The overview: the whole network for one image, as SVG.

Twelve columns: the input's three channels, the ten hidden layers (ten maps each) and the output
(one row per class with a probability bar); curved links into each map from the maps it is computed
from; layer labels; colour legends.

A map is drawn one of two ways. In a file (build.py's first paint, ``standalone_svg``) it is an
<image> with a PNG data URL. In the live page (``render(..., canvas=True)``) it is a <canvas> that
the controller (pyapp/page/overview.py) fills from NumPy with ``map_pixels``: measured in the
browser, 103 canvases are on screen 4x sooner than 103 PNGs, which the browser decodes one by one
(tests/bench/bench_overview.py). The controller then updates the page in place (``map_pixels``,
``output_rows``, ``legends``, ``hover_paths``): an image switch rebuilds nothing.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from ...engine.network import INPUT
from ...ui import geometry, svg
from ...ui.geometry import NODE_SIZE, OUTPUT, Column, OverviewLayout
from ...ui.state import CUSTOM_IMAGE, State
from ..parts import color_range, legend
from . import columns as parts
from ...ui.colors import channels

LINK_COLOR = "rgb(230, 230, 230)"  # the reference's soft grey links
LINK_WIDTH = 0.7
LINK_OPACITY = 0.8
LINK_HOVER_COLOR = "rgb(130, 130, 130)"
FRAME_COLOR = "gray"
TEXT_COLOR = "#222"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
NAME_CHARS = 16  # longest class name the output column shows whole (the rest: its aria-label)
ACTIVATION_GRADIENT = "overview-gradient-activation"
INPUT_GRADIENT = "overview-gradient-input"
XHTML_NS = "http://www.w3.org/1999/xhtml"
ICON_EYE = ('<svg class="icon" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">'
            '<path fill="currentColor" d="M12 5C6.5 5 2.6 9.4 1.5 12c1.1 2.6 5 7 10.5 7s9.4-4.4 10.5-7'
            'C21.4 9.4 17.5 5 12 5zm0 11.5a4.5 4.5 0 1 1 0-9 4.5 4.5 0 0 1 0 9z'
            'm0-7a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5z"/>'
            '</svg>')
ICON_CROSSHAIR = ('<svg class="icon" viewBox="0 0 24 24" width="15" height="15" aria-hidden="true">'
                  '<g fill="none" stroke="currentColor" stroke-width="2"><circle cx="12" cy="12" r="7"/>'
                  '<path d="M12 1v6M12 17v6M1 12h6M17 12h6"/></g></svg>')
FILE_PNG_LEVEL = 9  # 18% smaller than level 1 for the first paint's 103 maps
TITLE_HEIGHT = 34.0  # the standalone file's title line, above the overview
VALUE_DIGITS = 4  # hover values, as the reference's "Output value: 0.1234"
WHY_GAP, WHY_WIDTH, WHY_HEIGHT = 4.0, 26.0, 12.0  # the "Why?" button right of each class's bar


# -- what the trace decides --------------------------------------------------------------------

def layout(state: State, network) -> OverviewLayout:
    return geometry.overview_layout(network, state.maps)


def map_pixels(state: State, trace, network) -> list[tuple[Column, np.ndarray]]:
    """Each map column with its drawn maps coloured for ``state.colors``: uint8 RGBA (drawn, H, W, 4)."""
    ranges = color_range.layer_ranges(trace, network, state.colors)
    return [(column, ranges[column.name].rgba(trace[column.name][list(column.drawn)]))  # one pass per layer
            for column in layout(state, network).columns if column.name != OUTPUT and not column.units]


def unit_columns(state: State, trace, network) -> list[tuple[Column, str]]:
    """(column, inner markup) of each hidden dense column, coloured for ``state.colors``."""
    ranges = color_range.layer_ranges(trace, network, state.colors)
    return [(column, parts.units(column, trace[column.name], ranges[column.name]))
            for column in layout(state, network).columns if column.units]


def map_images(state: State, trace, network) -> list[tuple[str, int, str]]:
    """(layer, index, PNG data URL) of every map, in drawing order, coloured for ``state.colors``.

    For files (first paint, standalone SVG): RGB, best compression; written once, loaded many times.
    """
    return [(column.name, i, svg.png_data_url(np.ascontiguousarray(picture[..., :3]), FILE_PNG_LEVEL))
            for column, rgba in map_pixels(state, trace, network) for i, picture in zip(column.drawn, rgba)]


@dataclass(frozen=True)
class OutputRow:
    index: int
    name: str
    probability: float
    bar_width: float  # in user units; the top class's bar is OUTPUT_BAR_LENGTH
    is_top: bool


def output_rows(trace, network) -> list[OutputRow]:
    p = np.asarray(trace.probabilities, dtype=np.float64)
    _, top = color_range.output_range(trace)
    best = int(np.argmax(p))
    return [OutputRow(i, name, float(p[i]), geometry.OUTPUT_BAR_LENGTH * float(p[i]) / (top or 1.0), i == best)
            for i, name in enumerate(network.classes)]


def legends(state: State, trace, network) -> str:
    """The legends of the current colour mode: input greys, one red-blue bar per range group (its
    width spans the columns it colours), and the output bar's probability scale."""
    grid = layout(state, network)
    y = grid.legend_y
    ranges = color_range.layer_ranges(trace, network, state.colors)
    first = grid.column(INPUT)
    parts = [legend.color_legend(first.x, y, NODE_SIZE, 0.0, 1.0, INPUT_GRADIENT, ticks=3, digits=1,
                                 class_="legend", data_legend=INPUT)]
    ticks = 3 if state.colors == "unit" else 5
    for names in color_range.groups(network, state.colors):
        x0, x1 = grid.span(names[0], names[-1])
        r = ranges[names[0]]
        parts.append(legend.color_legend(x0, y, x1 - x0, r.lo, r.hi, ACTIVATION_GRADIENT, ticks=ticks,
                                         class_="legend", data_legend=" ".join(names)))
    lo, hi = color_range.output_range(trace)
    out = grid.column(OUTPUT)
    parts.append(legend.bar_legend(out.x, y, NODE_SIZE, lo, hi, class_="legend", data_legend=OUTPUT))
    return "".join(parts)


def hover_paths(network, layer: str, index: int, page: int = 0) -> tuple[str, str]:
    """(links, frames) path data that highlight a hovered map: its incoming links, and the
    outlines of the map and of its sources (the output row itself has no outline)."""
    grid = geometry.overview_layout(network, page)
    column = grid.column(layer)
    nodes = geometry.sources(grid, column, index)
    if column.name != OUTPUT:
        nodes = nodes + [(column, index)]
    return geometry.incoming_links(grid, column, index), geometry.frame_path(nodes)


def pixel_at(trace, layer: str, index: int, fx: float, fy: float) -> tuple[int, int]:
    """The (row, column) of a map under a pointer at fractions (fx, fy) of the map's width/height."""
    h, w = trace[layer][index].shape
    return min(max(int(fy * h), 0), h - 1), min(max(int(fx * w), 0), w - 1)


def hover_text(trace, network, layer: str, index: int, fx: float | None = None, fy: float | None = None) -> str:
    """What the hover box says: the value under the pointer (at fractions fx, fy of the map), the
    map's value range when it has the keyboard focus (no pointer), or an output class's probability."""
    if layer == OUTPUT:
        p = float(trace.probabilities[index])
        return f"{network.classes[index]}: output value {p:.{VALUE_DIGITS}f} ({p:.1%})"
    what = (channels(network.shapes[INPUT][0])[index][0].lower() + " channel" if layer == INPUT
            else f"map {index + 1}")
    values = trace[layer][index]
    if values.ndim == 0:  # a hidden dense layer's unit
        return f"{layer}, unit {index + 1} of {len(trace[layer])}: {float(values):.{VALUE_DIGITS}f}"
    if fx is None or fy is None:
        return (f"{layer}, {what}: values {float(values.min()):.{VALUE_DIGITS}f} "
                f"to {float(values.max()):.{VALUE_DIGITS}f}")
    row, col = pixel_at(trace, layer, index, fx, fy)
    return f"{layer}, {what}, pixel ({row}, {col}): {float(values[row, col]):.{VALUE_DIGITS}f}"


# -- markup -------------------------------------------------------------------------------------

def _map_label(column: Column, index: int) -> str:
    _, h, w = column.shape
    if column.kind == INPUT:
        return f"input, {channels(column.count)[index][0].lower()} channel ({h} by {w} pixels)"
    return f"{column.name}, map {index + 1} of {column.count} ({h} by {w})"


def _maps(column: Column, hrefs: list[str] | None, xlink: bool) -> list[str]:
    """The column's maps: <image>s showing ``hrefs``, or (hrefs None) empty canvases for the page."""
    if hrefs is None:
        return [_canvas_map(column, i) for i in column.drawn]
    href_attr = "xlink:href" if xlink else "href"
    return [svg.element("image", **{href_attr: href}, class_="map", data_layer=column.name, data_index=i,
                        x=column.x, y=column.ys[i], width=NODE_SIZE, height=NODE_SIZE, preserveAspectRatio="none",
                        tabindex=None if xlink else 0, role=None if xlink else "img",
                        aria_label=_map_label(column, i))
            for i, href in zip(column.drawn, hrefs)]


def _canvas_map(column: Column, index: int, ghost: bool = False) -> str:
    # The map's canvas has the layer's own resolution; CSS stretches it over the 40-unit box, pixelated.
    _, h, w = column.shape
    x, y = column.node(index)
    if ghost:
        canvas = svg.element("canvas", "", xmlns=XHTML_NS, class_="ghost", width=w, height=h)
    else:
        canvas = svg.element("canvas", "", xmlns=XHTML_NS, class_="map", width=w, height=h, data_layer=column.name,
                             data_index=index, tabindex=0, role="img", aria_label=_map_label(column, index))
    return svg.element("foreignObject", canvas, class_="map-box", x=x, y=y, width=NODE_SIZE, height=NODE_SIZE)


def canvas_maps(state: State, network) -> tuple[dict[str, str], str]:
    """What the page puts into a first paint it keeps (pyapp/page/overview.py) to make it render(canvas=True)'s
    picture: each map column's canvases in place of its images (by column name), and the ghosts."""
    grid = layout(state, network)
    columns = {column.name: "".join(_maps(column, None, xlink=False)) for column in grid.columns
               if column.name != OUTPUT and not column.units}
    return columns, _ghosts(grid)


def _ghosts(grid: OverviewLayout) -> str:
    """A copy of every map over the real ones: on an image switch the page puts the old pictures
    here and fades the whole group out (one animated element, however many maps)."""
    ghosts = [_canvas_map(column, i, ghost=True) for column in grid.columns if column.name != OUTPUT
              and not column.units for i in column.drawn]
    return svg.group(ghosts, class_="ghosts", aria_hidden="true", pointer_events="none")


def _links(grid: OverviewLayout, interactive: bool) -> str:
    links = []
    for column in grid.columns[1:]:
        for i in column.drawn:
            links.append(svg.element("path", d=geometry.incoming_links(grid, column, i), class_="link",
                                     data_target=f"{column.name}/{i}"))
    if interactive:  # the hovered map's links, drawn over the others
        links.append(svg.element("path", d="", class_="hover-links", stroke=LINK_HOVER_COLOR, stroke_width=1,
                                 opacity=1))
    return svg.group(links, class_="links", data_role="edges", fill="none", stroke=LINK_COLOR,
                     stroke_width=LINK_WIDTH, opacity=LINK_OPACITY, pointer_events="none")


def _captions(column: Column) -> str:
    parts = []
    for i, (name, color) in enumerate(channels(column.count)):
        x, y = column.node(i)
        content = svg.element("tspan", svg.escape(name), fill=color) + " channel"
        parts.append(svg.element("text", content, x=x + NODE_SIZE / 2, y=y + NODE_SIZE + geometry.CAPTION_GAP + 8))
    return svg.group(parts, class_="input-captions", text_anchor="middle", font_size="10", font_style="italic",
                     fill="gray")


def _outputs(column: Column, rows: list[OutputRow], interactive: bool) -> list[str]:
    parts = []
    text_dy, bar_dy, bar_height = geometry.output_row(column.size)
    for row in rows:
        x, y = column.node(row.index)
        hit = svg.element("rect", x=x, y=y, width=NODE_SIZE + geometry.PADDING_RIGHT - 10, height=column.size,
                          fill="transparent", class_="output-hit")
        shown = row.name if len(row.name) <= NAME_CHARS else row.name[:NAME_CHARS - 1] + "\u2026"  # the margin's width
        name = svg.text(shown, x=x, y=y + text_dy, class_="output-text", dominant_baseline="middle")
        bar = svg.element("rect", x=x, y=y + bar_dy, width=row.bar_width,
                          height=bar_height, class_="output-bar", fill="gray")
        parts.append(svg.group([hit, name, bar], class_="output-class top" if row.is_top else "output-class",
                               data_class=row.name, data_index=row.index, data_probability=repr(row.probability),
                               tabindex=0 if interactive else None,
                               aria_label=f"{row.name}: probability {row.probability:.1%}"))
    outputs = [svg.group(parts, class_="outputs", font_size="11", fill=TEXT_COLOR)]
    return outputs + [_why_controls(column, rows)] if interactive else outputs


def _why_controls(column: Column, rows: list[OutputRow]) -> str:
    """A small "Why?" button beside each class's bar: opens the "Why?" view for that class. Outside the
    class's row, so a click on it is not a click on the row (which opens the flatten view)."""
    x = column.x + NODE_SIZE + WHY_GAP
    parts = []
    for row in rows:
        y = column.ys[row.index] + geometry.OUTPUT_BAR_DY + geometry.OUTPUT_BAR_HEIGHT / 2 - WHY_HEIGHT / 2
        parts.append(svg.group([
            svg.element("rect", x=x, y=y, width=WHY_WIDTH, height=WHY_HEIGHT, rx=3, class_="why-open-box"),
            svg.text("Why?", x=x + WHY_WIDTH / 2, y=y + WHY_HEIGHT / 2, class_="why-open-text",
                     text_anchor="middle", dominant_baseline="central"),
        ], class_="why-open", data_why=row.index, tabindex=0, role="button",
            aria_label=f"Why {row.name}? The parts of the photo the network used for it"))
    return svg.group(parts, class_="why-opens", font_size="8.5")


def _defs() -> str:
    return svg.element("defs", legend.gradient(ACTIVATION_GRADIENT, color_range.colors.LAYER_SCALE["conv2d"])
                       + legend.gradient(INPUT_GRADIENT, color_range.INPUT_RANGE.name, reverse=True))


def _body(state: State, trace, network, standalone: bool, canvas: bool = False) -> tuple[OverviewLayout, str]:
    grid = layout(state, network)
    interactive = not standalone
    ranges = color_range.layer_ranges(trace, network, state.colors)
    hrefs: dict[str, list[str]] = {}
    if not canvas:
        for layer, _, href in map_images(state, trace, network):
            hrefs.setdefault(layer, []).append(href)
    columns = []
    for column in grid.columns:
        content = [parts.label(grid, column, state.detail if standalone else None)]
        if column.name == OUTPUT:
            content += _outputs(column, output_rows(trace, network), interactive)
        elif column.units:
            content.append(parts.units_group(column, trace[column.name], ranges[column.name], interactive))
        else:
            content += _maps(column, None if canvas else hrefs[column.name], xlink=standalone)
        content.append(parts.more_control(column, interactive))
        if column.kind == INPUT:
            content.append(_captions(column))
        # No transform on a column: the detail views slide columns aside with a CSS transform.
        columns.append(svg.group(content, class_="column", data_column=column.name))
    frames = svg.element("path", d="", class_="hover-frames", fill="none", stroke=FRAME_COLOR, stroke_width=1,
                         pointer_events="none") if interactive else ""
    body = "".join([
        _defs(),
        _links(grid, interactive),
        *columns,
        _ghosts(grid) if canvas else "",
        frames,
        svg.group([legends(state, trace, network)], class_="legends", data_role="legend"),
    ])
    return grid, body


def _classes(state: State) -> str:
    return " ".join(["overview", f"colors-{state.colors}"] + (["detail"] if state.detail else []))


def summary(trace, network) -> str:
    p = trace.probabilities
    best = int(np.argmax(p))
    return f"predicted {network.classes[best]} ({float(p[best]):.1%})"


def toggle_button(id_: str, icon: str, label: str, pressed: bool, title: str, class_: str = "") -> str:
    """An on/off button of the overview's bar: an icon, a label, and its state in aria-pressed."""
    return svg.element("button", icon + svg.element("span", label, class_="button-label"), type="button", id=id_,
                       class_=f"overview-toggle {class_}".strip(), aria_pressed=str(bool(pressed)).lower(),
                       title=title)


def controls(state: State) -> str:
    """The bar over the graph: the hover read-out, "Show detail" and the colour range mode.

    Until Python runs (the build-time first paint) the page marks these as waiting; the controller
    reads their state from ``State``, never from the DOM.
    """
    hover = svg.element("output", ICON_CROSSHAIR + svg.element("span", "", id="overview-hover-text"),
                        class_="hover-info", id="overview-hover", hidden=True)
    detail = toggle_button("overview-detail", ICON_EYE, "Show detail", state.detail,
                           "Layer sizes (height, width, channels) and colour legends")
    options = [svg.element("option", color_range.MODE_LABELS[m], value=m, selected=m == state.colors)
               for m in color_range.MODES]
    # the caption is a bare text node (no element: the page's DOM is at its bound); page/overview.py updates it
    select = svg.element("label", svg.element("span", "Colour range", class_="select-label")
                         + svg.element("select", options, id="overview-colors")
                         + svg.escape(" " + color_range.MODE_CAPTIONS[state.colors]),
                         class_="overview-select",
                         title="Unit: each convolution with its ReLU/pooling; Module: each block; Global: all layers")
    return svg.element("div", hover + svg.element("div", detail + select, class_="overview-buttons"),
                       class_="overview-bar")


def render(state: State, trace, network, canvas: bool = False) -> str:
    """The overview for the page: the control bar and the <svg>.

    Without ``canvas`` (build.py's first paint) the maps are PNG images, on screen before any script
    runs; with it they are empty canvases that pyapp/page/overview.py fills.
    """
    grid, body = _body(state, trace, network, standalone=False, canvas=canvas)
    wide = grid.width / geometry.CANVAS_WIDTH
    picture = svg.element("svg", body, id="overview-svg", class_=_classes(state), data_role="overview",
                          viewBox=f"0 0 {svg.num(grid.width)} {svg.num(grid.height)}", role="group",
                          style=f"--overview-wide: {wide:.3f}" if wide > 1 else None,
                          aria_label=f"The network's overview: {summary(trace, network)}",
                          font_family=FONT, data_colors=state.colors, data_maps="canvas" if canvas else "png",
                          data_first_paint=None if canvas else state.to_url())  # the state it shows (page/overview.py)
    # The <svg> scrolls sideways in its own area where the screen is too narrow for legible maps (overview.css).
    return controls(state) + svg.element("div", picture, class_="overview-scroll wide" if wide > 1
                                         else "overview-scroll")


STANDALONE_STYLE = """
.map { image-rendering: optimizeSpeed; image-rendering: pixelated; }
.output-text { opacity: 0.6; }
.output-class.top .output-text { opacity: 0.9; font-weight: 600; }
.layer-label { opacity: 0.8; }
.label-dims { fill: #555; }
.title { font-size: 15px; font-weight: 600; fill: #222; }
"""


def _image_title(state: State) -> str:
    if state.image != CUSTOM_IMAGE:
        return f"the {state.image} example"
    if state.image_url:
        return os.path.basename(state.image_url.rstrip("/")) or state.image_url
    return "your image"


def standalone_svg(state: State, trace, network, title: str | None = None) -> str:
    """A complete SVG file of the overview (styles, legends and title inside), for slides and papers."""
    grid, body = _body(state, trace, network, standalone=True)
    title = title or f"Tiny VGG on {_image_title(state)}: {summary(trace, network)}"
    heading = svg.text(title, x=geometry.PADDING_LEFT, y=TITLE_HEIGHT - 12, class_="title")
    content = (svg.element("rect", x=0, y=0, width=grid.width, height=grid.height + TITLE_HEIGHT, fill="white")
               + heading + svg.group([body], transform=f"translate(0 {svg.num(TITLE_HEIGHT)})"))
    return svg.document(content, grid.width, grid.height + TITLE_HEIGHT, title=title, style=STANDALONE_STYLE,
                        class_=_classes(state), font_family=FONT)


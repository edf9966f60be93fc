"""The receptive field of one activation pixel, drawn over the overview.

Pick a pixel (row, col) of map ``index`` of a layer: every earlier map it depends on gets an outline
around the patch it reads, in the overview's own coordinates (pyapp.ui.geometry), and a caption says how big
the patch of the input is. A conv pixel reads every channel of its input; a ReLU or pooling pixel only
its own channel, so the outlines go exactly on the maps the value comes from.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...engine.network import INPUT
from ...ui import svg
from ...ui.geometry import NODE_SIZE, overview_layout
from .overview import toggle_button

STROKE = "#e8590c"  # orange: stands out on both ends of the red-blue and grey scales
ICON = ('<svg class="icon" viewBox="0 0 24 24" width="15" height="15" aria-hidden="true">'
        '<rect x="3" y="3" width="18" height="18" rx="1" fill="none" stroke="currentColor" stroke-width="2"/>'
        '<rect x="9" y="9" width="6" height="6" fill="currentColor"/></svg>')
HINT = "Receptive field: point at any pixel of a map to outline what it is computed from."


@dataclass(frozen=True)
class Pick:
    layer: str  # a spatial layer (conv, relu, pool) or "input"
    index: int  # map (channel) index in that layer
    row: int
    col: int


@dataclass(frozen=True)
class Box:
    column: str  # "input" or a layer name
    index: int  # map index in that column
    rows: tuple[int, int]  # half-open pixel range of the map
    cols: tuple[int, int]
    x: float  # the rectangle in overview coordinates
    y: float
    width: float
    height: float


def channels(network, layer: str, index: int) -> dict[str, list[int]]:
    """{name: map indices} that map ``index`` of ``layer`` depends on, back to the input."""
    involved = {layer: [index]}
    name = layer
    while name != INPUT:
        source = network.sources[name]
        if network.layer(name).type == "conv2d":
            involved[source] = list(range(network.shapes[source][0]))  # a conv reads every input channel
        else:
            involved[source] = involved[name]  # relu / pool: channel to channel
        name = source
    return involved


def boxes(network, pick: Pick, page: int = 0) -> list[Box]:
    """One rectangle per map in the receptive field (the picked pixel itself included), earliest first, on the maps
    the overview's ``page`` draws (a map in another page's rows has none)."""
    if pick.layer == INPUT:
        field = {INPUT: ((pick.row, pick.row + 1), (pick.col, pick.col + 1))}
    else:
        field = network.receptive_field(pick.layer, pick.row, pick.col)
    involved = channels(network, pick.layer, pick.index)
    grid = overview_layout(network, page)
    found = []
    for column in grid.columns:
        if column.name not in field:
            continue
        (y0, y1), (x0, x1) = field[column.name]
        _, h, w = column.shape
        sy, sx = NODE_SIZE / h, NODE_SIZE / w  # each map is its (H, W) image scaled to NODE_SIZE
        for i in (i for i in involved[column.name] if i in column.drawn):
            found.append(Box(column.name, i, (y0, y1), (x0, x1), column.x + x0 * sx, column.ys[i] + y0 * sy,
                             (x1 - x0) * sx, (y1 - y0) * sy))
    return found


def caption(network, pick: Pick) -> str:
    """e.g. 'conv_2_2 (3, 7) sees a 10x10 patch of the input (rows 6-15, columns 14-23)'."""
    if pick.layer == INPUT:
        return f"input ({pick.row}, {pick.col}) is one pixel of the photo"
    (y0, y1), (x0, x1) = network.receptive_field(pick.layer, pick.row, pick.col)[INPUT]
    return (f"{pick.layer} ({pick.row}, {pick.col}) sees a {y1 - y0}x{x1 - x0} patch of the input "
            f"(rows {y0}-{y1 - 1}, columns {x0}-{x1 - 1})")


def render(state, trace, network, pick: Pick | None = None) -> str:
    """The overlay <g> to append inside #overview-svg (empty group when nothing is picked)."""
    if pick is None:
        return svg.element("g", "", class_="rf-overlay", aria_hidden="true")
    rects = []
    for box in boxes(network, pick, state.maps):
        picked = box.column == pick.layer
        rects.append(svg.element(
            "rect", x=box.x, y=box.y, width=max(box.width, 0.6), height=max(box.height, 0.6),
            class_="rf-box rf-picked" if picked else "rf-box", data_column=box.column, data_index=box.index,
            data_rows=f"{box.rows[0]},{box.rows[1]}", data_cols=f"{box.cols[0]},{box.cols[1]}",
            fill=STROKE, fill_opacity="0.45" if picked else "0.12", stroke=STROKE, stroke_width="1.2"))
    label = caption(network, pick)
    return svg.element("g", [svg.element("title", svg.escape(label))] + rects, class_="rf-overlay",
                       data_layer=pick.layer, data_index=pick.index, data_row=pick.row, data_col=pick.col,
                       data_caption=label, aria_hidden="true", pointer_events="none")


def toggle(on: bool) -> str:
    """The mode's button, for the overview's bar."""
    return toggle_button("rf-toggle", ICON, "Receptive field", on, "Point at a pixel to see which pixels of the "
                         "input and of every earlier layer it depends on", class_="rf-toggle")


def caption_box() -> str:
    """Under the bar: what the picked pixel sees (hidden while the mode is off)."""
    return svg.element("p", "", id="rf-caption", class_="rf-caption", role="status", hidden=True)

"""Geometry of the overview: where each column and map sits, and the curves that link them.

Pure arithmetic from the network's structure, in SVG user units (the overview's viewBox), so the
view, the page's hover logic and the tests all agree on one set of numbers. The proportions follow
the reference: 40-unit maps, and a gap before every convolution (and the output) four times as wide
as the gap before a ReLU or a pooling column.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..engine.network import INPUT

OUTPUT = "output"  # the output column: one row per class (the network's probabilities)

NODE_SIZE = 40.0  # side of one activation map
GAP_RATIO = 4.0  # a gap before a conv or the output column is this many short gaps
CANVAS_WIDTH = 1260.0
PADDING_LEFT = 36.0
PADDING_RIGHT = 60.0  # the class names of the output column run into it
COLUMNS_TOP = 50.0  # above it: the layer labels
COLUMNS_HEIGHT = 540.0  # each column's maps are spread evenly over this band
LABEL_Y = 22.0  # baseline band of the layer labels (short name; the detailed label adds a line)
LEGEND_GAP = 14.0  # from the bottom of the column band to the colour legends
LEGEND_HEIGHT = 5.0
LEGEND_TICKS = 18.0  # room below a legend bar for its tick labels
CANVAS_HEIGHT = COLUMNS_TOP + COLUMNS_HEIGHT + LEGEND_GAP + LEGEND_HEIGHT + LEGEND_TICKS + 6.0
CAPTION_GAP = 5.0  # from the bottom of an input map to its channel caption
MAP_ROWS = 11  # maps a column has room for: a column of more shows MAP_ROWS - 1 and a "+ N more" control
UNIT_HEIGHT = 14.0  # a hidden dense layer's unit: a coloured square and its value, one row
UNIT_ROWS = 20  # units a column has room for
MIN_GAP = 14.0  # a deep model's short gap never shrinks below this: the overview grows wider and scrolls

# The output column: class name centred on the row, probability bar below it.
OUTPUT_TEXT_DY = NODE_SIZE / 2
OUTPUT_BAR_DY = NODE_SIZE / 2 + 8.0
OUTPUT_BAR_HEIGHT = NODE_SIZE / 4
OUTPUT_BAR_LENGTH = NODE_SIZE  # the most likely class's bar


def output_row(size: float) -> tuple[float, float, float]:
    """(text dy, bar dy, bar height) of an output row ``size`` high: rows of 14 to 20 classes are shorter than
    a map, and their name and bar move closer so neither runs into the next row (the font stays the same)."""
    if size >= NODE_SIZE:
        return OUTPUT_TEXT_DY, OUTPUT_BAR_DY, OUTPUT_BAR_HEIGHT
    return 0.36 * size, 0.66 * size, 0.22 * size


@dataclass(frozen=True)
class Column:
    name: str  # "input", a layer name, or "output"
    kind: str  # "input", a layer type ("conv2d", "relu", "dense", ...) or "output"
    x: float  # left edge of every map in the column
    ys: tuple[float, ...]  # top edge of each map, by map index (a map not shown: the "more" control's row)
    shape: tuple[int, ...]  # (C, H, W) of the layer; (units,) for a dense layer; (classes,) for the output
    size: float = NODE_SIZE  # height of one row: a map's side, a unit's, less for an output of many classes
    shown: tuple[int, ...] | None = None  # the map indices drawn (None: all)
    more_y: float | None = None  # top of the "+ N more" control's row, when not every map is drawn
    units: bool = False  # a hidden dense layer (or its activation): a column of units with their values

    @property
    def count(self) -> int:
        return len(self.ys)

    @property
    def drawn(self) -> tuple[int, ...]:
        return tuple(range(self.count)) if self.shown is None else self.shown

    @property
    def more(self) -> int:
        """How many maps come after the drawn ones (0 on the last page: the control goes back to the first)."""
        return self.count - 1 - self.drawn[-1]

    def node(self, index: int) -> tuple[float, float]:
        return self.x, self.ys[index]


@dataclass(frozen=True)
class OverviewLayout:
    columns: tuple[Column, ...]
    width: float = CANVAS_WIDTH
    height: float = CANVAS_HEIGHT

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"no column {name!r} in the overview")

    def span(self, first: str, last: str) -> tuple[float, float]:
        """Left and right edge of the columns ``first`` to ``last`` (for a legend under them)."""
        return self.column(first).x, self.column(last).x + NODE_SIZE

    @property
    def legend_y(self) -> float:
        return COLUMNS_TOP + COLUMNS_HEIGHT + LEGEND_GAP


def _spread(count: int, size: float = NODE_SIZE) -> tuple[float, ...]:
    # Equal gaps above, between and below the maps, as the reference spaces each column.
    gap = (COLUMNS_HEIGHT - count * size) / (count + 1)
    return tuple(COLUMNS_TOP + gap + i * (size + gap) for i in range(count))


UNITS = "units"  # overview_columns' kind of a hidden dense layer's column (Column.kind keeps the layer's type)
SKIPPED = ("flatten", "dropout", "softmax")  # not drawn: a reshape, a pass-through at inference, the output's own


def overview_columns(network) -> list[tuple[str, str, tuple[int, ...]]]:
    """(name, kind, shape) of each column: the input, every spatial layer, each hidden dense layer and its
    activation (kind "units:<type>"), then the output (the last layer before the softmax is its scores)."""
    columns = [(INPUT, INPUT, network.shapes[INPUT])]
    flat = [layer for layer in network.layers if not layer.spatial and layer.type not in SKIPPED]
    for layer in network.layers:
        if layer.spatial:
            columns.append((layer.name, layer.type, network.shapes[layer.name]))
        elif layer in flat[:-1] and len(network.shapes[layer.name]) == 1:
            columns.append((layer.name, f"{UNITS}:{layer.type}", network.shapes[layer.name]))
    columns.append((OUTPUT, OUTPUT, (len(network.classes),)))
    return columns


def _long_gap_before(kind: str) -> bool:
    return kind in ("conv2d", OUTPUT, f"{UNITS}:dense")


def page_rows(count: int, rows: int, page: int) -> tuple[int, ...] | None:
    """The indices drawn of a column of ``count`` with room for ``rows``, on ``page`` (the last page when
    the column has fewer); None when all fit. A page holds rows - 1: the last row is the control."""
    if count <= rows:
        return None
    per = rows - 1
    first = min(page, (count - 1) // per) * per
    return tuple(range(first, min(first + per, count)))


def _rows(count: int, rows: int, page: int, size: float) -> tuple[tuple[float, ...], tuple[int, ...] | None,
                                                                  float | None]:
    shown = page_rows(count, rows, page)
    if shown is None:
        return _spread(count, size), None, None
    slots = _spread(len(shown) + 1, size)
    ys = [slots[-1]] * count  # a map not drawn sits at the control's row: what opens it is there
    for row, index in enumerate(shown):
        ys[index] = slots[row]
    return tuple(ys), shown, slots[-1]


@lru_cache(maxsize=16)
def _layout(spec: tuple[tuple[str, str, tuple[int, ...]], ...], page: int = 0) -> OverviewLayout:
    kinds = [kind for _, kind, _ in spec]
    # Short gaps before the input, each ReLU/pool column and after the output; long ones elsewhere.
    short = sum(not _long_gap_before(k) for k in kinds) + 1
    long = sum(_long_gap_before(k) for k in kinds)
    content = CANVAS_WIDTH - PADDING_LEFT - PADDING_RIGHT
    gap = (content - NODE_SIZE * len(spec)) / (short + GAP_RATIO * long)
    if gap < MIN_GAP:  # too many columns for the page's width: keep them legible, the overview scrolls sideways
        gap = MIN_GAP
        content = NODE_SIZE * len(spec) + gap * (short + GAP_RATIO * long)
    x = PADDING_LEFT
    columns = []
    for name, kind, shape in spec:
        x += gap * (GAP_RATIO if _long_gap_before(kind) else 1.0)
        units = kind.startswith(UNITS)
        if kind == OUTPUT:
            size = min(NODE_SIZE, COLUMNS_HEIGHT / shape[0])  # 20 classes still fit
            ys, shown, more_y = _spread(shape[0], size), None, None
        else:
            size = UNIT_HEIGHT if units else NODE_SIZE
            ys, shown, more_y = _rows(shape[0], UNIT_ROWS if units else MAP_ROWS, page, size)
        columns.append(Column(name, kind.split(":")[-1], x, ys, shape, size, shown, more_y, units))
        x += NODE_SIZE
    return OverviewLayout(tuple(columns), width=content + PADDING_LEFT + PADDING_RIGHT)


def overview_layout(network, page: int = 0) -> OverviewLayout:
    """The overview of ``network``; ``page``: which maps a column with more than it has room for shows (the
    State's ``maps``; a column with fewer pages shows its last)."""
    return _layout(tuple(overview_columns(network)), page)


def page_showing(network, layer: str, index: int, page: int) -> int:
    """``page`` if map (or unit) ``index`` of ``layer``'s column is drawn on it, else the page that draws it: a
    view of a map opens where the map is in sight."""
    columns = {column.name: column for column in overview_layout(network, page).columns}
    column = columns.get(layer)
    if column is None or column.shown is None or index in column.drawn:
        return page
    return index // len(overview_layout(network).column(layer).drawn)  # the first page holds a full page


def next_page(column: Column) -> int:
    """The page the column's "more" control turns to: its next, or back to the first after its last."""
    return 0 if column.more_y is None or column.more == 0 else column.drawn[0] // len(column.drawn) + 1


def sources(layout: OverviewLayout, column: Column, index: int) -> list[tuple[Column, int]]:
    """The maps a map is computed from: all of the previous column for a conv or the output
    (the flatten step is not drawn), the same-index map for a ReLU or pooling map."""
    position = layout.columns.index(column)
    if position == 0:
        return []
    previous = layout.columns[position - 1]
    if column.kind not in ("conv2d", "dense", OUTPUT):  # activations, pooling, batch norm: map by map
        return [(previous, index)] if index in previous.drawn else []
    return [(previous, i) for i in previous.drawn]


def link_path(x0: float, y0: float, x1: float, y1: float) -> str:
    """A horizontal S-curve from (x0, y0) to (x1, y1): d3.linkHorizontal's cubic, control points
    half-way across at the start's and the end's heights."""
    mid = (x0 + x1) / 2
    return f"M{x0:.1f},{y0:.1f}C{mid:.1f},{y0:.1f} {mid:.1f},{y1:.1f} {x1:.1f},{y1:.1f}"


def incoming_links(layout: OverviewLayout, column: Column, index: int) -> str:
    """Every link into one map as one path (one subpath per source): right-middle of each source
    to the left-middle of the target."""
    x1, y1 = column.x, column.ys[index] + column.size / 2
    return "".join(link_path(src.x + NODE_SIZE, src.ys[i] + src.size / 2, x1, y1)
                   for src, i in sources(layout, column, index))


def frame_path(nodes: list[tuple[Column, int]]) -> str:
    """Outlines of several maps as one path (the hover highlight of a map and its sources)."""
    return "".join(f"M{c.x:.1f},{c.ys[i]:.1f}h{NODE_SIZE:g}v{c.size:g}h{-NODE_SIZE:g}z" for c, i in nodes)


# The keys that move the keyboard focus over the overview's maps and a formula's output pixel: (columns, rows).
ARROWS = {"ArrowUp": (0, -1), "ArrowDown": (0, 1), "ArrowLeft": (-1, 0), "ArrowRight": (1, 0)}


def neighbour(layout: OverviewLayout, name: str, index: int, key: str) -> tuple[str, int]:
    """Where ``key`` moves the focus from map ``index`` of column ``name``: up and down the column (Home and
    End to its ends), left and right to the map of the next column nearest in height; it stops at the edges."""
    position = [c.name for c in layout.columns].index(name)
    column = layout.columns[position]
    drawn = column.drawn
    if key in ("Home", "End"):
        return name, drawn[0] if key == "Home" else drawn[-1]
    dx, dy = ARROWS[key]
    if dy:
        row = drawn.index(index) if index in drawn else 0
        return name, drawn[min(max(row + dy, 0), len(drawn) - 1)]
    target = layout.columns[min(max(position + dx, 0), len(layout.columns) - 1)]
    middle = column.ys[index] + column.size / 2
    return target.name, min(target.drawn, key=lambda i: abs(target.ys[i] + target.size / 2 - middle))

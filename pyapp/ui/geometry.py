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
    kind: str  # "input", "conv2d", "relu", "max_pool2d" or "output"
    x: float  # left edge of every map in the column
    ys: tuple[float, ...]  # top edge of each map
    shape: tuple[int, ...]  # (C, H, W) of the layer; (classes,) for the output
    size: float = NODE_SIZE  # height of one row: a map's side, less for an output of many classes

    @property
    def count(self) -> int:
        return len(self.ys)

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


def overview_columns(network) -> list[tuple[str, str, tuple[int, ...]]]:
    """(name, kind, shape) of each column: the input, every spatial layer, then the output."""
    columns = [(INPUT, INPUT, network.shapes[INPUT])]
    columns += [(layer.name, layer.type, network.shapes[layer.name])
                for layer in network.layers if layer.spatial]
    columns.append((OUTPUT, OUTPUT, (len(network.classes),)))
    return columns


def _long_gap_before(kind: str) -> bool:
    return kind in ("conv2d", OUTPUT)


@lru_cache(maxsize=8)
def _layout(spec: tuple[tuple[str, str, tuple[int, ...]], ...]) -> OverviewLayout:
    kinds = [kind for _, kind, _ in spec]
    # Short gaps before the input, each ReLU/pool column and after the output; long ones elsewhere.
    short = sum(not _long_gap_before(k) for k in kinds) + 1
    long = sum(_long_gap_before(k) for k in kinds)
    content = CANVAS_WIDTH - PADDING_LEFT - PADDING_RIGHT
    gap = (content - NODE_SIZE * len(spec)) / (short + GAP_RATIO * long)
    x = PADDING_LEFT
    columns = []
    for name, kind, shape in spec:
        x += gap * (GAP_RATIO if _long_gap_before(kind) else 1.0)
        size = min(NODE_SIZE, COLUMNS_HEIGHT / shape[0]) if kind == OUTPUT else NODE_SIZE  # 20 classes still fit
        columns.append(Column(name, kind, x, _spread(shape[0], size), shape, size))
        x += NODE_SIZE
    return OverviewLayout(tuple(columns))


def overview_layout(network) -> OverviewLayout:
    return _layout(tuple(overview_columns(network)))


def sources(layout: OverviewLayout, column: Column, index: int) -> list[tuple[Column, int]]:
    """The maps a map is computed from: all of the previous column for a conv or the output
    (the flatten step is not drawn), the same-index map for a ReLU or pooling map."""
    position = layout.columns.index(column)
    if position == 0:
        return []
    previous = layout.columns[position - 1]
    if column.kind in ("relu", "max_pool2d"):
        return [(previous, index)]
    return [(previous, i) for i in range(previous.count)]


def link_path(x0: float, y0: float, x1: float, y1: float) -> str:
    """A horizontal S-curve from (x0, y0) to (x1, y1): d3.linkHorizontal's cubic, control points
    half-way across at the start's and the end's heights."""
    mid = (x0 + x1) / 2
    return f"M{x0:.1f},{y0:.1f}C{mid:.1f},{y0:.1f} {mid:.1f},{y1:.1f} {x1:.1f},{y1:.1f}"


def incoming_links(layout: OverviewLayout, column: Column, index: int) -> str:
    """Every link into one map as one path (one subpath per source): right-middle of each source
    to the left-middle of the target."""
    x1, y1 = column.x, column.ys[index] + column.size / 2
    return "".join(link_path(src.x + NODE_SIZE, src.ys[i] + NODE_SIZE / 2, x1, y1)
                   for src, i in sources(layout, column, index))


def frame_path(nodes: list[tuple[Column, int]]) -> str:
    """Outlines of several maps as one path (the hover highlight of a map and its sources)."""
    s = NODE_SIZE
    return "".join(f"M{c.x:.1f},{c.ys[i]:.1f}h{s:g}v{s:g}h{-s:g}z" for c, i in nodes)


# The keys that move the keyboard focus over the overview's maps and a formula's output pixel: (columns, rows).
ARROWS = {"ArrowUp": (0, -1), "ArrowDown": (0, 1), "ArrowLeft": (-1, 0), "ArrowRight": (1, 0)}


def neighbour(layout: OverviewLayout, name: str, index: int, key: str) -> tuple[str, int]:
    """Where ``key`` moves the focus from map ``index`` of column ``name``: up and down the column (Home and
    End to its ends), left and right to the map of the next column nearest in height; it stops at the edges."""
    position = [c.name for c in layout.columns].index(name)
    column = layout.columns[position]
    if key in ("Home", "End"):
        return name, 0 if key == "Home" else column.count - 1
    dx, dy = ARROWS[key]
    if dy:
        return name, min(max(index + dy, 0), column.count - 1)
    target = layout.columns[min(max(position + dx, 0), len(layout.columns) - 1)]
    middle = column.ys[index] + column.size / 2
    return target.name, min(range(target.count), key=lambda i: abs(target.ys[i] + target.size / 2 - middle))

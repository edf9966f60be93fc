"""The views of a map and the map it is computed from (ReLU, max pool): how they sit on the overview.

While one is open the overview fades all but the pair (``pair_focus_css``), outlines the two maps
and links them (``pair_overlay``), and the box goes beside the pair on the side with more room
(``pair_anchor``). ``PairView`` gives a GridView all of that.
"""
from __future__ import annotations

from ...ui import geometry, svg, words
from ..detail.base import Placement
from . import color_range
from .frames import Frame
from .grids import GridView, MapGrid, cell_frame

LEFT, TOP = 4, 22  # px: where the input map sits in the box; the output map is as far from the right edge

FOCUS_FADE = 0.15  # columns away from the pair (the reference's white overlays leave about this much)
PAIR_FADE = 0.25  # the other maps of the pair's two columns (the reference has 0.3)


def other_maps(root: str, column: str, neuron: int) -> str:
    """Selector of a column's maps but one: the live page's <foreignObject> boxes (opacity on the canvas
    inside one is not drawn) and the standalone picture's <image>s."""
    c = f'{root} [data-column="{column}"]'
    return f'{c} .map-box:not(:has([data-index="{neuron}"])),{c} image.map:not([data-index="{neuron}"])'


def pair_focus_css(network, view: str, layer: str, neuron: int, page: int = 0) -> str:
    """The overview while a ReLU or pool view is open: the map and its input stay, the rest fades."""
    grid = geometry.overview_layout(network, page)
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


def _column(grid, network, layer: str):
    """The layer's column, or its source's when it has none (global pooling: one value per map, no map drawn)."""
    names = [column.name for column in grid.columns]
    return grid.column(layer if layer in names else network.sources[layer])


def pair_anchor(network, layer: str, neuron: int, page: int = 0) -> tuple[float, float, str]:
    """Where the box of a ReLU or pool view goes (viewBox units): beside the pair, on the side with
    more room; ``side`` says which edge of the box (x, y) is: "left" or "right"; ``page``: the overview's page of
    maps."""
    grid = geometry.overview_layout(network, page)
    x_source = grid.column(network.sources[layer]).x
    column = _column(grid, network, layer)
    x_layer = column.x + geometry.NODE_SIZE
    y = column.ys[neuron] + geometry.NODE_SIZE / 2
    if grid.width - x_layer >= x_source:
        return x_layer + 24, y, "left"
    return x_source - 24, y, "right"


def pair_overlay(network, layer: str, neuron: int, page: int = 0) -> str:
    """Outlines around the map a ReLU or pool view explains and the map it is computed from, and the
    link between them (the overview's own links are hidden while the view is open)."""
    grid = geometry.overview_layout(network, page)
    n = geometry.NODE_SIZE
    source, target = grid.column(network.sources[layer]), _column(grid, network, layer)
    (sx, sy), (tx, ty) = source.node(neuron), target.node(neuron)
    frames = "".join(f"M{x:.1f},{y:.1f}h{n:g}v{n:g}h{-n:g}z" for x, y in ((sx, sy), (tx, ty)))
    link = geometry.link_path(sx + n, sy + n / 2, tx, ty + n / 2)
    return svg.group([svg.element("path", d=frames, fill="none", stroke="#555", stroke_width=1.5),
                      svg.element("path", d=link, fill="none", stroke="gray", stroke_width=1)],
                     class_="detail-overlay pair-overlay", pointer_events="none", data_layer=layer,
                     data_neuron=neuron)


class PairView(GridView):
    """A GridView of ``state.layer`` and its source layer, placed on the overview as a pair."""

    def overview_css(self) -> str:
        return pair_focus_css(self.network, self.view, self.layer, self.neuron, self.state.maps)

    def overlay(self) -> str:
        return pair_overlay(self.network, self.layer, self.neuron, self.state.maps)

    def placement(self) -> Placement:
        x, y, side = pair_anchor(self.network, self.layer, self.neuron, self.state.maps)
        return Placement((x, y, side, "middle"), self.width, self.height + 100)


class ElementwiseView(PairView):
    """A PairView of a layer that maps each value alone (an activation, batch normalisation, dropout): the input
    map, the formula for one pixel, the output map, pixel to pixel."""

    hint = f"<b>{words.hover_or_tap()}</b>the matrices to change the pixel."

    def __init__(self, state, trace, network):
        super().__init__(state, trace, network)
        self.source = network.sources[self.layer]
        ranges = color_range.layer_ranges(trace, network, state.colors)
        self.scale = ranges[self.layer]
        self.x_map = trace[self.source][self.neuron]
        self.y_map = trace[self.layer][self.neuron]
        self.input = MapGrid("input", self.x_map, ranges[self.source], LEFT, TOP)
        self.output = MapGrid("output", self.y_map, self.scale, self.width - LEFT - self.input.size, TOP)
        self.middle = (LEFT + self.input.size + self.output.x) / 2  # of the formula's column

    def xy_frame(self, pixel: tuple[int, int]) -> Frame:
        """The pixel's input ``x`` and output ``y`` cells."""
        out = cell_frame("x", self.x_map[pixel], self.input.scale)
        out.update(cell_frame("y", self.y_map[pixel], self.scale))
        return out

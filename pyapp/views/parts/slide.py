"""Where the overview's columns go while a view that makes room is open (the elastic and flatten views).

The reference's arrangement, in the overview's viewBox units: which columns slide, how far, which
fade (``slide_rules`` writes it as CSS), and where the convolution's formula box goes (``box_anchor``).
"""
from __future__ import annotations

from dataclasses import dataclass

from ...ui import geometry, svg
from ...ui.geometry import NODE_SIZE, OUTPUT, OverviewLayout

N = NODE_SIZE
PLUS_RADIUS = N / 5  # half the side of the sum node
PLUS_INSET = 3.0  # px: the plus sign's arms stop this far inside the sum node's box
PLUS_CORNER = 3.0  # px: the sum node's rounded corners
BIAS_RADIUS = 4.0  # px: the bias node, a dot in the weight scale
GLYPH = N / 5  # a kernel glyph's side (the reference's 3 x 8/3)
PIXEL_WIDTH = N / 2  # the flatten column's width
SOFTMAX_WIDTH = 55.0  # the flatten view's softmax box
FLATTEN_GAPS = 5  # the flatten view spans the pooled maps, the vector, the sum and softmax: five long gaps wide
FLATTEN_FADE = 0.08  # the squeezed earlier columns fade to 0.08 (the first) up to twice that (the last)


def short_gap(grid: OverviewLayout) -> float:
    """The gap before a ReLU or pooling column: the unit the reference's spacings are made of."""
    cols = grid.columns
    return min(b.x - a.x - N for a, b in zip(cols, cols[1:]))


def long_gap(grid: OverviewLayout) -> float:
    return short_gap(grid) * geometry.GAP_RATIO


@dataclass(frozen=True)
class Elastic:
    """Where everything goes while the elastic view of ``layer`` is open (viewBox units)."""

    layer: str
    source: str
    left_x: float  # the input column's new x
    inter_x: float  # the intermediate column
    plus_x: float  # left edge of the sum node
    target_x: float  # the conv column's new x
    xs: dict  # every column's new x
    faded: dict  # column -> opacity, for the columns outside the view
    keep_source: bool  # the source column stays put (early layers) or the conv column does (later ones)

    def shift(self, grid: OverviewLayout, name: str) -> float:
        return self.xs[name] - grid.column(name).x


def elastic_layout(grid: OverviewLayout, layer: str) -> Elastic:
    """The reference's arrangement: input channels, intermediate column, sum node, then the conv column.

    Early layers keep their input column where it is and push the conv column (and everything after)
    right; later layers keep the conv column and pull the input column left. Columns on the far side
    are packed evenly into what room is left, and faded.
    """
    names = [c.name for c in grid.columns]
    at = names.index(layer)
    source = names[at - 1]
    gap, big = short_gap(grid), long_gap(grid)
    span = 2 * N + 2 * big + 2 * PLUS_RADIUS  # input column's left edge to the conv column's
    x_first, x_last = grid.columns[0].x, grid.columns[-1].x
    xs = {c.name: c.x for c in grid.columns}
    keep_source = grid.column(layer).x < grid.width / 2
    if keep_source:
        left_x = grid.column(source).x
        target_x = left_x + span
        later = names[at + 1:]
        start = target_x + N + big
        step = (x_last - start) / max(len(later) - 1, 1)
        xs.update({name: start + k * step for k, name in enumerate(later)})
        xs[layer] = target_x
    else:
        target_x = grid.column(layer).x
        left_x = target_x - span
        earlier = names[:at - 1]
        end = left_x - gap
        step = (end - x_first - N) / max(len(earlier) - 1, 1)
        xs.update({name: x_first + k * step for k, name in enumerate(earlier)})
        xs[source] = left_x
    inter_gap = big * 2 / 3
    inter_x = left_x + N + inter_gap
    plus_x = inter_x + N + 1.5 * inter_gap
    faded = {}
    for k, name in enumerate(names):
        if k < at - 1:
            faded[name] = 0.12 if keep_source else 0.1 + 0.1 * k / max(at - 1, 1)
        elif k > at:
            faded[name] = max(0.06, 0.2 - 0.02 * (k - at))
    return Elastic(layer, source, left_x, inter_x, plus_x, target_x, xs, faded, keep_source)


@dataclass(frozen=True)
class FlattenLayout:
    """Where everything goes while the flatten view is open (viewBox units)."""

    source: str  # the last pooling layer
    left_x: float  # its new x
    flat_x: float  # the flatten column
    plus_x: float  # left edge of the sum node
    softmax_x: float
    xs: dict
    faded: dict


def flatten_layout(grid: OverviewLayout) -> FlattenLayout:
    names = [c.name for c in grid.columns]
    at = names.index(OUTPUT)
    source = names[at - 1]
    gap, big = short_gap(grid), long_gap(grid)
    out_x = grid.column(OUTPUT).x
    total = 2 * N + FLATTEN_GAPS * big + PIXEL_WIDTH
    left_x = out_x - total
    inter_gap = 2 * big
    flat_x = left_x + N + inter_gap
    plus_x = flat_x + inter_gap + PIXEL_WIDTH
    softmax_x = ((total - 2 * N - 2 * inter_gap) - SOFTMAX_WIDTH) / 2 + plus_x + 2 * PLUS_RADIUS
    xs = {c.name: c.x for c in grid.columns}
    earlier = names[:at - 1]
    x_first = grid.columns[0].x
    step = (left_x - gap - x_first - N) / max(len(earlier) - 1, 1)
    xs.update({name: x_first + k * step for k, name in enumerate(earlier)})
    xs[source] = left_x
    faded = {name: FLATTEN_FADE + FLATTEN_FADE * k / max(len(earlier) - 1, 1) for k, name in enumerate(earlier)}
    return FlattenLayout(source, left_x, flat_x, plus_x, softmax_x, xs, faded)


def slide_rules(views, grid, shift, faded, focus_rule) -> str:
    """CSS for the overview while one of ``views`` is open: each column slides by ``shift(column)``, the
    ones in ``faded`` fade, and ``focus_rule(root)`` dims what the view is not about."""
    rules = []
    for view in views:
        r = f'#overview-svg[data-detail="{view}"]'
        for column in grid.columns:
            # not its "+ N more" button again, which is inside the column: it would slide (and fade) twice
            c = f'{r} [data-column="{column.name}"]:not(.more-maps)'
            dx = shift(column)
            if abs(dx) > 0.01:
                rules.append(f'{c}{{transform:translateX({svg.num(dx)}px)}}')
            if column.name in faded:
                rules.append(f'{c}{{opacity:{svg.num(faded[column.name])};pointer-events:none}}')
        rules.append(focus_rule(r))
        rules.append(f"{r} .legends,{r} .hover-frames,{r} .hover-links{{visibility:hidden}}")
    return "\n".join(rules)


def box_anchor(state, network) -> tuple[float, float, str, str]:
    """Where the formula box goes, in viewBox units: (x, y, side, valign). It sits on the side with more
    room, over the faded columns, and above or below the selected map's row so that map stays in view."""
    grid = geometry.overview_layout(network, state.maps)
    e = elastic_layout(grid, state.layer)
    right_room = grid.width - (e.target_x + N)
    left_room = e.left_x
    row_y = grid.column(state.layer).ys[int(state.neuron or 0)]
    if row_y + N / 2 > grid.height / 2:
        y, valign = row_y - 12, "bottom"
    else:
        y, valign = row_y + N + 12, "top"
    if right_room >= left_room:
        return e.target_x + N + 16, y, "left", valign
    return e.left_x - 3 * GLYPH - 16, y, "right", valign

"""The flatten view: the last pooled maps unrolled into the 1690-vector, weighted into one class's logit.

A click on an output class opens it. The overview makes room (max_pool_2 slides left, earlier columns
pack together and fade: ``slide_css``) and an overlay group inside the overview's <svg> (``render``)
draws, as the reference does, the first and the last map's 169 entries in full and the eight maps
between as grey bars (in a column with more maps than fit: the first and last of the page drawn, and the
other pages' maps as bars from its "+ N more" row); links from each entry's pixel into the vector, and from
the vector into the sum node coloured by the entry's weight for this class; the bias; and the sum into the
logit. Hovering an entry (or a pixel of the first or last map) shows its value and weight and marks the pixel
(``hover_frame``). A "softmax" box opens the softmax view.

The 169 entries of a map are one tall image and the links are grouped by colour into a few paths,
so the whole overlay is a few dozen elements.
"""
from __future__ import annotations

import numpy as np

from ...engine import layers
from ...ui import geometry, svg, words
from ...ui.geometry import NODE_SIZE, OUTPUT
from ..parts import color_range, legend
from ..parts.annotations import HOVER, annotation, arrow, arrow_marker
from ..article.parameters import sharing_details
from ..parts.box import box
from ..parts.code_panel import Call, Operand, frame as code_frame, panel
from ..parts.frames import Frame, dynamic, exact, value_text
from ..parts.grids import picture
from ..parts.scales import weight_scale
from ..parts.slide import (BIAS_RADIUS, PIXEL_WIDTH, PLUS_CORNER, PLUS_INSET, PLUS_RADIUS, SOFTMAX_WIDTH,
                           flatten_layout, long_gap, slide_rules)
from .base import DetailView, Placement

N = NODE_SIZE
PIXEL_HEIGHT = 1.1  # one entry of the vector (the reference's height)
ENTRY_SHARE = 0.75  # at most this much of the maps' height for the two detailed maps' entries (room for the bars)
EDGE_GRAY = "#e5e5e5"
EDGE_COLOR = "gray"
WEIGHT_GAP = 0.1  # the flatten links' weight colours (the reference's 0.35 for links, 0.1 for hover)
COLOR_BINS = 24  # flatten-to-sum links are drawn as one path per colour bin
CODE_BOX_WIDTH = 460.0  # px: the small box with the sum into the logit
CODE_BOX_HEIGHT = 150.0  # px: what the page reserves for it
CODE_BOX_LIFT = 30.0  # px: its bottom, above the overview's bottom edge (clear of the legends' ticks)
FADED_OPACITY = 0.15
# Sizes in the overview's px (the overlay is drawn in its coordinates).
BAR_GAP = 5.0  # between the bars that stand for the maps between the two detailed ones
REST_HEIGHT = N / 2  # the bar of the maps on earlier pages, above the first detailed map's entries
LINK_GAP = 3.0  # links stop this far short of the vector and of the output column
FUNNEL_DEPTH = 10.0  # the grey funnel from a summarised map to its bar (the read-out aligns with its tip)
LINK_WIDTH = 0.6  # the 2 x 169 links into and out of the vector: thin, there are many
NODE_LINK_WIDTH = 1.2  # the sum node's links: one each, drawn heavier
SOFTMAX_CORNER = 2.0
SOFTMAX_TEXT_DX = 5.0  # "softmax" starts just inside its box
LABEL_DY = 4.0  # the "flatten" label sits this far below the overview's layer labels
LINE = 12.0  # one line of annotation text
INFO_DY = (28.0, 42.0)  # the two read-out lines, under the label and the vector's size
FIRST_CLASS_DROP = 10.0  # the sum note of the first class sits lower: the bias node is under the sum there
LEGEND_GAP = 10.0  # from the last pooled map down to the legends
HOVER_NOTE_DX = 80.0  # the "Hover over matrix" note, centred this far left of the pooled maps


def slide_css(state, network) -> str:
    grid = geometry.overview_layout(network)
    f = flatten_layout(grid)
    squeezed = ":is(.layer-label,.input-captions,.more-maps)"
    return slide_rules(
        ("flatten", "softmax"), grid, lambda column: f.xs[column.name] - column.x, f.faded,
        lambda r: f'{r} .output-class:not([data-index="{state.neuron}"]){{opacity:{FADED_OPACITY}}}\n'
                  # the earlier columns are squeezed closer than their names (and buttons) are wide: they would overlap
                  + ",".join(f'{r} [data-column="{name}"] {squeezed}' for name in f.faded)
                  + "{visibility:hidden}")


class FlattenView(DetailView):
    """The numbers and geometry of one flatten view (class ``state.neuron``), shared by render and hover."""

    view = "flatten"

    def __init__(self, state, trace, network):
        super().__init__(state, trace, network)
        self.grid = geometry.overview_layout(network, state.maps)
        self.f = flatten_layout(self.grid)
        self.k = int(state.neuron or 0)
        dense = network.layers[[layer.type for layer in network.layers].index("dense")]
        self.dense = dense
        self.pooled = trace[self.f.source]  # (C, H, W)
        self.channels, self.h, self.w = self.pooled.shape
        self.per_map = self.h * self.w
        self.vector = trace[network.sources[dense.name]]  # the flatten layer's output
        self.weights = dense.weight[self.k]  # (1690,)
        self.bias = float(dense.bias[self.k])
        self.logit = float(trace[dense.name][self.k])
        src = self.grid.column(self.f.source)
        self.map_ys = [float(y) for y in src.ys]  # a map not drawn: the "+ N more" row (src.more_y)
        self.drawn, self.more_y, self.more_size = src.drawn, src.more_y, src.size
        first, last = self.detailed_maps()
        self.top_y = self.map_ys[first] + (REST_HEIGHT + BAR_GAP if first > 0 else 0.0)
        # an entry's height: the reference's, less where bigger maps would leave the bars between no room (a last
        # page of one map has one block, which may reach down to the button's row: no bar comes after it)
        below = self.more_y + self.more_size if first == last and self.more_y is not None else self.map_ys[last] + N
        self.entry_h = min(PIXEL_HEIGHT, ENTRY_SHARE * (below - self.top_y) / ((1 + (last != first)) * self.per_map))
        self.bottom_y = self.map_ys[last] + N - self.per_map * self.entry_h
        self.out_y = float(self.grid.column(OUTPUT).ys[self.k])
        self.sum_y = self.out_y + N / 2
        # The weight colours: the extent over the detailed maps' weights, as the reference does.
        self.weight_extent = float(np.max(np.abs(self.weights[self.detailed_indices()]))) or 1.0
        self.weight_scale = weight_scale(self.weight_extent, WEIGHT_GAP)
        ranges = color_range.layer_ranges(trace, network, state.colors)
        self.range = ranges[self.f.source]

    # -- geometry ----------------------------------------------------------------------------
    def detailed_maps(self) -> tuple[int, int]:
        """The maps drawn in full: the first and the last the overview draws (the same one on a page of one)."""
        return self.drawn[0], self.drawn[-1]

    def entry_y(self, index: int) -> float:
        """Top of entry ``index`` (of the detailed maps) in the flatten column."""
        c, f = divmod(index, self.per_map)
        base = self.top_y if c == self.detailed_maps()[0] else self.bottom_y
        return base + f * self.entry_h

    def pixel_box(self, index: int) -> tuple[float, float, float]:
        """(x, y, side) of the pixel behind entry ``index`` in its pooled map."""
        c, f = divmod(index, self.per_map)
        row, col = divmod(f, self.w)
        side = N / self.w
        return self.f.left_x + col * side, self.map_ys[c] + row * side, side

    def link_into(self, index: int) -> str:
        """The pixel's row, from the right of its map, into the entry (reference: one curve per entry)."""
        c, f = divmod(index, self.per_map)
        row = f // self.w
        gap = N / (2 * self.h)
        y0 = self.map_ys[c] + (2 * row + 1) * gap
        return geometry.link_path(self.f.left_x + N + LINK_GAP, y0, self.f.flat_x - LINK_GAP, self.entry_y(index))

    def link_out(self, index: int) -> str:
        return geometry.link_path(self.f.flat_x + PIXEL_WIDTH + LINK_GAP, self.entry_y(index), self.f.plus_x,
                                  self.sum_y)

    def detailed_indices(self) -> np.ndarray:
        return np.concatenate([np.arange(self.per_map) + c * self.per_map for c in sorted(set(self.detailed_maps()))])

    # -- hover -------------------------------------------------------------------------------
    def entry_at(self, part: str, fy: float, fx: float = 0.5) -> int | None:
        """The entry under a pointer: on a detailed map's entries ("flat-0", "flat-last") at fraction fy
        of its height, or on a pooled map ("map-<c>") at (fx, fy) of it."""
        if part.startswith("flat-"):
            c = self.detailed_maps()[0 if part == "flat-0" else 1]
            f = min(max(int(fy * self.per_map), 0), self.per_map - 1)
            return c * self.per_map + f
        if part.startswith("map-"):
            c = int(part[4:])
            if c not in self.detailed_maps():
                return None
            row = min(max(int(fy * self.h), 0), self.h - 1)
            col = min(max(int(fx * self.w), 0), self.w - 1)
            return c * self.per_map + row * self.w + col
        return None

    def hover_frame(self, index: int | None) -> Frame:
        """The highlight of one entry: its pixel's frame, its two links, and what it contributes."""
        if index is None:
            return {"hover-pixel": {"visibility": "hidden"}, "hover-in": {"d": ""}, "hover-out": {"d": ""},
                    "flatten-info": {"text": ""}}
        x, y, side = self.pixel_box(index)
        c, f = divmod(index, self.per_map)
        row, col = divmod(f, self.w)
        value, weight = float(self.vector[index]), float(self.weights[index])
        text = (f"flatten[{index}] = {self.f.source}[{c}, {row}, {col}] = {value:.4f};  "
                f"weight {weight:.4f};  product {value * weight:.4f}")
        return {"hover-pixel": {"visibility": "visible", "x": svg.num(x), "y": svg.num(y),
                                "width": svg.num(side), "height": svg.num(side)},
                "hover-in": {"d": self.link_into(index)},
                "hover-out": {"d": self.link_out(index), "stroke": self.weight_scale.fill(weight)},
                "flatten-info": {"text": text, "data-index": str(index), "data-value": exact(value),
                                 "data-weight": exact(weight)}}

    # -- markup ------------------------------------------------------------------------------
    def overlay(self) -> str:
        frame = self.hover_frame(None)
        parts, abstract_edges = self._vector()
        notes = self._annotations()
        legends = self._legends()
        hits = [svg.element("rect", x=self.f.left_x, y=self.map_ys[c], width=N, height=N, fill="transparent",
                            class_="hit flatten-map", data_part=f"map-{c}") for c in sorted(set(self.detailed_maps()))]
        defs = svg.element("defs", [arrow_marker(), legend.gradient("flatten-activation", self.range.name),
                                    legend.gradient("flatten-weight", "brbg")])
        body = "".join([defs, svg.group(self._links(abstract_edges), fill="none", class_="edges fade-in",
                                        pointer_events="none"),
                        svg.group(parts, class_="vector fade-in"), self._sum_node(), self._softmax_symbol(),
                        svg.group(hits), self._hover_marks(frame),
                        svg.group(self._texts(frame), class_="fade-in"),
                        svg.group(notes, class_="fade-in", pointer_events="none"),
                        svg.group(legends, class_="fade-in")])
        return svg.group([body], class_="detail-overlay", data_view="flatten", data_neuron=self.k,
                         data_class=self.network.classes[self.k], data_layer=self.dense.name,
                         data_logit=exact(self.logit), data_bias=exact(self.bias), role="group",
                         aria_label=f"How the logit of {self.network.classes[self.k]} is computed from the "
                                    f"{self.vector.size} flattened values")

    def _vector(self) -> tuple[list[str], list[str]]:
        """The vector: each detailed map's 169 entries as one crisp image; the maps between as bars, with
        their abstract links (returned apart: they are drawn with the other edges)."""
        f, scale = self.f, self.range
        first, last = self.detailed_maps()
        parts = []
        for c, y, part in ((first, self.top_y, "flat-0"), (last, self.bottom_y, "flat-last"))[:1 + (last != first)]:
            values = self.vector[c * self.per_map:(c + 1) * self.per_map].reshape(-1, 1)
            parts.append(picture(scale.rgb(values), f.flat_x, y, PIXEL_WIDTH, self.per_map * self.entry_h,
                                 class_="flatten-entries hit", data_part=part, data_rows=self.per_map, data_map=c))
        middle = list(self.drawn[1:-1])
        top, bottom = self.top_y + self.per_map * self.entry_h, self.bottom_y
        bar_h = (bottom - top - BAR_GAP * (len(middle) + 1)) / max(len(middle), 1)
        abstract_edges = []
        for k, c in enumerate(middle):
            self._bar(parts, abstract_edges, self.map_ys[c], N, top + BAR_GAP * (k + 1) + bar_h * k, bar_h,
                      class_="flatten-abstract", data_map=c)
        for lo, hi, by, height in self._rest():  # the other pages' maps, from the row whose button shows them
            self._bar(parts, abstract_edges, self.more_y, self.more_size, by, height,
                      class_="flatten-abstract flatten-rest", data_maps=f"{lo}-{hi}")
        return parts, abstract_edges

    def _rest(self) -> list[tuple[int, int, float, float]]:
        """(first map, last map, top, height) of the bars of the maps before and after the page drawn."""
        first, last = self.detailed_maps()
        end = (self.bottom_y if last != first else self.top_y) + self.per_map * self.entry_h + BAR_GAP
        bars = [(0, first - 1, self.map_ys[first], REST_HEIGHT)] if first > 0 else []
        if last < self.channels - 1:
            bars.append((last + 1, self.channels - 1, end, max(self.more_y + self.more_size - end, REST_HEIGHT)))
        return bars

    def _bar(self, parts: list[str], edges: list[str], my: float, size: float, by: float, height: float, **data):
        """A grey bar for maps not drawn in full: a funnel from the row at ``my`` (``size`` high), links in and on."""
        f = self.f
        parts.append(svg.element("rect", x=f.flat_x + PIXEL_WIDTH / 4, y=by, width=PIXEL_WIDTH / 2, height=height,
                                 fill=EDGE_GRAY, **data))
        near, tip = f.left_x + N + LINK_GAP, f.left_x + N + FUNNEL_DEPTH
        parts.append(svg.element("polyline", points=f"{svg.num(near)},{svg.num(my)} "
                                                    f"{svg.num(tip)},{svg.num(my + size / 2)} "
                                                    f"{svg.num(near)},{svg.num(my + size)}",
                                 fill=EDGE_GRAY))
        edges.append(geometry.link_path(tip, my + size / 2, f.flat_x - LINK_GAP, by + height / 2))
        edges.append(geometry.link_path(f.flat_x + PIXEL_WIDTH + LINK_GAP, by + height / 2, f.plus_x, self.sum_y))

    def _links(self, abstract_edges: list[str]) -> list[str]:
        """Links into the vector (grey, one path) and out of it (by weight colour, one path per colour)."""
        indices = self.detailed_indices()
        into = "".join(self.link_into(i) for i in indices.tolist())
        outs = [self.link_out(i) for i in indices.tolist()]
        bins = np.clip(np.rint(self.weight_scale.position(self.weights[indices]) * (COLOR_BINS - 1)), 0,
                       COLOR_BINS - 1).astype(int)
        out_paths = []
        for b in np.unique(bins).tolist():
            d = "".join(outs[j] for j in np.flatnonzero(bins == b).tolist())
            color = self.weight_scale.fill(self.weight_scale.lo + (b / (COLOR_BINS - 1))
                                           * (self.weight_scale.hi - self.weight_scale.lo))
            out_paths.append(svg.element("path", d=d, stroke=color, class_="flatten-out", data_bin=int(b)))
        return [svg.element("path", d="".join(abstract_edges), stroke=EDGE_GRAY, stroke_width=1),
                svg.element("path", d=into, stroke=EDGE_GRAY, stroke_width=LINK_WIDTH, class_="flatten-in"),
                svg.group(out_paths, stroke_width=LINK_WIDTH)]

    def _sum_node(self) -> str:
        """The sum node, its bias (below it for the first class, above for the others) and the link into
        the class."""
        px, sy = self.f.plus_x, self.sum_y
        below = self.k == 0
        bias_cy = sy + (N / 2 if below else -(N / 2 + 0.5 * N / 15))
        arm = 2 * PLUS_RADIUS - 2 * PLUS_INSET
        return svg.group([
            svg.element("path", d=f"M{svg.num(px + PLUS_RADIUS)},{svg.num(bias_cy)}V"
                                  f"{svg.num(sy + (PLUS_RADIUS if below else -PLUS_RADIUS))}",
                        stroke=EDGE_GRAY, stroke_width=NODE_LINK_WIDTH),
            svg.element("path", d=geometry.link_path(px + 2 * PLUS_RADIUS, sy,
                                                     self.grid.column(OUTPUT).x - LINK_GAP, sy),
                        stroke=EDGE_GRAY, stroke_width=NODE_LINK_WIDTH, fill="none"),
            svg.element("rect", x=px, y=sy - PLUS_RADIUS, width=2 * PLUS_RADIUS, height=2 * PLUS_RADIUS,
                        rx=PLUS_CORNER, fill="white", stroke=EDGE_COLOR, class_="hit", data_hover=self.sum_text()),
            svg.element("path", d=f"M{svg.num(px + PLUS_INSET)},{svg.num(sy)}h{svg.num(arm)}"
                                  f"M{svg.num(px + PLUS_RADIUS)},{svg.num(sy - PLUS_RADIUS + PLUS_INSET)}"
                                  f"v{svg.num(arm)}", stroke=EDGE_COLOR, pointer_events="none"),
            svg.element("circle", cx=px + PLUS_RADIUS, cy=bias_cy, r=BIAS_RADIUS,
                        fill=self.weight_scale.fill(self.bias), stroke=EDGE_COLOR, class_="bias-node hit",
                        data_hover=f"Bias: {self.bias:.4f}", data_value=exact(self.bias)),
        ], class_="sum-node")

    def _softmax_symbol(self) -> str:
        """The softmax box right of the sum: a button into the softmax view."""
        sy = self.sum_y
        return svg.with_tooltip("Open the softmax view", svg.group([
            svg.element("rect", x=self.f.softmax_x, y=sy - PLUS_RADIUS, width=SOFTMAX_WIDTH, height=2 * PLUS_RADIUS,
                        rx=SOFTMAX_CORNER, fill="#fafafa", stroke=EDGE_COLOR),
            svg.text("softmax", x=self.f.softmax_x + SOFTMAX_TEXT_DX, y=sy + 1, dominant_baseline="middle",
                     font_size=12, opacity=0.6),
        ], class_="softmax-symbol hit", data_action="softmax", role="button", tabindex=0,
            aria_label="Open the softmax view"))

    @staticmethod
    def _hover_marks(frame: Frame) -> str:
        """The hovered entry's links in and out and its pixel in the map, moved by hover_frame."""
        return svg.group([
            dynamic("path", "hover-in", frame, fill="none", stroke="gray", stroke_width=1),
            dynamic("path", "hover-out", frame, fill="none", stroke_width=1.5),
            dynamic("rect", "hover-pixel", frame, fill="none", stroke="#333", stroke_width=0.8),
        ], pointer_events="none", class_="flatten-hover")

    def _texts(self, frame: Frame) -> list[str]:
        """The column's label and size, and the two read-out lines (the entry, then any hover)."""
        f = self.f
        label_y = geometry.LABEL_Y + LABEL_DY
        info_x = f.left_x + N + FUNNEL_DEPTH
        return [svg.text("flatten", x=f.flat_x + PIXEL_WIDTH / 2, y=label_y, class_="layer-label"),
                svg.text(f"({self.vector.size})",
                         x=f.flat_x + PIXEL_WIDTH / 2, y=label_y + LINE, class_="annotation-text",
                         text_anchor="middle"),
                dynamic("text", "flatten-info", frame, x=info_x, y=label_y + INFO_DY[0],
                        class_="hover-info", data_role="flatten-info"),
                svg.text("", x=info_x, y=label_y + INFO_DY[1], class_="hover-info", data_role="hover-info")]

    def sum_text(self) -> str:
        products = float(np.dot(self.vector.astype(np.float64), self.weights.astype(np.float64)))
        return (f"Sum of the {self.vector.size} products {products:.4f} + bias {self.bias:.4f} "
                f"= logit {self.logit:.4f}")

    def _annotations(self) -> list[str]:
        f = self.f
        px, sy = f.plus_x, self.sum_y
        notes = []
        tx, ty = px, self.out_y + N + 8
        arrow_sy, arrow_ty = self.out_y + N + 5, sy + PLUS_RADIUS
        last = self.k == self.grid.column(OUTPUT).count - 1
        # The note's and its arrow's places are the reference's, by hand (px); the first class's note moves
        # down and the last class's goes above the node, where there is room.
        if self.k == 0:
            ty += FIRST_CLASS_DROP
            arrow_sy += FIRST_CLASS_DROP
        elif last:
            ty -= 110
            arrow_sy -= 70
            arrow_ty -= 18
        # Right of the node (the links come in from the left), below it, or above it for the last class.
        tx = px + 2 * PLUS_RADIUS + 6
        notes.append(annotation([("Add up all products", None), ("(element \u00d7 weight)", None),
                                  ("and then bias", None)], tx, ty))
        notes.append(arrow(tx + 4, arrow_sy, px + 2 * PLUS_RADIUS + 2, arrow_ty, radius=30, flip=not last))
        bias_y = sy + N / 2 + 6 if self.k == 0 else self.out_y - 2 * N / 15 - 6
        notes.append(svg.text("Bias", x=px - 4 if self.k == 0 else px + PLUS_RADIUS, y=bias_y,
                              class_="annotation-text", text_anchor="end" if self.k == 0 else "middle",
                              dominant_baseline="hanging" if self.k == 0 else "auto"))
        x, y = f.left_x - HOVER_NOTE_DX, self.map_ys[self.detailed_maps()[0]]
        notes.append(annotation([("matrix to", HOVER), ("see how it is flattened", None),
                                  ("into a 1D array!", None)], x, y, anchor="middle"))
        notes.append(arrow(x + 45, y + N * 0.4 + LINE, f.left_x - FUNNEL_DEPTH, y + N / 2, radius=80, flip=True))
        return notes

    def _legends(self) -> list[str]:
        y = self.map_ys[-1] + N + LEGEND_GAP
        width = long_gap(self.grid)
        values = self.pooled
        parts = [legend.color_legend(self.f.left_x, y, width, self.range.lo, self.range.hi, "flatten-activation",
                                     data_legend=self.f.source, data_min=exact(values.min()),
                                     data_max=exact(values.max())),
                 legend.color_legend(self.f.flat_x - width / 2 + PIXEL_WIDTH / 2 + width * 0.75, y, width,
                                     -self.weight_extent, self.weight_extent, "flatten-weight",
                                     data_legend="weight")]
        return parts

    # -- the DetailView interface: the overlay, and the code box under it -------------------------
    def overview_css(self) -> str:
        return slide_css(self.state, self.network)

    def overlay_frame(self) -> Frame:
        return self.hover_frame(None)

    def markup(self, pixel=None, playing=None) -> str:
        return self.code_box()

    def placement(self) -> Placement:
        return Placement((geometry.PADDING_LEFT, geometry.CANVAS_HEIGHT - CODE_BOX_LIFT, "left", "bottom"),
                         CODE_BOX_WIDTH, CODE_BOX_HEIGHT)

    def code_box(self) -> str:
        """A small box with the sum into the logit, in numbers, and the code that computes it."""
        name = self.dense.name
        call = Call("dense", layers.dense_value,
                    (Operand("inputs", self.network.sources[name], self.vector),
                     Operand("weights", f"{name}.weight[{self.k}]", self.weights),
                     Operand("bias", f"{name}.bias[{self.k}]", np.float32(self.bias))),
                    f"The logit of \u201c{self.network.classes[self.k]}\u201d:", f"{name}[{self.k}]")
        products = float(np.dot(self.vector.astype(np.float64), self.weights.astype(np.float64)))
        line = (f'<p class="detail-sum">{self.vector.size} products add up to '
                f'<span class="num" data-value="{exact(products)}">{value_text(products, 4)}</span>; plus the bias '
                f'<span class="num" data-value="{exact(self.bias)}">{value_text(self.bias, 4)}</span> that is the '
                f'logit <span class="num" data-role="logit" data-value="{exact(self.logit)}">'
                f'{value_text(self.logit, 4)}</span>.</p>')
        return box("flatten", f"Logit of \u201c{svg.escape(self.network.classes[self.k])}\u201d", line,
                   layer=name, neuron=self.k, steppable=False, code=panel([call], code_frame([call])),
                   hint=f"<b>{words.hover_or_tap()}</b>the vector or the first and last maps to see each entry.",
                   part="flatten-sum", extra=sharing_details(self.network.description))

"""The convolution elastic view: how one conv map is made from every input channel.

A click on a conv map opens it. The overview makes room (its columns slide aside and the later ones
fade: ``slide_css``), and an overlay group inside the overview's <svg> (``render``) adds an
"intermediate" column: each input channel correlated with its own 3x3 kernel (glyphs in the
brown-teal weight scale), a sum node with the bias, and the selected output map. A kernel slides over
the input channels, the intermediate results and the output in step, revealing them as it goes; a
button skips or replays it. Clicking an intermediate row opens the formula view of that channel.

The page moves the kernels with two CSS variables (--kx, --ky) and reveals with one shared mask
(``tick_frame``), so a step costs a few attribute writes however many channels there are.
"""
from __future__ import annotations

import numpy as np

from ...engine.network import INPUT
from ...ui import geometry, svg
from ..parts import legend
from ..parts.annotations import HOVER, annotation, arrow, arrow_marker
from ..parts.frames import Frame, dynamic, exact
from ..parts.grids import picture
from ..parts.pair import other_maps
from ..parts.scales import activation_scale, weight_scale
from ..parts.slide import (BIAS_RADIUS, GLYPH, PLUS_CORNER, PLUS_INSET, PLUS_RADIUS, Elastic, N, elastic_layout,
                           long_gap, slide_rules)
from .base import DetailView
from .conv_formula import conv_intermediates, intermediate_extent, kernel_extent

TICKS_1D = 5  # the sliding kernel visits 5 x 5 positions on each map
TICK_MS = 400  # one position: 200 ms wait + 200 ms slide, as in the reference
# The animation button's three faces (its icon is .icon-<face>): what a click does.
ANIMATION_LABELS = {"skip": "Skip the animation", "replay": "Replay the animation", "play": "Play the animation"}
EDGE_COLOR = "gray"
FADED_OPACITY = 0.15  # the other maps of the selected layer
MASK_FILL = "#f2f2f2"
CAPTION_ROOM = 18.0  # below an input map: the overview's channel caption, then our notes
# Sizes in the overview's px (the overlay is drawn in its coordinates).
ROW_PAD = 6.0  # the clickable band of a channel reaches this far around its input map and intermediate result
ROW_RADIUS = 10.0  # that band's rounded corners
KERNEL_GAP = 4.0  # between a kernel glyph (two glyphs wide with its gap) and its input map
SLIDER_OPACITY = 0.75  # the sliding kernel lets the input under it show through
NEXT_EDGE_OPACITY = 0.1  # the link on to the next column: there, but not part of this view
LABEL_DY = 4.0  # the "intermediate" label sits this far below the overview's layer labels
BUTTON_DX = 54.0  # the animation button, right of the label's centre (clear of its text)
BUTTON_RADIUS = 7.0
INFO_DY = 20.0  # the hover read-out, one line below the label
TEXT_LIFT = 4.0  # a caption's baseline sits this far above what it names
NOTE_INSET = 2.0  # a note under an input map starts just inside the map's left edge
ARROW_TAIL_DY = 6.0  # an arrow leaves its note half a line below the note's top
ARROW_TIP_GAP = 7.0  # and stops short of the map it points at, so the head stays visible
SUM_NOTE_DX = 30.0  # the first map's sum note moves right, clear of the bias node under the plus
LEGEND_ROW = 34.0  # the input's legend: one legend row above the others
INTER_GAP_SHARE = 2 / 3  # the legends span the two maps and this share of the long gap between them


def slide_css(state, network) -> str:
    """The overview's part of the view: columns slide to their new x, the ones outside it fade, and
    in the conv column only the selected map stays opaque. Selectors are the overview's own hooks."""
    grid = geometry.overview_layout(network, state.maps)
    e = elastic_layout(grid, state.layer)
    return slide_rules(
        ("conv-elastic", "conv-formula"), grid, lambda column: e.shift(grid, column.name), e.faded,
        lambda r: f"{other_maps(r, state.layer, state.neuron)}{{opacity:{FADED_OPACITY};pointer-events:none}}")


# -- the overlay ----------------------------------------------------------------------------------

def reveal_mask(mask_id: str, frame: Frame) -> str:
    """One mask shared by every covered map (objectBoundingBox units): white hides a map under its grey
    cover, the two black rects are the part already computed (full rows, then the current row)."""
    return svg.element("mask", [
        svg.element("rect", x=0, y=0, width=1, height=1, fill="white"),
        dynamic("rect", "reveal-rows", frame, x="0", y="0", width="1", fill="black"),
        dynamic("rect", "reveal-cells", frame, x="0", height=f"{1 / TICKS_1D:.4f}", fill="black"),
    ], id=mask_id, maskContentUnits="objectBoundingBox")


def tick_frame(tick: int, done: bool = False) -> Frame:
    """What changes at one step of the sliding kernel: its offset and how much is revealed.

    Tick t covers cell (t % 5, t // 5) of every map; once ``done`` everything is revealed and the
    kernels are hidden, ready to replay.
    """
    total = TICKS_1D * TICKS_1D
    if done:
        return {"overlay": {"style": "--kx:0px;--ky:0px", "data-tick": str(total), "data-done": "true"},
                "reveal-rows": {"height": "1"}, "reveal-cells": {"y": "0", "width": "0"}}
    tick = max(0, min(int(tick), total - 1))
    row, col = divmod(tick, TICKS_1D)
    return {"overlay": {"style": f"--kx:{svg.num(col * GLYPH)}px;--ky:{svg.num(row * GLYPH)}px",
                        "data-tick": str(tick), "data-done": "false"},
            "reveal-rows": {"height": f"{row / TICKS_1D:.4f}"},
            "reveal-cells": {"y": f"{row / TICKS_1D:.4f}", "width": f"{(col + 1) / TICKS_1D:.4f}"}}


def kernel_defs(kernels: np.ndarray, scale, prefix: str = "elastic-kernel") -> str:
    """Each channel's k x k kernel as small squares in the weight scale, framed, defined once at (0, 0)
    (the glyph left of the input map and the one sliding over it are <use>s of it)."""
    c_in, k, _ = kernels.shape
    cell = GLYPH / k
    size = svg.num(cell)
    places = [(svg.num(col * cell), svg.num(row * cell)) for row in range(k) for col in range(k)]
    fills = scale.fills(kernels)  # one vectorised lookup for every weight
    frame = (f'<rect width="{svg.num(GLYPH)}" height="{svg.num(GLYPH)}" fill="none" stroke="{EDGE_COLOR}" '
             'stroke-width="0.8"/>')
    out = []
    for i in range(c_in):
        cells = "".join(f'<rect x="{x}" y="{y}" width="{size}" height="{size}" fill="{fill}"/>'
                        for (x, y), fill in zip(places, fills[i * k * k:(i + 1) * k * k]))
        out.append(f'<g id="{prefix}-{i}">{cells}{frame}</g>')
    return "".join(out)


def window_frame(x: float, y: float, **attrs) -> str:
    """An empty kernel-sized frame (slides over the intermediate results and the output)."""
    return svg.element("rect", x=x, y=y, width=GLYPH, height=GLYPH, fill="none", stroke=EDGE_COLOR,
                       stroke_width=0.8, **attrs)


def weights_text(kernel: np.ndarray) -> str:
    rows = "; ".join(", ".join(f"{w:.2f}" for w in row) for row in kernel)
    return f"Kernel weights: [{rows}]"


def render(state, trace, network, intermediates: np.ndarray | None = None, tick: int = 0) -> str:
    """The overlay of the elastic view of state.layer, map state.neuron: a <g> the page appends to the
    overview's <svg>, so it is drawn in the overview's own coordinates at any size."""
    grid = geometry.overview_layout(network, state.maps)
    layer, n = state.layer, int(state.neuron or 0)
    conv = network.layer(layer)
    if conv.type != "conv2d":
        raise ValueError(f"{layer} is a {conv.type} layer, not a convolution")
    e = elastic_layout(grid, layer)
    src = grid.column(e.source)
    out_y = grid.column(layer).ys[n]
    if intermediates is None:
        intermediates = conv_intermediates(trace, network, layer, n)
    extent = intermediate_extent(intermediates)
    kernels = network.kernel(layer, n)
    k_scale = weight_scale(kernel_extent(network, layer, n))
    bias = network.bias(layer, n)
    frame = tick_frame(tick)
    plus_cy = out_y + N / 2
    channel = state.channel if state.view == "conv-formula" else None

    rows, edges, maps, glyphs, sliders = _channel_rows(e, src, activation_scale(extent).rgb(intermediates), kernels,
                                                       channel, plus_cy)
    sliders.append(window_frame(e.target_x, out_y, class_="slider"))
    # The selected output map is revealed as the kernel passes, like the intermediate ones.
    maps.append(svg.element("rect", x=e.target_x, y=out_y, width=N, height=N, fill=MASK_FILL,
                            mask="url(#elastic-reveal)", class_="cover output-cover", pointer_events="none"))
    edges.append(geometry.link_path(e.plus_x + 2 * PLUS_RADIUS, plus_cy, e.target_x, plus_cy))
    plus = _sum_node(e.plus_x, plus_cy, n == 0, bias, k_scale)
    names = [c.name for c in grid.columns]
    after = names[names.index(layer) + 1]
    next_edge = svg.element("path", d=geometry.link_path(e.target_x + N, plus_cy, e.xs[after], plus_cy), fill="none",
                            stroke=EDGE_COLOR, opacity=NEXT_EDGE_OPACITY)

    # Labels, annotations, legends, the skip/replay button and the hover read-out.
    notes = _annotations(e, grid, src, n, out_y, plus_cy, e.left_x, e.inter_x, e.plus_x)
    legends = _legends(e, grid, intermediates, k_scale, kernels, extent)

    defs = svg.element("defs", [arrow_marker(), reveal_mask("elastic-reveal", frame), kernel_defs(kernels, k_scale),
                                legend.gradient("elastic-activation", "rdbu"),
                                legend.gradient("elastic-input", "greys", reverse=True),
                                legend.gradient("elastic-weight", "brbg")])
    body = "".join([
        defs,
        svg.group(rows, class_="rows fade-in"),
        svg.group([svg.element("path", d="".join(edges), fill="none", stroke=EDGE_COLOR, stroke_width=1,
                               class_="flow-edge"), next_edge], class_="edges fade-in", pointer_events="none"),
        svg.group(maps, class_="intermediates fade-in", pointer_events="none"),
        svg.group(glyphs, class_="kernels fade-in"),
        svg.group(sliders, class_="sliders", pointer_events="none"),
        plus,
        svg.group(_labels(e), class_="fade-in"),
        svg.group(notes, class_="annotations fade-in", pointer_events="none"),
        svg.group(legends, class_="fade-in"),
    ])
    c_in = conv.in_channels
    return dynamic("g", "overlay", frame, body, class_="detail-overlay", data_view="conv-elastic",
                   data_layer=layer, data_neuron=n, data_channels=c_in, data_tick_ms=TICK_MS,
                   data_ticks=TICKS_1D * TICKS_1D, data_bias=exact(bias), role="group",
                   aria_label=f"How {layer} map {n + 1} is computed from its {c_in} input channels")


def _channel_rows(e: Elastic, src, pictures, kernels, channel, plus_cy) -> tuple[list[str], ...]:
    """Per input channel: its clickable row, its edges, its intermediate result under the reveal cover,
    its kernel glyph, and the kernel and frame that slide; as (rows, edges, maps, glyphs, sliders)."""
    x_in, x1, x2 = e.left_x, e.inter_x, e.plus_x
    rows, edges, maps, glyphs, sliders = [], [], [], [], []
    for i, y in enumerate(src.ys):
        # The row as one clickable band under the input map and its intermediate result (which let the
        # pointer through, so hovering either lights the band).
        rows.append(svg.with_tooltip(
            f"input channel {i + 1} \u2217 kernel {i + 1}: click for the formula",
            svg.element("rect", x=x_in - ROW_PAD, y=y - ROW_PAD, width=x1 + N - x_in + 2 * ROW_PAD,
                        height=N + 2 * ROW_PAD, rx=ROW_RADIUS,
                        class_="row-hit hit" + (" is-open" if channel == i else ""),
                        data_action="channel", data_channel=i, role="button", tabindex=0,
                        aria_label=f"channel {i + 1}: open the convolution formula")))
        edges.append(geometry.link_path(x_in + N, y + N / 2, x1, y + N / 2))
        edges.append(geometry.link_path(x1 + N, y + N / 2, x2, plus_cy))
        maps.append(svg.group([
            picture(pictures[i], x1, y, N, N, class_="intermediate", data_channel=i),
            svg.element("rect", x=x1, y=y, width=N, height=N, fill=MASK_FILL, mask="url(#elastic-reveal)",
                        class_="cover", pointer_events="none"),
            svg.element("rect", x=x1, y=y, width=N, height=N, fill="none", stroke=EDGE_COLOR, stroke_width=1),
        ], data_channel=i))
        glyphs.append(svg.element("use", href=f"#elastic-kernel-{i}", x=x_in - 2 * GLYPH - KERNEL_GAP, y=y,
                                  class_="kernel-glyph hit", data_hover=weights_text(kernels[i]), data_channel=i,
                                  data_weights=" ".join(exact(w) for w in kernels[i].ravel())))
        sliders.append(svg.element("use", href=f"#elastic-kernel-{i}", x=x_in, y=y, class_="slider",
                                   opacity=SLIDER_OPACITY))
        sliders.append(window_frame(x1, y, class_="slider"))
    return rows, edges, maps, glyphs, sliders


def _sum_node(x2: float, plus_cy: float, below: bool, bias: float, k_scale) -> str:
    """The plus box and the bias node, above it (below for the first map, which has no room above)."""
    bias_cy = plus_cy + (N / 2 + GLYPH if below else -(N / 2 + GLYPH))
    arm = 2 * PLUS_RADIUS - 2 * PLUS_INSET
    return svg.group([
        svg.element("rect", x=x2, y=plus_cy - PLUS_RADIUS, width=2 * PLUS_RADIUS, height=2 * PLUS_RADIUS,
                    rx=PLUS_CORNER, fill="white", stroke=EDGE_COLOR),
        svg.element("path", d=f"M{svg.num(x2 + PLUS_INSET)},{svg.num(plus_cy)}h{svg.num(arm)}"
                              f"M{svg.num(x2 + PLUS_RADIUS)},{svg.num(plus_cy - PLUS_RADIUS + PLUS_INSET)}"
                              f"v{svg.num(arm)}", stroke=EDGE_COLOR, stroke_width=1),
        svg.element("path", d=f"M{svg.num(x2 + PLUS_RADIUS)},{svg.num(bias_cy)}V"
                              f"{svg.num(plus_cy + (PLUS_RADIUS if below else -PLUS_RADIUS))}",
                    stroke=EDGE_COLOR, fill="none"),
        svg.element("circle", cx=x2 + PLUS_RADIUS, cy=bias_cy, r=BIAS_RADIUS, fill=k_scale.fill(bias),
                    stroke=EDGE_COLOR, class_="bias-node hit", data_hover=f"Bias: {bias:.4f}",
                    data_value=exact(bias)),
    ], class_="sum-node")


def _labels(e: Elastic) -> list[str]:
    """The column's label, the animation button beside it and the hover read-out under them."""
    label_y = geometry.LABEL_Y + LABEL_DY
    return [svg.text("intermediate", x=e.inter_x + N / 2, y=label_y, class_="layer-label"),
            _animation_button(e.inter_x + N / 2 + BUTTON_DX, label_y - LABEL_DY),
            svg.text("", x=min(e.left_x, e.inter_x) - 2 * GLYPH, y=label_y + INFO_DY, class_="hover-info",
                     data_role="hover-info")]


def _animation_button(cx: float, cy: float) -> str:
    """The skip / replay / play button (one face shown at a time, switched by the page)."""
    return svg.with_tooltip(ANIMATION_LABELS["skip"], svg.group([
        svg.element("circle", cx=0, cy=0, r=BUTTON_RADIUS, fill="#7a7a7a"),
        svg.element("path", d="M-3.5,-3.2 0,0 -3.5,3.2Z M0.5,-3.2 4,0 0.5,3.2Z", fill="white",
                    class_="icon-skip"),
        svg.element("path", d="M3.2,-1.2A3.4,3.4 0 1 0 3.4,1.6 M3.6,-3.6V-0.8H0.8", fill="none", stroke="white",
                    stroke_width=1.3, class_="icon-replay", visibility="hidden"),
        svg.element("path", d="M-2.2,-3.6 3.8,0 -2.2,3.6Z", fill="white", class_="icon-play", visibility="hidden"),
    ], transform=f"translate({svg.num(cx)},{svg.num(cy)})", class_="hit",
        data_action="animation", role="button", tabindex=0, aria_label=ANIMATION_LABELS["skip"]))


def _annotations(e: Elastic, grid, src, n, out_y, plus_cy, x_in, x1, x2) -> list[str]:
    """The notes and their arrows, where the reference has them: the offsets below are its hand-placed px."""
    y0 = src.ys[0]
    notes = [svg.text("Kernel", x=x_in - 2.5 * GLYPH, y=y0 - TEXT_LIFT, class_="annotation-text", text_anchor="end")]
    if e.source == INPUT and src.count > 1:
        # The input's channels are far apart: notes below the first two (under their captions), arrows up.
        sy = y0 + N + CAPTION_ROOM
        notes.append(annotation([("Slide kernel over input channel", None), ("to get intermediate result", None),
                                  ("to learn more", "Click ")], x_in - NOTE_INSET, sy))
        notes.append(arrow(x_in - 5, sy + ARROW_TAIL_DY, x_in - ARROW_TIP_GAP, y0 + N / 2, radius=24))
        y1 = src.ys[1]
        notes.append(annotation([("Each input channel", None), ("gets a different kernel", None),
                                  ("to see value!", HOVER)], x_in - NOTE_INSET, y1 + N + CAPTION_ROOM))
        notes.append(arrow(x_in - GLYPH * 3, y1 + N + CAPTION_ROOM + ARROW_TAIL_DY, x_in - 2 * GLYPH - 2, y1 + GLYPH + 2,
                            radius=35))
    else:
        sx = x_in - 3 * GLYPH
        notes.append(annotation([("Slide kernel over input channel", None), ("to get intermediate result", None),
                                  ("to learn more", "Click ")], sx, y0 + N / 3, anchor="end"))
        notes.append(arrow(x_in - 2 * GLYPH - 5, y0 + N - 10, x_in - ARROW_TIP_GAP, y0 + N / 2, radius=50, flip=True))
        if src.count > 2:
            y2 = src.ys[2]
            notes.append(annotation([("Each input channel", None), ("gets a different kernel", None),
                                      ("to see value!", HOVER)], sx, y2 - 3, anchor="end"))
            notes.append(arrow(x_in - GLYPH - 13, y2 + 26, x_in - GLYPH - 4, y2 + GLYPH + 6, radius=20, flip=True))
    # The sum: below the node, or above it for the last map (no room below).
    last = n == grid.column(e.layer).count - 1
    tx = x2 + (SUM_NOTE_DX if n == 0 else 0)
    ty = out_y + N + 3 * GLYPH if not last else out_y - 2.5 * N
    # Short lines: the note must end before the formula box, which opens beside the output map.
    notes.append(annotation([("Add up all", None), ("intermediate", None), ("results, then", None),
                              ("add bias", None)], tx, ty))
    if last:
        notes.append(arrow(x2 + 50, out_y - (N / 2 + 2 * GLYPH), x2 + 2 * PLUS_RADIUS + 5, plus_cy - PLUS_RADIUS,
                            radius=50, marker="detail-arrow"))
    else:
        notes.append(arrow(x2 + 35, out_y + N + 2 * GLYPH, x2 + 2 * PLUS_RADIUS + 5, plus_cy + PLUS_RADIUS,
                            radius=30, flip=True))
    bias_y = out_y + N + 3 * GLYPH - TEXT_LIFT if n == 0 else out_y - 2 * GLYPH - 5
    notes.append(svg.text("Bias", x=x2 + PLUS_RADIUS, y=bias_y, class_="annotation-text", text_anchor="middle",
                          dominant_baseline="hanging" if n == 0 else "auto"))
    return notes


def _legends(e, grid, intermediates, k_scale, kernels, extent) -> list[str]:
    """Input, intermediate and kernel ranges, under the columns they colour."""
    y = grid.legend_y
    inter_gap = long_gap(grid) * INTER_GAP_SHARE
    width = 2 * N + inter_gap
    parts = []
    if e.source == INPUT:  # a row above the others (there is room under the input's three maps)
        parts.append(legend.color_legend(e.left_x, y - LEGEND_ROW, width, 0.0, 1.0, "elastic-input", digits=1,
                                         data_legend="input"))
        parts.append(svg.text("input", x=e.left_x, y=y - LEGEND_ROW - TEXT_LIFT, class_="annotation-text"))
    lo, hi = float(intermediates.min()), float(intermediates.max())
    parts.append(legend.color_legend(e.left_x, y, width, -extent, extent, "elastic-activation",
                                     data_legend="intermediate", data_min=exact(lo), data_max=exact(hi)))
    parts.append(svg.text("intermediate", x=e.left_x, y=y - TEXT_LIFT, class_="annotation-text"))
    k_lo, k_hi = float(k_scale.lo), float(k_scale.hi)
    kx = e.target_x + N - width
    parts.append(legend.color_legend(kx, y, width, k_lo, k_hi, "elastic-weight", data_legend="kernel",
                                     data_min=exact(kernels.min()), data_max=exact(kernels.max())))
    parts.append(svg.text("kernel weights", x=kx, y=y - TEXT_LIFT, class_="annotation-text"))
    return parts


class ElasticView(DetailView):
    """The elastic view as the page hosts it: the overlay and the overview's slide; no box of its own
    (its formula boxes are the conv-formula view). The page runs the kernel's ticks (``tick_frame``)."""

    view = "conv-elastic"

    def overview_css(self) -> str:
        return slide_css(self.state, self.network)

    def overlay(self) -> str:
        return render(self.state, self.trace, self.network)

    def overlay_frame(self) -> Frame:
        return tick_frame(0)

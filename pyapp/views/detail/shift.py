"""The shift view: move the picture inside the input frame and watch the network's answer (issue 23, part 2).

The state's ``shift`` (x right, y down, in px) moves the picture; the page runs the network on the moved
picture (pyapp.engine.shift.shifted, the uncovered border in the picture's mean colour), so every map of
the overview slides with it. The box shows the frame (drag it, arrow keys, or the two sliders), the CNN's
answer, and, once its small weight file has arrived, a fully connected network's answer on the same moved
picture and a plot of each network's probability for its own answer as the picture moves from -16 to +16 px
in x: ``comparison`` draws that part (the page's behaviour, pyapp/page/detail/shift.py, calls it).
"""
from __future__ import annotations

import numpy as np

from ...engine.network import INPUT
from ...engine.shift import plot_shifts, shifted
from ...images.png import input_pixels
from ...ui import geometry, svg
from ...ui.colors import TEXT_GREY
from ...ui.state import SHIFT_LIMIT
from ..parts import box
from ..parts.grids import picture
from .base import DetailView, Placement

FRAME = 192  # px: the input frame, 3 screen pixels per input pixel
PLOT_WIDTH, PLOT_HEIGHT = 320, 150
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 34, 14, 10, 30  # room for the axes' numbers
WIDTH = 410  # px: the box's body (the frame and the CNN's answer side by side)
COLOURS = {"cnn": "#1f6fb2", "mlp": "#d9480f"}  # the CNN's curve and the fully connected network's
TOP = 3  # classes listed per network
COMPARISON = '[data-role="shift-comparison"]'
WAITING = "Loading the fully connected network (394 KB)\u2026"


def words(dx: int, dy: int) -> str:
    """The move in words: "4 px right and 2 px up", or "not moved"."""
    parts = [f"{abs(v)} px {(neg if v < 0 else pos)}" for v, neg, pos in ((dx, "left", "right"), (dy, "up", "down")) if v]
    return " and ".join(parts) if parts else "not moved"


def answers(network, probabilities, top: int = TOP) -> str:
    """The top classes with their probabilities, as a list."""
    order = np.argsort(-np.asarray(probabilities), kind="stable")[:top]
    items = "".join(svg.element("li", f"{svg.escape(network.classes[k])} "
                                      f'<span class="num" data-value="{float(probabilities[k]):.9g}">'
                                      f"{100 * float(probabilities[k]):.1f}%</span>", data_class=network.classes[k])
                    for k in order)
    return f'<ol class="shift-answers">{items}</ol>'


def frame_markup(trace, dx: int, dy: int) -> str:
    """The picture as the network sees it, and a dashed outline where the unmoved picture's edges were."""
    scale = FRAME / trace["input"].shape[-1]
    content = (picture(input_pixels(trace), 0, 0, FRAME, FRAME, class_="shift-picture")
               + svg.element("rect", "", x=float(dx * scale), y=float(dy * scale), width=float(FRAME),
                             height=float(FRAME), fill="none", stroke="#222", stroke_dasharray="4 3",
                             class_="shift-edge"))
    return box.svg_block(content, FRAME, FRAME, class_="shift-frame-svg", aria_hidden="true")


def slider(axis: str, value: int) -> str:
    label = {"x": "Right", "y": "Down"}[axis]
    control = (f'<input type="range" min="{-SHIFT_LIMIT}" max="{SHIFT_LIMIT}" step="1" value="{value}" '
               f'data-shift-axis="{axis}" aria-valuetext="{value} px">')
    return f'<label class="shift-slider">{label} {control} <output>{value} px</output></label>'


def curves(network, image, dy: int, dxs=None) -> tuple[int, np.ndarray]:
    """The network's answer on the picture moved only ``dy`` and its probability at each x shift (one batch)."""
    dxs = plot_shifts() if dxs is None else np.asarray(dxs)
    probabilities = network.forward(shifted(image, dxs, np.full(len(dxs), dy))).probabilities
    answer = int(np.argmax(probabilities[list(dxs).index(0)]))  # the range holds the unmoved picture
    return answer, probabilities[:, answer]


def plot(lines: list[tuple[str, str, np.ndarray]], dxs, current: int) -> str:
    """Probability (0..1) against the x shift, one line per network; a mark at the current shift."""
    inner_w, inner_h = PLOT_WIDTH - PLOT_LEFT - PLOT_RIGHT, PLOT_HEIGHT - PLOT_TOP - PLOT_BOTTOM
    lo, hi = float(dxs[0]), float(dxs[-1])

    def x(v):
        return PLOT_LEFT + (v - lo) / (hi - lo) * inner_w

    def y(p):
        return PLOT_TOP + (1 - p) * inner_h

    parts = [svg.element("rect", "", x=float(PLOT_LEFT), y=float(PLOT_TOP), width=float(inner_w),
                         height=float(inner_h), fill="#fafafa", stroke="#ccc")]
    for p in (0, 0.5, 1):
        parts.append(svg.text(f"{p:g}", x=PLOT_LEFT - 4, y=y(p) + 4, font_size="10", fill=TEXT_GREY, text_anchor="end"))
    for v in (lo, 0, hi):
        parts.append(svg.text(f"{v:+.0f}" if v else "0", x=x(v), y=PLOT_TOP + inner_h + 13, font_size="10",
                              fill=TEXT_GREY, text_anchor="middle"))
    parts.append(svg.text("shift in x (px)", x=PLOT_LEFT + inner_w / 2, y=PLOT_HEIGHT - 3, font_size="10",
                          fill=TEXT_GREY, text_anchor="middle"))
    if lo <= current <= hi:
        parts.append(svg.element("line", "", x1=x(current), x2=x(current), y1=float(PLOT_TOP), y2=PLOT_TOP + inner_h,
                                 stroke="#888", stroke_dasharray="3 2", class_="shift-now"))
    for key, colour, values in lines:
        points = " ".join(f"{x(d):.1f},{y(float(p)):.1f}" for d, p in zip(dxs, values))
        parts.append(svg.element("polyline", "", points=points, fill="none", stroke=colour, stroke_width="2",
                                 data_network=key))
    return box.svg_block("".join(parts), PLOT_WIDTH, PLOT_HEIGHT, class_="shift-plot", role="img",
                         aria_label="The probability of each network's answer as the picture moves from "
                                    f"{lo:+.0f} to {hi:+.0f} px in x")


def comparison(network, mlp, image, shift: tuple[int, int], cnn=None, fully_connected=None) -> str:
    """The fully connected network's answer on the moved picture, and the plot of both networks' curves
    (``cnn`` and ``fully_connected``: their ``curves`` at this dy, when already computed)."""
    dx, dy = shift
    dxs = plot_shifts()
    cnn_answer, cnn_curve = cnn or curves(network, image, dy, dxs)
    mlp_answer, mlp_curve = fully_connected or curves(mlp, image, dy, dxs)
    now = mlp.forward(shifted(image, dx, dy)).probabilities
    legend = "".join(
        f'<li><span class="shift-key" style="background:{COLOURS[key]}"></span>{label}: '
        f"\u201c{svg.escape(net.classes[k])}\u201d</li>"
        for key, label, net, k in (("cnn", "Tiny VGG", network, cnn_answer), ("mlp", "Fully connected", mlp, mlp_answer)))
    return (f'<div class="shift-mlp" data-network="mlp"><h3 class="shift-heading">Fully connected network '
            f'({mlp.parameter_count:,} parameters)</h3>{answers(mlp, now)}</div>'
            f'<h3 class="shift-heading">Each network\u2019s probability for its answer on the unmoved picture</h3>'
            + plot([("cnn", COLOURS["cnn"], cnn_curve), ("mlp", COLOURS["mlp"], mlp_curve)], dxs, dx)
            + f'<ul class="shift-legend">{legend}</ul>')


def render(state, trace, network) -> str:
    dx, dy = state.shift or (0, 0)
    said = words(dx, dy)
    body = (f'<div class="shift-body" style="max-width:{WIDTH}px">'
            f'<div class="shift-top"><div class="shift-frame" tabindex="0" role="application" data-shift-frame="" '
            f'aria-label="The picture, {said}: drag it or press the arrow keys to move it">'
            f'{frame_markup(trace, dx, dy)}</div>'
            f'<div class="shift-cnn" data-network="cnn"><p class="shift-said">{"Moved " + said if (dx, dy) != (0, 0) else "Not moved"}</p>'
            f'<h3 class="shift-heading">Tiny VGG</h3>'
            f'{answers(network, trace.probabilities)}'
            f'<button type="button" data-action="shift-reset"{" disabled" if (dx, dy) == (0, 0) else ""}>'
            f'Put it back</button></div></div>'
            f'<div class="shift-sliders">{slider("x", dx)}{slider("y", dy)}</div>'
            f'<div class="shift-comparison" data-role="shift-comparison" aria-live="polite">'
            f'<p class="shift-waiting">{WAITING}</p></div></div>')
    return box.box("shift", "Move the picture", body, layer=INPUT, neuron=int(np.argmax(trace.probabilities)),
                   steppable=False, data_shift=f"{dx},{dy}")


class ShiftView(DetailView):
    """The box over the overview's last columns; the maps on the left slide as the picture moves."""

    view = "shift"

    def markup(self, pixel=None, playing=None) -> str:
        return render(self.state, self.trace, self.network)

    def placement(self) -> Placement:
        grid = geometry.overview_layout(self.network)
        return Placement((grid.width - geometry.PADDING_LEFT, geometry.COLUMNS_TOP, "right", "top"), WIDTH, 560)

"""The softmax view: the ten logits as circles (oranges), and exp(l_k) / sum_j exp(l_j) = p_k with real numbers.

Opened from the flatten view (its "softmax" box) for the class ``state.neuron``. Hovering a term of
the formula highlights its logit's circle and the reverse; the cross-highlight is pure CSS (``:has``),
so hovering costs no Python at all.
"""
from __future__ import annotations

import numpy as np

from ...engine import layers
from ...ui import colors as colors_module, geometry, svg, words
from ..parts.box import box, svg_block
from ..parts.code_panel import Call, Operand, frame as code_frame, panel
from ..parts.frames import exact, value_text
from ..parts.scales import logit_scale
from .base import DetailView, Placement

ROW = 21.0  # one logit circle's row
RADIUS = 8.0
CIRCLE_X = 118.0
FORMULA_X = 186.0
TERM_WIDTH = 86.0  # one "exp(-1.23)" slot of the denominator, with its "+"
TERMS_PER_ROW = 2  # the sum wraps in a column narrow enough for a 320 px phone
WIDTH = FORMULA_X + TERMS_PER_ROW * TERM_WIDTH + 90
SPLIT = FORMULA_X - 16  # the circles' picture ends here, the formula's begins (side by side or stacked)
FONT = 13.0
INK_FLOOR = 0.45  # the lightest orange a number is written in


def _term(k: int, logit: float, color: str, x: float, y: float, anchor: str = "start") -> str:
    """exp(l_k) with the logit in its circle's colour; data-k ties it to circle k."""
    value = svg.element("tspan", svg.escape(value_text(logit)), fill=color, class_="term-value",
                        data_value=exact(logit))
    return svg.element("text", "exp(" + value + ")", x=float(x), y=float(y), class_="term", data_k=k,
                       text_anchor=anchor, font_size=FONT)


def _hover_style(count: int) -> str:
    """Circle k and every exp(l_k) light up together when either is hovered."""
    rules = []
    for k in range(count):
        hot = f'.softmax-svg:has([data-k="{k}"]:hover)'
        rules.append(f'{hot} .logit[data-k="{k}"] circle{{stroke:#333;stroke-width:2.5px}}'
                     f'{hot} .logit[data-k="{k}"] text,{hot} .term[data-k="{k}"]'
                     f'{{font-weight:700;text-decoration:underline}}')
    return f"<style>{''.join(rules)}</style>"


def render(state, trace, network) -> str:
    terms = network.softmax_terms(trace)
    logits = terms["logits"]
    k = int(state.neuron or 0)
    classes = network.classes
    scale = logit_scale(logits)
    colors = scale.fills(logits)
    # The same colours for the numbers in the formula, but never lighter than mid-orange (readable).
    inks = [colors_module.hex_color(scale.name, max(float(t), INK_FLOOR)) for t in scale.position(logits)]
    height = max(len(logits) * ROW + 12, 150)
    # Two pictures in one box: side by side when there is room, the formula under the circles on a phone.
    body = (f'<div class="softmax-svg">{_hover_style(len(logits))}'
            + svg_block("".join(_circles(classes, logits, colors, k)), SPLIT, height)
            + svg_block("".join(_formula(terms, inks, k, height)), WIDTH - SPLIT, height, left=SPLIT)
            + "</div>")

    call = Call("softmax", layers.softmax_probability,
                (Operand("logits", "logits", np.asarray(trace[network.sources[network.layers[-1].name]])),
                 Operand("k", str(k), k)),
                f"The probability of \u201c{classes[k]}\u201d:", f"probabilities[{k}]")
    code = panel([call], code_frame([call]))
    return box("softmax", f"Softmax Score for <i>\u201c{svg.escape(classes[k])}\u201d</i>", body,
               layer=network.layers[-1].name, neuron=k, steppable=False, code=code,
               hint=f"<b>{words.hover_or_tap()}</b>a term or a circle to see which logit it is.")


def _circles(classes, logits, colors, k: int) -> list[str]:
    """The logits, one circle per class in output order, the opened class in bold."""
    circles = []
    for i, (name, logit) in enumerate(zip(classes, logits)):
        cy = 10 + ROW * i + ROW / 2
        circles.append(svg.group([
            svg.element("title", svg.escape(f"{name}: logit {logit:.4f}")),
            svg.text(name, x=CIRCLE_X - RADIUS - 6, y=cy, text_anchor="end", dominant_baseline="central",
                     font_size=11, font_weight="700" if i == k else None, fill=colors_module.TEXT_GREY),
            svg.element("circle", cx=CIRCLE_X, cy=cy, r=RADIUS, fill=colors[i], stroke="#7a7a7a", stroke_width=1,
                        class_="logit-circle"),
            svg.text(value_text(logit), x=CIRCLE_X + RADIUS + 5, y=cy, dominant_baseline="central", font_size=10,
                     fill="#7a7a7a", class_="logit-value", data_value=exact(logit)),
        ], class_="logit", data_k=i))
    return circles


def _formula(terms: dict, inks: list[str], k: int, height: float) -> list[str]:
    """exp(l_k) over the sum of every exp(l_j), then "= p", and the same with the exponentials worked out."""
    logits, exps, total = terms["logits"], terms["exp"], terms["sum"]
    rows = -(-len(logits) // TERMS_PER_ROW)
    line_y = 10 + (height - 10 - rows * 20) / 2
    parts = [_term(k, logits[k], inks[k], FORMULA_X + TERMS_PER_ROW * TERM_WIDTH / 2, line_y - 10,
                   anchor="middle"),
             svg.element("line", x1=FORMULA_X - 8, x2=FORMULA_X + TERMS_PER_ROW * TERM_WIDTH - 8, y1=line_y,
                         y2=line_y, stroke="gray", stroke_width=1.2)]
    for i, logit in enumerate(logits):
        r, c = divmod(i, TERMS_PER_ROW)
        x, y = FORMULA_X + c * TERM_WIDTH, line_y + 18 + r * 20
        parts.append(_term(i, logit, inks[i], x, y))
        if i < len(logits) - 1:
            parts.append(svg.text("+", x=x + TERM_WIDTH - 14, y=y, font_size=FONT, fill="#7a7a7a"))
    p = float(terms["probabilities"][k])
    result_x = FORMULA_X + TERMS_PER_ROW * TERM_WIDTH + 4
    parts.append(svg.text("=", x=result_x, y=line_y, dominant_baseline="central", font_size=FONT + 2,
                          font_weight="700", fill="gray"))
    parts.append(svg.text(f"{p:.4f}", x=result_x + 16, y=line_y, dominant_baseline="central", font_size=FONT + 1,
                          class_="probability", data_value=exact(p), font_weight="600"))
    # The same with the exponentials worked out: e**l_k / sum = p.
    worked = (f"= {exps[k]:.4g} / {total:.4g}" if not terms["shift"]
              else f"= e^({logits[k]:.2f} - {terms['shift']:.2f}) / {total:.4g}")
    parts.append(svg.text(worked, x=FORMULA_X + TERMS_PER_ROW * TERM_WIDTH / 2, y=line_y + 18 + rows * 20 + 10,
                          text_anchor="middle", font_size=11.5, fill=colors_module.TEXT_GREY, class_="worked",
                          data_exp=exact(exps[k]), data_sum=exact(total)))
    return parts


class SoftmaxView(DetailView):
    """The softmax box, over the flatten view's overlay, at the overview's top left."""

    view = "softmax"

    def markup(self, pixel=None, playing=None) -> str:
        return render(self.state, self.trace, self.network)

    def placement(self) -> Placement:
        return Placement((geometry.PADDING_LEFT, geometry.COLUMNS_TOP, "left", "top"), WIDTH, 330)

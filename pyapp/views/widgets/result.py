"""The result line: the network's answer in one line above the overview, where the output column is off
screen (a phone, an embed in a narrow column). A tap opens the softmax sheet of that class."""
from __future__ import annotations

import numpy as np

from ...ui import svg


def top_class(trace, network) -> tuple[int, float]:
    """The class the network picks and its probability."""
    k = int(np.argmax(trace.probabilities))
    return k, float(trace.probabilities[k])


def render(trace, network) -> str:
    """The line's inner HTML: one button, the top class in bold with its probability."""
    k, p = top_class(trace, network)
    name = svg.escape(network.classes[k])
    return (f'<button type="button" class="result-open" data-top="{name}" data-index="{k}" '
            f'data-top-probability="{p:.6f}">The network says <b>{name}</b>, {p * 100:.1f}% \u00b7 '
            f'<span class="result-more">all classes \u203a</span></button>')

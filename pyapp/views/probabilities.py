"""The plain result: the image the network sees and its 10 class probabilities, best first.

The simple page's stand-in for the overview; every class row carries the test hooks
``data-class`` and ``data-probability`` (the full float, so tests can compare to 1e-5).
"""
from __future__ import annotations

import numpy as np

from .. import svg


def input_pixels(trace) -> np.ndarray:
    """The (3, H, W) input in [0, 1] of a trace as an (H, W, 3) uint8 picture."""
    return np.clip(np.rint(np.moveaxis(trace["input"], 0, -1) * 255), 0, 255).astype(np.uint8)


def class_rows(trace, network) -> str:
    probabilities = trace.probabilities
    top = int(np.argmax(probabilities))
    rows = []
    for index in np.argsort(-probabilities, kind="stable"):
        name, p = network.classes[index], float(probabilities[index])
        rows.append(svg.element(
            "li",
            svg.element("span", svg.escape(name), class_="class-name")
            + svg.element("span", svg.element("span", "", class_="bar-fill", style=f"width:{100 * p:.2f}%"),
                          class_="bar")
            + svg.element("span", f"{100 * p:.1f}%", class_="class-value"),
            data_class=name, data_probability=repr(p), class_="top" if index == top else None))
    return "".join(rows)


def render(state, trace, network) -> str:
    top = network.classes[int(np.argmax(trace.probabilities))]
    figure = svg.element(
        "figure",
        svg.element("img", src=svg.png_data_url(input_pixels(trace)), width=192, height=192,
                    alt="The 64 by 64 pixel image the network sees", class_="input-image")
        + svg.element("figcaption", f"The network sees 64 × 64 pixels. Its answer: <strong>{svg.escape(top)}</strong>"),
        class_="plain-input")
    return svg.element("div", figure + svg.element("ol", class_rows(trace, network), class_="probabilities",
                                                   aria_label="Class probabilities, most likely first"),
                       class_="plain-result")

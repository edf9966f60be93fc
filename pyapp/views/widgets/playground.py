"""The kernel playground: edit one first-layer filter (3 channels x 3x3 numbers and a bias), or pick a
classic kernel, and the whole network runs again on the same photo.

Pure Python: the panel's markup, the presets, and the parsing of what the visitor typed (every
mistake becomes a message naming the field; nothing is applied until all 28 numbers are valid).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...engine.roles import first_convolution
from ...ui import svg
from ..parts import color_range
from ...ui.colors import channels

LIMIT = 100.0  # larger weights only saturate every later layer; refuse them with a message
TRAINED = "trained"

# Classic 3x3 image kernels, used on each of the three colour channels alike.
_KERNELS = {
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "blur": [[1 / 9] * 3] * 3,
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "sobel-x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "sobel-y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
}
PRESETS = (TRAINED,) + tuple(_KERNELS)
PRESET_LABELS = {TRAINED: "Trained", "identity": "Identity", "blur": "Blur", "sharpen": "Sharpen",
                 "sobel-x": "Sobel x (vertical edges)", "sobel-y": "Sobel y (horizontal edges)"}


def preset(name: str, network, neuron: int) -> tuple[np.ndarray, float]:
    """(kernel (3, 3, 3) float32, bias) of a preset; "trained" is the filter as learned."""
    layer = first_convolution(network)
    if name == TRAINED:
        return network.kernel(layer, neuron).astype(np.float32), float(network.bias(layer, neuron))
    if name not in _KERNELS:
        raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    channels, k = network.shapes["input"][0], network.layer(layer).kernel_size
    classic = np.asarray(_KERNELS[name], dtype=np.float32)
    square = np.zeros((max(k, 3), max(k, 3)), np.float32)  # a 3x3 kernel centred in a larger one, or cropped
    start = (max(k, 3) - 3) // 2
    square[start:start + 3, start:start + 3] = classic
    centre = (max(k, 3) - k) // 2
    kernel = np.repeat(square[centre:centre + k, centre:centre + k][None], channels, axis=0)
    return kernel, 0.0


def format_number(value: float) -> str:
    """A weight as the visitor sees it in its field: up to 4 decimals, no trailing zeros."""
    text = f"{float(value):.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def parse_number(text: str) -> float:
    """A typed weight as a float, or ValueError with a message meant for the visitor."""
    cleaned = str(text).strip().replace("\u2212", "-").replace(",", ".")  # typographic minus, decimal comma
    if not cleaned:
        raise ValueError("is empty: type a number such as 0.5 or -1")
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError(f"\u201c{str(text).strip()}\u201d is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"\u201c{str(text).strip()}\u201d is not a finite number")
    if abs(value) > LIMIT:
        raise ValueError(f"{format_number(value)} is too large: keep weights between {-LIMIT:g} and {LIMIT:g}")
    return value


def cell_name(channel: int, row: int, col: int, count: int = 3) -> str:
    """A kernel cell's words; ``count``: the input channels (1: the grey channel)."""
    return f"{channels(count)[channel][0]} weight (row {row + 1}, column {col + 1})"


@dataclass(frozen=True)
class Parsed:
    kernel: np.ndarray | None  # (C, 3, 3) float32 when every field is valid
    bias: float | None
    errors: dict  # field key ("c,r,k" or "bias") -> message


def parse_form(cells: dict, bias_text: str, shape: tuple[int, int, int]) -> Parsed:
    """cells: {"c,r,k": text}. Every field is checked; the kernel is given only when all are numbers."""
    kernel = np.zeros(shape, dtype=np.float32)
    errors = {}
    for c in range(shape[0]):
        for r in range(shape[1]):
            for k in range(shape[2]):
                key = f"{c},{r},{k}"
                try:
                    kernel[c, r, k] = parse_number(cells.get(key, ""))
                except ValueError as error:
                    errors[key] = f"{cell_name(c, r, k, shape[0])} {error}"
    try:
        bias = parse_number(bias_text)
    except ValueError as error:
        errors["bias"] = f"Bias {error}"
        bias = None
    if errors:
        return Parsed(None, None, errors)
    return Parsed(kernel, bias, {})


def message(errors: dict) -> str:
    """The inline message for the first few invalid fields."""
    if not errors:
        return ""
    shown = list(errors.values())[:2]
    more = len(errors) - len(shown)
    tail = f" (and {more} more)" if more > 0 else ""
    return "; ".join(shown) + tail + ". The network still uses the last valid numbers."


def grid(kernel: np.ndarray, bias: float) -> str:
    """The editable numbers: one 3x3 table per input channel, and the bias."""
    tables = []
    for c in range(kernel.shape[0]):
        rows = []
        for r in range(kernel.shape[1]):
            cells = [svg.element("td", svg.element(
                "input", type="text", inputmode="decimal", value=format_number(kernel[c, r, k]),
                class_="pg-cell", data_cell=f"{c},{r},{k}", aria_label=cell_name(c, r, k, kernel.shape[0]), size=5,
                spellcheck="false", autocomplete="off")) for k in range(kernel.shape[2])]
            rows.append(svg.element("tr", cells))
        name, hue = channels(kernel.shape[0])[c]
        caption = svg.element("caption", svg.escape(name), style=f"color:{hue}")
        tables.append(svg.element("table", [caption] + rows, class_="pg-kernel", data_channel=c))
    bias_field = svg.element("label", svg.element("span", "Bias", class_="pg-bias-label") + svg.element(
        "input", type="text", inputmode="decimal", value=format_number(bias), class_="pg-cell pg-bias",
        data_cell="bias", aria_label="Bias", size=5, spellcheck="false", autocomplete="off"), class_="pg-bias-field")
    return svg.element("div", tables + [svg.element("span", "+", class_="pg-plus", aria_hidden="true"), bias_field],
                       class_="pg-grid")


def result(state, trace, network, neuron: int, trained_trace=None, edited: tuple = ()) -> str:
    """What the edit does: the filter's output map as the overview colours it, and the prediction."""
    layer = first_convolution(network)
    values = trace[layer][neuron]
    ranges = color_range.layer_ranges(trace, network, state.colors)
    picture = svg.element("img", src=svg.png_data_url(ranges[layer].rgba(values)), width=124, height=124,
                          class_="pg-map", alt=f"{layer} map {neuron + 1} with these weights",
                          data_layer=layer, data_index=neuron)
    p = trace.probabilities
    best = int(np.argmax(p))
    lines = [svg.element("p", f"Prediction: <strong>{svg.escape(network.classes[best])}</strong> "
                              f"({float(p[best]):.1%})", class_="pg-prediction", data_top=network.classes[best])]
    if trained_trace is not None:
        q = trained_trace.probabilities
        was = int(np.argmax(q))
        lines.append(svg.element("p", f"With the trained weights: {svg.escape(network.classes[was])} "
                                      f"({float(q[was]):.1%})", class_="pg-trained"))
    if edited:
        names = ", ".join(str(n + 1) for n in edited)
        lines.append(svg.element("p", f"Edited filters of {layer}: {names}", class_="pg-edited"))
    figure = svg.element("figure", picture + svg.element(
        "figcaption", f"{layer}, map {neuron + 1} (before ReLU)"), class_="pg-figure")
    return figure + svg.element("div", lines, class_="pg-summary")


def edited_note(edited: tuple, layer: str) -> str:
    """The line over the overview while the network differs from the model's own weights (``edited``:
    the playground's edited filters of ``layer``, 0-based): what is shown is not the model, a link does not carry it."""
    if not edited:
        return ""
    names = ", ".join(str(n + 1) for n in edited)
    filters = "filter" if len(edited) == 1 else "filters"
    return (f"The network shown uses weights you edited ({layer} {filters} {names}), not the trained model's: "
            "its probabilities are not the model's. A link or embed shows the trained weights, and closing the "
            "kernel playground restores them. " + svg.element(
                "button", "Restore the trained weights", type="button", class_="link-button",
                data_action="restore-weights"))


def render(state, trace, network, neuron: int = 0, kernel=None, bias=None, trained_trace=None,
           edited: tuple = ()) -> str:
    """The whole panel: filter choice, presets, the numbers, the result and the reset button."""
    if kernel is None:
        kernel, bias = preset(TRAINED, network, neuron)
    layer = first_convolution(network)
    count = network.shapes[layer][0]
    options = [svg.element("option", f"Filter {i + 1}", value=i, selected=i == neuron) for i in range(count)]
    choose = svg.element("label", svg.element("span", f"{layer} filter") + svg.element(
        "select", options, id="pg-neuron"), class_="pg-choose")
    buttons = [svg.element("button", svg.escape(PRESET_LABELS[name]), type="button", class_="pg-preset",
                           data_preset=name) for name in PRESETS]
    presets = svg.element("div", [svg.element("span", "Presets:", class_="pg-presets-label")] + buttons,
                          class_="pg-presets", role="group", aria_label="Kernel presets")
    reset = svg.element("button", "Restore the trained weights", type="button", id="pg-reset", class_="pg-reset",
                        data_action="restore-weights")
    c, k = kernel.shape[0], kernel.shape[1]
    intro = svg.element("p", f"Each output pixel of this filter is the sum of the {c * k * k} products of these "
                             f"weights with a {k}x{k} patch of the photo's {'three colour channels' if c == 3 else 'pixels'}"
                             ", plus the bias. Change the numbers and the whole network runs again on the same photo.",
                        class_="pg-intro")
    editor = svg.element("div", [choose, presets, grid(kernel, bias),
                                 svg.element("p", "", class_="pg-message", id="pg-message", role="alert",
                                             hidden=True), reset], class_="pg-editor")
    body = svg.element("div", [editor, svg.element("div", result(state, trace, network, neuron, trained_trace,
                                                                  edited), class_="pg-result", id="pg-result",
                                                   aria_live="polite")], class_="pg-body")
    summary = svg.element("summary", "<strong>Kernel playground</strong>: edit a first-layer filter and watch "
                                     "the network re-run")
    return svg.element("details", [summary, intro, body], class_="playground", id="playground")

"""The colour range of every overview column, for the three range modes, from the current trace.

As in the reference, activations use a diverging scale centred on 0 (red-blue: negative red,
positive blue), so a range is symmetric, [-m, m], with m the largest absolute value it covers:
- "unit": a convolution with the ReLU and pooling columns after it (up to the next convolution), a hidden
  dense layer with its activation;
- "module": a block of convolutions ending with a pooling layer;
- "global": every hidden column of the network.
The input is always greys over [0, 1] (a pixel's channel value), the output bars 0 to the top
probability. Everything is recomputed from the trace it is given, so a legend is never stale
after an image switch (the reference keeps some Module/Global legends from the first image).
"""
from __future__ import annotations

import numpy as np

from ...engine.network import INPUT
from ...ui import colors, geometry
from .scales import Scale

MODES = ("unit", "module", "global")
MODE_LABELS = {"unit": "Unit", "module": "Module", "global": "Global"}
# What each mode lets the eye compare (the caption beside the choice, in the overview's bar).
MODE_CAPTIONS = {"unit": "compares maps within each convolution", "module": "compares layers within each block",
                 "global": "compares every layer with every other"}


INPUT_RANGE = Scale(colors.LAYER_SCALE["input"], 0.0, 1.0, reverse=True, layers=(INPUT,))


def hidden_layers(network) -> list:
    """The layers the overview draws between the input and the output: maps, and hidden dense layers' units."""
    drawn = {name for name, _, _ in geometry.overview_columns(network)}
    return [layer for layer in network.layers if layer.name in drawn]


def groups(network, mode: str) -> list[tuple[str, ...]]:
    """The hidden columns that share one colour range in ``mode``, in network order."""
    if mode not in MODES:
        raise ValueError(f"unknown colour range mode {mode!r}; modes are {', '.join(MODES)}")
    out: list[list[str]] = []
    starts_group, spatial = True, True
    for layer in hidden_layers(network):
        if mode == "unit":
            starts_group = layer.type in ("conv2d", "dense") or not out
        if starts_group or not out or (mode != "global" and layer.spatial != spatial):  # maps and units apart
            out.append([])
        out[-1].append(layer.name)
        starts_group, spatial = mode == "module" and layer.type == "max_pool2d", layer.spatial
    return [tuple(g) for g in out]


def _half_range(trace, names: tuple[str, ...]) -> float:
    return max(max(-float(np.min(trace[n])), float(np.max(trace[n]))) for n in names)


def layer_ranges(trace, network, mode: str) -> dict[str, Scale]:
    """Column name -> its Scale in ``mode`` (the input and every hidden column)."""
    low, high = network.input_range  # pixels 0 and 1 as the model's normalisation gives them to its first layer
    ranges = {INPUT: INPUT_RANGE if (low, high) == (0.0, 1.0) else
              Scale(INPUT_RANGE.name, low, high, reverse=True, layers=(INPUT,))}
    for names in groups(network, mode):
        half = _half_range(trace, names)
        scale = colors.LAYER_SCALE.get(network.layer(names[0]).type, colors.LAYER_SCALE["conv2d"])
        shared = Scale(scale, -half, half, layers=names)
        ranges.update({name: shared for name in names})
    return ranges


def output_range(trace) -> tuple[float, float]:
    """The domain of the output bars: 0 to the largest probability (its bar is full length)."""
    return 0.0, float(np.max(trace.probabilities))

"""How numbers become colours: one class, a named colour scale over [lo, hi], for maps and single numbers.

The overview's colour ranges (pyapp.views.parts.color_range) and the detail views' cells use the same
``Scale``, so a number has the same colour in both.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...ui import colors

# What the page's cell-text colour flips on: dark cells get white numbers (as in the reference).
INK_DARK, INK_LIGHT = "#ffffff", "#222222"
INK_FLIP = 0.2  # normalised colour position closer than this to either end counts as dark
WEIGHT_GAP = 0.2  # the reference lightens weight colours by keeping away from the scale's ends


@dataclass(frozen=True)
class Scale:
    """A named scale (pyapp.ui.colors) over [lo, hi], optionally reversed; ``layers``: the overview columns
    that share it (and its legend), when it is one of the overview's colour ranges."""

    name: str
    lo: float
    hi: float
    reverse: bool = False
    layers: tuple[str, ...] = ()

    def position(self, values) -> np.ndarray:
        t = colors.normalise(values, self.lo, self.hi)
        return 1.0 - t if self.reverse else t

    def rgb(self, values) -> np.ndarray:
        return colors.to_rgb(values, self.lo, self.hi, self.name, self.reverse)

    def rgba(self, values) -> np.ndarray:
        """``values`` coloured fast for whole layers: uint8 RGBA, values.shape + (4,)."""
        return colors.to_rgba(values, self.lo, self.hi, self.name, self.reverse)

    def fill(self, value: float) -> str:
        return colors.hex_color(self.name, float(self.position(value)))

    def fills(self, values) -> list[str]:
        """``fill`` of many values in one vectorised lookup."""
        rgb = self.rgb(np.asarray(values, dtype=np.float64).ravel())
        return [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in rgb.tolist()]

    def ink(self, value: float) -> str:
        """Text colour readable on ``fill(value)``."""
        t = float(self.position(value))
        if self.name == "greys":  # greys is dark only at its high end
            return INK_DARK if t > 1 - INK_FLIP else INK_LIGHT
        return INK_DARK if t < INK_FLIP or t > 1 - INK_FLIP else INK_LIGHT


def activation_scale(extent: float) -> Scale:
    """Red-blue centred on zero, as the overview colours activations (negative red, positive blue)."""
    extent = float(extent) if extent > 0 else 1.0
    return Scale("rdbu", -extent, extent)


def weight_scale(extent: float, gap: float = WEIGHT_GAP) -> Scale:
    """Brown-teal centred on zero, kept ``gap`` away from both ends so that numbers stay readable."""
    extent = float(extent) if extent > 0 else 1.0
    widen = extent * 2 * gap / (1 - 2 * gap)  # [lo, hi] grown so the scale's ends are never reached
    return Scale("brbg", -extent - widen, extent + widen)


def logit_scale(logits) -> Scale:
    """Oranges over the logits' own extent, from 0.2 up (the reference's logit circles)."""
    lo, hi = float(np.min(logits)), float(np.max(logits))
    if hi <= lo:
        hi = lo + 1.0
    return Scale("oranges", lo - 0.25 * (hi - lo), hi)  # lo lands at 0.2 of the scale

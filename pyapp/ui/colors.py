"""Colour scales of the explainer: the ColorBrewer schemes the reference uses, as d3 interpolates them.

d3-scale-chromatic turns each discrete ColorBrewer scheme into a continuous scale with a
uniform B-spline through its colours; we do the same once into a 256-entry lookup table,
so colouring a whole activation map is one vectorised table lookup.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

# ColorBrewer schemes as d3-scale-chromatic lists them (the largest size of each).
SCHEMES = {
    "greys": "fffffff0f0f0d9d9d9bdbdbd969696737373525252252525000000",
    "oranges": "fff5ebfee6cefdd0a2fdae6bfd8d3cf16913d94801a636037f2704",
    "purples": "fcfbfdefedf5dadaebbcbddc9e9ac8807dba6a51a354278f3f007d",
    "rdbu": "67001fb2182bd6604df4a582fddbc7f7f7f7d1e5f092c5de4393c32166ac053061",
    "brbg": "5430058c510abf812ddfc27df6e8c3f5f5f5c7eae580cdc135978f01665e003c30",
}
# Which scale draws which kind of number (as in the reference's overview config).
LAYER_SCALE = {"input": "greys", "conv2d": "rdbu", "relu": "rdbu", "max_pool2d": "rdbu",
               "weight": "brbg", "logit": "oranges"}
LUT_SIZE = 256

# One meaning per colour in every view: blue is positive (an activation above 0, what raises a class's score),
# red negative (what lowers it), purple how strongly something matters either way (the unsigned Why? maps),
# orange a logit (the output's own scale), grey an input pixel.
RAISES, LOWERS = 0.85, 0.15  # the positions on "rdbu" of a plain "raises" blue and "lowers" red

# The fixed colours the views share (site/styles/detail.css writes TEXT_GREY out too: CSS cannot import it).
CHANNELS = (("Red", "#C95E67"), ("Green", "#3DB665"), ("Blue", "#3F7FBC"))  # input channels: name, the reference's hue
GREY = (("Grey", "#737373"),)  # the one channel of a greyscale model's input


def channels(count: int) -> tuple[tuple[str, str], ...]:
    """The input channels' names and hues for a model with ``count`` of them (3: colour, 1: grey)."""
    return CHANNELS if count == 3 else GREY
TEXT_GREY = "#4a4a4a"  # labels, captions and worked numbers in the detail views


def _stops(name: str) -> np.ndarray:
    hexes = SCHEMES[name]
    return np.array([[int(hexes[i + j:i + j + 2], 16) for j in (0, 2, 4)]
                     for i in range(0, len(hexes), 6)], dtype=np.float64)


def interpolate(name: str, t) -> np.ndarray:
    """d3's interpolateRgbBasis of a scheme at t in [0, 1]: float RGB in 0..255, shape t.shape + (3,)."""
    values = _stops(name)
    n = len(values) - 1
    t = np.clip(np.asarray(t, dtype=np.float64), 0.0, 1.0)
    i = np.minimum(np.floor(t * n).astype(int), n - 1)
    v1, v2 = values[i], values[i + 1]
    v0 = np.where((i > 0)[..., None], values[np.maximum(i - 1, 0)], 2 * v1 - v2)
    v3 = np.where((i < n - 1)[..., None], values[np.minimum(i + 2, n)], 2 * v2 - v1)
    s = ((t - i / n) * n)[..., None]
    s2, s3 = s * s, s * s * s
    return ((1 - 3 * s + 3 * s2 - s3) * v0 + (4 - 6 * s2 + 3 * s3) * v1
            + (1 + 3 * s + 3 * s2 - 3 * s3) * v2 + s3 * v3) / 6


@lru_cache(maxsize=None)
def lut(name: str) -> np.ndarray:
    """The scale sampled at 256 evenly spaced points, as uint8 RGB rows."""
    return np.clip(np.round(interpolate(name, np.linspace(0, 1, LUT_SIZE))), 0, 255).astype(np.uint8)


def normalise(values, lo: float, hi: float) -> np.ndarray:
    """Values mapped linearly from [lo, hi] to [0, 1] (clipped); a flat range maps to the middle."""
    values = np.asarray(values, dtype=np.float64)
    if hi <= lo:
        return np.full(values.shape, 0.5)
    return np.clip((values - lo) / (hi - lo), 0.0, 1.0)


def to_rgb(values, lo: float, hi: float, name: str, reverse: bool = False) -> np.ndarray:
    """Colour an array through a scale: uint8 RGB of shape values.shape + (3,).

    ``reverse`` flips the scale, e.g. so that positive activations are blue on red-blue.
    """
    t = normalise(values, lo, hi)
    if reverse:
        t = 1.0 - t
    return lut(name)[np.rint(t * (LUT_SIZE - 1)).astype(np.intp)]


@lru_cache(maxsize=None)
def lut_rgba32(name: str) -> np.ndarray:
    """The scale's table as one opaque RGBA pixel per uint32 (memory order R, G, B, A)."""
    rgba = np.concatenate([lut(name), np.full((LUT_SIZE, 1), 255, np.uint8)], axis=1)
    return np.ascontiguousarray(rgba).view(np.uint32).ravel()


def to_rgba(values, lo: float, hi: float, name: str, reverse: bool = False) -> np.ndarray:
    """Colour a large array fast: opaque uint8 RGBA of shape values.shape + (4,).

    Same colours as ``to_rgb`` (ties may round one table step apart); float32 arithmetic and one
    4-byte table gather per value make it several times faster, which whole layers need in Pyodide.
    """
    values = np.asarray(values, dtype=np.float32)
    if hi <= lo:
        index = np.full(values.shape, (LUT_SIZE - 1) // 2 + 1, np.uint8)
    else:
        # Divide, then scale: a zero on a symmetric range is then exactly 127.5 -> entry 128 on every
        # machine (multiplying by a rounded reciprocal puts it either side of the tie).
        t = values - np.float32(lo)
        t /= np.float32(hi - lo)
        t *= np.float32(LUT_SIZE - 1)
        np.clip(t, 0, LUT_SIZE - 1, out=t)
        if reverse:
            np.subtract(LUT_SIZE - 1, t, out=t)
        t += 0.5
        index = t.astype(np.uint8)
    return lut_rgba32(name)[index].view(np.uint8).reshape(values.shape + (4,))


def hex_color(name: str, t: float, reverse: bool = False) -> str:
    """One colour of a scale as '#rrggbb' (for legends, glyphs and single cells)."""
    r, g, b = lut(name)[int(round((1.0 - t if reverse else t) * (LUT_SIZE - 1)))]
    return f"#{r:02x}{g:02x}{b:02x}"

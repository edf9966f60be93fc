"""A drawing as an MNIST digit: the ink's bounding box scaled to fit a 20x20 box (aspect kept, area filter),
then placed in the 28x28 field so that its centre of mass is the field's centre, as LeCun et al. made MNIST.

In NumPy alone (the drawing pad runs before Pillow may be loaded); other sizes scale the same proportions.
"""
from __future__ import annotations

import numpy as np

from .fit import resample_matrix

BOX, FIELD = 20, 28  # MNIST: the digit fits a 20x20 box inside the 28x28 picture


def ink_of_rgba(rgba: bytes, width: int, height: int) -> np.ndarray:
    """(height, width) ink in [0, 1] from a canvas's RGBA bytes, drawn light on dark: its brightness."""
    pixels = np.frombuffer(rgba, dtype=np.uint8).reshape(height, width, 4)
    return pixels[:, :, :3].max(axis=2).astype(np.float32) / np.float32(255)


def mnist_centred(ink: np.ndarray, size: int = FIELD) -> np.ndarray:
    """(size, size) float32 in [0, 1]: the inked part of ``ink`` (h, w) fitted into a box of 20/28 of ``size``
    and shifted so its centre of mass lands on the centre; all zeros when nothing is drawn."""
    ink = np.clip(np.asarray(ink, dtype=np.float32), 0, 1)
    out = np.zeros((size, size), np.float32)
    rows, cols = np.flatnonzero(ink.max(axis=1) > 0), np.flatnonzero(ink.max(axis=0) > 0)
    if rows.size == 0:
        return out
    crop = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    scale = BOX * size / FIELD / max(crop.shape)
    h, w = (max(1, int(round(n * scale))) for n in crop.shape)
    digit = resample_matrix(crop.shape[0], h) @ crop @ resample_matrix(crop.shape[1], w).T
    mass = float(digit.sum())
    cy = float(digit.sum(axis=1) @ np.arange(h)) / mass  # in pixel indices of the digit
    cx = float(digit.sum(axis=0) @ np.arange(w)) / mass
    centre = (size - 1) / 2  # the field's centre in pixel indices (13.5 for 28)
    top = int(np.clip(round(centre - cy), 0, size - h))
    left = int(np.clip(round(centre - cx), 0, size - w))
    out[top:top + h, left:left + w] = np.clip(digit, 0, 1)
    return out

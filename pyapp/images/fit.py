"""Any picture array to a model's input size and channels, in NumPy alone (the page's examples arrive before Pillow).

``fit_image(image, (H, W, C))``: an (h, w, 1 or 3) or (h, w) float image in [0, 1] resized with an area filter
when it shrinks (each output pixel the mean of the input it covers: no aliasing at 64 -> 28 px) and linear
interpolation when it grows, then made grey (ITU-R 601 luma, as Pillow's ``convert("L")``) or colour.
"""
from __future__ import annotations

import numpy as np

LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # Pillow's L = R * 299/1000 + G * 587/1000 + B * 114/1000


def resample_matrix(source: int, target: int) -> np.ndarray:
    """(target, source): row i gives output pixel i as weights of the input pixels (rows sum to 1)."""
    if target == source:
        return np.eye(source, dtype=np.float32)
    edges = np.arange(target + 1) * (source / target)  # output pixel i covers [edges[i], edges[i + 1]) of the input
    if target < source:  # area: the overlap of each output pixel with each input pixel
        left, right = edges[:-1, None], edges[1:, None]
        pixels = np.arange(source)[None, :]
        overlap = np.clip(np.minimum(right, pixels + 1) - np.maximum(left, pixels), 0, None)
    else:  # linear between input pixel centres, the edges held
        centres = np.clip((np.arange(target) + 0.5) * source / target - 0.5, 0, source - 1)
        low = np.minimum(np.floor(centres).astype(int), source - 2) if source > 1 else np.zeros(target, int)
        t = centres - low
        overlap = np.zeros((target, source))
        overlap[np.arange(target), low] += 1 - t
        if source > 1:
            overlap[np.arange(target), low + 1] += t
    return (overlap / overlap.sum(axis=1, keepdims=True)).astype(np.float32)


def fit_image(image, shape) -> np.ndarray:
    """``image`` (h, w[, c]) as a float32 (H, W, C) array of ``shape``: resized, then grey or colour."""
    x = np.asarray(image, dtype=np.float32)
    if x.ndim == 2:
        x = x[:, :, None]
    if x.ndim != 3 or x.shape[2] not in (1, 3, 4):
        raise ValueError(f"expected an image (height, width, 1 or 3 channels), got shape {x.shape}")
    x = x[:, :, :3]  # an alpha channel is not the picture
    h, w, c = (int(n) for n in shape)
    if x.shape[:2] != (h, w):
        rows, cols = resample_matrix(x.shape[0], h), resample_matrix(x.shape[1], w)
        x = np.einsum("ih,hwc,jw->ijc", rows, x, cols, optimize=True).astype(np.float32)
    if c == 1 and x.shape[2] == 3:
        x = (x @ LUMA)[:, :, None]
    elif c == 3 and x.shape[2] == 1:
        x = np.repeat(x, 3, axis=2)
    return np.ascontiguousarray(x, dtype=np.float32)

"""Seeded batches and augmentation (horizontal flips, random crops of a zero-padded image), vectorised.

Images are a batch (N, C, H, W) of float32, channels-first as the layers take them.
"""
from __future__ import annotations

import numpy as np

CROP_PADDING = 4  # pixels a crop may shift a photo each way (torchvision's RandomCrop(64, padding=4))


def batches(count: int, batch_size: int, rng: np.random.Generator, shuffle: bool = True):
    """The index arrays of one epoch: a seeded permutation of range(count) cut into batches (the last may be short)."""
    order = rng.permutation(count) if shuffle else np.arange(count)
    for start in range(0, count, batch_size):
        yield order[start:start + batch_size]


def augment(images: np.ndarray, rng: np.random.Generator, flip: bool = True, crop_padding: int = CROP_PADDING) -> np.ndarray:
    """Each image flipped left-right with probability 1/2 and cropped back to its size at a random offset
    after ``crop_padding`` zeros on every side (torchvision's RandomHorizontalFlip and RandomCrop(padding))."""
    n, c, h, w = images.shape
    out = images
    if flip:
        flips = rng.random(n) < 0.5
        out = np.where(flips[:, None, None, None], out[..., ::-1], out)
    p = int(crop_padding)
    if p:
        padded = np.pad(out, ((0, 0), (0, 0), (p, p), (p, p)))
        oy, ox = rng.integers(0, 2 * p + 1, n), rng.integers(0, 2 * p + 1, n)
        rows = (oy[:, None] + np.arange(h))[:, None, :, None]  # (N, 1, H, 1): one crop per image, gathered at once
        cols = (ox[:, None] + np.arange(w))[:, None, None, :]
        out = padded[np.arange(n)[:, None, None, None], np.arange(c)[None, :, None, None], rows, cols]
    return np.ascontiguousarray(out, dtype=np.float32)


def held_out_split(labels: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """A seeded boolean mask: ``fraction`` of each class held out (at least one image, at least one left)."""
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    mask = np.zeros(len(labels), dtype=bool)
    for label in np.unique(labels):
        where = np.flatnonzero(labels == label)
        take = min(max(1, round(fraction * len(where))), len(where) - 1)
        mask[rng.choice(where, take, replace=False)] = True
    return mask

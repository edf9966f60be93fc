"""Moving the picture inside the input frame: the translation the shift view and ``python -m pyapp shift``
measure. The uncovered border is filled with the image's mean colour, so the move adds no edge of its own."""
from __future__ import annotations

import numpy as np

DIRECTIONS = {"left": (-1, 0), "right": (1, 0), "up": (0, -1), "down": (0, 1)}  # (dx, dy) per pixel of shift
PLOT_RANGE = 16  # the shift view's plot: -16..+16 px in x, one batch of 33 images


def shifted(images, dx, dy) -> np.ndarray:
    """``images`` ((H, W, C) or (N, H, W, C)) moved ``dx`` px right and ``dy`` px down; ``dx`` and ``dy`` are
    ints or equal-length arrays, one shift per image (or, for one image, one output image per shift)."""
    x = np.asarray(images, np.float32)
    single = x.ndim == 3
    batch = x[None] if single else x
    dxs, dys = np.broadcast_arrays(np.atleast_1d(np.asarray(dx, int)), np.atleast_1d(np.asarray(dy, int)))
    n, h, w, _ = batch.shape
    count = max(n, len(dxs))
    if n not in (1, count) or len(dxs) not in (1, count):
        raise ValueError(f"{n} images and {len(dxs)} shifts: give one shift, or one per image")
    which = np.broadcast_to(np.arange(n), count) if n == count else np.zeros(count, int)
    dxs, dys = np.broadcast_to(dxs, count), np.broadcast_to(dys, count)
    rows = np.arange(h)[None, :] - dys[:, None]  # (K, H): the source row of each output row
    cols = np.arange(w)[None, :] - dxs[:, None]
    inside = ((rows >= 0) & (rows < h))[:, :, None] & ((cols >= 0) & (cols < w))[:, None, :]
    moved = batch[which[:, None, None], np.clip(rows, 0, h - 1)[:, :, None], np.clip(cols, 0, w - 1)[:, None, :]]
    mean = batch.mean(axis=(1, 2))[which][:, None, None, :]
    out = np.where(inside[..., None], moved, mean).astype(np.float32)
    return out[0] if single and count == 1 else out


def plot_shifts(reach: int = PLOT_RANGE) -> np.ndarray:
    return np.arange(-reach, reach + 1)


def top_class_curve(network, image, dxs, target: int | None = None) -> tuple[int, np.ndarray]:
    """The class ``target`` (default: the answer on the unshifted image) and its probability at each x shift,
    all shifts in one batched forward pass."""
    if target is None:
        target = int(np.argmax(network.forward(image).probabilities))
    probabilities = network.forward(shifted(image, np.asarray(dxs), 0)).probabilities
    return target, probabilities[:, target]


def kept_answers(network, images, pixels: int) -> tuple[np.ndarray, np.ndarray]:
    """Each image's answer unshifted (N,) and whether it stays the same moved ``pixels`` px in each of the
    four DIRECTIONS (N, 4)."""
    answers = network.forward(images).probabilities.argmax(axis=1)
    kept = [network.forward(shifted(images, pixels * dx, pixels * dy)).probabilities.argmax(axis=1) == answers
            for dx, dy in DIRECTIONS.values()]
    return answers, np.stack(kept, axis=1)


def measure(networks, batches, pixels: int) -> list[dict]:
    """Over (images, labels) batches, read once, for each network: ``{"network", "images", "pixels", "kept":
    share of (image, direction) pairs whose answer stays, "accuracy": unshifted accuracy}``."""
    count, correct, kept = 0, np.zeros(len(networks), int), np.zeros(len(networks), int)
    for images, labels in batches:
        count += len(images)
        for i, network in enumerate(networks):
            answers, same = kept_answers(network, images, pixels)
            correct[i] += int((answers == np.asarray(labels)).sum())
            kept[i] += int(same.sum())
    return [{"network": network.name, "images": count, "pixels": pixels, "kept": int(k) / max(1, 4 * count),
             "accuracy": int(c) / max(1, count)} for network, k, c in zip(networks, kept, correct)]

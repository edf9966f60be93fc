"""The Train panel's built-in photos (sitebuild/trainset.py writes them): 64x64 pictures with labels and a
held-out part never trained on, read from the one .npz as data (pyapp.models.reading) and decoded by Pillow."""
from __future__ import annotations

import io
import json
from dataclasses import dataclass

import numpy as np

from ..models.reading import read_npz


@dataclass(frozen=True)
class PhotoSet:
    images: np.ndarray  # (N, H, W, 3) uint8
    labels: np.ndarray  # (N,) int64, indices into classes
    heldout: np.ndarray  # (N,) bool: never trained on
    classes: tuple[str, ...]

    def subset(self, chosen) -> "PhotoSet":
        """Only the photos of the classes ``chosen`` (indices), relabelled 0..len(chosen)-1 in that order."""
        chosen = [int(c) for c in chosen]
        keep = np.isin(self.labels, chosen)
        relabel = np.full(len(self.classes), -1, np.int64)
        relabel[chosen] = np.arange(len(chosen))
        return PhotoSet(self.images[keep], relabel[self.labels[keep]], self.heldout[keep],
                        tuple(self.classes[c] for c in chosen))

    def part(self, heldout: bool) -> tuple[np.ndarray, np.ndarray]:
        """(images as float32 (N, H, W, 3) in [0, 1], labels) of the training or the held-out part."""
        mask = self.heldout == heldout
        return self.images[mask].astype(np.float32) / np.float32(255), self.labels[mask]


def read_photos(data: bytes) -> PhotoSet:
    """The photo set from the build's .npz bytes; ValueError in words when it is not one."""
    from PIL import Image  # the page loads Pillow after the first screen; the panel awaits it

    arrays = read_npz(data, "training photos")
    try:
        classes = tuple(json.loads(arrays["classes"].tobytes().decode()))
        labels, heldout = arrays["labels"].astype(np.int64), arrays["heldout"].astype(bool)
        with Image.open(io.BytesIO(arrays["photos"].tobytes())) as strip:
            pixels = np.asarray(strip.convert("RGB"))
    except (KeyError, ValueError, OSError) as exc:
        raise ValueError(f"the training photos are damaged ({exc})") from None
    side = pixels.shape[1]
    if pixels.shape[0] != side * len(labels) or len(heldout) != len(labels) or labels.max(initial=0) >= len(classes):
        raise ValueError("the training photos do not match their labels")
    return PhotoSet(pixels.reshape(len(labels), side, side, 3), labels, heldout, classes)

"""The Train panel's built-in photos: a few training photos per class of the model (Tiny ImageNet's train split)
and a held-out part from its validation split (never trained on, by the shipped model either), as one .npz:
the 64x64 pictures stacked in one JPEG (a tenth of the raw pixels), labels and the held-out mask. The page
fetches it only when the panel is first opened; the service worker lists it but caches it then (sw.js, later)."""
from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import numpy as np
from PIL import Image

from pyapp.data.dataset import DatasetError, labelled_images, split_dirs
from pyapp.images.preprocess import network_image

from .common import Writer, log

TRAIN_PER_CLASS = 60
HELD_OUT_PER_CLASS = 15
JPEG_QUALITY = 90  # about 3 KB a photo: 750 photos in about 1.5 MB
FOLDER = "trainset"


def _pick(root: Path, classes, per_class: int) -> list:
    samples = labelled_images(root, classes)
    by_class = {}
    for sample in samples:  # labelled_images sorts by class then file name: the first ones, every build alike
        by_class.setdefault(sample.index, [])
        if len(by_class[sample.index]) < per_class:
            by_class[sample.index].append(sample)
    return [s for index in sorted(by_class) for s in by_class[index]]


def trainset_bytes(root: Path, classes) -> bytes | None:
    """The .npz of the built-in training photos of ``classes`` under dataset ``root`` (None: none found)."""
    try:
        train_dir, val_dir = split_dirs(root)
        chosen = _pick(train_dir, classes, TRAIN_PER_CLASS) + _pick(val_dir, classes, HELD_OUT_PER_CLASS)
    except DatasetError:
        return None
    train_count = sum(1 for s in chosen if train_dir in s.path.parents)
    pixels = np.concatenate([np.asarray(network_image(s.path)) for s in chosen])  # (N*64, 64, 3): a tall strip
    jpeg = io.BytesIO()
    Image.fromarray(pixels).save(jpeg, "JPEG", quality=JPEG_QUALITY)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, photos=np.frombuffer(jpeg.getvalue(), np.uint8),
                        labels=np.array([s.index for s in chosen], np.int64),
                        heldout=(np.arange(len(chosen)) >= train_count).astype(np.uint8),
                        classes=np.frombuffer(json.dumps(list(classes)).encode(), np.uint8))  # .npz as data: no strings
    return buffer.getvalue()


def write_trainset(write: Writer, root: Path | None, classes) -> str | None:
    """Write the training set (its name carries its hash); ``"path sha256"`` for the page, None without data."""
    data = trainset_bytes(root, classes) if root else None
    if data is None:
        log("no training photos: the Train panel offers none built in")
        return None
    sha = hashlib.sha256(data).hexdigest()
    rel = f"{FOLDER}/photos-{sha[:12]}.npz"
    write.bytes(rel, data)
    log(f"training photos: {rel}, {len(data) / 1e6:.2f} MB")
    return f"{rel} {sha}"

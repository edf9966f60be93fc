"""The training engine learns (seconds each): transfer on three classes of the shared Tiny ImageNet photos,
and a network trained from scratch on generated shapes."""
from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from engine_fixtures import tiny_vgg_description
from pyapp.data import dataset
from pyapp.engine.network import Network, load_network, random_weights
from pyapp.learning import Trainer, held_out_split, with_classes

# Three classes the shipped convolutions tell apart well (ladybug, school bus, orange reach 0.89 in this setup).
TRANSFER_CLASSES = ("school bus", "koala", "orange")
PER_CLASS = 200  # training photos per class (of 500); the held-out ones are val/, 25 per class


def photos(split: str, limit: int):
    from pyapp.images.preprocess import load_image
    root = os.environ.get(dataset.ENV_VAR)
    if not root or not (Path(root) / split).is_dir():
        pytest.skip(f"the shared photos are not here (${dataset.ENV_VAR})")
    images, labels, counts = [], [], dict.fromkeys(TRANSFER_CLASSES, 0)
    for sample in dataset.labelled_images(Path(root) / split):
        name = dataset.CLASS_NAMES[sample.index]
        if name in counts and counts[name] < limit:
            counts[name] += 1
            images.append(load_image(sample.path))
            labels.append(TRANSFER_CLASSES.index(name))
    return np.stack(images), np.array(labels)


def test_transfer_on_three_classes_of_photos_reaches_90_percent_held_out():
    train_x, train_y = photos("train", PER_CLASS)
    val_x, val_y = photos("val", 25)
    network = with_classes(load_network(), TRANSFER_CLASSES, seed=0)  # a new output layer for three classes
    trainer = Trainer(network, "adam", start="transfer", seed=0, lr=0.01)
    start = time.perf_counter()
    for _ in range(3):
        for _ in trainer.epoch(train_x, train_y, batch_size=32):
            pass
    seconds = time.perf_counter() - start
    held_out = trainer.evaluate(val_x, val_y)
    assert held_out["accuracy"] >= 0.9, held_out
    assert seconds < 30, f"{seconds:.1f} s for three epochs of {len(train_x)} photos"


def shapes(count: int, seed: int):
    """(count, 64, 64, 3) pictures of a horizontal bar, a vertical bar or a disc, in random colours, sizes and places."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, count)
    yy, xx = np.mgrid[:64, :64]
    cy, cx = rng.integers(16, 48, (2, count))[:, :, None, None]
    r = rng.integers(8, 16, count)[:, None, None]
    dy, dx = np.abs(yy - cy), np.abs(xx - cx)
    masks = np.stack([(dy <= r // 3) & (dx <= r), (dx <= r // 3) & (dy <= r),
                      dy ** 2 + dx ** 2 <= r ** 2])[labels, np.arange(count)]
    background = rng.random((count, 1, 1, 3)) * 0.4
    colour = 0.6 + rng.random((count, 1, 1, 3)) * 0.4
    images = np.where(masks[..., None], colour, background) + rng.normal(0, 0.05, (count, 64, 64, 3))
    return np.clip(images, 0, 1).astype(np.float32), labels


def test_from_scratch_on_generated_shapes_learns_well_above_chance():
    images, labels = shapes(600, seed=1)
    held = held_out_split(labels, 0.2, seed=0)
    description = tiny_vgg_description()
    description["classes"] = ["horizontal bar", "vertical bar", "disc"]
    description["layers"][-2]["units"] = 3
    network = Network(description, random_weights(description))
    trainer = Trainer(network, "adam", start="scratch", seed=0, lr=3e-3)  # training/train.py's initialisation
    before = trainer.evaluate(images[held], labels[held])["accuracy"]
    # 8 epochs (17 s here): after 5 it is still climbing (0.56, 0.70, 0.67 after epochs 3 to 5 on an AVX2 EPYC),
    # and the BLAS's rounding on another CPU decided which side of 0.7 it fell; after 8 it is at 0.88
    for _ in range(8):
        for _ in trainer.epoch(images[~held], labels[~held], batch_size=32):
            pass
    after = trainer.evaluate(images[held], labels[held])
    assert after["accuracy"] >= 0.7 and after["accuracy"] > before + 0.3, (before, after)  # chance is 1/3

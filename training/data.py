"""The training images: a Tiny ImageNet copy (train/ and val/) or any folder of class folders, decoded once.

Layouts of ``--data DIR``:
- ``DIR/train`` and ``DIR/val``: Tiny ImageNet (the 10-class copy or tiny-imagenet-200, see pyapp/data/dataset.py),
  or the same split of your own class folders;
- ``DIR/<class name>/*.jpg|png|...``: your own photos of 2 to 20 classes, any sizes; a seeded share of each
  class is held out for validation.
Every image goes through the site's preprocessing (pyapp/images/preprocess.py), so training sees what the page shows.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pyapp.data import dataset
from pyapp.images import preprocess

MIN_CLASSES, MAX_CLASSES = 2, 20
MIN_IMAGES = 10  # readable images per class: enough to hold out a couple for validation and learn from the rest


class DataError(dataset.DatasetError):
    """Training data that cannot be used; the message is one line that says what to do."""


@dataclass
class Split:
    images: np.ndarray  # (N, 3, 64, 64) float32 in [0, 1], channels-first for PyTorch
    labels: np.ndarray  # (N,) int64 class indices

    def __len__(self) -> int:
        return len(self.labels)

    def hwc(self) -> np.ndarray:
        """The images as the NumPy engine takes them: (N, 64, 64, 3)."""
        return self.images.transpose(0, 2, 3, 1)


@dataclass
class TrainingData:
    classes: list[str]
    wnids: list[str] | None  # Tiny ImageNet's WordNet ids of the classes, None for your own folders
    train: Split
    val: Split
    source: str  # how the validation images were chosen, for the model card
    skipped: int  # unreadable images left out


def load_image(path: Path) -> np.ndarray:
    """One image as (64, 64, 3) float32 in [0, 1], through the site's preprocessing."""
    return np.asarray(preprocess.load_image(path), np.float32)


def _decode(samples: list[dataset.Sample], log) -> tuple[list[np.ndarray], list[int], int]:
    """Decode every sample; an unreadable file is skipped and counted (the first one is named)."""
    images, labels, skipped = [], [], 0
    for s in samples:
        try:
            images.append(load_image(s.path))
            labels.append(s.index)
        except preprocess.ImageError as exc:
            if not skipped:
                log(f"skipping unreadable images, the first: {s.path}: {exc}")
            skipped += 1
    return images, labels, skipped


def _split(images: list[np.ndarray], labels: list[int]) -> Split:
    stacked = np.stack(images).transpose(0, 3, 1, 2) if images else np.zeros((0, 3, 64, 64), np.float32)
    return Split(np.ascontiguousarray(stacked, np.float32), np.array(labels, np.int64))


def _limit(samples: list[dataset.Sample], per_class: int) -> list[dataset.Sample]:
    """The first ``per_class`` samples of each class (smoke tests); all when 0."""
    if not per_class:
        return samples
    seen: dict[int, int] = {}
    kept = []
    for s in samples:
        seen[s.index] = seen.get(s.index, 0) + 1
        if seen[s.index] <= per_class:
            kept.append(s)
    return kept


def _classes_of(folder: Path) -> tuple[list[str], list[str] | None]:
    """The classes a folder of class folders holds: Tiny ImageNet's 10 when they are WordNet ids."""
    folders = dataset.class_folders(folder)
    if dataset.known_classes(folders):
        return list(dataset.CLASS_NAMES), list(dataset.WNIDS)
    if not folders:
        raise DataError(f"{folder}: no class folders with images inside (expected {folder}/<class name>/*.jpg)")
    if len(folders) < MIN_CLASSES:
        raise DataError(f"{folder}: only one class ({folders[0]}); training needs at least {MIN_CLASSES} class folders")
    if len(folders) > MAX_CLASSES:
        raise DataError(f"{folder}: {len(folders)} classes; at most {MAX_CLASSES} are supported, "
                        "move the others out of the folder")
    return folders, None


def _check_counts(classes: list[str], labels: list[int], needed: int, where: str) -> None:
    counts = np.bincount(np.asarray(labels, np.int64), minlength=len(classes))
    for name, count in zip(classes, counts):
        if count < needed:
            raise DataError(f"{where}: class {name!r} has {count} readable image(s); at least {needed} per class "
                            "are needed")


def held_out(labels: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """A seeded validation mask: ``fraction`` of each class (at least one image, at least one left to train)."""
    rng = np.random.default_rng(seed)
    mask = np.zeros(len(labels), bool)
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        k = min(len(members) - 1, max(1, round(fraction * len(members))))
        mask[rng.permutation(members)[:k]] = True
    return mask


def load_training_data(root: Path, val_fraction: float, seed: int, limit_per_class: int = 0,
                       log=print) -> TrainingData:
    """The images under ``root`` in one of the layouts above; DataError says what is wrong."""
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"{root}: no such directory")
    train_dir, val_dir = root / "train", root / "val"
    has_split = train_dir.is_dir() and val_dir.is_dir()
    classes, wnids = _classes_of(train_dir if has_split else root)
    train_samples = _limit(dataset.labelled_images(train_dir if has_split else root, classes), limit_per_class)
    images, labels, skipped = _decode(train_samples, log)
    if has_split:
        val_images, val_labels, val_skipped = _decode(
            _limit(dataset.labelled_images(val_dir, classes), limit_per_class), log)
        skipped += val_skipped
        if wnids is None:  # Tiny ImageNet copies are known to be complete; your own folders are checked
            _check_counts(classes, labels, MIN_IMAGES, str(train_dir))
            _check_counts(classes, val_labels, 1, str(val_dir))
        train, val = _split(images, labels), _split(val_images, val_labels)
        source = f"the dataset's own val/ ({len(val_labels)} images)"
    else:
        _check_counts(classes, labels, MIN_IMAGES if wnids is None else 2, str(root))
        everything = _split(images, labels)
        mask = held_out(everything.labels, val_fraction, seed)
        train = Split(everything.images[~mask], everything.labels[~mask])
        val = Split(everything.images[mask], everything.labels[mask])
        source = f"{val_fraction:.0%} of each class held out at random (seed {seed}), {int(mask.sum())} images"
    return TrainingData(classes, wnids, train, val, source, skipped)

"""The visitor's own classes for the Train panel: 2 to 10 named classes, each a list of 64x64 photos (already
through the guarded image path, pyapp.images.preprocess), how many each still needs, and the seeded held-out
share, as the PhotoSet a training Session takes. Pure NumPy: the page keeps one, the tests make others."""
from __future__ import annotations

import numpy as np

from ..ui.state import OWN_CLASSES, OWN_NAME
from .data import held_out_split
from .photos import PhotoSet

MIN_CLASSES, MAX_CLASSES = OWN_CLASSES  # the address's rules are the panel's (pyapp.ui.state)
MIN_PHOTOS = 5  # per class: at least 4 to learn from and 1 held out, so the held-out check means something
MAX_PHOTOS = 60  # per class: 12 KB each at 64x64, so 10 full classes hold about 7 MB
HELDOUT = 0.2  # the share of each class's photos never trained on
SIDE = 64
NAME_LENGTH = 32  # OWN_NAME's longest: the address lists names with commas, so a name holds none


def default_names(count: int = MIN_CLASSES) -> tuple[str, ...]:
    return tuple(f"Class {i + 1}" for i in range(count))


def clean_name(text: str) -> str | None:
    """The name as the panel keeps it (spaces trimmed and squeezed), or None when it is not a usable name."""
    name = " ".join(str(text).split())
    return name if OWN_NAME.fullmatch(name) and not name.isdigit() else None


class OwnClasses:
    """Named classes with photos; the order is the output layer's order."""

    def __init__(self, names=None):
        names = tuple(names or default_names())
        if not MIN_CLASSES <= len(names) <= MAX_CLASSES:
            raise ValueError(f"from {MIN_CLASSES} to {MAX_CLASSES} classes, not {len(names)}")
        self.names = list(names)
        self.photos: list[list[np.ndarray]] = [[] for _ in names]

    # -- the classes -------------------------------------------------------------------------------------
    def add_class(self, name: str | None = None) -> int:
        if len(self.names) >= MAX_CLASSES:
            raise ValueError(f"At most {MAX_CLASSES} classes.")
        used = set(self.names)
        name = name or next(n for n in (f"Class {i}" for i in range(1, 2 * MAX_CLASSES + 2)) if n not in used)
        self.rename(len(self.names), name, adding=True)
        self.photos.append([])
        return len(self.names) - 1

    def remove_class(self, index: int) -> None:
        if len(self.names) <= MIN_CLASSES:
            raise ValueError(f"At least {MIN_CLASSES} classes: a network needs two things to tell apart.")
        del self.names[index], self.photos[index]

    def rename(self, index: int, text: str, adding: bool = False) -> str:
        """The class's new name; ValueError in words when it cannot be one."""
        name = clean_name(text)
        if name is None:
            raise ValueError(f"A class name is 1 to {NAME_LENGTH} letters, digits, spaces or . ' ( ) - _ "
                             "(and not only digits).")
        if name in (n for i, n in enumerate(self.names) if i != index):
            raise ValueError(f"There is already a class called {name!r}: each class needs its own name.")
        if adding:
            self.names.append(name)
        else:
            self.names[index] = name
        return name

    # -- the photos --------------------------------------------------------------------------------------
    def add_photo(self, index: int, image: np.ndarray) -> None:
        """A (64, 64, 3) uint8 photo (the guarded path's output) into class ``index``."""
        image = np.asarray(image)
        if image.shape != (SIDE, SIDE, 3) or image.dtype != np.uint8:
            raise ValueError(f"a photo is a ({SIDE}, {SIDE}, 3) uint8 array, not {image.shape} {image.dtype}")
        if len(self.photos[index]) >= MAX_PHOTOS:
            raise ValueError(f"{self.names[index]} is full: at most {MAX_PHOTOS} photos a class.")
        self.photos[index].append(image)

    def remove_photo(self, index: int, photo: int) -> None:
        del self.photos[index][photo]

    def clear(self, index: int) -> None:
        self.photos[index] = []

    # -- what the panel says, and the training set ---------------------------------------------------------
    def counts(self) -> list[int]:
        return [len(p) for p in self.photos]

    def need(self, index: int) -> int:
        """How many photos class ``index`` still needs before it can be trained on."""
        return max(0, MIN_PHOTOS - len(self.photos[index]))

    @property
    def ready(self) -> bool:
        return all(self.need(i) == 0 for i in range(len(self.names)))

    def heldout_mask(self, seed: int = 0) -> np.ndarray:
        """Which photos (in class order) are held out: seeded, the same for the same photos."""
        labels = np.repeat(np.arange(len(self.names)), self.counts())
        return held_out_split(labels, HELDOUT, seed)

    def heldout_counts(self, seed: int = 0) -> list[int]:
        mask, counts = self.heldout_mask(seed), self.counts()
        edges = np.cumsum([0] + counts)
        return [int(mask[a:b].sum()) for a, b in zip(edges[:-1], edges[1:])]

    def status(self, index: int, seed: int = 0) -> str:
        """The class's line: how many photos it still needs, or how many of them are held out."""
        have, need = len(self.photos[index]), self.need(index)
        if not have:
            return f"No photos yet: add at least {MIN_PHOTOS}."
        if need:
            return f"{have} photo{'s' * (have != 1)}: add {need} more (at least {MIN_PHOTOS} a class)."
        held = self.heldout_counts(seed)[index]
        return f"{have} photos: {held} of {have} held out, {have - held} to learn from."

    def summary(self, seed: int = 0) -> str:
        """One line for the whole set: what is missing, or how many are held out."""
        short = [f"{name} needs {self.need(i)} more" for i, name in enumerate(self.names) if self.need(i)]
        if short:
            return f"To train, every class needs at least {MIN_PHOTOS} photos: " + "; ".join(short) + "."
        held, total = sum(self.heldout_counts(seed)), sum(self.counts())
        return f"Ready: {held} of {total} photos held out (never trained on), {total - held} to learn from."

    def photo_set(self, seed: int = 0) -> PhotoSet:
        """Every photo with its label and the seeded held-out mask; ValueError while a class is short."""
        if not self.ready:
            raise ValueError(self.summary(seed))
        images = np.stack([image for photos in self.photos for image in photos])
        labels = np.repeat(np.arange(len(self.names), dtype=np.int64), self.counts())
        return PhotoSet(images, labels, self.heldout_mask(seed), tuple(self.names))

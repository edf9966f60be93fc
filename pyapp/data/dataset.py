"""Labelled image folders: the 10-class Tiny ImageNet copy in ../shared, the official tiny-imagenet-200,
and any folder of class folders named after a model's classes.

Layouts read (an image's class is its folder's name: the class name, or its WordNet id, "wnid"):
- class folders: ``<root>/<class>/*.JPEG`` or ``<root>/<class>/images/*.JPEG``
  (``tiny-imagenet-10/train``, ``tiny-imagenet-10/val``, ``tiny-imagenet-200/train``, ``photos/cat``);
- official validation: ``<root>/images/*.JPEG`` with ``<root>/val_annotations.txt``
  (``tiny-imagenet-200/val``).
Only the classes the network knows are kept; everything else in a 200-class copy is skipped.
Any other network's classes (a model trained on a folder of photos) are read from class folders named
after the classes: ``<root>/<class name>/*.jpg``.
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

# The shipped network's classes in output order, with their WordNet ids (Tiny ImageNet's folder names);
# other models name their classes in their description (pyapp.engine.network), and folders by class name.
CLASSES = (
    ("n03662601", "lifeboat"),
    ("n02165456", "ladybug"),
    ("n07873807", "pizza"),
    ("n07720875", "bell pepper"),
    ("n04146614", "school bus"),
    ("n01882714", "koala"),
    ("n07920052", "espresso"),
    ("n02509815", "red panda"),
    ("n07747607", "orange"),
    ("n04285008", "sport car"),
)
WNIDS = tuple(w for w, _ in CLASSES)
CLASS_NAMES = tuple(n for _, n in CLASSES)
IMAGE_SUFFIXES = {".jpeg", ".jpg", ".png"}
ENV_VAR = "TINY_IMAGENET_DIR"


@dataclass(frozen=True)
class Sample:
    path: Path
    index: int  # class index in output order


class DatasetError(Exception):
    """A dataset directory that is missing or has no image of the network's classes."""


class UnreadableError(DatasetError):
    """A file or folder of the dataset that this user may not read (the command lines exit with 2)."""


def _readable(function):
    """A PermissionError anywhere in the walk becomes one line naming the path, not a traceback."""
    @functools.wraps(function)
    def walk(root, *args, **kwargs):
        try:
            return function(root, *args, **kwargs)
        except PermissionError as exc:
            raise UnreadableError(f"{exc.filename or root}: permission denied (cannot be read)") from None
    return walk


def _images_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())


def folder_index(classes=CLASS_NAMES) -> dict[str, int]:
    """Folder name -> class index: each class's own name, and its Tiny ImageNet wnid when it has one."""
    wnid_of = {name: wnid for wnid, name in CLASSES}
    index = {name: i for i, name in enumerate(classes)}
    index.update({wnid_of[name]: i for i, name in enumerate(classes) if name in wnid_of})
    return index


@_readable
def labelled_images(root: str | os.PathLike, classes=CLASS_NAMES) -> list[Sample]:
    """Every image of ``classes`` under ``root``, in a stable order (by class, then file name)."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root}: no such directory")
    annotations = root / "val_annotations.txt"
    samples: list[Sample] = []
    index_of = folder_index(classes)
    if annotations.is_file() and (root / "images").is_dir():
        for line in annotations.read_text().splitlines():
            parts = line.split("\t")
            if len(parts) >= 2 and parts[1] in index_of:
                path = root / "images" / parts[0]
                if path.is_file():
                    samples.append(Sample(path, index_of[parts[1]]))
        samples.sort(key=lambda s: (s.index, s.path.name))
    else:
        for folder_name, i in sorted(index_of.items(), key=lambda item: (item[1], item[0])):
            folder = root / folder_name
            if (folder / "images").is_dir():
                folder = folder / "images"
            if folder.is_dir():
                samples.extend(Sample(p, i) for p in _images_in(folder))
    if not samples:
        raise DatasetError(
            f"{root}: no images of the {len(classes)} classes (expected class folders named after them "
            "or their wnids, or images/ with val_annotations.txt)"
        )
    return samples


@_readable
def class_folders(root: str | os.PathLike) -> list[str]:
    """The sub-folders of ``root`` that hold images (directly or in ``images/``), sorted by name."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root}: no such directory")
    found = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        inner = folder / "images" if (folder / "images").is_dir() else folder
        if _images_in(inner):
            found.append(folder.name)
    return found


def known_classes(folders: list[str]) -> bool:
    """Whether class folders are Tiny ImageNet's (WordNet ids): then the network's 10 classes are read."""
    return any(f in WNIDS for f in folders)


@_readable
def split_dirs(root: str | os.PathLike) -> tuple[Path, Path]:
    """The train and validation folders of a dataset root (tiny-imagenet-10 or tiny-imagenet-200)."""
    root = Path(root)
    train, val = root / "train", root / "val"
    if not train.is_dir() or not val.is_dir():
        raise DatasetError(f"{root}: expected train/ and val/ folders inside")
    return train, val


def dataset_root(given: str | os.PathLike | None = None) -> Path | None:
    """The dataset directory from an argument or $TINY_IMAGENET_DIR, or None when neither is set."""
    value = given or os.environ.get(ENV_VAR)
    return Path(value).expanduser() if value else None

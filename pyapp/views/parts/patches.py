"""The image patches that excite each unit most, as the unit view and the atlas draw them.

An :class:`Atlas` is what the page knows of every unit: its top patches (pyapp.engine.atlas) and one sprite,
a picture of every patch in a row per unit. For the shipped model both come from the build (``atlas/``
beside the page, loaded when first needed); for any other model the page computes them over its examples
and the sprite is a PNG data URL. Either way a patch is drawn as its cell of the sprite.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import PurePosixPath

from ...ui import svg

FOLDER = "atlas"  # beside index.html: atlas.json and its sprite
DOCUMENT = f"{FOLDER}/atlas.json"


@dataclass(frozen=True)
class Shown:
    image: str  # where the patch came from: a path below the build's data folder, or an example's name
    window: tuple[int, int, int, int]  # (y0, y1, x0, x1) in the input
    activation: float
    row: int  # its place in the sprite: the unit's row, its rank's column
    column: int


@dataclass(frozen=True)
class Atlas:
    layers: dict[str, list[list[Shown]]]  # per layer, per unit, strongest first
    sprite: str  # URL of the sprite
    cell: int  # px of one cell in the sprite
    columns: int
    rows: int
    source: str  # the images searched, in words ("the 5,250 training and validation images")

    def unit(self, layer: str, unit: int) -> list[Shown]:
        return self.layers[layer][unit]


def from_document(document: dict, base: str = FOLDER, source: str | None = None) -> Atlas:
    """The atlas of an atlas.json (python -m pyapp atlas, or the build's), its sprite beside it."""
    index = document["sprite"]
    layers, rows = {}, 0
    for name, units in document["layers"].items():
        first = index["rows"][name]
        layers[name] = [[Shown(p["image"], tuple(p["window"]), float(p["activation"]), first + u, rank)
                         for rank, p in enumerate(unit)] for u, unit in enumerate(units)]
        rows = max(rows, first + len(units))
    count = document.get("images")
    words = source or (f"the {count:,} images of the model's training and validation sets" if count else "the images")
    return Atlas(layers, f"{base}/{index['file']}", int(index["cell"]), int(index["columns"]), rows, words)


def from_patches(patches: dict, index: dict, sprite_url: str, source: str) -> Atlas:
    """The atlas of pyapp.engine.atlas.top_patches and sprite (computed in the page)."""
    document = {"layers": {name: [[p.as_json() for p in unit] for unit in units] for name, units in patches.items()},
                "sprite": {"file": "", **index}}
    return replace(from_document(document, "", source), sprite=sprite_url)


def image_label(image: str) -> str:
    """A patch's source in a word or two: an example's name, or the class of a Tiny ImageNet file (its folder)."""
    path = PurePosixPath(image)
    if len(path.parts) == 1:
        return path.stem  # an example (its class name) or a file at the top of the folder
    from ...data.dataset import CLASS_NAMES, WNIDS

    words = dict(zip(WNIDS, CLASS_NAMES))
    return next((words[part] for part in path.parts if part in words), path.parent.name)


def sprite_defs(atlas: Atlas, sprite_id: str) -> str:
    """The sprite, once in the page (a data URL can be a megabyte): every patch shows a part of it."""
    image = svg.element("image", href=atlas.sprite, width=atlas.columns * atlas.cell, height=atlas.rows * atlas.cell,
                        style="image-rendering:pixelated", id=sprite_id)
    return f'<svg class="sprite-defs" width="0" height="0" aria-hidden="true" focusable="false"><defs>{image}</defs></svg>'


def patch(atlas: Atlas, shown: Shown, size: float, sprite_id: str, label: str = "") -> str:
    """One patch, ``size`` px square: the sprite seen through its cell (the viewBox crops it)."""
    c = atlas.cell
    box = svg.attrs(width=float(size), height=float(size), viewBox=f"{shown.column * c} {shown.row * c} {c} {c}")
    role = f' role="img"{svg.attrs(aria_label=label)}' if label else ' aria-hidden="true"'
    return f'<svg class="patch"{box}{role}><use href="#{sprite_id}"/></svg>'

"""What each unit looks for: the image patches that excite a unit (map) most, over a folder of images.

For every unit of every convolution and activation layer, the nine images whose strongest response of that
unit is the largest, each with the unit's receptive field in the input at that response (Zeiler and Fergus,
2013). One forward pass per batch of images; per image and unit only the strongest position counts, so the
nine patches come from nine different images. A convolution's unit is read before its activation (the conv
layer's own output). Ties are broken by the image's path, then by the position (row, then column), so the
result is the same on every machine.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

UNIT_TYPES = ("conv2d", "relu")  # the layers whose maps are units with a spatial position
TOP = 9  # patches per unit, as in Zeiler and Fergus's figures
BATCH = 64  # images per forward pass: fast, and a few MB of activations


@dataclass(frozen=True)
class Patch:
    image: str  # path relative to the folder, with forward slashes
    window: tuple[int, int, int, int]  # (y0, y1, x0, x1) in the input, half-open, clipped to the image
    activation: float

    def as_json(self) -> dict:
        return {"image": self.image, "window": list(self.window), "activation": self.activation}


def unit_layers(network) -> list[str]:
    """The layers the atlas covers, in network order."""
    return [layer.name for layer in network.layers if layer.type in UNIT_TYPES]


def check_layers(network, wanted) -> list[str]:
    """The layers asked for (None: every unit layer), in network order; a ValueError names a wrong one."""
    known = unit_layers(network)
    if wanted is None:
        return known
    for name in wanted:
        if name not in known:
            raise ValueError(f"{name} is not a convolution or activation layer of this model "
                             f"(these are: {', '.join(known)})")
    return [name for name in known if name in wanted]


class TopUnits:
    """The running top ``TOP`` of one layer: per unit, activations and (image number, y, x), best first.

    Images arrive in path order, so a stable sort by activation keeps equal ones in path order."""

    def __init__(self, units: int):
        self.values = np.zeros((units, 0), dtype=np.float32)
        self.where = np.zeros((units, 0, 3), dtype=np.int64)  # (image number, y, x)

    def add(self, maps: np.ndarray, first_image: int) -> None:
        """maps: (N, C, H, W), the layer's output for images first_image, first_image + 1, ..."""
        n, c, h, w = maps.shape
        flat = maps.reshape(n, c, h * w)
        best = flat.argmax(axis=-1)  # the first maximum in row-major order: lowest row, then column
        values = np.take_along_axis(flat, best[..., None], axis=-1)[..., 0].T  # (C, N)
        ys, xs = np.divmod(best.T, w)
        images = np.broadcast_to(np.arange(first_image, first_image + n)[None, :], (c, n))
        where = np.stack([images, ys, xs], axis=-1)
        values = np.concatenate([self.values, values], axis=1)
        where = np.concatenate([self.where, where], axis=1)
        order = np.argsort(-values, axis=1, kind="stable")[:, :TOP]
        self.values = np.take_along_axis(values, order, axis=1)
        self.where = np.take_along_axis(where, order[..., None], axis=1)


def image_files(directory) -> list[Path]:
    """Every image file below directory, ordered by its relative path with forward slashes."""
    from ..data.dataset import IMAGE_SUFFIXES

    root = Path(directory)
    found = [p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()]
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def top_patches(network, images, layers: list[str], on_progress=None) -> dict[str, list[list[Patch]]]:
    """images: a list of (name, (H, W, C) array) in the order ties are broken by.
    -> {layer: [unit 0's patches, unit 1's, ...]}, each list strongest first."""
    tops = {name: TopUnits(network.shapes[name][0]) for name in layers}
    for start in range(0, len(images), BATCH):
        batch = np.stack([array for _, array in images[start:start + BATCH]])
        trace = network.forward(batch)
        for name in layers:
            tops[name].add(trace[name], start)
        if on_progress:
            on_progress(min(start + BATCH, len(images)), len(images))
    result = {}
    for name, top in tops.items():
        units = []
        for values, where in zip(top.values, top.where):
            patches = []
            for value, (number, y, x) in zip(values, where):
                (y0, y1), (x0, x1) = network.receptive_field(name, int(y), int(x))["input"]
                patches.append(Patch(images[number][0], (y0, y1, x0, x1), float(value)))
            units.append(patches)
        result[name] = units
    return result


def atlas_json(patches: dict[str, list[list[Patch]]]) -> dict:
    return {"layers": {name: [[p.as_json() for p in unit] for unit in units] for name, units in patches.items()}}


CELL = 32  # px of one patch in the sprite: a 3x3 patch is enlarged, a 64x64 one halved
GREY = 128  # what frames a patch clipped at the image's edge (not square) in its cell


def cell_pixels(image: np.ndarray, window) -> np.ndarray:
    """(CELL, CELL, 3) uint8: the window of an (H, W, 3) image in [0, 1], scaled to fit, centred on grey."""
    from PIL import Image

    y0, y1, x0, x1 = window
    patch = Image.fromarray(np.clip(np.rint(image[y0:y1, x0:x1] * 255), 0, 255).astype(np.uint8))
    scale = CELL / max(y1 - y0, x1 - x0)
    size = (max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale)))
    resample = Image.Resampling.NEAREST if scale >= 1 else Image.Resampling.BOX  # pixels stay pixels
    cell = np.full((CELL, CELL, 3), GREY, dtype=np.uint8)
    top, left = (CELL - size[1]) // 2, (CELL - size[0]) // 2
    cell[top:top + size[1], left:left + size[0]] = np.asarray(patch.resize(size, resample))
    return cell


def sprite(patches: dict[str, list[list[Patch]]], images: dict[str, np.ndarray]) -> tuple[np.ndarray, dict]:
    """One picture of every patch (a row per unit, layer after layer; TOP columns) and its index:
    ``{"cell": px, "columns": TOP, "rows": {layer: its unit 0's row}}``."""
    rows, first = [], {}
    for name, units in patches.items():
        first[name] = len(rows)
        for unit in units:
            cells = [cell_pixels(images[p.image], p.window) for p in unit]
            cells += [np.full((CELL, CELL, 3), 255, np.uint8)] * (TOP - len(cells))  # fewer images than TOP
            rows.append(np.concatenate(cells, axis=1))
    pixels = np.concatenate(rows, axis=0) if rows else np.zeros((0, TOP * CELL, 3), np.uint8)
    return pixels, {"cell": CELL, "columns": TOP, "rows": first}

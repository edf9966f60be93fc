"""What each unit looks for: the image patches that excite a unit (map) most, over a folder of images.

For every unit of every convolution and activation layer, the nine images whose strongest response of that
unit is the largest, each with the unit's receptive field in the input at that response (Zeiler and Fergus,
2013). One forward pass per batch of images; per image and unit only the strongest position counts, so the
nine patches come from nine different images. A convolution's unit is read before its activation (the conv
layer's own output). Ties are broken by the image's path, then by the position (row, then column), so the
result is the same on every machine.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .stepwise import run_through

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
    """The layers the atlas covers, in network order: those with maps (a ReLU between dense layers has none)."""
    return [layer.name for layer in network.layers if layer.type in UNIT_TYPES and layer.spatial]


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


def scan(network, images, layers: list[str], batch: int = BATCH):
    """Runs the images (a list of (name, (H, W, C) array), in the order ties are broken by) a batch at a
    time, yielding (images done, total) after each batch (the page draws progress and lets the browser
    breathe), and finally returns the result of :func:`top_patches` (as the generator's value)."""
    tops = {name: TopUnits(network.shapes[name][0]) for name in layers}
    for start in range(0, len(images), batch):
        trace = network.forward(np.stack([array for _, array in images[start:start + batch]]))
        for name in layers:
            tops[name].add(trace[name], start)
        yield min(start + batch, len(images)), len(images)
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


def top_patches(network, images, layers: list[str], on_progress=None) -> dict[str, list[list[Patch]]]:
    """images: a list of (name, (H, W, C) array) in the order ties are broken by.
    -> {layer: [unit 0's patches, unit 1's, ...]}, each list strongest first."""
    return run_through(scan(network, images, layers), (lambda done: on_progress(*done)) if on_progress else None)


def fingerprint(network) -> str:
    """Which weights an atlas belongs to: the page uses a shipped atlas only for the very same model."""
    digest = hashlib.sha256()
    for name, array in sorted(network.weights().items()):
        digest.update(name.encode() + b"\0" + np.ascontiguousarray(array, dtype=np.float32).tobytes())
    return digest.hexdigest()[:16]


def atlas_json(patches: dict[str, list[list[Patch]]], network=None) -> dict:
    """The document of atlas.json; with the network, its weights' ``fingerprint`` as "model"."""
    document = {"layers": {name: [[p.as_json() for p in unit] for unit in units] for name, units in patches.items()}}
    return document | ({"model": fingerprint(network)} if network is not None else {})


CELL = 32  # px of one patch in the sprite: a 3x3 patch is enlarged, a 64x64 one halved
GREY = 128  # what frames a patch clipped at the image's edge (not square) in its cell


def resampling(n: int, size: int) -> np.ndarray:
    """(size, n): output pixel i of a line of n pixels scaled to size. Enlarged: the nearest pixel (pixels stay
    crisp squares); shrunk: the average of what it covers (no aliasing)."""
    if size >= n:
        out = np.zeros((size, n), dtype=np.float32)
        # the source pixel under each output pixel's centre; a centre on a boundary takes the earlier one (Pillow)
        out[np.arange(size), ((2 * np.arange(size) + 1) * n - 1) // (2 * size)] = 1
        return out
    edges = np.arange(size + 1) * (n / size)
    left, right = np.maximum(edges[:-1, None], np.arange(n)), np.minimum(edges[1:, None], np.arange(n) + 1)
    return (np.clip(right - left, 0, None) * (size / n)).astype(np.float32)


def cell_pixels(image: np.ndarray, window) -> np.ndarray:
    """(CELL, CELL, 3) uint8: the window of an (H, W, 3) image in [0, 1], scaled to fit, centred on grey.
    NumPy only, so the page draws its own atlas before Pillow is there."""
    y0, y1, x0, x1 = window
    scale = CELL / max(y1 - y0, x1 - x0)
    height, width = max(1, round((y1 - y0) * scale)), max(1, round((x1 - x0) * scale))
    patch = np.einsum("ah,hwc,bw->abc", resampling(y1 - y0, height), image[y0:y1, x0:x1], resampling(x1 - x0, width))
    cell = np.full((CELL, CELL, 3), GREY, dtype=np.uint8)
    top, left = (CELL - height) // 2, (CELL - width) // 2
    cell[top:top + height, left:left + width] = np.clip(np.rint(patch * 255), 0, 255).astype(np.uint8)
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

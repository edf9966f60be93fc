"""What each unit looks for, for the shipped model: the atlas (pyapp.engine.atlas) over its training and
validation images, written as ``atlas/atlas.json`` and a JPEG sprite. Not part of the first load: the page
fetches them when a unit view or the atlas first opens (the service worker keeps them, like every file of
the build). Remembered per weights and dataset, since it reads thousands of images."""
from __future__ import annotations

import hashlib
import io
import json
import shutil
from pathlib import Path

from PIL import Image

from pyapp.cli.atlas import SPRITE, SPRITE_QUALITY
from pyapp.data.dataset import DatasetError, labelled_images, split_dirs
from pyapp.engine import atlas
from pyapp.images.preprocess import load_image
from pyapp.views.parts.patches import DOCUMENT, FOLDER

from .common import BUILD_CACHE, Writer, log

MAX_SPRITE_BYTES = 1_000_000  # the bound: a lazily loaded extra, not a second site


def source_images(root: Path, classes) -> list[Path]:
    """The model's classes' images of the dataset's training and validation folders (or the folder itself)."""
    try:
        folders = split_dirs(root)
    except DatasetError:
        folders = (root,)
    found = []
    for folder in folders:
        try:
            found += [s.path for s in labelled_images(folder, classes)]
        except DatasetError:
            continue
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def compute(network, root: Path, paths: list[Path]) -> tuple[dict, bytes]:
    """(atlas.json's document, the sprite's JPEG bytes) of every unit over the images."""
    images = [(p.relative_to(root).as_posix(), load_image(p)) for p in paths]
    patches = atlas.top_patches(network, images, atlas.unit_layers(network))
    pixels, index = atlas.sprite(patches, dict(images))
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="JPEG", quality=SPRITE_QUALITY)
    document = atlas.atlas_json(patches, network) | {"sprite": {"file": SPRITE, **index}, "images": len(images)}
    return document, out.getvalue()


def write_atlas(write: Writer, network, root: Path | None) -> None:
    if root is None:
        log("atlas: no dataset, so none is shipped (the page computes one over its examples)")
        return
    paths = source_images(root, network.classes)
    if not paths:
        log("atlas: the dataset has no image of this model's classes; none is shipped")
        return
    key = hashlib.sha256((atlas.fingerprint(network) + "\n".join(
        f"{p.relative_to(root).as_posix()}:{p.stat().st_size}" for p in paths)).encode()).hexdigest()[:16]
    cached = BUILD_CACHE / f"atlas-{key}"
    if not (cached / "atlas.json").is_file():
        log(f"atlas: the top {atlas.TOP} patches of every unit over {len(paths)} images")
        document, sprite = compute(network, root, paths)
        if len(sprite) > MAX_SPRITE_BYTES:
            log(f"atlas: the sprite is {len(sprite):,} bytes, over {MAX_SPRITE_BYTES:,}")
        part = cached.with_name(cached.name + ".part")
        shutil.rmtree(part, ignore_errors=True)
        part.mkdir(parents=True)
        (part / SPRITE).write_bytes(sprite)
        (part / "atlas.json").write_text(json.dumps(document, separators=(",", ":")) + "\n")
        shutil.rmtree(cached, ignore_errors=True)
        part.rename(cached)
    else:
        log(f"atlas: as computed before ({cached.name})")
    write.copy(DOCUMENT, cached / "atlas.json")
    write.copy(f"{FOLDER}/{SPRITE}", cached / SPRITE)


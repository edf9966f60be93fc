"""The installable app: pyapp and the model as one deterministic zip, the icons and the web manifest, and the
service worker with its precache manifest (every file of the build with its sha256)."""
from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from pyapp.ui.colors import hex_color, to_rgb

from .common import ROOT, SITE, WEIGHTS, Writer, sha256_file

WEIGHT_FILES = ("tiny_vgg.json", "tiny_vgg.npz", "model_card.json", "MODEL_CARD.md")
COMPANION = WEIGHTS / "mlp"  # the shift view's fully connected network (training.train --arch mlp)
ICON_SIZES = (192, 512)
PAGE_NEVER = ("cli", "__main__.py", "notebook.py")  # pyapp's parts only the command line and Jupyter use
ZIP_TIME = (2020, 1, 1, 0, 0, 0)  # fixed, so an unchanged pyapp gives a byte-identical zip


def app_zip(network_files: list[Path]) -> bytes:
    """pyapp and the weights as one deterministic zip, unpacked by PyScript into Python's home folder; without
    the command line (pyapp/cli, __main__) and the notebook helpers, which the page never imports."""
    buffer = io.BytesIO()
    pyapp = ROOT / "pyapp"
    entries = sorted(p for p in pyapp.rglob("*.py") if "__pycache__" not in p.parts
                     and p.relative_to(pyapp).parts[0] not in PAGE_NEVER)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for path in entries + network_files:
            name = f"weights/{path.name}" if path in network_files else path.relative_to(ROOT).as_posix()
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, path.read_bytes())
    return buffer.getvalue()


def write_companion(write: Writer, network) -> list[str]:
    """The fully connected network beside the model, as files the shift view fetches when first opened (not
    in the first load; the service worker keeps them with the rest); none when it knows other classes."""
    from pyapp.engine.network import NetworkError, load_network

    try:
        companion = load_network(COMPANION)
    except NetworkError:
        return []
    if companion.classes != network.classes:
        return []
    files = [f"weights/mlp/{name}" for name in WEIGHT_FILES if (COMPANION / name).is_file()]
    for rel in files:
        write.copy(rel, COMPANION / rel.rsplit("/", 1)[1])
    return [rel for rel in files if rel.endswith((".json", ".npz")) and "card" not in rel]


def icon_png(size: int) -> bytes:
    """The app icon: an input, two activation maps and the output bars, in the explainer's colours."""
    scale = size / 64
    im = Image.new("RGB", (size, size), "#ffffff")
    draw = ImageDraw.Draw(im)
    draw.rounded_rectangle([0, 0, size - 1, size - 1], radius=10 * scale, fill="#f6f8fa", outline="#d8dee4",
                           width=max(1, round(scale)))
    y, x = np.mgrid[-1:1:8j, -1:1:8j]
    ring = np.cos(3 * np.hypot(x, y))  # a blob and a ring, like a conv map of a round object
    maps = [1 - (ring + 1) / 2, -ring, np.maximum(ring, 0)]
    for column, values in enumerate(maps):
        kind = "greys" if column == 0 else "rdbu"
        low, high = (0, 1) if column == 0 else (-1, 1)
        pixels = to_rgb(values, low, high, kind, reverse=column > 0).astype(np.uint8)
        tile = Image.fromarray(pixels).resize((round(16 * scale),) * 2, Image.Resampling.NEAREST)
        left, top = round((3 + 18 * column) * scale), round(24 * scale)
        im.paste(tile, (left, top))
    for row, length in enumerate((2, 6, 3)):
        y0 = (24 + row * 6) * scale
        draw.rectangle([57 * scale, y0, (57 + length) * scale, y0 + 4 * scale],
                       fill=hex_color("oranges", 0.5 + 0.4 * (length == 6)))
    out = io.BytesIO()
    im.save(out, "PNG", optimize=True)
    return out.getvalue()


def web_manifest() -> str:
    return json.dumps({
        "name": "CNN Explainer in Python",
        "short_name": "CNN Explainer",
        "description": "Watch a real convolutional network classify a photo, layer by layer, in your browser.",
        "start_url": "./",
        "scope": "./",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#ffffff",
        "icons": [{"src": f"icons/icon-{s}.png", "sizes": f"{s}x{s}", "type": "image/png", "purpose": "any"}
                  for s in ICON_SIZES],
    }, indent=1)


def write_service_worker(write: Writer, later=()) -> tuple[str, dict[str, str]]:
    """The precache manifest (every file written so far, with its sha256) and the service worker holding it;
    the build hash names the cache, so a new build installs beside the old one and replaces it whole.
    ``later``: files listed and checked like the rest but cached when first asked for, not at install."""
    listing = {rel: sha256_file(write.out / rel) for rel in sorted(write.written)}
    listing["./"] = listing["index.html"]  # the site's address itself is index.html
    build_hash = hashlib.sha256(json.dumps(listing, sort_keys=True).encode()).hexdigest()[:16]
    manifest = {"build": build_hash, "files": listing, "later": sorted(later)}
    write.text("precache-manifest.json", json.dumps(manifest, indent=1))
    worker = (SITE / "sw.js").read_text()
    write.text("sw.js", worker.replace("__PRECACHE_MANIFEST__", json.dumps(manifest, separators=(",", ":"))))
    return build_hash, {rel: sha for rel, sha in listing.items() if rel != "./"}

"""``python -m pyapp atlas``: the image patches that excite each unit most, as atlas.json and a sprite."""
from __future__ import annotations

import json
from pathlib import Path

from .shared import CliError, model, stderr

SPRITE = "atlas.jpg"
SPRITE_QUALITY = 90  # JPEG: photo patches, a few hundred KB for Tiny VGG's 80 units x 9


def run(args) -> int:
    from PIL import Image

    from ..engine import atlas
    from ..images.preprocess import ImageError, load_image

    network = model(args.weights)
    try:
        layers = atlas.check_layers(network, args.layers.split(",") if args.layers else None)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    root = Path(args.directory)
    if not root.is_dir():
        raise CliError(f"{root}: no such folder")
    images, skipped = [], 0
    for path in atlas.image_files(root):
        try:
            images.append((path.relative_to(root).as_posix(), load_image(path, network.input_shape[0])))
        except ImageError as exc:
            stderr(f"{path}: {exc} (skipped)")
            skipped += 1
    if not images:
        raise CliError(f"{root}: no image that can be read (JPEG, PNG)")
    patches = atlas.top_patches(network, images, layers)
    pixels, index = atlas.sprite(patches, dict(images))
    out = Path(args.output)
    try:
        out.mkdir(parents=True, exist_ok=True)
        Image.fromarray(pixels).save(out / SPRITE, quality=SPRITE_QUALITY)
        document = atlas.atlas_json(patches, network) | {"sprite": {"file": SPRITE, **index}}
        (out / "atlas.json").write_text(json.dumps(document) + "\n", encoding="utf-8")
    except OSError as exc:
        raise CliError(f"{out}: cannot write ({exc.strerror or exc})") from None
    units = sum(len(u) for u in patches.values())
    print(f"{out}/atlas.json and {SPRITE}: the top {atlas.TOP} patches of {units} units in {len(layers)} layers, "
          f"over {len(images)} images" + (f" ({skipped} skipped)" if skipped else ""))
    return 1 if skipped else 0


def add_command(commands, parents, formatter) -> None:
    p = commands.add_parser(
        "atlas", parents=[parents["weights"]], formatter_class=formatter,
        help="find the image patches that make each unit fire most",
        description="Run every image below DIR (any folder of JPEG or PNG files, searched recursively) and,\n"
                    "for every unit of every convolution and activation layer, keep the nine images whose\n"
                    "strongest response is largest, with the unit's receptive field at that response.\n"
                    "Writes OUT/atlas.json ({\"layers\": {layer: [unit 0's nine, ...]}}, each\n"
                    "{\"image\": path in DIR, \"window\": [y0, y1, x0, x1] in the 64x64 input, \"activation\"},\n"
                    "strongest first; ties go to the earlier path, then the earlier position) and\n"
                    f"OUT/{SPRITE}, one row of nine patches per unit (its \"sprite\" entry says where).")
    p.add_argument("directory", metavar="DIR", help="the folder of images")
    p.add_argument("--layers", metavar="NAMES", help="comma-separated layer names (default: every convolution "
                                                     "and activation layer)")
    p.add_argument("-o", "--output", default="atlas", metavar="OUT", help="the folder to write (default: atlas)")
    p.set_defaults(run=run)

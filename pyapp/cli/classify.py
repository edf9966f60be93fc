"""``classify IMAGE...``: the most likely class of each image, as text or JSON lines."""
from __future__ import annotations

import json

from .shared import BATCH, check_stdin_once, chunks, load_all, model, percent


def run(args) -> int:
    import numpy as np

    check_stdin_once(args.images)
    network = model(args.weights)
    classes = network.classes
    width = max(len(str(p)) for p in args.images)
    failures = 0
    for chunk in chunks(args.images, BATCH):
        loaded, failed = load_all(chunk, network.input_shape[0])
        failures += failed
        if not loaded:
            continue
        probabilities = network.predict(np.stack([a for _, a in loaded]))
        for (path, _), probs in zip(loaded, probabilities):
            order = np.argsort(-probs, kind="stable")
            best = int(order[0])
            if args.json:
                print(json.dumps({
                    "file": str(path), "class": classes[best], "index": best,
                    "probability": round(float(probs[best]), 6),
                    "probabilities": [round(float(p), 6) for p in probs],
                }), flush=True)
            else:
                line = f"{str(path):<{width}}  {classes[best]} {percent(probs[best])}"
                if args.top > 1:
                    line += "  (then " + ", ".join(
                        f"{classes[i]} {percent(probs[i])}" for i in order[1:args.top]) + ")"
                print(line, flush=True)
    return 1 if failures else 0


def add_command(commands, parents, formatter) -> None:
    p = commands.add_parser(
        "classify", parents=[parents["weights"]], formatter_class=formatter,
        help="say which of the model's classes each image shows",
        description="Print the most likely class of each image and the network's probability for it.\n"
                    "A file that cannot be read gets one line on stderr; the others are still classified.\n"
                    "Exit status: 0 when every image was classified, 1 when any could not be read, 2 when\n"
                    "the model cannot be used (refused with one line naming what does not fit).")
    p.add_argument("images", nargs="+", metavar="IMAGE",
                   help='image files (JPEG, PNG, GIF, WebP, TIFF, BMP, ...); "-" reads one from standard input')
    p.add_argument("--json", action="store_true",
                   help='one JSON object per line: {"file", "class", "index", "probability", "probabilities"} '
                        "(probabilities: the classes in the network's output order)")
    p.add_argument("--top", type=int, default=1, metavar="K",
                   help="also show the next most likely classes, K in all (text output only)")
    p.set_defaults(run=run)

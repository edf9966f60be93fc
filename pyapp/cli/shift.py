"""``shift DIR --pixels N``: how often the CNN and the fully connected network keep their answer when the
picture moves N px left, right, up and down (pyapp/engine/shift.py)."""
from __future__ import annotations

import json

from .. import WEIGHTS_DIR
from .shared import CliError, LabelledBatches, model, percent

MLP_DIR = WEIGHTS_DIR / "mlp"  # training.train --arch mlp writes it there


def run(args) -> int:
    from ..engine.shift import measure

    if args.pixels < 0 or args.pixels >= 64:
        raise CliError("--pixels must be from 0 to 63")
    networks = [model(args.weights), model(args.mlp or str(MLP_DIR))]
    if networks[0].classes != networks[1].classes:
        raise CliError("the two networks must know the same classes, in the same order")
    batches = LabelledBatches(args.directory, networks[0].classes)
    figures = measure(networks, batches, args.pixels)
    batches.report_failures()
    if not figures[0]["images"]:
        raise CliError(f"{args.directory}: none of the images could be read")
    for row in figures:
        if args.json:
            print(json.dumps({k: row[k] for k in ("network", "pixels", "kept", "accuracy")}))
        else:
            print(f"{row['network']:<10} accuracy {percent(row['accuracy']):>6}   answer kept when moved "
                  f"{row['pixels']} px (left, right, up, down): {percent(row['kept']):>6}")
    if not args.json:
        print(f"({figures[0]['images']} images; the uncovered border is filled with each image's mean colour)")
    return 1 if batches.failures else 0


def add_command(commands, parents, formatter) -> None:
    p = commands.add_parser(
        "shift", parents=[parents["weights"], parents["labelled"]], formatter_class=formatter,
        help="translation: how often the CNN and a fully connected network keep their answer when the image moves",
        description="Move every image of a labelled folder N pixels left, right, up and down (the uncovered\n"
                    "border filled with the image's mean colour) and print, for the CNN (--model) and for the\n"
                    "fully connected network (--mlp), the share of moves that keep the unshifted answer, and\n"
                    "the unshifted accuracy.")
    p.add_argument("--pixels", type=int, default=4, metavar="N", help="how far to move the image (default: 4)")
    p.add_argument("--mlp", metavar="DIR", help="the fully connected network's model folder (default: weights/mlp, "
                                                "trained by python -m training.train --arch mlp)")
    p.add_argument("--json", action="store_true",
                   help='one line per network: {"network", "pixels", "kept", "accuracy"}')
    p.set_defaults(run=run)

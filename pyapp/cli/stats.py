"""``stats DIR``: how alive the activation maps are on a labelled folder (zero pixels, blank maps, dead units)."""
from __future__ import annotations

import json

from .shared import CliError, LabelledBatches, model


def run(args) -> int:
    from ..data.activity import activity_of_batches, table_lines

    network = model(args.weights)
    batches = LabelledBatches(args.directory, network.classes)
    figures = activity_of_batches(network, batches)
    batches.report_failures()
    if not figures["images"]:
        raise CliError(f"{args.directory}: none of the images could be read")
    if args.json:
        print(json.dumps(figures))
    else:
        for line in table_lines(figures):
            print(line)
    return 1 if batches.failures else 0


def add_command(commands, parents, formatter) -> None:
    p = commands.add_parser(
        "stats", parents=[parents["weights"], parents["labelled"]], formatter_class=formatter,
        help="how much the activation maps say: zero pixels and blank maps per ReLU layer",
        description="Run every image of a labelled folder (the layouts of evaluate) and print, for each\n"
                    "ReLU layer: the share of zero pixels, the share of maps that are entirely zero (a blank\n"
                    "square in the explainer), and how many units are zero on every image; then the accuracy.\n"
                    "The training script writes the same table into the model card.")
    p.add_argument("--json", action="store_true",
                   help='one JSON object: {"images", "accuracy", "layers": [{"layer", "zero_pixels", '
                        '"zero_maps", "dead_units", "units"}]}')
    p.set_defaults(run=run)

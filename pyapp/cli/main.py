"""The command line: ``python -m pyapp classify | evaluate | stats | shift | render | explain | atlas | import``.

The same engine and preprocessing as the web page, for a terminal: classify your own images,
measure accuracy and how alive the activation maps are on a labelled folder, save the explainer's
overview of an image as an SVG, save a heat map of what the network used for a class (PNG, SVG or the
raw .npy array), or import a model trained elsewhere.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from pathlib import Path

from . import atlas, classify, evaluate, explain, import_model, render, shift, stats
from .. import WEIGHTS_DIR
from ..data.dataset import UnreadableError
from .shared import CliError, stderr

# The commands in the order of --help; each module has run(args) and add_command(commands, parents, formatter).
COMMANDS = (classify, evaluate, stats, shift, render, explain, atlas, import_model)

DESCRIPTION = """\
Tiny VGG, the small convolutional network of CNN Explainer, on the command line.
The model that comes with it knows {count} classes:
{classes}.
--model DIR uses another one (trained with training/train.py, or converted with
"import"). Any image is centre-cropped to a square and shrunk to 64x64 pixels
first, exactly as on the web page."""

EPILOG = """\
examples:
  python -m pyapp classify photo.jpg cat.png
  python -m pyapp classify --json *.jpg > results.jsonl
  python -m pyapp classify - < photo.jpg
  python -m pyapp evaluate tiny-imagenet-10/val
  python -m pyapp stats tiny-imagenet-10/val
  python -m pyapp shift tiny-imagenet-10/val --pixels 8
  python -m pyapp render photo.jpg -o overview.svg --colors global --detail
  python -m pyapp explain photo.jpg --class koala --method occlusion -o why.png
  python -m pyapp atlas tiny-imagenet-10/val -o atlas
  python -m pyapp import cnn-explainer/model.json --classes classes.txt -o my-model
  python -m pyapp --model my-model classify photo.jpg

run "python -m pyapp COMMAND --help" for the options of one command."""


def build_parser() -> argparse.ArgumentParser:
    formatter = argparse.RawDescriptionHelpFormatter
    try:  # the classes come from the model description, never from a list here
        classes = json.loads((WEIGHTS_DIR / "tiny_vgg.json").read_text(encoding="utf-8"))["classes"]
    except (OSError, ValueError, KeyError):
        classes = ["(no model found)"]
    description = DESCRIPTION.format(count=len(classes), classes=textwrap.fill(", ".join(classes), 80))
    prog = "cnn-explainer" if Path(sys.argv[0]).name == "cnn-explainer" else "python -m pyapp"  # pip's command
    parser = argparse.ArgumentParser(prog=prog, description=description, epilog=EPILOG.replace("python -m pyapp", prog),
                                     formatter_class=formatter)
    model_help = ("model folder with tiny_vgg.json and tiny_vgg.npz (default: the trained weights that come "
                  "with this program)")
    parser.add_argument("--model", dest="weights", metavar="DIR", help=model_help)
    weights = argparse.ArgumentParser(add_help=False)
    weights.add_argument("--model", "--weights", dest="weights", metavar="DIR", default=argparse.SUPPRESS,
                         help=model_help)
    labelled = argparse.ArgumentParser(add_help=False)
    labelled.add_argument("directory", metavar="DIR",
                          help="the labelled folder (one sub-folder per class, named by the class or its WordNet id)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    parents = {"weights": weights, "labelled": labelled}
    for command in COMMANDS:
        command.add_command(commands, parents, formatter)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "top", 1) < 1:
        stderr("--top must be at least 1")
        return 2
    try:
        return args.run(args)
    except CliError as exc:
        stderr(f"error: {exc}")
        return exc.code  # 2 for a refused model file
    except (PermissionError, UnreadableError) as exc:  # a model folder or dataset this user may not read
        stderr(f"error: {exc}" if not isinstance(exc, PermissionError) else
               f"error: {exc.filename}: permission denied (cannot be read)")
        return 2
    except KeyboardInterrupt:
        stderr("interrupted")
        return 130
    except BrokenPipeError:  # e.g. piped into head: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1

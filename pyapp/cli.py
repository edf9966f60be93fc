"""The command line: ``python -m pyapp classify | evaluate | stats | render | explain | import``.

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

from . import WEIGHTS_DIR, cli_explain, cli_import
from .cli_shared import CliError, model as _network, percent as _percent, stderr as _stderr

BATCH = 128  # images per forward pass: big enough to be fast, small enough for little memory

DESCRIPTION = """\
Tiny VGG, the small convolutional network of CNN Explainer, on the command line.
The model that comes with it knows {count} classes:
{classes}.
--model DIR uses another one (trained with weights/train.py, or converted with
"import"). Any image is centre-cropped to a square and shrunk to 64x64 pixels
first, exactly as on the web page."""

EPILOG = """\
examples:
  python -m pyapp classify photo.jpg cat.png
  python -m pyapp classify --json *.jpg > results.jsonl
  python -m pyapp classify - < photo.jpg
  python -m pyapp evaluate tiny-imagenet-10/val
  python -m pyapp stats tiny-imagenet-10/val
  python -m pyapp render photo.jpg -o overview.svg --colors global --detail
  python -m pyapp explain photo.jpg --class koala --method occlusion -o why.png
  python -m pyapp import cnn-explainer/model.json --classes classes.txt -o my-model
  python -m pyapp --model my-model classify photo.jpg

run "python -m pyapp COMMAND --help" for the options of one command."""


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


STDIN = "-"  # as an image name: read the image from standard input (e.g. curl ... | classify -)


def _source(path):
    """What load_image reads for a command-line name: standard input's bytes for "-", else the path."""
    if str(path) != STDIN:
        return path
    if sys.stdin is None or sys.stdin.isatty():  # reading would wait for keystrokes, not an image
        raise CliError('"-" reads an image from standard input: pipe one in (classify - < photo.jpg)')
    return sys.stdin.buffer


def _check_stdin_once(names) -> None:
    if sum(str(name) == STDIN for name in names) > 1:
        raise CliError('"-" (standard input) can be given only once')


def _load_all(paths):
    """(loaded [(path, array)], failed count); a bad file is reported on stderr, the others go on."""
    from .preprocess import ImageError, load_image

    loaded, failed = [], 0
    for path in paths:
        try:
            loaded.append((path, load_image(_source(path))))
        except ImageError as exc:
            _stderr(f"{path}: {exc}")
            failed += 1
    return loaded, failed


# -- classify -----------------------------------------------------------------------------------

def classify(args) -> int:
    import numpy as np

    _check_stdin_once(args.images)
    network = _network(args.weights)
    classes = network.classes
    width = max(len(str(p)) for p in args.images)
    failures = 0
    for chunk in _chunks(args.images, BATCH):
        loaded, failed = _load_all(chunk)
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
                line = f"{str(path):<{width}}  {classes[best]} {_percent(probs[best])}"
                if args.top > 1:
                    line += "  (then " + ", ".join(
                        f"{classes[i]} {_percent(probs[i])}" for i in order[1:args.top]) + ")"
                print(line, flush=True)
    return 1 if failures else 0


# -- evaluate -----------------------------------------------------------------------------------

def confusion_matrix(truth, predicted, n: int):
    import numpy as np

    matrix = np.zeros((n, n), dtype=np.int64)
    np.add.at(matrix, (np.asarray(truth, dtype=np.int64), np.asarray(predicted, dtype=np.int64)), 1)
    return matrix


def evaluation_report(matrix, classes) -> list[str]:
    """Per-class accuracy, the confusion matrix (rows: true class; columns: predicted), overall accuracy."""
    n = len(classes)
    name_w = max(len(c) for c in classes)
    lines = [f"{'class':<{name_w}}  correct  images  accuracy"]
    for i, name in enumerate(classes):
        total = int(matrix[i].sum())
        acc = f"{matrix[i, i] / total:.4f}" if total else "-"
        lines.append(f"{name:<{name_w}}  {int(matrix[i, i]):>7}  {total:>6}  {acc:>8}")
    cell = max(4, len(str(int(matrix.max()))) + 1)
    lines += ["", "confusion matrix (rows: true class, columns: predicted class, numbered as the rows)"]
    lines.append(" " * (name_w + 4) + "".join(f"{j:>{cell}}" for j in range(n)))
    for i, name in enumerate(classes):
        lines.append(f"{i:>2} {name:<{name_w}} " + "".join(f"{int(v):>{cell}}" for v in matrix[i]))
    total = int(matrix.sum())
    accuracy = float(matrix.trace() / total) if total else 0.0
    lines += ["", f"accuracy: {accuracy:.4f} ({total} images)"]
    return lines


class _LabelledBatches:
    """The readable images of a labelled folder in batches of (images, labels); counts the unreadable."""

    def __init__(self, directory, classes):
        from .dataset import DatasetError, labelled_images

        try:
            self.samples = labelled_images(directory, classes)
        except DatasetError as exc:
            raise CliError(str(exc)) from None
        self.failures = 0

    def __iter__(self):
        import numpy as np

        for chunk in _chunks(self.samples, BATCH):
            loaded, failed = _load_all([s.path for s in chunk])
            self.failures += failed
            if loaded:
                index_of = {s.path: s.index for s in chunk}
                yield np.stack([a for _, a in loaded]), np.array([index_of[p] for p, _ in loaded])

    def report_failures(self) -> None:
        if self.failures:
            _stderr(f"{self.failures} image(s) could not be read and are left out")


def evaluate(args) -> int:
    network = _network(args.weights)
    batches = _LabelledBatches(args.directory, network.classes)
    truth, predicted = [], []
    for images, labels in batches:
        truth += labels.tolist()
        predicted += network.predict(images).argmax(axis=1).tolist()
    batches.report_failures()
    for line in evaluation_report(confusion_matrix(truth, predicted, len(network.classes)), network.classes):
        print(line)
    return 1 if batches.failures or not truth else 0


# -- stats --------------------------------------------------------------------------------------

def stats(args) -> int:
    from .activity import activity_of_batches, table_lines

    network = _network(args.weights)
    batches = _LabelledBatches(args.directory, network.classes)
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


# -- render -------------------------------------------------------------------------------------

def render(args) -> int:
    from .preprocess import ImageError, load_image
    from .state import State

    try:
        from .views.overview import standalone_svg
    except ImportError:
        raise CliError("render is not available yet: pyapp/views/overview.py (standalone_svg) is missing") from None
    network = _network(args.weights)
    try:
        image = load_image(_source(args.image))
    except ImageError as exc:
        raise CliError(f"{args.image}: {exc}") from None
    trace = network.forward(image)
    state = State(image="custom", image_url=str(args.image), colors=args.colors, detail=args.detail)
    text = standalone_svg(state, trace, network)
    output = Path(args.output)
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CliError(f"{output}: cannot write ({exc.strerror or exc})") from None
    probs = trace.probabilities
    best = int(probs.argmax())
    print(f"{output}: overview of {args.image} ({network.classes[best]} {_percent(probs[best])})")
    return 0


# -- the parser ---------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    from .state import COLOR_MODES

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

    p = commands.add_parser(
        "classify", parents=[weights], formatter_class=formatter,
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
    p.set_defaults(run=classify)

    p = commands.add_parser(
        "evaluate", parents=[weights, labelled], formatter_class=formatter,
        help="measure accuracy on a folder of labelled images",
        description="Classify every image of a labelled folder and compare with its label.\n"
                    "The folder holds one sub-folder per class named after it or by its WordNet id (as Tiny\n"
                    "ImageNet's train/ and the 10-class copy's val/), or Tiny ImageNet's official validation layout\n"
                    "(images/ and val_annotations.txt). Prints the accuracy of each class, a confusion\n"
                    "matrix (which classes get mistaken for which), and last the overall accuracy.")
    p.set_defaults(run=evaluate)

    p = commands.add_parser(
        "stats", parents=[weights, labelled], formatter_class=formatter,
        help="how much the activation maps say: zero pixels and blank maps per ReLU layer",
        description="Run every image of a labelled folder (the layouts of evaluate) and print, for each\n"
                    "ReLU layer: the share of zero pixels, the share of maps that are entirely zero (a blank\n"
                    "square in the explainer), and how many units are zero on every image; then the accuracy.\n"
                    "The training script writes the same table into the model card.")
    p.add_argument("--json", action="store_true",
                   help='one JSON object: {"images", "accuracy", "layers": [{"layer", "zero_pixels", '
                        '"zero_maps", "dead_units", "units"}]}')
    p.set_defaults(run=stats)

    p = commands.add_parser(
        "render", parents=[weights], formatter_class=formatter,
        help="save the explainer's overview of an image as an SVG file",
        description="Run the network on an image and save the overview (every layer's activation maps\n"
                    "and the class probabilities) as a standalone SVG file, for slides and papers.")
    p.add_argument("image", metavar="IMAGE", help='the image file ("-": read it from standard input)')
    p.add_argument("-o", "--output", default="overview.svg", metavar="FILE",
                   help="where to write the SVG (default: overview.svg)")
    p.add_argument("--colors", choices=COLOR_MODES, default="unit",
                   help="colour range: per layer (unit), per block of layers (module) or one range for "
                        "the whole network (global); default: unit")
    p.add_argument("--detail", action="store_true",
                   help="label the layers with their sizes (height, width, channels); the colour legends "
                        "are always drawn")
    p.set_defaults(run=render)

    cli_explain.add_command(commands, [weights], formatter)
    cli_import.add_command(commands, formatter)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "top", 1) < 1:
        _stderr("--top must be at least 1")
        return 2
    try:
        return args.run(args)
    except CliError as exc:
        _stderr(f"error: {exc}")
        return exc.code  # 2 for a refused model file
    except KeyboardInterrupt:
        _stderr("interrupted")
        return 130
    except BrokenPipeError:  # e.g. piped into head: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1

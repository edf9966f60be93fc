"""The command line: ``python -m pyapp classify | evaluate | render | explain``.

The same engine and preprocessing as the web page, for a terminal: classify your own images,
measure accuracy on a labelled folder, save the explainer's overview of an image as an SVG, or save
a heat map of what the network used for a class (PNG, SVG or the raw .npy array).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from pathlib import Path

from . import WEIGHTS_DIR

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
  python -m pyapp evaluate tiny-imagenet-10/val
  python -m pyapp render photo.jpg -o overview.svg --colors global --detail
  python -m pyapp explain photo.jpg --class koala --method occlusion -o why.png
  python -m pyapp import cnn-explainer/model.json --classes classes.txt -o my-model
  python -m pyapp --model my-model classify photo.jpg

run "python -m pyapp COMMAND --help" for the options of one command."""


class CliError(Exception):
    """A problem that stops the whole command (no network, no such folder): one line on stderr."""


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _network(weights: str | None):
    from .network import NetworkError, load_network

    directory = Path(weights) if weights else WEIGHTS_DIR
    try:
        return load_network(directory)
    except NetworkError as exc:
        raise CliError(f"cannot load the network: {exc}") from None


def _percent(p: float) -> str:
    return f"{100 * p:.1f}%"


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _load_all(paths):
    """(loaded [(path, array)], failed count); a bad file is reported on stderr, the others go on."""
    from .preprocess import ImageError, load_image

    loaded, failed = [], 0
    for path in paths:
        try:
            loaded.append((path, load_image(path)))
        except ImageError as exc:
            _stderr(f"{path}: {exc}")
            failed += 1
    return loaded, failed


# -- classify -----------------------------------------------------------------------------------

def classify(args) -> int:
    import numpy as np

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


def evaluate(args) -> int:
    import numpy as np

    from .dataset import DatasetError, labelled_images

    network = _network(args.weights)
    try:
        samples = labelled_images(args.directory, network.classes)
    except DatasetError as exc:
        raise CliError(str(exc)) from None
    truth, predicted, failures = [], [], 0
    for chunk in _chunks(samples, BATCH):
        loaded, failed = _load_all([s.path for s in chunk])
        failures += failed
        if not loaded:
            continue
        index_of = {s.path: s.index for s in chunk}
        probabilities = network.predict(np.stack([a for _, a in loaded]))
        truth += [index_of[p] for p, _ in loaded]
        predicted += probabilities.argmax(axis=1).tolist()
    if failures:
        _stderr(f"{failures} image(s) could not be read and are left out")
    for line in evaluation_report(confusion_matrix(truth, predicted, len(network.classes)), network.classes):
        print(line)
    return 1 if failures or not truth else 0


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
        image = load_image(args.image)
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
    probs = trace["probabilities"]
    best = int(probs.argmax())
    print(f"{output}: overview of {args.image} ({network.classes[best]} {_percent(probs[best])})")
    return 0


# -- explain ------------------------------------------------------------------------------------

EXPLAIN_FORMATS = (".png", ".svg", ".npy")
EXPLAIN_SCALE = 4  # a PNG has 4x4 screen pixels per input pixel: 256 x 256


def explain(args) -> int:
    import numpy as np

    from . import explain as methods
    from .preprocess import ImageError, load_image
    from .svg import png_bytes
    from .views import why

    output = Path(args.output)
    if output.suffix.lower() not in EXPLAIN_FORMATS:
        raise CliError(f"{output}: the output must end in {', '.join(EXPLAIN_FORMATS)}")
    network = _network(args.weights)
    target = None
    if args.class_name is not None:
        try:
            target = methods.class_index(network, args.class_name)
        except ValueError as exc:
            raise CliError(str(exc)) from None
    try:
        image = load_image(args.image)
    except ImageError as exc:
        raise CliError(f"{args.image}: {exc}") from None
    trace = network.forward(image)
    probs = trace["probabilities"]
    target = int(probs.argmax()) if target is None else target
    heat = methods.explain(network, trace, target, args.method)
    suffix = output.suffix.lower()
    try:
        if suffix == ".npy":
            with output.open("wb") as f:
                np.save(f, heat)
        elif suffix == ".svg":
            output.write_text(why.standalone_svg(network, trace, args.method, target), encoding="utf-8")
        else:
            scale = why.heat_scale(methods.METHODS[args.method], [heat])
            pixels = why.overlay(why.photo_pixels(trace), heat, scale)
            output.write_bytes(png_bytes(pixels.repeat(EXPLAIN_SCALE, 0).repeat(EXPLAIN_SCALE, 1)))
    except OSError as exc:
        raise CliError(f"{output}: cannot write ({exc.strerror or exc})") from None
    label = methods.METHODS[args.method].label
    print(f"{output}: {label} of {args.image} for {network.classes[target]} ({_percent(probs[target])}), "
          f"values from {float(heat.min()):.4g} to {float(heat.max()):.4g}")
    return 0


# -- import -------------------------------------------------------------------------------------

def import_(args) -> int:
    from .model_import import ImportError_, import_model, read_classes
    from .network import save_network

    try:
        classes = read_classes(args.classes) if args.classes else None
        network = import_model(args.file, classes, args.layers)
    except ImportError_ as exc:
        raise CliError(str(exc)) from None
    if classes is None and network.classes[0] == "class 1":
        _stderr("note: no class names in the model and no --classes: they are named class 1, class 2, ...")
    try:
        save_network(args.output, network.description, network.weights())
    except OSError as exc:
        raise CliError(f"{args.output}: cannot write ({exc.strerror or exc})") from None
    layers = " ".join(layer.name for layer in network.layers)
    print(f"{args.output}: {network.parameter_count} parameters, {len(network.classes)} classes "
          f"({', '.join(network.classes)}); layers: {layers}")
    return 0


# -- the parser ---------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    from .model_import import TINY_VGG_LAYERS
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
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = commands.add_parser(
        "classify", parents=[weights], formatter_class=formatter,
        help="say which of the model's classes each image shows",
        description="Print the most likely class of each image and the network's probability for it.\n"
                    "A file that cannot be read gets one line on stderr; the others are still classified.\n"
                    "Exit status: 0 when every image was classified, 1 when any could not be read.")
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files (JPEG, PNG, GIF, WebP, TIFF, BMP, ...)")
    p.add_argument("--json", action="store_true",
                   help='one JSON object per line: {"file", "class", "index", "probability", "probabilities"} '
                        "(probabilities: the classes in the network's output order)")
    p.add_argument("--top", type=int, default=1, metavar="K",
                   help="also show the next most likely classes, K in all (text output only)")
    p.set_defaults(run=classify)

    p = commands.add_parser(
        "evaluate", parents=[weights], formatter_class=formatter,
        help="measure accuracy on a folder of labelled images",
        description="Classify every image of a labelled folder and compare with its label.\n"
                    "The folder holds one sub-folder per class named after it or by its WordNet id (as Tiny\n"
                    "ImageNet's train/ and the 10-class copy's val/), or Tiny ImageNet's official validation layout\n"
                    "(images/ and val_annotations.txt). Prints the accuracy of each class, a confusion\n"
                    "matrix (which classes get mistaken for which), and last the overall accuracy.")
    p.add_argument("directory", metavar="DIR", help="the labelled folder")
    p.set_defaults(run=evaluate)

    p = commands.add_parser(
        "render", parents=[weights], formatter_class=formatter,
        help="save the explainer's overview of an image as an SVG file",
        description="Run the network on an image and save the overview (every layer's activation maps\n"
                    "and the class probabilities) as a standalone SVG file, for slides and papers.")
    p.add_argument("image", metavar="IMAGE", help="the image file")
    p.add_argument("-o", "--output", default="overview.svg", metavar="FILE",
                   help="where to write the SVG (default: overview.svg)")
    p.add_argument("--colors", choices=COLOR_MODES, default="unit",
                   help="colour range: per layer (unit), per block of layers (module) or one range for "
                        "the whole network (global); default: unit")
    p.add_argument("--detail", action="store_true",
                   help="label the layers with their sizes (height, width, channels); the colour legends "
                        "are always drawn")
    p.set_defaults(run=render)

    from .explain import DEFAULT_METHOD, METHODS

    p = commands.add_parser(
        "explain", parents=[weights], formatter_class=formatter,
        help="save a heat map of the photo's pixels that mattered for a class",
        description="Explain one class score of an image with a heat map over the photo:\n"
                    "  saliency          the gradient of the class score at each pixel (Simonyan et al. 2013)\n"
                    "  gradient-x-input  the gradient times the pixel (negative: pushed the score down)\n"
                    "  gradcam           conv_2_2's maps weighted by their gradient (Selvaraju et al. 2017)\n"
                    "  occlusion         the drop in probability when a grey square hides each place\n"
                    "                    (Zeiler and Fergus 2014)\n"
                    "They show what this network used, not what the class looks like in the world.\n"
                    "The output's suffix picks the format: .png (256x256, the map blended over the photo),\n"
                    ".svg (the photo, the map and a colour legend) or .npy (the raw 64x64 float32 array).")
    p.add_argument("image", metavar="IMAGE", help="the image file")
    p.add_argument("--class", dest="class_name", metavar="NAME",
                   help="the class to explain, e.g. koala or 'red panda' (default: the network's answer)")
    p.add_argument("--method", choices=list(METHODS), default=DEFAULT_METHOD,
                   help=f"the explanation method (default: {DEFAULT_METHOD})")
    p.add_argument("-o", "--output", default="explanation.png", metavar="FILE",
                   help="where to write: FILE.png, FILE.svg or FILE.npy (default: explanation.png)")
    p.set_defaults(run=explain)

    p = commands.add_parser(
        "import", formatter_class=formatter,
        help="convert a TensorFlow.js model.json or a PyTorch state_dict into a model folder",
        description="Convert a model trained elsewhere into a model folder for --model and build.py --model:\n"
                    "a TensorFlow.js Layers model (model.json with its weight shards beside it) or a PyTorch\n"
                    "state_dict saved with torch.save. The layers must be conv2d / relu / max_pool2d, one\n"
                    "flatten, one dense layer (one output per class, 2 to 20) and softmax, on 64x64 RGB images\n"
                    "in [0, 1]. Anything else is refused with the first layer or shape that does not fit.")
    p.add_argument("file", metavar="FILE", help="model.json (TF.js) or a .pt / .pth file (PyTorch state_dict)")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="the model folder to write")
    p.add_argument("--classes", metavar="FILE",
                   help="class names in output order: a file (one per line, or a JSON list) or a comma-separated "
                        "list (default: the model's metadata, else class 1, class 2, ...)")
    p.add_argument("--layers", default=TINY_VGG_LAYERS, metavar="WORDS",
                   help="state_dict only (it holds tensors, not the architecture): the layer sequence, words "
                        f'conv relu pool flatten dense, conv:P for padding P (default: "{TINY_VGG_LAYERS}"; '
                        'pool is 2x2, stride 2)')
    p.set_defaults(run=import_)
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
        return 1
    except KeyboardInterrupt:
        _stderr("interrupted")
        return 130
    except BrokenPipeError:  # e.g. piped into head: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1

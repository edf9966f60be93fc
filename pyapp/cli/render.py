"""``render IMAGE``: the explainer's overview of an image as a standalone SVG file."""
from __future__ import annotations

from pathlib import Path

from .shared import CliError, model, percent, source


def run(args) -> int:
    from ..images.preprocess import ImageError, load_image
    from ..ui.state import State

    try:
        from ..views.widgets.overview import standalone_svg
    except ImportError:
        raise CliError("render is not available yet: pyapp/views/widgets/overview.py (standalone_svg) is missing") from None
    network = model(args.weights)
    try:
        image = load_image(source(args.image), network.input_shape[0])
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
    print(f"{output}: overview of {args.image} ({network.classes[best]} {percent(probs[best])})")
    return 0


def add_command(commands, parents, formatter) -> None:
    from ..ui.state import COLOR_MODES

    p = commands.add_parser(
        "render", parents=[parents["weights"]], formatter_class=formatter,
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
    p.set_defaults(run=run)

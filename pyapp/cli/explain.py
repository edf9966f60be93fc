"""``python -m pyapp explain``: a heat map of what the network used for a class, as PNG, SVG or .npy."""
from __future__ import annotations

from pathlib import Path

from .shared import CliError, model, percent


EXPLAIN_FORMATS = (".png", ".svg", ".npy")
EXPLAIN_SCALE = 4  # a PNG has 4x4 screen pixels per input pixel: 256 x 256


def run(args) -> int:
    import numpy as np

    from ..engine import explain as methods
    from ..images.preprocess import ImageError, load_image
    from ..images.png import png_bytes
    from ..views.detail import why
    from ..images.png import input_pixels

    output = Path(args.output)
    if output.suffix.lower() not in EXPLAIN_FORMATS:
        raise CliError(f"{output}: the output must end in {', '.join(EXPLAIN_FORMATS)}")
    network = model(args.weights)
    target = None
    if args.class_name is not None:
        try:
            target = methods.class_index(network, args.class_name)
        except ValueError as exc:
            raise CliError(str(exc)) from None
    try:
        image = load_image(args.image, network.input_shape[0])
    except ImageError as exc:
        raise CliError(f"{args.image}: {exc}") from None
    trace = network.forward(image)
    probs = trace.probabilities
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
            pixels = why.overlay(input_pixels(trace), heat, scale)
            output.write_bytes(png_bytes(pixels.repeat(EXPLAIN_SCALE, 0).repeat(EXPLAIN_SCALE, 1)))
    except OSError as exc:
        raise CliError(f"{output}: cannot write ({exc.strerror or exc})") from None
    label = methods.METHODS[args.method].label
    print(f"{output}: {label} of {args.image} for {network.classes[target]} ({percent(probs[target])}), "
          f"values from {float(heat.min()):.4g} to {float(heat.max()):.4g}")
    return 0


def add_command(commands, parents, formatter) -> None:
    from ..engine.explain import DEFAULT_METHOD, METHODS

    p = commands.add_parser(
        "explain", parents=[parents["weights"]], formatter_class=formatter,
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
    p.set_defaults(run=run)

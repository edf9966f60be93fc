"""``python -m pyapp import``: a TF.js model.json or a PyTorch state_dict into a model folder."""
from __future__ import annotations

from .shared import CliError, ModelRefused, stderr


def run(args) -> int:
    from ..models.imports import ImportError_, import_model, read_classes
    from ..engine.network import save_network

    try:
        classes = read_classes(args.classes) if args.classes else None
        network = import_model(args.file, classes, args.layers)
    except ImportError_ as exc:
        raise ModelRefused(str(exc)) from None
    if classes is None and network.classes[0] == "class 1":
        stderr("note: no class names in the model and no --classes: they are named class 1, class 2, ...")
    try:
        save_network(args.output, network.description, network.weights())
    except OSError as exc:
        raise CliError(f"{args.output}: cannot write ({exc.strerror or exc})") from None
    layers = " ".join(layer.name for layer in network.layers)
    print(f"{args.output}: {network.parameter_count} parameters, {len(network.classes)} classes "
          f"({', '.join(network.classes)}); layers: {layers}")
    return 0


def add_command(commands, parents, formatter) -> None:
    from ..models.imports import TINY_VGG_LAYERS

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
    p.set_defaults(run=run)

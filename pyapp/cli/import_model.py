"""``python -m pyapp import``: a model file of another framework into a model folder, checked before it is written."""
from __future__ import annotations

from pathlib import Path

from .shared import CliError, ModelRefused, stderr


def run(args) -> int:
    from ..engine.network import save_network
    from ..models.imports import ImportError_, file_kind, import_model, read_classes, read_normalize
    from ..models.imports.parity import check

    try:
        classes = read_classes(args.classes) if args.classes else None
        normalization = read_normalize(args.normalize) if args.normalize else None
        network = import_model(args.file, classes, args.layers, args.input_size, normalization)
        parity = check(network, file_kind(Path(args.file)), Path(args.file))
    except ImportError_ as exc:
        raise ModelRefused(str(exc)) from None
    for note in network.imported.notes:
        stderr(f"note: {note}")
    if classes is None and network.classes[0] == "class 1":
        stderr("note: no class names in the model and no --classes: they are named class 1, class 2, ...")
    if parity is not None:
        print(parity.sentence())
        if not parity.ok:
            raise ModelRefused(f"the engine does not compute what {parity.framework} computes for this file "
                               f"(difference {parity.difference:.1e}): nothing was written")
    try:
        save_network(args.output, network.description, network.weights())
    except OSError as exc:
        raise CliError(f"{args.output}: cannot write ({exc.strerror or exc})") from None
    layers = " ".join(layer.name for layer in network.layers)
    h, w, c = network.input_shape
    print(f"{args.output}: {network.parameter_count} parameters, {len(network.classes)} classes "
          f"({', '.join(network.classes)}), {h}x{w}x{c} input; layers: {layers}")
    return 0


def add_command(commands, parents, formatter) -> None:
    from ..models.imports import DEFAULT_SIZE, FORMATS, TINY_VGG_LAYERS

    p = commands.add_parser(
        "import", formatter_class=formatter,
        help="convert a TF.js, Keras, ONNX or PyTorch model file into a model folder",
        description="Convert a model trained elsewhere into a model folder for --model and build.py --model:\n"
                    + "".join(f"  {what}\n" for what in FORMATS.values()) +
                    "A whole PyTorch model goes through ONNX (torch.onnx.export). The model must be a chain of\n"
                    "convolution, activation (relu, leaky relu, sigmoid, tanh), pooling (max, average, global\n"
                    "average), batch normalisation, dropout, flatten and dense layers on square 16-128 px grey or\n"
                    "colour images, with 2 to 20 outputs. Anything else is refused with the first layer or shape\n"
                    "that does not fit. Before writing, the engine's output is compared with the source\n"
                    "framework's on random images (PyTorch, ONNX's reference evaluator, Keras), where installed.")
    p.add_argument("file", metavar="FILE", help="model.json (TF.js), .keras / .h5 (Keras), .onnx, or a .pt / .pth "
                                                "state_dict")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="the model folder to write")
    p.add_argument("--classes", metavar="FILE",
                   help="class names in output order: a file (one per line, or a JSON list) or a comma-separated "
                        "list (default: the model's metadata, else class 1, class 2, ...)")
    p.add_argument("--normalize", metavar="MEAN,STD",
                   help="the input normalisation the model was trained with, on pixels in [0, 1]: MEAN,STD, one "
                        "mean and one std per channel (0.485,0.456,0.406,0.229,0.224,0.225), or a scale on 0..255 "
                        "pixels such as 1/255 (default: the file's own Rescaling / Normalization layer, else none)")
    p.add_argument("--layers", default=TINY_VGG_LAYERS, metavar="WORDS",
                   help="state_dict only (it holds tensors, not the architecture): the layer sequence, words "
                        "conv relu leaky sigmoid tanh pool avgpool gap bn dropout flatten dense softmax; conv:1 "
                        "pads by 1, conv:same, conv:1:2 strides by 2, pool:3:2 is 3x3 stride 2 "
                        f'(default: "{TINY_VGG_LAYERS}"; pool is 2x2, stride 2)')
    p.add_argument("--input-size", type=int, default=DEFAULT_SIZE, metavar="N",
                   help=f"state_dict only: the side of the square images it takes (default {DEFAULT_SIZE}; the "
                        "channels come from the first kernel)")
    p.set_defaults(run=run)

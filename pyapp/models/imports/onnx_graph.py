"""ONNX files (``torch.onnx.export`` of a whole PyTorch model, or any exporter's), through the ``onnx`` package.

The graph must be a chain from its one image input (N, C, H, W) to its one output, of the ops in ``OPS``; shape
plumbing torch exports around a flatten (Shape, Gather, Unsqueeze, Concat, Constant feeding a Reshape) is
followed. Every initializer's size is checked before its numbers are made, and weights kept in another file
(external data) are refused: a model file is read as data.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ...engine.network import Network
from ..limits import LIMITS
from ..reading import read_file
from .common import ImportError_, Layers, finish, in_words, safe_name

OPS = ("Conv", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "MaxPool", "AveragePool", "GlobalAveragePool",
       "BatchNormalization", "Dropout", "Flatten", "Reshape", "Gemm", "MatMul", "Add", "Softmax", "Identity")
SHAPE_OPS = ("Shape", "Gather", "Unsqueeze", "Concat", "Constant", "Cast", "Slice", "Squeeze")
ACTIVATION_OPS = {"Relu": "relu", "LeakyRelu": "leaky_relu", "Sigmoid": "sigmoid", "Tanh": "tanh"}


def _onnx():
    try:
        import onnx
    except ImportError:
        raise ImportError_("reading an ONNX file needs the onnx package (pip install onnx)") from None
    return onnx


def _load(path: Path):
    onnx = _onnx()
    data = read_file(path, "ONNX file")
    try:
        model = onnx.load_model_from_string(data)
    except Exception as exc:  # noqa: BLE001 - protobuf's DecodeError and friends: each means "not an ONNX file"
        raise ImportError_(f"{path}: not an ONNX model ({type(exc).__name__})") from None
    if not model.graph.node:
        raise ImportError_(f"{path}: not an ONNX model (its graph has no operations)")
    return model


def _initializers(graph) -> dict[str, np.ndarray]:
    """The graph's constant arrays, each size checked before its numbers are made."""
    onnx = _onnx()
    from onnx import numpy_helper

    out = {}
    for tensor in graph.initializer:
        count = math.prod(tensor.dims)
        if len(tensor.dims) > 4 or count > LIMITS["parameters"][1]:
            raise ImportError_(f"initializer {tensor.name[:60]} has shape {tuple(tensor.dims)}; the limit is "
                               f"{LIMITS['parameters'][1]:,} numbers")
        if tensor.data_location == onnx.TensorProto.EXTERNAL:
            raise ImportError_(f"initializer {tensor.name[:60]} keeps its numbers in another file (external data); "
                               "save the model as one file")
        try:
            array = numpy_helper.to_array(tensor)
        except Exception as exc:  # noqa: BLE001 - a damaged tensor in any of onnx's ways
            raise ImportError_(f"initializer {tensor.name[:60]} is damaged ({type(exc).__name__})") from None
        if array.size != count:
            raise ImportError_(f"initializer {tensor.name[:60]} holds {array.size:,} numbers for shape "
                               f"{tuple(tensor.dims)}")
        out[tensor.name] = array
    return out


def _attributes(node) -> dict:
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _window(attrs: dict, label: str, what: str) -> tuple[int, int, object]:
    """(size, stride, padding) of a Conv or pool node: square windows, symmetric or uneven-after padding."""
    kernel = attrs.get("kernel_shape")
    strides = attrs.get("strides", [1, 1])
    if any(d != 1 for d in attrs.get("dilations", [1, 1])):
        raise ImportError_(f"node {label}: dilated {what}s are not supported")
    if kernel is not None and len(set(kernel)) != 1 or len(set(strides)) != 1:
        raise ImportError_(f"node {label}: {what} kernel {kernel} stride {strides} is not square")
    auto = attrs.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else str(auto)
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        if auto == "SAME_LOWER":
            raise ImportError_(f"node {label}: auto_pad SAME_LOWER is not supported (SAME_UPPER is)")
        padding = "same"
    else:
        top, left, bottom, right = attrs.get("pads", [0, 0, 0, 0])
        if (top, bottom) != (left, right):
            raise ImportError_(f"node {label}: padding {[top, left, bottom, right]} is not the same on both axes")
        padding = int(top) if top == bottom else [int(top), int(bottom)]
    if attrs.get("ceil_mode", 0):
        raise ImportError_(f"node {label}: ceil_mode is not supported")
    return (int(kernel[0]) if kernel else 0), int(strides[0]), padding


@in_words
def import_onnx(path: Path, classes: list[str] | None = None, normalization: dict | None = None) -> Network:
    path = Path(path)
    model = _load(path)
    graph = model.graph
    constants = _initializers(graph)
    for node in graph.node:
        if node.op_type == "Constant":  # shape constants a torch export writes beside its Reshape
            value = _attributes(node).get("value")
            if value is not None and math.prod(value.dims) <= 64:
                from onnx import numpy_helper
                constants[node.output[0]] = numpy_helper.to_array(value)
    images = [i for i in graph.input if i.name not in constants]
    if len(images) != 1:
        raise ImportError_(f"{path}: the graph takes {len(images)} inputs; the explainer feeds one image")
    dims = [d.dim_value if d.HasField("dim_value") else None for d in images[0].type.tensor_type.shape.dim]
    if len(dims) != 4 or None in dims[1:]:
        raise ImportError_(f"{path}: the input has shape {dims}; the explainer feeds images (N, C, H, W)")
    _, c, h, w = dims
    out = Layers((h, w, c))
    current = images[0].name
    for node in graph.node:
        label = f"{node.name or node.op_type!r} ({node.op_type})"
        if node.op_type in SHAPE_OPS:
            continue  # shape arithmetic, checked by where its result goes
        if node.op_type not in OPS:
            raise ImportError_(f"node {label}: {node.op_type} is not supported ({', '.join(OPS)})")
        if not node.input or node.input[0] != current:
            if node.op_type == "Add" and current in node.input[1:]:
                pass  # MatMul's bias, written the other way round
            else:
                raise ImportError_(f"node {label}: the graph is not a chain (it reads {list(node.input)[:3]}, "
                                   f"the chain is at {current!r})")
        _node(out, node, label, constants)
        current = node.output[0]
    outputs = [o.name for o in graph.output]
    if outputs != [current]:
        raise ImportError_(f"{path}: the graph's output {outputs} is not the end of its chain ({current!r})")
    return finish(safe_name(path.stem, set()), out, classes, normalization)


def _node(out: Layers, node, label: str, constants: dict) -> None:
    op, attrs = node.op_type, _attributes(node)
    name = safe_name(node.name or op, set())

    def constant(index: int):
        if len(node.input) <= index or not node.input[index]:
            return None
        if node.input[index] not in constants:
            raise ImportError_(f"node {label}: its input {node.input[index]!r} is not a constant")
        return constants[node.input[index]]

    if op == "Conv":
        if attrs.get("group", 1) != 1:
            raise ImportError_(f"node {label}: grouped convolutions are not supported")
        weight = constant(1)
        _, stride, padding = _window({**attrs, "kernel_shape": attrs.get("kernel_shape", weight.shape[2:])},
                                     label, "convolution")
        out.conv(label, name, weight, constant(2), stride, padding)
    elif op in ACTIVATION_OPS:
        out.activation(label, name, ACTIVATION_OPS[op], attrs.get("alpha", 0.01) if op == "LeakyRelu" else None)
    elif op in ("MaxPool", "AveragePool"):
        size, stride, padding = _window(attrs, label, "pooling")
        if op == "AveragePool" and padding and not attrs.get("count_include_pad", 0):
            raise ImportError_(f"node {label}: average pooling that leaves its padding out of the mean is not "
                               "supported (count_include_pad=1 is)")
        out.add(label, {"name": name, "type": "max_pool2d" if op == "MaxPool" else "avg_pool2d",
                        "pool_size": size, "stride": stride, "padding": padding})
    elif op == "GlobalAveragePool":
        out.add(label, {"name": name, "type": "global_avg_pool"})
    elif op == "BatchNormalization":
        out.batch_norm(label, name, constant(1), constant(2), constant(3), constant(4), attrs.get("epsilon", 1e-5))
    elif op == "Dropout":
        out.add(label, {"name": name, "type": "dropout", "rate": float(attrs.get("ratio", 0.5))})
    elif op in ("Flatten", "Reshape"):
        if op == "Flatten" and attrs.get("axis", 1) != 1:
            raise ImportError_(f"node {label}: a flatten from axis {attrs.get('axis')} is not supported")
        if op == "Reshape":
            shape = constants.get(node.input[1])
            if shape is not None and (len(shape) != 2 or (shape[1] not in (-1, math.prod(out.shape)))):
                raise ImportError_(f"node {label}: a reshape to {list(shape)} is not a flatten")
        if len(out.shape) == 3:  # after global pooling the values are already one per channel
            out.add(label, {"name": name, "type": "flatten"})
    elif op in ("Gemm", "MatMul"):
        weight = constant(1)
        if op == "Gemm":
            if attrs.get("transA", 0) or attrs.get("alpha", 1.0) != 1.0 or attrs.get("beta", 1.0) != 1.0:
                raise ImportError_(f"node {label}: Gemm with transA, alpha or beta is not supported")
            weight = weight if attrs.get("transB", 0) else weight.T
            bias = constant(2)
        else:
            weight, bias = weight.T, None
        out.dense(label, name, weight, bias)
    elif op == "Add":
        if out.last != "dense" or f"{out.specs[-1]['name']}.bias" not in out.weights:
            raise ImportError_(f"node {label}: an Add that is not a dense layer's bias is not supported")
        other = [i for i in node.input if i in constants]
        bias = constants[other[0]] if other else None
        if bias is None or bias.shape != (out.shape[0],):
            raise ImportError_(f"node {label}: its bias does not match the dense layer before it")
        out.weights[f"{out.specs[-1]['name']}.bias"] = out.weights[f"{out.specs[-1]['name']}.bias"] + bias
    elif op == "Softmax":
        if attrs.get("axis", -1) not in (-1, 1):
            raise ImportError_(f"node {label}: a softmax over axis {attrs.get('axis')} is not supported")
        out.activation(label, name, "softmax")
    # Identity: nothing to do

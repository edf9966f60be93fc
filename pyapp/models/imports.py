"""Import a model trained elsewhere into the engine's format (a model description and its weights).

Two sources: a TensorFlow.js Layers model (``model.json`` and its weight shards) and a PyTorch
``state_dict`` saved with ``torch.save``. The architecture must be what the explainer draws: conv2d,
relu and max_pool2d layers, one flatten, one dense layer (the output, one unit per class), then
softmax. Anything else raises :class:`ImportError_` naming the first layer or tensor that does not fit.
Layouts converted (see docs/architecture.md): conv kernels to (out, in, k, k); the dense weight to
(units, inputs) with its inputs in the engine's channels-first flatten order.
"""
from __future__ import annotations

import functools
import io
import re
from pathlib import Path

import numpy as np

from ..engine.network import Network, NetworkError, network_from
from .limits import ModelLimitError, check_layer
from .reading import ShardFolder, group_bytes, load_json, manifest_groups, read_file

INPUT_SHAPE = (64, 64, 3)  # what pyapp.images.preprocess gives: the only input the explainer can feed
# The layer sequence assumed for a state_dict (it holds tensors only): Tiny VGG's, as training/train.py has it.
TINY_VGG_LAYERS = "conv relu conv relu pool conv relu conv relu pool flatten dense"
LAYER_WORDS = {"conv": "conv2d", "relu": "relu", "pool": "max_pool2d", "flatten": "flatten", "dense": "dense"}


class ImportError_(ValueError):
    """A file that cannot be imported; the message names the first layer or shape that does not fit."""


def _in_words(function):
    """A refusal of pyapp.models.limits / reading raised as ImportError_, the importers' one error."""
    @functools.wraps(function)
    def refusing(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except ModelLimitError as exc:
            raise ImportError_(str(exc)) from None
    return refusing


# -- shared: names, classes, the finished network ------------------------------------------------

def _safe_name(name: str, taken: set[str]) -> str:
    # Layer names go into addresses (#layer=...): letters, digits and underscores only, and unique.
    base = re.sub(r"\W+", "_", str(name)).strip("_") or "layer"
    out, n = base, 2
    while out in taken or out == "input":
        out, n = f"{base}_{n}", n + 1
    taken.add(out)
    return out


def read_classes(source: str) -> list[str]:
    """Class names from a file (one per line, or a JSON list) or from a comma-separated list."""
    path = Path(source)
    if path.is_file():
        try:
            text = read_file(path, "classes file").decode("utf-8")
            names = load_json(text, "classes file") if text.lstrip().startswith(("[", "{")) else text.splitlines()
        except (ModelLimitError, UnicodeDecodeError) as exc:
            raise ImportError_(f"{source}: not a classes file ({exc})") from None
        if isinstance(names, dict):
            names = names.get("classes", [])
    elif "," in source:
        names = source.split(",")
    else:
        raise ImportError_(f"{source}: no such classes file (give a file, one class per line, or a comma-separated list)")
    names = [str(n).strip() for n in names if str(n).strip()]
    if len(set(names)) != len(names):
        raise ImportError_("the class names are not all different")
    return names


def finish(name: str, layers: list[dict], weights: dict, classes: list[str] | None) -> Network:
    """The engine's network for converted layers; checks the shapes and the class count."""
    units = next((spec["units"] for spec in reversed(layers) if spec["type"] == "dense"), None)
    if units is None:
        raise ImportError_("the model has no dense layer: the explainer needs one output unit per class")
    if classes is None:
        classes = [f"class {i + 1}" for i in range(units)]
    if len(classes) != units:
        raise ImportError_(f"{len(classes)} class names for a model with {units} outputs")
    if not 2 <= units <= 20:
        raise ImportError_(f"the model has {units} outputs; the explainer shows 2 to 20 classes")
    description = {"name": name, "input_shape": list(INPUT_SHAPE), "classes": classes, "layers": layers}
    try:
        return network_from(description, weights)
    except NetworkError as exc:
        raise ImportError_(str(exc)) from None


class _Layers:
    """Collects converted layers and checks the order the explainer can draw: spatial, flatten, dense, softmax."""

    def __init__(self):
        self.specs: list[dict] = []
        self.weights: dict[str, np.ndarray] = {}
        self.taken: set[str] = set()
        self.shape = (INPUT_SHAPE[2], INPUT_SHAPE[0], INPUT_SHAPE[1])  # (C, H, W) or (N,) of the next layer's input
        self.maps = self.shape  # the last (C, H, W): what a flatten unrolled

    def stage(self) -> str:
        types = [s["type"] for s in self.specs]
        return "softmax" if "softmax" in types else "dense" if "dense" in types else \
            "flat" if "flatten" in types else "spatial"

    def add(self, label: str, spec: dict, weight=None, bias=None) -> None:
        kind, stage = spec["type"], self.stage()
        allowed = {"spatial": ("conv2d", "relu", "max_pool2d", "flatten"), "flat": ("dense",),
                   "dense": ("softmax",), "softmax": ()}[stage]
        if kind not in allowed:
            where = {"spatial": "before flatten", "flat": "after flatten", "dense": "after the dense layer",
                     "softmax": "after softmax"}[stage]
            raise ImportError_(f"layer {label}: a {kind} layer {where} is not supported (the explainer draws "
                               "conv2d / relu / max_pool2d layers, flatten, one dense layer, softmax)")
        spec = {"name": _safe_name(spec.pop("name"), self.taken), **spec}
        try:  # the limits before any arithmetic on the sizes (a stride of 0, a padding of 5000)
            shape = check_layer(spec, len(self.specs), self.shape)
        except ModelLimitError as exc:
            raise ImportError_(f"layer {label}: {str(exc).split(': ', 1)[-1]}") from None
        if weight is not None:
            self.weights[f"{spec['name']}.weight"] = np.asarray(weight, dtype=np.float32)
            self.weights[f"{spec['name']}.bias"] = np.asarray(bias, dtype=np.float32)
        self.specs.append(spec)
        if kind == "conv2d" and weight.shape[1] != self.shape[0]:
            raise ImportError_(f"layer {label}: kernel takes {weight.shape[1]} input channels, "
                               f"the layer before gives {self.shape[0]}")
        self.shape = shape
        self.maps = shape if len(shape) == 3 else self.maps

    def conv(self, label, name, weight, bias, stride=1, padding=0) -> None:
        spec = {"name": name, "type": "conv2d", "filters": int(weight.shape[0]), "kernel_size": int(weight.shape[2]),
                "stride": int(stride), "padding": int(padding)}
        self.add(label, spec, weight, bias)

    def dense(self, label, name, weight, bias) -> None:
        inputs = int(np.prod(self.shape))
        if weight.shape[1] != inputs:
            raise ImportError_(f"layer {label}: weight takes {weight.shape[1]} inputs, flatten gives {inputs} "
                               f"({' x '.join(map(str, self.maps))})")
        self.add(label, {"name": name, "type": "dense", "units": int(weight.shape[0])}, weight, bias)

    def softmax(self) -> None:
        if self.stage() == "dense":
            self.add("softmax", {"name": "probabilities", "type": "softmax"})


# -- TensorFlow.js Layers ------------------------------------------------------------------------

def _pair(value, what: str, label: str) -> int:
    values = value if isinstance(value, (list, tuple)) else [value, value]
    if len(set(values)) != 1:
        raise ImportError_(f"layer {label}: {what} {values} is not square; the engine needs square ones")
    return int(values[0])


def _tfjs_tensors(shards, manifest: list) -> dict[str, np.ndarray]:
    tensors = {}
    for paths, entries, need in manifest_groups(manifest):  # names and shapes checked before a shard is opened
        for entry in entries:
            if entry.get("dtype", "float32") != "float32" or "quantization" in entry:
                raise ImportError_(f"weight {entry['name']}: only float32, unquantised weights are supported")
        data = group_bytes(shards, paths, need)  # exactly the bytes the shapes need, sizes checked first
        offset = 0
        for entry in entries:
            count = int(np.prod(entry["shape"]))
            tensors[entry["name"]] = np.frombuffer(data, "<f4", count, offset).reshape(entry["shape"])
            offset += 4 * count
    return tensors


def _tfjs_layer_list(topology: dict) -> list[dict]:
    config = topology.get("model_config", topology)
    if config.get("class_name") != "Sequential":
        raise ImportError_(f"the model is a {config.get('class_name')!r}; only Sequential models are supported")
    layers = config.get("config", {})
    return layers["layers"] if isinstance(layers, dict) else layers


def _tfjs_activation(out: _Layers, label: str, name: str, activation: str) -> None:
    if activation == "relu":
        out.add(label, {"name": f"{name}_relu", "type": "relu"})
    elif activation == "softmax":
        out.softmax()
    elif activation not in ("linear", None):
        raise ImportError_(f"layer {label}: activation {activation!r} is not supported (relu, softmax, linear)")


@_in_words
def import_tfjs(model_json: Path, classes: list[str] | None = None) -> Network:
    path = Path(model_json)
    try:
        model = load_json(read_file(path, "model.json"), "model.json")
    except ModelLimitError as exc:
        raise ImportError_(f"{path}: not a TensorFlow.js Layers model.json ({exc})") from None
    if not isinstance(model, dict):
        raise ImportError_(f"{path}: not a TensorFlow.js Layers model.json (not a JSON object)")
    return tfjs_network(model, ShardFolder(path.parent), _safe_name(path.parent.name or "imported", set()), classes)


def _tfjs_conv(out: _Layers, label: str, name: str, cfg: dict, tensors: dict) -> None:
    """A Conv2D layer (and its fused activation): "valid", or "same" padding where it is symmetric."""
    if _pair(cfg.get("dilation_rate", 1), "dilation", label) != 1:
        raise ImportError_(f"layer {label}: dilated convolutions are not supported")
    kernel = tensors.get(f"{name}/kernel")
    if kernel is None or kernel.ndim != 4:
        raise ImportError_(f"layer {label}: its kernel {name}/kernel is not in the weights")
    # the size from the weights themselves: a config's kernel_size never sets the padding alone
    k, stride = int(kernel.shape[0]), _pair(cfg.get("strides", 1), "stride", label)
    if kernel.shape[1] != k or _pair(cfg.get("kernel_size", k), "kernel", label) != k:
        raise ImportError_(f"layer {label}: kernel_size {cfg.get('kernel_size')} does not match its "
                           f"weights' {kernel.shape[0]}x{kernel.shape[1]} kernel")
    padding = {"valid": 0, "same": (k - 1) // 2}.get(cfg.get("padding", "valid"))
    if padding is None or (padding and (stride != 1 or k % 2 == 0)):
        raise ImportError_(f"layer {label}: padding {cfg.get('padding')!r} with a {k}x{k} kernel and stride "
                           f"{stride} is not supported")
    bias = tensors.get(f"{name}/bias", np.zeros(kernel.shape[3], np.float32))
    out.conv(label, name, kernel.transpose(3, 2, 0, 1), bias, stride, padding)  # (kh, kw, in, out) -> (out, in, kh, kw)
    _tfjs_activation(out, label, name, cfg.get("activation"))


def _tfjs_dense(out: _Layers, label: str, name: str, cfg: dict, tensors: dict) -> None:
    """A Dense layer (and its fused activation), its rows reordered from TF.js's flatten order to ours."""
    kernel = tensors.get(f"{name}/kernel")
    if kernel is None or kernel.ndim != 2:
        raise ImportError_(f"layer {label}: its kernel {name}/kernel is not in the weights")
    bias = tensors.get(f"{name}/bias", np.zeros(kernel.shape[1], np.float32))
    c, h, w = out.maps if out.stage() == "flat" else (kernel.shape[0], 1, 1)
    if kernel.shape[0] != c * h * w:
        raise ImportError_(f"layer {label}: kernel takes {kernel.shape[0]} inputs, flatten gives {c * h * w} "
                           f"({h} x {w} x {c})")
    # TF.js flattens (H, W, C); the engine (C, H, W): row (y*W + x)*C + c becomes column c*H*W + y*W + x
    weight = kernel.reshape(h, w, c, -1).transpose(3, 2, 0, 1).reshape(kernel.shape[1], -1)
    out.dense(label, name, weight, bias)
    _tfjs_activation(out, label, name, cfg.get("activation"))


@_in_words
def tfjs_network(model: dict, shards, name: str, classes: list[str] | None = None) -> Network:
    """The network of a parsed model.json; ``shards`` (pyapp.models.reading: ShardFolder, PickedShards) gives
    the size and then the bytes of each weight shard it lists."""
    try:
        layers = _tfjs_layer_list(model["modelTopology"])
        tensors = _tfjs_tensors(shards, model["weightsManifest"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        if isinstance(exc, (ImportError_, ModelLimitError)):
            raise
        raise ImportError_(f"not a TensorFlow.js Layers model.json ({type(exc).__name__}: {exc})") from None
    meta = model.get("userDefinedMetadata") or {}
    classes = classes or meta.get("classes") or meta.get("class_names")
    out = _Layers()
    for layer in layers:
        kind, cfg = layer.get("class_name"), layer.get("config", {})
        name = cfg.get("name", kind)
        label = f"{name!r} ({kind})"
        shape = cfg.get("batch_input_shape")
        if shape and tuple(shape[1:]) != INPUT_SHAPE:
            raise ImportError_(f"layer {label}: the model takes {tuple(shape[1:])} images; the explainer feeds "
                               f"{INPUT_SHAPE} (64x64 RGB)")
        if cfg.get("data_format", "channels_last") != "channels_last":
            raise ImportError_(f"layer {label}: data_format {cfg['data_format']!r} is not supported")
        if kind == "InputLayer":
            continue
        if kind == "Conv2D":
            _tfjs_conv(out, label, name, cfg, tensors)
        elif kind in ("Activation", "ReLU", "Softmax"):
            activation = {"ReLU": "relu", "Softmax": "softmax"}.get(kind, cfg.get("activation"))
            if activation == "relu":
                out.add(label, {"name": name, "type": "relu"})
            else:
                _tfjs_activation(out, label, name, activation)
        elif kind == "MaxPooling2D":
            size = _pair(cfg.get("pool_size", 2), "pool size", label)
            if cfg.get("padding", "valid") != "valid":
                raise ImportError_(f"layer {label}: padding {cfg['padding']!r} is not supported for pooling")
            out.add(label, {"name": name, "type": "max_pool2d", "pool_size": size,
                            "stride": _pair(cfg.get("strides") or size, "stride", label)})
        elif kind == "Flatten":
            out.add(label, {"name": name, "type": "flatten"})
        elif kind == "Dense":
            _tfjs_dense(out, label, name, cfg, tensors)
        elif kind == "Dropout":
            continue  # the identity at inference
        else:
            raise ImportError_(f"layer {label}: {kind} layers are not supported (Conv2D, Activation/ReLU, "
                               "MaxPooling2D, Flatten, Dense, Dropout)")
    out.softmax()
    return finish(name, out.specs, out.weights, classes)


# -- PyTorch state_dict --------------------------------------------------------------------------

def _torch_tensors(path: Path) -> tuple[list[tuple[str, np.ndarray]], list[str] | None]:
    data = read_file(path, "state_dict file")  # a regular file within the size limit, before torch reads it
    magic = data[:4]
    if magic != b"PK\x03\x04" and magic[:2] != b"\x80\x02":  # torch.save's zip, or its legacy pickle
        raise ImportError_(f"{path}: neither a TensorFlow.js model.json nor a file saved with torch.save")
    try:
        import torch
    except ImportError:
        raise ImportError_("reading a PyTorch file needs PyTorch (pip install torch)") from None
    try:
        saved = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - torch raises many kinds; each one means "not a state_dict"
        if "Weights only load failed" in str(exc):
            raise ImportError_(f"{path}: holds Python objects, not only tensors (a whole model?): "
                               "save model.state_dict() instead") from None
        first = (str(exc).splitlines() or [""])[0][:160]
        raise ImportError_(f"{path}: not a PyTorch state_dict ({type(exc).__name__}: {first})") from None
    classes = None
    if isinstance(saved, dict) and isinstance(saved.get("state_dict"), dict):
        classes = saved.get("classes")
        saved = saved["state_dict"]
    if not isinstance(saved, dict):
        raise ImportError_(f"{path}: holds a {type(saved).__name__}, not a state_dict (save model.state_dict())")
    tensors = [(k, v.detach().cpu().numpy()) for k, v in saved.items() if hasattr(v, "detach")]
    return [(k, v) for k, v in tensors if k.endswith((".weight", ".bias"))], classes


@_in_words
def import_torch(path: Path, classes: list[str] | None = None, layers: str = TINY_VGG_LAYERS) -> Network:
    """A state_dict's weights, in order, on the layer sequence ``layers`` (words: conv relu pool flatten dense;
    conv:P pads by P)."""
    tensors, saved_classes = _torch_tensors(Path(path))
    classes = classes or saved_classes
    words = layers.split()
    for word in words:
        if word.split(":")[0] not in LAYER_WORDS or not re.fullmatch(r"[a-z]+|conv:\d", word):
            raise ImportError_(f"--layers: unknown layer {word!r} (known: {', '.join(LAYER_WORDS)}; "
                               "conv:P for a convolution with padding P)")
    out, queue, block = _Layers(), list(tensors), 1
    for word in words:
        word, _, padding = word.partition(":")
        kind = LAYER_WORDS[word]
        if kind in ("conv2d", "dense"):
            if not queue:
                raise ImportError_(f"layer {len(out.specs) + 1} ({word}): the state_dict has no more tensors")
            key, weight = queue.pop(0)
            bias_key, bias = queue.pop(0) if queue and queue[0][0].endswith(".bias") else (None, None)
            want = 4 if kind == "conv2d" else 2
            if not key.endswith(".weight") or weight.ndim != want:
                raise ImportError_(f"{key} {tuple(weight.shape)}: expected a {word} weight with {want} axes")
            if bias is None:
                bias = np.zeros(weight.shape[0], np.float32)
            if kind == "conv2d":
                if weight.shape[2] != weight.shape[3]:
                    raise ImportError_(f"{key} {tuple(weight.shape)}: kernels must be square")
                out.conv(key, key.rsplit(".", 1)[0], weight, bias, padding=int(padding or 0))
            else:
                out.dense(key, key.rsplit(".", 1)[0], weight, bias)
        elif kind == "max_pool2d":
            out.add(word, {"name": f"max_pool_{block}", "type": "max_pool2d", "pool_size": 2, "stride": 2})
            block += 1
        elif kind == "relu":
            last = out.specs[-1]["name"] if out.specs else "input"
            out.add(word, {"name": last.replace("conv", "relu", 1) if "conv" in last else f"{last}_relu", "type": "relu"})
        else:
            out.add(word, {"name": "flatten", "type": "flatten"})
    if queue:
        raise ImportError_(f"{queue[0][0]} {tuple(queue[0][1].shape)}: a tensor left over after the layers "
                           f"{' '.join(words)} (give the sequence with --layers)")
    out.softmax()
    return finish(_safe_name(Path(path).stem, set()), out.specs, out.weights, classes)


@_in_words
def import_model(path, classes: list[str] | None = None, layers: str = TINY_VGG_LAYERS) -> Network:
    """The network in a TF.js model.json or a PyTorch state_dict file (by its contents' kind)."""
    path = Path(path)
    if not path.is_file():
        raise ImportError_(f"{path}: no such file")
    if path.suffix.lower() == ".json":
        return import_tfjs(path, classes)
    return import_torch(path, classes, layers)

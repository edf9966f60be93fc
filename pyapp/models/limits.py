"""The limits a model must keep, checked before any array is made: the one check every source goes through.

Every way a model comes in (a description file, a TF.js model.json, a PyTorch state_dict, the page's
"Open a model...", a model kept in the tab, later Keras and ONNX) ends in ``network.network_from``, which
calls :func:`check_description` on the parsed description before the weights are read and
:func:`check_weights` on the weights before a layer is built; the importers also call :func:`check_layer`
on each layer as they convert it, so a stride of 0 or a padding of 5000 is refused before their own
arithmetic. Each refusal is a :class:`ModelLimitError` whose one line names the field.

The limits cover every model the app is for (Tiny VGG and the larger ones the next issues accept) and no
more: :data:`LIMITS` is the table README.md and docs/architecture.md show (``markdown_table()``).
"""
from __future__ import annotations

import math
import re

import numpy as np

from ..engine.im2col import output_size
from ..engine.layers import LAYER_TYPES, PADDINGS, resolve_padding

MB = 1_000_000  # decimal, as the page's image limit and every file manager show sizes
# field -> (lowest, highest, what it counts); README.md and docs/architecture.md show this table.
LIMITS = {
    "input height and width": (16, 128, "pixels, square"),
    "input channels": (1, 3, "1 (grey) or 3 (RGB)"),
    "classes": (2, 20, "one output unit each"),
    "layers": (1, 40, "entries of the description, relu and pooling included"),
    "convolution and dense layers": (1, 16, "layers with weights"),
    "filters": (1, 64, "per convolution"),
    "kernel_size": (1, 7, "pixels, square"),
    "stride": (1, 4, "pixels, convolution and pooling"),
    "padding": (0, 6, "zeros per side, at most kernel_size - 1; or valid, same"),
    "pool_size": (1, 7, "pixels, square"),
    "units": (1, 512, "per dense layer"),
    "dense inputs": (1, 65_536, "values a dense layer reads"),
    "values per activation": (1, 2 ** 21, "one layer's output for one image"),
    "parameters": (1, 8_000_000, "weights and biases in all"),
    "name length": (1, 64, "characters of a layer or class name"),
    "JSON nesting": (1, 32, "levels of [ and { in a JSON file"),
    "model file": (1, 50 * MB, "bytes of one file: description, model.json, shard, .npz, state_dict"),
    "expanded .npz": (1, 64 * MB, "bytes of the arrays once decompressed"),
    "image file": (1, 20 * MB, "bytes of a picked or dropped image"),
}
MAX_MODEL_BYTES = LIMITS["model file"][1]
MAX_NPZ_BYTES = LIMITS["expanded .npz"][1]
MAX_IMAGE_BYTES = LIMITS["image file"][1]
LAYER_KINDS = tuple(LAYER_TYPES)  # the engine's one table of layer types
MAPS_IN = ("conv2d", "max_pool2d", "avg_pool2d", "global_avg_pool", "flatten")  # kinds that need (C, H, W)
FLAT_IN = ("dense", "softmax")  # kinds that need one value per unit
# number fields of a layer: (lowest, highest, default), finite floats
NUMBERS = {"slope": (0.0, 10.0, 0.01), "eps": (1e-12, 1.0, 1e-5), "momentum": (0.0, 1.0, 0.1), "rate": (0.0, 0.99, 0.5)}
NAME = re.compile(r"[A-Za-z0-9_]+")  # layer names go into addresses (#layer=...) and code samples


class ModelLimitError(ValueError):
    """A model outside the limits, or not a model at all; the message names the field."""


def markdown_table() -> str:
    """The limits as the Markdown table README.md and docs/architecture.md carry (a test keeps them equal)."""
    rows = ["| Field | Lowest | Highest | Counts |", "| --- | --- | --- | --- |"]
    for field, (low, high, what) in LIMITS.items():
        shown = f"{high // MB} MB" if what.startswith("bytes") else f"{high:,}"
        rows.append(f"| {field} | {low:,} | {shown} | {what} |")
    return "\n".join(rows)


def size_text(count: int) -> str:
    """A byte count for a message: 191.3 MB, 12 kB."""
    return f"{count / MB:.1f} MB" if count >= MB / 10 else f"{max(1, round(count / 1024))} kB"


def whole(value, field: str, where: str = "", low: int | None = None, high: int | None = None) -> int:
    """``value`` as an int within the field's limits (or low..high); refuses bools, fractions, NaN, Infinity."""
    low = LIMITS[field][0] if low is None else low
    high = LIMITS[field][1] if high is None else high
    prefix = f"{where}: " if where else ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 3.0 from a JSON writer that prints every number with a point
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        shown = "NaN" if isinstance(value, float) and math.isnan(value) else repr(value)
        raise ModelLimitError(f"{prefix}{field} must be a whole number from {low:,} to {high:,}, not {shown[:40]}")
    if not low <= value <= high:
        raise ModelLimitError(f"{prefix}{field} {int(value):,} is out of range: the explainer takes {low:,} to "
                              f"{high:,} ({LIMITS[field][2] if field in LIMITS else field})")
    return int(value)


def _name(value, where: str) -> str:
    if not isinstance(value, str) or not NAME.fullmatch(value) or len(value) > LIMITS["name length"][1]:
        raise ModelLimitError(f"{where}: name {str(value)[:40]!r} must be 1 to {LIMITS['name length'][1]} "
                              "letters, digits or underscores")
    if value == "input":
        raise ModelLimitError(f"{where}: the name 'input' is the network's input; give the layer another")
    return value


def check_layer(spec, index: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    """The output shape of layer ``index`` (a description entry) on an input of ``shape`` (C, H, W) or (N,);
    ModelLimitError naming the field when the entry is outside the limits or does not fit the shape."""
    where = f"layer {index + 1}"
    if not isinstance(spec, dict):
        raise ModelLimitError(f"{where}: must be a JSON object, not {type(spec).__name__}")
    where = f"layer {index + 1} ({str(spec.get('name'))[:40]!r})"
    _name(spec.get("name"), where)
    kind = spec.get("type")
    if kind not in LAYER_KINDS:
        raise ModelLimitError(f"{where}: type {str(kind)[:40]!r} is not one of {', '.join(LAYER_KINDS)}")
    spatial = len(shape) == 3
    if kind in MAPS_IN and not spatial:
        raise ModelLimitError(f"{where}: a {kind} layer needs maps (channels, height, width); it gets {shape}")
    if kind in FLAT_IN and spatial:
        raise ModelLimitError(f"{where}: a {kind} layer needs a flatten (or global average pooling) layer before it")
    for field, (low, high, _) in NUMBERS.items():
        if field in spec:
            number(spec[field], field, where, low, high)
    if kind == "conv2d":
        whole(spec.get("filters"), "filters", where)
        k = whole(spec.get("kernel_size"), "kernel_size", where)
        s = whole(spec.get("stride", 1), "stride", where)
        _padding(spec.get("padding", 0), where, k - 1, shape[1], k, s)
    elif kind in ("max_pool2d", "avg_pool2d"):
        size = whole(spec.get("pool_size", 2), "pool_size", where)
        s = whole(spec.get("stride") if spec.get("stride") is not None else size, "stride", where)
        if kind == "avg_pool2d" and spec.get("padding") == "same":  # TF leaves its padding out of the mean
            raise ModelLimitError(f"{where}: average pooling with 'same' padding is not supported (give the zeros)")
        _padding(spec.get("padding", 0), where, size // 2, shape[1], size, s)
    elif kind == "dense":
        whole(shape[0], "dense inputs", where)
        whole(spec.get("units"), "units", where)
    out = output_shape(spec, shape)  # every field it reads is checked above
    if min(out) < 1:
        raise ModelLimitError(f"{where}: its output would be empty {out} (the input is {shape})")
    whole(math.prod(out), "values per activation", where)
    return out


def output_shape(spec: dict, shape: tuple[int, ...]) -> tuple[int, ...]:
    """The output shape of a checked layer entry on an input of ``shape`` (C, H, W) or (N,): arithmetic only."""
    kind = spec["type"]
    if kind == "conv2d":
        k, s = int(spec["kernel_size"]), int(spec.get("stride", 1))
        pads = resolve_padding(spec.get("padding", 0), shape[1], k, s)
        return (int(spec["filters"]), output_size(shape[1], k, s, pads), output_size(shape[2], k, s, pads))
    if kind in ("max_pool2d", "avg_pool2d"):
        size = int(spec.get("pool_size", 2))
        s = int(spec.get("stride") if spec.get("stride") is not None else size)
        pads = resolve_padding(spec.get("padding", 0), shape[1], size, s)
        return (shape[0], output_size(shape[1], size, s, pads), output_size(shape[2], size, s, pads))
    if kind == "global_avg_pool":
        return (shape[0],)
    if kind == "flatten":
        return (shape[0] * shape[1] * shape[2],)
    if kind == "dense":
        return (int(spec["units"]),)
    return tuple(shape)


def number(value, field: str, where: str, low: float, high: float) -> float:
    """``value`` as a finite number from low to high (a slope, an epsilon, a rate)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not math.isfinite(value) or not low <= value <= high:
        raise ModelLimitError(f"{where}: {field} must be a number from {low:g} to {high:g}, not {str(value)[:40]}")
    return float(value)


def _padding(value, where: str, high: int, size: int, window: int, stride: int) -> tuple[int, int]:
    """(before, after) zeros of a padding field: a whole number, [before, after], "valid" or "same"."""
    if value in PADDINGS:
        return resolve_padding(value, size, window, stride)
    values = value if isinstance(value, (list, tuple)) else [value, value]
    if len(values) != 2:
        raise ModelLimitError(f"{where}: padding must be a number, [before, after], 'valid' or 'same'")
    limit = min(LIMITS["padding"][1], high)
    return tuple(whole(v, "padding", where, high=limit) for v in values)


def layer_parameters(spec: dict, shape: tuple[int, ...]) -> int:
    """How many numbers (weights, biases, statistics) a checked layer holds on an input of ``shape``."""
    if spec["type"] == "batch_norm":
        return 4 * shape[0]
    if spec["type"] == "conv2d":
        return spec["filters"] * (shape[0] * spec["kernel_size"] ** 2 + 1)
    if spec["type"] == "dense":
        return spec["units"] * (shape[0] + 1)
    return 0


def check_input_shape(shape) -> tuple[int, int, int]:
    """(height, width, channels) of a model's input: square, 16 to 128 pixels, grey or colour."""
    h = whole(shape[0], "input height and width", "input_shape")
    w = whole(shape[1], "input height and width", "input_shape")
    c = whole(shape[2], "input channels", "input_shape")
    if h != w:
        raise ModelLimitError(f"input_shape: the explainer takes square images, not {h}x{w}")
    if c == 2:
        raise ModelLimitError("input_shape: input channels must be 1 (grey) or 3 (RGB), not 2")
    return h, w, c


def check_description(description) -> None:
    """Every field of a parsed model description within the limits; nothing is allocated here."""
    if not isinstance(description, dict):
        raise ModelLimitError(f"the model description must be a JSON object, not {type(description).__name__}")
    shape_in = description.get("input_shape")
    if not isinstance(shape_in, (list, tuple)) or len(shape_in) != 3:
        raise ModelLimitError(f"input_shape must be [height, width, channels], not {str(shape_in)[:40]}")
    h, w, c = check_input_shape(shape_in)
    check_normalization(description.get("normalization"), c)
    classes = description.get("classes")
    if not isinstance(classes, (list, tuple)):
        raise ModelLimitError("classes must be a list of class names")
    whole(len(classes), "classes", "classes (how many)")
    for i, name in enumerate(classes):
        if not isinstance(name, str) or not name.strip() or len(name) > LIMITS["name length"][1]:
            raise ModelLimitError(f"classes[{i}] must be a name of 1 to {LIMITS['name length'][1]} characters")
    if len(set(classes)) != len(classes):
        raise ModelLimitError("classes: the class names are not all different")
    layers = description.get("layers")
    if not isinstance(layers, (list, tuple)):
        raise ModelLimitError("layers must be a list of layer descriptions")
    whole(len(layers), "layers", "layers (how many)")
    shape, names, weighted, parameters = (c, h, w), set(), 0, 0
    for index, spec in enumerate(layers):
        out = check_layer(spec, index, shape)
        if spec["name"] in names:
            raise ModelLimitError(f"layer {index + 1}: two layers are named {spec['name']!r}")
        names.add(spec["name"])
        weighted += spec["type"] in ("conv2d", "dense")
        parameters += layer_parameters(spec, shape)
        shape = out
    whole(weighted, "convolution and dense layers", "layers (with weights)")
    whole(parameters, "parameters", "the layers together")
    if shape != (len(classes),):
        raise ModelLimitError(f"the last layer gives {shape}, expected one value per class ({len(classes)})")


def check_normalization(spec, channels: int) -> None:
    """The input normalisation: absent, ``{"mean": m, "std": s}`` (one number or one per channel, on pixels in
    [0, 1]) or ``{"scale": s, "offset": o}`` (on pixels in 0..255, Keras' Rescaling)."""
    if spec is None:
        return
    where = "normalization"
    if not isinstance(spec, dict) or not ({"mean", "std"} <= set(spec) or "scale" in spec):
        raise ModelLimitError(f"{where} must be {{'mean': ..., 'std': ...}} or {{'scale': ..., 'offset': ...}}")
    for field, low, high in (("mean", -1000, 1000), ("std", 1e-6, 1000), ("scale", -10, 10), ("offset", -1000, 1000)):
        if field not in spec:
            continue
        values = spec[field] if isinstance(spec[field], (list, tuple)) else [spec[field]]
        if len(values) not in (1, channels):
            raise ModelLimitError(f"{where}: {field} needs 1 or {channels} numbers (one per channel), not {len(values)}")
        for value in values:
            number(value, field, where, low, high)
    if "scale" in spec and not spec["scale"]:
        raise ModelLimitError(f"{where}: a scale of 0 would make every picture the same")


def check_weights(weights) -> None:
    """Every array a real, finite number: a NaN or an infinity is refused with its layer's name."""
    for key, value in weights.items():
        layer = str(key).rsplit(".", 1)[0]
        array = np.asarray(value)
        if array.dtype.kind not in "fiu":
            raise ModelLimitError(f"layer {layer!r}: {key} holds {array.dtype} values, not numbers")
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            bad = int(array.size - np.count_nonzero(np.isfinite(array)))
            raise ModelLimitError(f"layer {layer!r}: {bad:,} of the {array.size:,} values of {key} are not finite "
                                  "numbers (NaN or infinity)")

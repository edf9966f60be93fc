"""What every importer shares: its one error, layer names, class names, the layer list it builds and the finish.

A :class:`Layers` collects converted layers in order, each checked by pyapp.models.limits.check_layer as it comes
(before any arithmetic on its sizes), with its weights by ``<name>.<suffix>``; :func:`finish` makes the network
through ``network_from`` (the one check every source goes through) and keeps what the import should say.
"""
from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...engine.layers import ACTIVATIONS
from ...engine.network import Network, NetworkError, network_from
from ..limits import ModelLimitError, check_input_shape, check_layer, check_normalization
from ..reading import load_json, read_file

DEFAULT_SIZE = 64  # the input side assumed for a file that does not say it (a state_dict): Tiny VGG's


class ImportError_(ValueError):
    """A file that cannot be imported; the message names the first layer or shape that does not fit."""


def in_words(function):
    """A refusal of pyapp.models.limits / reading raised as ImportError_, the importers' one error."""
    @functools.wraps(function)
    def refusing(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except ModelLimitError as exc:
            raise ImportError_(str(exc)) from None
    return refusing


def safe_name(name: str, taken: set[str]) -> str:
    # Layer names go into addresses (#layer=...): letters, digits and underscores only, and unique.
    base = re.sub(r"\W+", "_", str(name)).strip("_")[:56] or "layer"
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


def read_normalize(text: str, channels: int | None = None) -> dict:
    """``--normalize``: "MEAN,STD" (every channel), "M1,M2,M3,S1,S2,S3" (one each) or "1/255" (a scale on 0..255)."""
    text = text.strip()
    try:
        if "," not in text:
            top, _, bottom = text.partition("/")
            return {"scale": float(top) / float(bottom or 1)}
        values = [float(v) for v in text.split(",")]
    except (ValueError, ZeroDivisionError):
        raise ImportError_(f"--normalize {text[:40]!r}: give MEAN,STD, one mean and one std per channel, "
                           "or a scale such as 1/255") from None
    if len(values) % 2 or (channels and len(values) not in (2, 2 * channels)):
        raise ImportError_(f"--normalize: {len(values)} numbers; give MEAN,STD or a mean and a std per channel")
    half = len(values) // 2
    return {"mean": values[:half], "std": values[half:]}


class Layers:
    """Collects converted layers, checks each against the limits as it comes; ``notes`` says what was assumed."""

    def __init__(self, input_shape=(DEFAULT_SIZE, DEFAULT_SIZE, 3)):
        try:
            self.input_shape = check_input_shape(tuple(input_shape))  # (H, W, C)
        except ModelLimitError as exc:
            raise ImportError_(f"the model takes {tuple(input_shape)} images: {str(exc).split(': ', 1)[-1]}") from None
        h, w, c = self.input_shape
        self.specs: list[dict] = []
        self.weights: dict[str, np.ndarray] = {}
        self.taken: set[str] = set()
        self.shape = (c, h, w)  # (C, H, W) or (N,) of the next layer's input
        self.maps = self.shape  # the last (C, H, W): what a flatten unrolled (a dense layer's inputs, reordered)
        self.normalization: dict | None = None
        self.pixel_scale = 1.0  # what a pixel in [0, 1] is multiplied by to be the file's own input (255: Rescaling)
        self.notes: list[str] = []

    @property
    def last(self) -> str | None:
        return self.specs[-1]["type"] if self.specs else None

    @property
    def after_flatten(self) -> bool:
        """True when the values are a flatten's, unchanged in order since (dropout or activations between)."""
        kinds = [s["type"] for s in self.specs if s["type"] not in ("dropout",) + ACTIVATIONS]
        return bool(kinds) and kinds[-1] == "flatten"

    def add(self, label: str, spec: dict, **arrays) -> str:
        """Append one layer (its description entry and its arrays by suffix); its engine name."""
        if self.last == "softmax":
            raise ImportError_(f"layer {label}: a {spec['type']} layer after the softmax is not supported")
        spec = {"name": safe_name(spec.pop("name"), self.taken), **spec}
        try:  # the limits before any arithmetic on the sizes (a stride of 0, a padding of 5000)
            shape = check_layer(spec, len(self.specs), self.shape)
        except ModelLimitError as exc:
            raise ImportError_(f"layer {label}: {str(exc).split(': ', 1)[-1]}") from None
        if spec["type"] == "conv2d" and arrays["weight"].shape[1] != self.shape[0]:
            raise ImportError_(f"layer {label}: kernel takes {arrays['weight'].shape[1]} input channels, "
                               f"the layer before gives {self.shape[0]}")
        for suffix, array in arrays.items():
            self.weights[f"{spec['name']}.{suffix}"] = np.asarray(array, dtype=np.float32)
        self.specs.append(spec)
        self.shape = shape
        self.maps = shape if len(shape) == 3 else self.maps
        return spec["name"]

    def conv(self, label, name, weight, bias, stride=1, padding=0) -> None:
        if bias is None:
            bias = np.zeros(weight.shape[0], np.float32)
        spec = {"name": name, "type": "conv2d", "filters": int(weight.shape[0]), "kernel_size": int(weight.shape[2]),
                "stride": int(stride), "padding": padding}
        self.add(label, spec, weight=weight, bias=bias)

    def dense(self, label, name, weight, bias) -> None:
        inputs = int(np.prod(self.shape))
        if weight.shape[1] != inputs:
            before = (f"flatten gives {inputs} ({' x '.join(map(str, self.maps))})" if self.last == "flatten"
                      else f"the layer before gives {inputs}")
            raise ImportError_(f"layer {label}: weight takes {weight.shape[1]} inputs, {before}")
        if bias is None:
            bias = np.zeros(weight.shape[0], np.float32)
        self.add(label, {"name": name, "type": "dense", "units": int(weight.shape[0])}, weight=weight, bias=bias)

    def batch_norm(self, label, name, gamma, beta, mean, var, eps) -> None:
        c = self.shape[0]
        if mean is None or var is None:
            raise ImportError_(f"layer {label}: its moving mean and variance are not in the weights")
        gamma = np.ones(c, np.float32) if gamma is None else gamma
        beta = np.zeros(c, np.float32) if beta is None else beta
        for what, array in (("gamma", gamma), ("beta", beta), ("mean", mean), ("variance", var)):
            if np.shape(array) != (c,):
                raise ImportError_(f"layer {label}: its {what} has shape {np.shape(array)}, the layer before gives "
                                   f"{c} channels")
        self.add(label, {"name": name, "type": "batch_norm", "eps": float(eps)},
                 weight=gamma, bias=beta, running_mean=mean, running_var=var)

    def activation(self, label, name, kind: str, slope: float | None = None) -> None:
        """An activation by the engine's type name (relu, leaky_relu, sigmoid, tanh) or softmax."""
        if kind == "softmax":
            self.add(label, {"name": name, "type": "softmax"})
            return
        if kind not in ACTIVATIONS:
            raise ImportError_(f"layer {label}: activation {kind!r} is not supported "
                               f"({', '.join(ACTIVATIONS)}, softmax, linear)")
        spec = {"name": name, "type": kind}
        if kind == "leaky_relu":
            spec["slope"] = float(0.01 if slope is None else slope)
        self.add(label, spec)

    def normalize(self, label, gain, offset, as_written: dict | None = None) -> None:
        """An input rescaling inside the model (Keras' Rescaling / Normalization) before any layer: folded into
        the description's normalization as ``model input = gain * pixel + offset`` composed with what is there
        (``as_written``: the description's form when it is the first, as Rescaling's scale and offset)."""
        if self.specs:
            raise ImportError_(f"layer {label}: a rescaling after the first layer is not supported")
        before = self.normalization
        if before is None and as_written is not None:
            self.normalization = as_written
            return
        g0, o0 = (np.float64(1), np.float64(0)) if before is None else _gain_offset(before, self.input_shape[2])
        gain, offset = np.asarray(gain, np.float64) * g0, np.asarray(gain, np.float64) * o0 + np.asarray(offset, np.float64)
        gain, offset = np.broadcast_arrays(gain, offset)
        self.normalization = {"mean": [float(v) for v in np.ravel(-offset / gain)],
                              "std": [float(v) for v in np.ravel(1 / gain)]}

    def end_with_softmax(self) -> bool:
        """A model that ends in raw scores (PyTorch's usually do) gets the softmax the output column shows; True
        when it was added."""
        if self.last == "softmax":
            return False
        self.add("softmax", {"name": "probabilities", "type": "softmax"})
        self.notes.append("the model ends in raw scores (logits): a softmax was added for the probabilities")
        return True


@dataclass
class Imported:
    """What an import knows beyond the network: for the command line to say, and for the parity check."""

    notes: list[str]
    pixel_scale: float  # the file's own input is pixel * pixel_scale (255 with a Rescaling layer), before ...
    normalization: dict | None  # ... the --normalize given: preprocessing the source framework does not do itself
    ends_in_scores: bool  # the file's output is logits (a softmax was added), else probabilities


def _gain_offset(spec: dict, channels: int) -> tuple[np.ndarray, np.ndarray]:
    from ...engine.network import input_normalisation

    return input_normalisation(spec, channels)


def finish(name: str, out: Layers, classes: list[str] | None, normalization: dict | None = None) -> Network:
    """The engine's network for converted layers; checks the shapes and the class count. ``normalization`` (the
    ``--normalize`` option) is what the file's own rescaling is composed with, when it has one."""
    added = out.end_with_softmax()
    if len(out.shape) != 1:
        raise ImportError_("the model ends in maps, not one output per class (no dense or global pooling layer)")
    units = out.shape[0]
    if classes is None:
        classes = [f"class {i + 1}" for i in range(units)]
    if len(classes) != units:
        raise ImportError_(f"{len(classes)} class names for a model with {units} outputs")
    if not 2 <= units <= 20:
        raise ImportError_(f"the model has {units} outputs; the explainer shows 2 to 20 classes")
    description = {"name": name, "input_shape": list(out.input_shape), "classes": list(classes), "layers": out.specs}
    if normalization and out.normalization:
        raise ImportError_("--normalize: the model rescales its input itself (a Rescaling or Normalization layer)")
    given, normalization = normalization, normalization or out.normalization
    if normalization:
        try:
            check_normalization(normalization, out.input_shape[2])
        except ModelLimitError as exc:
            raise ImportError_(f"--normalize: {exc}" if given else str(exc)) from None
        description["normalization"] = normalization
    try:
        network = network_from(description, out.weights)
    except NetworkError as exc:
        raise ImportError_(str(exc)) from None
    network.imported = Imported(list(out.notes), out.pixel_scale, given, added)
    return network


def square(value, what: str, label: str) -> int:
    """One side of a square setting ([3, 3] or 3); ImportError_ for an oblong one."""
    values = value if isinstance(value, (list, tuple)) else [value, value]
    if len(set(values)) != 1:
        raise ImportError_(f"layer {label}: {what} {values} is not square; the engine needs square ones")
    return int(values[0])


def finite(value, what: str, label: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ImportError_(f"layer {label}: {what} {str(value)[:40]} is not a finite number")
    return float(value)

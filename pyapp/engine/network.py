"""The Tiny VGG network: a sequence of layers built from the model description, and its explanations.

``load_network()`` reads ``weights/tiny_vgg.json`` (the layers, see docs/architecture.md) and
``weights/tiny_vgg.npz`` (``<layer>.weight`` / ``<layer>.bias``). ``network.forward(image)``
runs a (64, 64, 3) image and returns a :class:`Trace` holding every layer's activation,
channels-first. The other methods explain single numbers of a trace for the detail views.
"""
from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import numpy as np

from . import gradients
from .. import WEIGHTS_DIR
from ..images.fit import fit_image
from .layer_arrays import LayerArrays
from .layers import INITS, LAYER_TYPES, Conv2D, Layer, MaxPool2D, windows
from ..models.limits import ModelLimitError, check_description, check_weights
from ..models.reading import load_json, read_file, read_npz

DESCRIPTION_FILE = "tiny_vgg.json"
WEIGHTS_FILE = "tiny_vgg.npz"
INPUT = "input"
SPATIAL_TYPES = tuple(kind for kind, cls in LAYER_TYPES.items() if cls.spatial)  # layers with (y, x) pixels


class NetworkError(ValueError):
    """Weights or a model description that cannot be used (missing, malformed, wrong shapes)."""


class Trace(LayerArrays):
    """Every activation of one forward pass, by layer name: ``trace["conv_1_1"]`` is (10, 62, 62).

    ``trace.names`` lists ``input`` and then the layers in order. After a batched forward pass
    every array has a leading batch axis.
    """

    @property
    def probabilities(self) -> np.ndarray:
        return self._arrays[self.names[-1]]


def _build_layer(spec: dict, weights, input_shape: tuple[int, ...]) -> Layer:
    name, kind = spec.get("name"), spec.get("type")
    if kind not in LAYER_TYPES:
        raise NetworkError(f"layer {name!r}: unknown type {kind!r} (known: {', '.join(LAYER_TYPES)})")

    def parameter(suffix: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
        """``<name>.<suffix>`` from the weights, with the shape the description needs (when given)."""
        key = f"{name}.{suffix}"
        if key not in weights:
            raise NetworkError(f"the weights have no {key!r}")
        array = np.asarray(weights[key], dtype=np.float32)
        if shape is not None and array.shape != shape:
            raise NetworkError(f"{key} has shape {array.shape}, the description needs {shape}")
        return array

    return LAYER_TYPES[kind].from_description(spec, parameter, input_shape)


class Network:
    """A sequential network from a model description (dict) and its weights (name -> array)."""

    def __init__(self, description: dict, weights):
        self.description = description
        self.name = description.get("name", "network")
        self.classes = list(description["classes"])
        h, w, c = description["input_shape"]
        self.input_shape = (int(h), int(w), int(c))
        # the model's input is gain * pixel + offset per channel, pixels in [0, 1] (see input_normalisation)
        self.gain, self.offset = input_normalisation(description.get("normalization"), int(c))
        self.layers: list[Layer] = []
        self.shapes: dict[str, tuple[int, ...]] = {INPUT: (int(c), int(h), int(w))}
        self.sources: dict[str, str] = {}  # layer name -> the name of the layer feeding it
        shape, source = self.shapes[INPUT], INPUT
        for spec in description["layers"]:
            layer = _build_layer(spec, weights, shape)
            if layer.name in self.shapes or layer.name == INPUT:
                raise NetworkError(f"two layers are named {layer.name!r}")
            shape = layer.output_shape(shape)
            if min(shape) < 1:
                raise NetworkError(f"layer {layer.name!r} would have an empty output {shape}")
            self.layers.append(layer)
            self.shapes[layer.name] = shape
            self.sources[layer.name] = source
            source = layer.name
        if self.shapes[source] != (len(self.classes),):
            raise NetworkError(f"the last layer gives {self.shapes[source]}, expected one value per class "
                               f"({len(self.classes)})")
        self._by_name = {layer.name: layer for layer in self.layers}
        self.names = [INPUT] + [layer.name for layer in self.layers]

    # -- structure --------------------------------------------------------------------------
    def layer(self, name: str) -> Layer:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"no layer named {name!r}; layers are {', '.join(self._by_name)}") from None

    @property
    def parameter_count(self) -> int:
        return sum(p.size for layer in self.layers for p in layer.parameters())

    def weights(self) -> dict[str, np.ndarray]:
        """The parameters and buffers in the .npz layout: ``<layer>.weight``, ``<layer>.bias``, ``<layer>.running_mean``..."""
        return {f"{layer.name}.{suffix}": array for layer in self.layers
                for suffix, array in {**layer.named_parameters(), **layer.named_buffers()}.items()}

    @contextlib.contextmanager
    def training(self, mode: bool = True):
        """``with network.training():`` batch normalisation uses (and moves) the batch's statistics and dropout
        drops; outside it both are their inference forms."""
        before = [layer.training for layer in self.layers]
        for layer in self.layers:
            layer.training = mode
        try:
            yield self
        finally:
            for layer, was in zip(self.layers, before):
                layer.training = was

    def __repr__(self) -> str:
        lines = [f"Network {self.name!r}: input {self.input_shape} (H, W, C), "
                 f"{self.parameter_count} parameters"]
        lines += [f"  {layer!r}  -> {self.shapes[layer.name]}" for layer in self.layers]
        return "\n".join(lines)

    # -- forward pass -----------------------------------------------------------------------
    @property
    def input_range(self) -> tuple[float, float]:
        """The lowest and highest value the first layer can read: pixels 0 and 1, normalised."""
        ends = np.stack([self.offset, self.gain + self.offset])
        return float(ends.min()), float(ends.max())

    def _chw(self, image) -> tuple[np.ndarray, bool]:
        """A picture (H, W, C) or a batch as the first layer reads it: fitted to the model's size and channels
        (pyapp.images.fit: any photo works with any model), normalised, channels-first."""
        x = np.asarray(image)
        if np.issubdtype(x.dtype, np.integer):
            x = x / 255.0  # 8-bit pixels, as Pillow gives them
        x = x.astype(np.float32, copy=False)
        single = x.ndim in (2, 3)
        if single:
            x = x[None] if x.ndim == 3 else x[None, :, :, None]
        if x.ndim == 4 and x.shape[1:] != self.input_shape and x.shape[3] in (1, 3, 4):
            x = np.stack([fit_image(one, self.input_shape) for one in x]) if len(x) else x
        if x.ndim != 4 or x.shape[1:] != self.input_shape:
            raise ValueError(f"expected an image of shape {self.input_shape} (H, W, C) or a batch "
                             f"(N, {', '.join(map(str, self.input_shape))}), got {x.shape[int(single):]}")
        x = x.transpose(0, 3, 1, 2)
        if self.description.get("normalization"):
            x = x * self.gain[:, None, None] + self.offset[:, None, None]
        return x, single

    def forward(self, image) -> Trace:
        """Run an (H, W, C) float image in [0, 1] (or a batch (N, H, W, C)); every activation, by name."""
        x, single = self._chw(image)
        x = np.ascontiguousarray(x)
        acts = {INPUT: x}
        for layer in self.layers:
            x = layer(x)
            acts[layer.name] = x
        if single:
            acts = {name: a[0] for name, a in acts.items()}
        return Trace(self.names, acts)

    def predict(self, images, batch_size: int = 256) -> np.ndarray:
        """Probabilities (N, classes) for a batch (N, H, W, C), in chunks to bound memory."""
        images = np.asarray(images)
        chunks = []
        for start in range(0, len(images), batch_size):
            x, _ = self._chw(images[start:start + batch_size])
            for layer in self.layers:
                x = layer(x)
            chunks.append(x)
        if not chunks:
            return np.zeros((0, len(self.classes)), dtype=np.float32)
        return np.concatenate(chunks)

    def backward(self, trace: Trace, target, score: str = "logit", parameters: bool = True):
        """d(class score)/d(every layer's output, the input and the weights): see pyapp.engine.gradients.backward."""
        return gradients.backward(self, trace, target, score, parameters)

    # -- explanations -----------------------------------------------------------------------
    def _conv(self, layer: str) -> Conv2D:
        found = self.layer(layer)
        if not isinstance(found, Conv2D):
            raise ValueError(f"{layer} is a {found.type} layer, not a convolution")
        return found

    def kernel(self, layer: str, neuron: int) -> np.ndarray:
        """The kernel of one filter of a conv layer: (in_channels, k, k); of a dense unit: its weights."""
        found = self.layer(layer)
        if "weight" not in found.named_parameters():
            raise ValueError(f"{layer} is a {found.type} layer; it has no weights")
        return found.weight[neuron]

    def bias(self, layer: str, neuron: int) -> float:
        found = self.layer(layer)
        if "bias" not in found.named_parameters():
            raise ValueError(f"{layer} is a {found.type} layer; it has no bias")
        return float(found.bias[neuron])

    def with_kernel(self, layer: str, neuron: int, kernel, bias: float | None = None) -> "Network":
        """A copy of the network with one conv filter replaced (the kernel playground)."""
        weights = {k: v.copy() for k, v in self.weights().items()}
        target = weights[f"{self._conv(layer).name}.weight"]
        target[neuron] = np.asarray(kernel, dtype=np.float32).reshape(target[neuron].shape)
        if bias is not None:
            weights[f"{layer}.bias"][neuron] = bias
        return Network(self.description, weights)

    def conv_intermediates(self, trace: Trace, layer: str, neuron: int) -> np.ndarray:
        """(in_channels, H', W'): input channel i correlated with kernel i, before summing and the bias."""
        conv = self._conv(layer)
        win = conv.windows(trace[self.sources[layer]])  # (C, H', W', k, k)
        return np.einsum("chwyx,cyx->chw", win, conv.weight[neuron], optimize=True).astype(np.float32)

    def _spatial(self, name: str) -> Layer:
        found = self.layer(name)
        if not found.spatial:
            raise ValueError(f"{name} is a {found.type} layer; it has no (y, x) pixels")
        return found

    def input_window(self, layer: str, y: int, x: int):
        """``(source_layer, (y0, y1), (x0, x1))``: the window of the layer's input behind output pixel (y, x).

        Half-open ranges, clipped to the input (padding zeros lie outside it).
        """
        found = self._spatial(layer)
        _, h, w = self.shapes[layer]
        if not (0 <= y < h and 0 <= x < w):
            raise IndexError(f"pixel ({y}, {x}) is outside {layer}, which is {h}x{w}")
        source = self.sources[layer]
        _, sh, sw = self.shapes[source]
        y0, y1 = found.input_range(y, y + 1)
        x0, x1 = found.input_range(x, x + 1)
        return source, (max(y0, 0), min(y1, sh)), (max(x0, 0), min(x1, sw))

    def window(self, trace: Trace, layer: str, y: int, x: int) -> np.ndarray:
        """The operands under output pixel (y, x): (C, k, k) for conv and pool (zero padded), (C,) for relu."""
        return self._spatial(layer).window(trace[self.sources[layer]], y, x)

    def receptive_field(self, layer: str, y: int, x: int) -> dict[str, tuple[tuple[int, int], tuple[int, int]]]:
        """``{name: ((y0, y1), (x0, x1))}``: the pixels of the layer itself, every earlier layer and ``input``
        that pixel (y, x) of ``layer`` depends on (half-open ranges)."""
        self._spatial(layer)
        field = {layer: ((y, y + 1), (x, x + 1))}
        (ys, xs), name = field[layer], layer
        while name != INPUT:
            found = self.layer(name)
            source = self.sources[name]
            _, sh, sw = self.shapes[source]
            y0, y1 = found.input_range(*ys)
            x0, x1 = found.input_range(*xs)
            ys, xs = (max(y0, 0), min(y1, sh)), (max(x0, 0), min(x1, sw))
            field[source] = (ys, xs)
            name = source
        return field

    def pool_argmax(self, trace: Trace, layer: str) -> np.ndarray:
        """(C, H', W', 2) int: the (y, x) in the pool's input of each window's maximum (first one on ties)."""
        pool = self.layer(layer)
        if not isinstance(pool, MaxPool2D):
            raise ValueError(f"{layer} is a {pool.type} layer, not a max pool")
        p, s = pool.pool_size, pool.stride
        x = trace[self.sources[layer]]
        before = pool.pads(x.shape[-1])[0]
        win = windows(x, p, s, pool.pads(x.shape[-1]), pool.fill)  # (C, H', W', p, p)
        c, h, w = win.shape[:3]
        dy, dx = np.divmod(win.reshape(c, h, w, p * p).argmax(axis=-1), p)
        ys = np.arange(h)[None, :, None] * s + dy - before
        xs = np.arange(w)[None, None, :] * s + dx - before
        return np.stack([ys, xs], axis=-1).astype(np.int64)

    def softmax_terms(self, trace: Trace) -> dict:
        """The softmax spelled out: logits, e**logit, their sum, and each e**logit / sum (float64).

        ``shift`` is 0 unless the logits are so large that e**logit overflows; then every term is
        e**(logit - shift), which gives the same probabilities.
        """
        name = self.layers[-1].name
        logits = np.asarray(trace[self.sources[name]], dtype=np.float64)
        shift = 0.0
        with np.errstate(over="ignore"):
            exps = np.exp(logits)
        if not np.all(np.isfinite(exps)):
            shift = float(logits.max())
            exps = np.exp(logits - shift)
        total = float(exps.sum())
        return {"logits": logits, "exp": exps, "sum": total, "probabilities": exps / total, "shift": shift}


# -- loading and saving -------------------------------------------------------------------------

def input_normalisation(spec, channels: int) -> tuple[np.ndarray, np.ndarray]:
    """(gain, offset) per channel so that the model's input is ``gain * pixel + offset`` for pixels in [0, 1].

    The description's ``normalization`` is ``{"mean": [...], "std": [...]}`` (torchvision's Normalize, on pixels in
    [0, 1]) or ``{"scale": s, "offset": o}`` (Keras' Rescaling, on pixels in 0..255); none: the pixels as they are.
    A single number stands for every channel."""
    def per_channel(values):
        return np.broadcast_to(np.asarray(values, dtype=np.float32).reshape(-1), (channels,)).copy()

    if not spec:
        return np.ones(channels, np.float32), np.zeros(channels, np.float32)
    if "mean" in spec:
        std = per_channel(spec["std"])
        return 1 / std, -per_channel(spec["mean"]) / std
    return per_channel(spec["scale"]) * np.float32(255), per_channel(spec.get("offset", 0.0))


def _read_description(source) -> dict:
    """A description from a dict, JSON text (str or bytes) or a path to a JSON file (read within the limits)."""
    if isinstance(source, dict):
        return source
    try:
        if isinstance(source, (bytes, bytearray)) or (isinstance(source, str) and source.lstrip().startswith("{")):
            return load_json(source, "model description")
        return load_json(read_file(source, "model description"), f"model description {source}")
    except ModelLimitError as exc:
        raise NetworkError(str(exc)) from None  # it names the file and what is wrong


def network_from(description, weights) -> Network:
    """A network from a description (dict, JSON text or path) and weights (dict, .npz bytes or path).

    The description is checked against pyapp.models.limits before the weights are read, and the weights
    (read by pyapp.models.reading, never np.load) before a layer is built: every model source comes here."""
    desc = _read_description(description)
    try:
        check_description(desc)
        if not isinstance(weights, dict):
            weights = read_npz(weights)
        check_weights(weights)
    except ModelLimitError as exc:
        raise NetworkError(str(exc)) from None
    try:
        return Network(desc, weights)
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, NetworkError):
            raise
        raise NetworkError(f"the model description is not usable: {exc}") from None


def load_network(directory: str | os.PathLike = WEIGHTS_DIR) -> Network:
    """The network in ``directory``: ``tiny_vgg.json`` (layers) and ``tiny_vgg.npz`` (weights)."""
    directory = Path(directory)
    for file in (DESCRIPTION_FILE, WEIGHTS_FILE):
        if not (directory / file).is_file():
            raise NetworkError(f"{directory / file}: not found (is this a weights directory?)")
    return network_from(directory / DESCRIPTION_FILE, directory / WEIGHTS_FILE)


def random_weights(description: dict, seed: int = 0, init: str = "he") -> dict[str, np.ndarray]:
    """Seeded starting weights for a description (an untrained network), by each layer's own initialisation.

    ``init`` is one of layers.INITS: ``he`` for tests and comparisons, ``zero-bias`` as training/train.py.
    """
    if init not in INITS:
        raise ValueError(f"unknown initialisation {init!r} (known: {', '.join(INITS)})")
    rng = np.random.default_rng(seed)
    h, w, c = description["input_shape"]
    shape, out = (int(c), int(h), int(w)), {}
    for spec in description["layers"]:
        kind = LAYER_TYPES.get(spec.get("type"), Layer)  # an unknown type fails in _build_layer, with its message
        params = kind.initial_parameters(spec, shape, rng, init)
        out.update({f"{spec['name']}.{suffix}": array for suffix, array in params.items()})
        shape = _build_layer(spec, out, shape).output_shape(shape)
    return out


def save_network(directory: str | os.PathLike, description: dict, weights: dict[str, np.ndarray]) -> Path:
    """Write ``tiny_vgg.json`` and ``tiny_vgg.npz`` into ``directory`` (created if needed)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / DESCRIPTION_FILE).write_text(json.dumps(description, indent=2) + "\n", encoding="utf-8")
    np.savez(directory / WEIGHTS_FILE, **{k: np.asarray(v, dtype=np.float32) for k, v in weights.items()})
    return directory

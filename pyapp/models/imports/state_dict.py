"""PyTorch ``state_dict`` files (``torch.save``): tensors only, so ``--layers`` says how they are used, in order.

Words (``LAYER_WORDS``): ``conv`` (``conv:P`` pads by P, ``conv:same``, ``conv:P:S`` strides by S), ``relu``,
``leaky[:SLOPE]``, ``sigmoid``, ``tanh``, ``pool[:K[:S[:P]]]`` (max, 2x2 stride 2 by default), ``avgpool[:K[:S[:P]]]``,
``gap`` (global average pooling), ``bn[:EPS]`` (batch normalisation: weight, bias, running_mean, running_var),
``dropout[:RATE]``, ``flatten``, ``dense``, ``softmax``. Kernel sizes and channel counts come from the tensors.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np

from ...engine.network import Network
from ..reading import read_file
from .common import DEFAULT_SIZE, ImportError_, Layers, finish, in_words, safe_name

# The layer sequence assumed for a state_dict (it holds tensors only): Tiny VGG's, as training/train.py has it.
TINY_VGG_LAYERS = "conv relu conv relu pool conv relu conv relu pool flatten dense"
LAYER_WORDS = {"conv": "conv2d", "relu": "relu", "leaky": "leaky_relu", "sigmoid": "sigmoid", "tanh": "tanh",
               "pool": "max_pool2d", "avgpool": "avg_pool2d", "gap": "global_avg_pool", "bn": "batch_norm",
               "dropout": "dropout", "flatten": "flatten", "dense": "dense", "softmax": "softmax"}
WORD = re.compile(r"([a-z]+)((?::[0-9.e-]+|:same|:valid){0,3})")
BUFFERS = (".weight", ".bias", ".running_mean", ".running_var")


def _torch_tensors(path: Path) -> tuple[list[tuple[str, np.ndarray]], list[str] | None]:
    data = read_file(path, "state_dict file")  # a regular file within the size limit, before torch reads it
    magic = data[:4]
    if magic != b"PK\x03\x04" and magic[:2] != b"\x80\x02":  # torch.save's zip, or its legacy pickle
        raise ImportError_(f"{path}: not a model file this importer knows (model.json, .keras, .h5, .onnx, or a "
                           "file saved with torch.save)")
    try:
        import torch
    except ImportError:
        raise ImportError_("reading a PyTorch file needs PyTorch (pip install torch)") from None
    try:
        saved = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - torch raises many kinds; each one means "not a state_dict"
        if "Weights only load failed" in str(exc):
            raise ImportError_(f"{path}: holds Python objects, not only tensors (a whole model?): "
                               "save model.state_dict() instead, or export it with torch.onnx.export") from None
        first = (str(exc).splitlines() or [""])[0][:160]
        raise ImportError_(f"{path}: not a PyTorch state_dict ({type(exc).__name__}: {first})") from None
    classes = None
    if isinstance(saved, dict) and isinstance(saved.get("state_dict"), dict):
        classes = saved.get("classes")
        saved = saved["state_dict"]
    if not isinstance(saved, dict):
        raise ImportError_(f"{path}: holds a {type(saved).__name__}, not a state_dict (save model.state_dict())")
    tensors = [(k, v.detach().cpu().float().numpy()) for k, v in saved.items()
               if hasattr(v, "detach") and v.is_floating_point()]
    return [(k, v) for k, v in tensors if k.endswith(BUFFERS)], classes


def parse_layers(layers: str) -> list[tuple[str, list[str], str]]:
    """(kind, its options, the word) per word of ``--layers``; ImportError_ naming the first word that is not one."""
    out = []
    for word in layers.split():
        match = WORD.fullmatch(word)
        if not match or match.group(1) not in LAYER_WORDS:
            raise ImportError_(f"--layers: unknown layer {word!r} (known: {', '.join(LAYER_WORDS)}; e.g. conv:1 "
                               "pads by 1, conv:same, conv:1:2 strides by 2, pool:3:2, leaky:0.1, dropout:0.25)")
        out.append((LAYER_WORDS[match.group(1)], [o for o in match.group(2).split(":") if o], match.group(1)))
    return out


def _number(options: list[str], index: int, default, word: str, kind=float):
    try:
        return kind(options[index]) if len(options) > index else default
    except ValueError:
        raise ImportError_(f"--layers: {word}:{':'.join(options)} has {options[index]!r} where a number goes") from None


class _Queue:
    """The state_dict's tensors in order, taken as the layers need them."""

    def __init__(self, tensors):
        self.items = list(tensors)

    def take(self, suffix: str, word: str, needed: bool = True):
        if self.items and self.items[0][0].endswith(suffix):
            return self.items.pop(0)
        if needed:
            found = f"{self.items[0][0]} {tuple(self.items[0][1].shape)}" if self.items else "no more tensors"
            raise ImportError_(f"layer {word}: expected a {suffix[1:]} tensor, the state_dict has {found}")
        return None, None


@in_words
def import_torch(path: Path, classes: list[str] | None = None, layers: str = TINY_VGG_LAYERS,
                 size: int = DEFAULT_SIZE, normalization: dict | None = None) -> Network:
    """A state_dict's tensors, in order, on the layer sequence ``layers`` (see LAYER_WORDS) for size x size inputs."""
    tensors, saved_classes = _torch_tensors(Path(path))
    classes = classes or saved_classes
    words = parse_layers(layers)
    first = next((v for k, v in tensors if k.endswith(".weight") and v.ndim == 4), None)
    out = Layers((size, size, int(first.shape[1]) if first is not None else 3))
    queue, pools = _Queue(tensors), {"max_pool2d": 0, "avg_pool2d": 0}
    for kind, options, word in words:
        if kind in ("conv2d", "dense"):
            key, weight = queue.take(".weight", word)
            _, bias = queue.take(".bias", word, needed=False)
            want = 4 if kind == "conv2d" else 2
            if weight.ndim != want:
                raise ImportError_(f"{key} {tuple(weight.shape)}: expected a {word} weight with {want} axes")
            name = key.rsplit(".", 1)[0]
            if kind == "dense":
                out.dense(key, name, weight, bias)
                continue
            if weight.shape[2] != weight.shape[3]:
                raise ImportError_(f"{key} {tuple(weight.shape)}: kernels must be square")
            padding = options[0] if options and options[0] in ("same", "valid") else _number(options, 0, 0, word, int)
            out.conv(key, name, weight, bias, _number(options, 1, 1, word, int), padding)
        elif kind == "batch_norm":
            key, gamma = queue.take(".weight", word)
            if gamma.ndim != 1:
                raise ImportError_(f"layer {word}: {key} {tuple(gamma.shape)} is not one number per channel (a batch "
                                   "norm weight)")
            arrays = [gamma] + [queue.take(s, word)[1] for s in (".bias", ".running_mean", ".running_var")]
            out.batch_norm(key, key.rsplit(".", 1)[0], *arrays, _number(options, 0, 1e-5, word))
        elif kind in pools:
            pools[kind] += 1
            size_ = _number(options, 0, 2, word, int)
            spec = {"name": f"{'max' if kind == 'max_pool2d' else 'avg'}_pool_{pools[kind]}", "type": kind,
                    "pool_size": size_, "stride": _number(options, 1, size_, word, int),
                    "padding": _number(options, 2, 0, word, int)}
            out.add(word, spec)
        elif kind in ("relu", "leaky_relu", "sigmoid", "tanh"):
            last = out.specs[-1]["name"] if out.specs else "input"
            name = last.replace("conv", "relu", 1) if kind == "relu" and "conv" in last else f"{last}_{kind}"
            out.activation(word, name, kind, _number(options, 0, None, word))
        elif kind == "dropout":
            out.add(word, {"name": "dropout", "type": "dropout", "rate": _number(options, 0, 0.5, word)})
        elif kind == "softmax":
            out.activation(word, "probabilities", "softmax")
        else:
            out.add(word, {"name": kind if kind == "flatten" else "global_pool", "type": kind})
    if queue.items:
        key, value = queue.items[0]
        raise ImportError_(f"{key} {tuple(value.shape)}: a tensor left over after the layers {layers} "
                           "(give the sequence with --layers)")
    return finish(safe_name(Path(path).stem, set()), out, classes, normalization)

"""Keras files read as data, without TensorFlow: a Keras 3 ``.keras`` (a zip of config.json and model.weights.h5)
and a Keras 2 ``.h5`` (the config in an attribute, the weights beside it), through h5py on the file's bytes.

Every size is checked before it is read: the file (pyapp.models.reading.read_file), each zip member's declared
size, each HDF5 dataset's shape and type (a dataset compressed a thousandfold is refused by its shape); only
plain links inside the file are followed (no external link or external storage reaches another file).
"""
from __future__ import annotations

import io
import math
import re
import zipfile
from pathlib import Path

import numpy as np

from ..limits import LIMITS, MAX_MODEL_BYTES, MAX_NPZ_BYTES, ModelLimitError, size_text
from ..reading import load_json, read_file
from .common import ImportError_

H5_MAGIC = b"\x89HDF\r\n\x1a\n"
# the order Keras 3 writes a layer's variables (vars/0, vars/1, ...), by its class
VARIABLES = {"Conv2D": ("kernel", "bias"), "Dense": ("kernel", "bias"),
             "BatchNormalization": ("gamma", "beta", "moving_mean", "moving_variance"),
             "Normalization": ("mean", "variance", "count")}


def _h5py():
    try:
        import h5py
    except ImportError:
        raise ImportError_("reading a Keras file needs h5py (pip install h5py)") from None
    return h5py


def _open_h5(data: bytes, what: str):
    if not data.startswith(H5_MAGIC):
        raise ImportError_(f"{what} is not an HDF5 file")
    try:
        return _h5py().File(io.BytesIO(data), "r")
    except (OSError, ValueError) as exc:
        raise ImportError_(f"{what} is damaged ({str(exc)[:80]})") from None


def _member(parent, name: str, what: str):
    """parent[name] when it is a plain link inside the file (never an external or soft link), else None."""
    h5py = _h5py()
    try:
        link = parent.get(name, getlink=True)
    except (KeyError, ValueError, TypeError):
        return None
    if link is None:
        return None
    if not isinstance(link, h5py.HardLink):
        raise ImportError_(f"{what}: {name} is a link to somewhere else; only plain weights are read")
    return parent[name]


def _array(dataset, what: str) -> np.ndarray:
    """A dataset's numbers, its declared shape and type checked before a byte is read."""
    h5py = _h5py()
    if not isinstance(dataset, h5py.Dataset):
        raise ImportError_(f"{what} is not an array")
    if dataset.external:
        raise ImportError_(f"{what} keeps its data in another file; only weights inside the file are read")
    if dataset.dtype.kind != "f" or dataset.dtype.itemsize > 8:
        raise ImportError_(f"{what} holds {dataset.dtype} values, not floating-point numbers")
    count = math.prod(dataset.shape)
    if len(dataset.shape) > 4 or count > LIMITS["parameters"][1]:
        raise ImportError_(f"{what} has shape {dataset.shape}; the limit is {LIMITS['parameters'][1]:,} numbers")
    try:
        return np.asarray(dataset[()], dtype=np.float32)
    except (OSError, ValueError) as exc:
        raise ImportError_(f"{what} cannot be read ({str(exc)[:80]})") from None


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _snake(name: str) -> str:
    """Keras' own snake case of a class name (Conv2D -> conv2d, BatchNormalization -> batch_normalization)."""
    return re.sub("([a-z])([A-Z])", r"\1_\2", re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)).lower()


def storage_keys(layers: list[dict]) -> dict[str, str]:
    """Layer name -> its group in a Keras 3 weights file: Keras stores a Sequential's layers by class, counted
    in order (the second Conv2D is layers/conv2d_1 whatever its name)."""
    counts: dict[str, int] = {}
    keys = {}
    for layer in layers:
        kind = str(layer.get("class_name"))
        if kind == "InputLayer":
            continue
        n = counts.get(kind, 0)
        counts[kind] = n + 1
        keys[str(layer.get("config", {}).get("name"))] = _snake(kind) + (f"_{n}" if n else "")
    return keys


def _keras3_weights(h5, classes: dict[str, str], keys: dict[str, str]):
    """``weights(name)`` of a Keras 3 model.weights.h5: layers/<key>/vars/<i>, named by the layer's class."""
    def weights(name: str) -> dict[str, np.ndarray]:
        layers = _member(h5, "layers", "model.weights.h5")
        group = _member(layers, keys.get(name, name), "model.weights.h5") if layers is not None else None
        values = _member(group, "vars", f"layer {name}") if group is not None else None
        if values is None:
            return {}
        names = VARIABLES.get(classes.get(name), ())
        found = sorted((int(k), k) for k in values.keys() if k.isdigit())
        return {names[i] if i < len(names) else f"var{i}": _array(_member(values, k, name), f"{name}/vars/{k}")
                for i, k in found}
    return weights


def _keras2_weights(h5):
    """``weights(name)`` of a Keras 2 .h5: model_weights/<name> lists its arrays in its weight_names attribute."""
    root = _member(h5, "model_weights", ".h5 file") if "model_weights" in h5 else h5

    def weights(name: str) -> dict[str, np.ndarray]:
        group = _member(root, name, ".h5 file") if root is not None else None
        if group is None:
            return {}
        names = [_text(n) for n in np.atleast_1d(group.attrs.get("weight_names", []))]
        out = {}
        for path in names[:8]:
            short = path.rsplit("/", 1)[-1].split(":")[0]
            node = group
            for part in path.split("/"):
                node = _member(node, part, f"layer {name}") if node is not None else None
            if node is None:
                raise ImportError_(f"layer {name}: its weight {path[:60]} is not in the file")
            out[short] = _array(node, f"{name}/{short}")
        return out
    return weights


def read_keras3(path: Path) -> tuple[dict, object]:
    """(config, weights) of a .keras file; each zip member's declared size checked before it is expanded."""
    data = read_file(path, "Keras file")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ImportError_(f"{path}: not a Keras 3 .keras file (not a zip archive)") from None
    with archive:
        members = {m.filename: m for m in archive.infolist()}
        if "config.json" not in members or "model.weights.h5" not in members:
            raise ImportError_(f"{path}: a .keras file holds config.json and model.weights.h5; this one does not")
        for name in ("config.json", "model.weights.h5"):
            if members[name].file_size > MAX_NPZ_BYTES:
                raise ImportError_(f"{path}: {name} would expand to {size_text(members[name].file_size)}; the limit "
                                   f"is {size_text(MAX_NPZ_BYTES)}")
        try:
            config = load_json(archive.read("config.json"), "config.json")
            weights_h5 = archive.read("model.weights.h5")
        except ModelLimitError:
            raise
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise ImportError_(f"{path}: the archive is damaged ({str(exc)[:80]})") from None
    h5 = _open_h5(weights_h5, "model.weights.h5")
    from .keras_layers import layer_list

    layers = [layer for layer in layer_list(config) if isinstance(layer, dict) and isinstance(layer.get("config"), dict)]
    classes = {str(layer["config"].get("name")): layer.get("class_name") for layer in layers}
    return config, _keras3_weights(h5, classes, storage_keys(layers))


def read_keras2(path: Path) -> tuple[dict, object]:
    """(config, weights) of a Keras 2 (legacy HDF5) .h5 model file."""
    data = read_file(path, "Keras .h5 file", MAX_MODEL_BYTES)
    h5 = _open_h5(data, f"{path}")
    config = h5.attrs.get("model_config")
    if config is None:
        raise ImportError_(f"{path}: an .h5 file without a model config (weights only? save the whole model)")
    return load_json(_text(config).encode("utf-8"), "model_config"), _keras2_weights(h5)

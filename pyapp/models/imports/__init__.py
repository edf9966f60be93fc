"""Import a model trained elsewhere into the engine's format (a model description and its weights).

Sources (``FORMATS``), told apart by the file's contents: a TensorFlow.js Layers ``model.json`` with its shards
(tfjs), a Keras 3 ``.keras`` or Keras 2 ``.h5`` Sequential model (keras_files: h5py, no TensorFlow), an ONNX
graph (onnx_graph: the ``onnx`` package; also the way in for a whole PyTorch model, via ``torch.onnx.export``)
and a PyTorch ``state_dict`` (state_dict: tensors on a layer sequence given in words). Each converts into
common.Layers, checked layer by layer against pyapp.models.limits, and ends in ``network_from``; anything the
engine cannot run raises :class:`ImportError_` naming the first layer or tensor that does not fit. Layouts
converted (see docs/architecture.md): kernels to (out, in, k, k); dense weights to (units, inputs) with a Keras
flatten's inputs in the engine's channels-first order. parity.check compares the result with the source framework.
"""
from __future__ import annotations

from pathlib import Path

from ...engine.network import Network
from . import keras_files, keras_layers
from .common import (DEFAULT_SIZE, ImportError_, Imported, Layers, finish, in_words, read_classes, read_normalize,
                     safe_name)
from .onnx_graph import import_onnx
from .state_dict import LAYER_WORDS, TINY_VGG_LAYERS, import_torch
from .tfjs import import_tfjs, tfjs_network

__all__ = ["DEFAULT_SIZE", "FORMATS", "ImportError_", "Imported", "LAYER_WORDS", "TINY_VGG_LAYERS", "file_kind",
           "finish", "import_keras", "import_model", "read_classes", "read_normalize", "tfjs_network"]

# kind -> what the README and the command's help call it
FORMATS = {"tfjs": "TensorFlow.js Layers model.json (+ .bin shards)", "keras": "Keras 3 .keras or Keras 2 .h5",
           "onnx": "ONNX .onnx", "state_dict": "PyTorch state_dict (.pt, .pth)"}


def file_kind(path: Path) -> str:
    """Which importer reads ``path``: by its first bytes, then its name (an ONNX file has no magic number)."""
    with open(path, "rb") as f:
        head = f.read(8)
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "tfjs"
    if head.startswith(keras_files.H5_MAGIC) or suffix in (".keras", ".h5", ".hdf5"):
        return "keras"
    if suffix == ".onnx":
        return "onnx"
    return "state_dict"


@in_words
def import_keras(path: Path, classes: list[str] | None = None, normalization: dict | None = None) -> Network:
    """A Keras Sequential model: a Keras 3 .keras (a zip) or a Keras 2 .h5 (HDF5)."""
    path = Path(path)
    with open(path, "rb") as f:
        zipped = f.read(4) == b"PK\x03\x04"
    config, weights = (keras_files.read_keras3 if zipped else keras_files.read_keras2)(path)
    layers = keras_layers.layer_list(config)
    shape = keras_layers.input_shape(layers)
    if shape is None:
        raise ImportError_(f"{path}: the model does not say its input shape (build it with keras.Input first)")
    out = Layers(shape)
    keras_layers.convert(layers, weights, out)
    return finish(safe_name(path.stem, set()), out, classes, normalization)


@in_words
def import_model(path, classes: list[str] | None = None, layers: str = TINY_VGG_LAYERS,
                 size: int = DEFAULT_SIZE, normalization: dict | None = None) -> Network:
    """The network in a model file of any of ``FORMATS`` (by its contents' kind)."""
    path = Path(path)
    if not path.is_file():
        raise ImportError_(f"{path}: no such file")
    kind = file_kind(path)
    if kind == "tfjs":
        return import_tfjs(path, classes, normalization)
    if kind == "keras":
        return import_keras(path, classes, normalization)
    if kind == "onnx":
        return import_onnx(path, classes, normalization)
    return import_torch(path, classes, layers, size, normalization)

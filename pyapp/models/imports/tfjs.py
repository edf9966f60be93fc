"""TensorFlow.js Layers models: a ``model.json`` (a Keras Sequential config) and its weight shards."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ...engine.network import Network
from ..limits import ModelLimitError
from ..reading import ShardFolder, group_bytes, load_json, manifest_groups, read_file
from . import keras_layers
from .common import DEFAULT_SIZE, ImportError_, Layers, finish, in_words, safe_name


def _tensors(shards, manifest: list) -> dict[str, np.ndarray]:
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


@in_words
def import_tfjs(model_json: Path, classes: list[str] | None = None, normalization: dict | None = None) -> Network:
    path = Path(model_json)
    try:
        model = load_json(read_file(path, "model.json"), "model.json")
    except ModelLimitError as exc:
        raise ImportError_(f"{path}: not a TensorFlow.js Layers model.json ({exc})") from None
    if not isinstance(model, dict):
        raise ImportError_(f"{path}: not a TensorFlow.js Layers model.json (not a JSON object)")
    return tfjs_network(model, ShardFolder(path.parent), safe_name(path.parent.name or "imported", set()), classes,
                        normalization)


@in_words
def tfjs_network(model: dict, shards, name: str, classes: list[str] | None = None,
                 normalization: dict | None = None) -> Network:
    """The network of a parsed model.json; ``shards`` (pyapp.models.reading: ShardFolder, PickedShards) gives
    the size and then the bytes of each weight shard it lists."""
    try:
        layers = keras_layers.layer_list(model["modelTopology"])
        tensors = _tensors(shards, model["weightsManifest"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        if isinstance(exc, (ImportError_, ModelLimitError)):
            raise
        raise ImportError_(f"not a TensorFlow.js Layers model.json ({type(exc).__name__}: {exc})") from None
    meta = model.get("userDefinedMetadata") or {}
    classes = classes or meta.get("classes") or meta.get("class_names")

    def weights(layer: str) -> dict[str, np.ndarray]:
        prefix = f"{layer}/"
        return {key[len(prefix):]: value for key, value in tensors.items() if key.startswith(prefix)}

    out = Layers(keras_layers.input_shape(layers) or (DEFAULT_SIZE, DEFAULT_SIZE, 3))
    keras_layers.convert(layers, weights, out)
    return finish(name, out, classes, normalization)

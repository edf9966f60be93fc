"""A model from files a visitor picked in the page ("Open a model..."), and its form for keeping it.

Accepted: a model folder (``tiny_vgg.json`` + ``tiny_vgg.npz``: what ``python -m pyapp import`` and
``python -m training.train`` write, and what the build ships in ``weights/``), or a TensorFlow.js Layers
``model.json`` with its ``.bin`` shards. Plain Python: the page only reads the files' bytes.
"""
from __future__ import annotations

import base64
import io
import json

import numpy as np

from ..engine.network import Network, NetworkError, network_from
from .imports import ImportError_, tfjs_network
from .limits import MAX_MODEL_BYTES, ModelLimitError, size_text
from .reading import PickedShards, load_json

WHAT_TO_PICK = ("choose a model folder's tiny_vgg.json and tiny_vgg.npz together, or a TensorFlow.js "
                "model.json with its .bin weight files")
# files the page does not read (their readers, h5py, onnx and torch, are not in it): converted on the command line
COMMAND_LINE_ONLY = {".keras": "Keras", ".h5": "Keras", ".hdf5": "Keras", ".onnx": "ONNX", ".pt": "PyTorch",
                     ".pth": "PyTorch"}


def _json_files(files: dict[str, bytes]) -> dict[str, dict]:
    parsed = {}
    for name, data in files.items():
        if name.lower().endswith(".json"):
            try:
                parsed[name] = load_json(data, name)  # nesting and size limits: no RecursionError
            except ModelLimitError as exc:
                raise ImportError_(str(exc) if "JSON" not in str(exc) else f"{name} is not a JSON file") from None
    return parsed


def open_files(files: dict[str, bytes]) -> Network:
    """The network in the picked files (file name -> bytes); ImportError_ in words when they do not make one."""
    for name, data in files.items():
        if len(data) > MAX_MODEL_BYTES:
            raise ImportError_(f"{name} is {size_text(len(data))}; a model file may be "
                               f"{size_text(MAX_MODEL_BYTES)} at most")
    described = {n: d for n, d in _json_files(files).items() if isinstance(d, dict)}
    description = next((n for n, d in described.items() if "layers" in d and "classes" in d), None)
    topology = next((n for n, d in described.items() if "modelTopology" in d), None)
    if description is not None:
        weights = [n for n in files if n.lower().endswith(".npz")]
        if len(weights) != 1:
            raise ImportError_(f"{description} needs its weights: pick the .npz file beside it too")
        try:
            network = network_from(described[description], files[weights[0]])
        except NetworkError as exc:
            raise ImportError_(str(exc)) from None
        if not 2 <= len(network.classes) <= 20:
            raise ImportError_(f"the model has {len(network.classes)} classes; the explainer shows 2 to 20")
        return network
    if topology is not None:
        model = described[topology]
        meta = model.get("userDefinedMetadata") or {}
        return tfjs_network(model, PickedShards(files, topology), "imported",
                            meta.get("classes") or meta.get("class_names"))
    other = next((n for n in files if "." in n and "." + n.rsplit(".", 1)[-1].lower() in COMMAND_LINE_ONLY), None)
    if other is not None:
        framework = COMMAND_LINE_ONLY["." + other.rsplit(".", 1)[-1].lower()]
        raise ImportError_(f"{other} is a {framework} file: convert it on the command line with python -m pyapp "
                           f"import {other} -o my-model, then open the my-model folder here")
    raise ImportError_(f"no model in {', '.join(sorted(files)) or 'no files'}: {WHAT_TO_PICK}")


def tried(network: Network, image=None) -> Network:
    """The network once one forward pass on ``image`` (the picture on screen; None: mid-grey) gives a finite
    probability for every class; ImportError_ in words otherwise. Run before a model is kept or started."""
    picture = np.full(network.input_shape, 0.5, np.float32) if image is None else image
    try:
        with np.errstate(all="ignore"):  # an overflow shows as the non-finite probabilities refused below
            probabilities = np.asarray(network.forward(picture).probabilities, dtype=np.float64)
    except (ValueError, ArithmeticError, MemoryError) as exc:
        raise ImportError_(f"one forward pass fails ({exc})") from None
    if probabilities.shape != (len(network.classes),) or not np.isfinite(probabilities).all():
        raise ImportError_("one forward pass gives probabilities that are not numbers (its weights overflow)")
    return network


def to_text(network: Network) -> str:
    """The network as one JSON text (description and base64 .npz), to keep in the browser's storage."""
    buffer = io.BytesIO()
    np.savez(buffer, **network.weights())
    return json.dumps({"description": network.description, "weights": base64.b64encode(buffer.getvalue()).decode()})


def from_text(text: str) -> Network:
    """The network kept by ``to_text``; NetworkError when the text is not one."""
    try:
        saved = load_json(text, "kept model")
        return network_from(saved["description"], base64.b64decode(saved["weights"]))
    except (ValueError, KeyError, TypeError) as exc:
        if isinstance(exc, NetworkError):
            raise
        raise NetworkError(f"the kept model is damaged ({exc})") from None

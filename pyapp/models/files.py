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

WHAT_TO_PICK = ("choose a model folder's tiny_vgg.json and tiny_vgg.npz together, or a TensorFlow.js "
                "model.json with its .bin weight files")


def _json_files(files: dict[str, bytes]) -> dict[str, dict]:
    parsed = {}
    for name, data in files.items():
        if name.lower().endswith(".json"):
            try:
                parsed[name] = json.loads(data)
            except ValueError:
                raise ImportError_(f"{name} is not a JSON file") from None
    return parsed


def open_files(files: dict[str, bytes]) -> Network:
    """The network in the picked files (file name -> bytes); ImportError_ in words when they do not make one."""
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
        def read(shard: str) -> bytes:
            found = files.get(shard.rsplit("/", 1)[-1])
            if found is None:
                raise ImportError_(f"{topology} needs its weight file {shard}: pick it too")
            return found

        model = described[topology]
        meta = model.get("userDefinedMetadata") or {}
        return tfjs_network(model, read, "imported", meta.get("classes") or meta.get("class_names"))
    raise ImportError_(f"no model in {', '.join(sorted(files)) or 'no files'}: {WHAT_TO_PICK}")


def to_text(network: Network) -> str:
    """The network as one JSON text (description and base64 .npz), to keep in the browser's storage."""
    buffer = io.BytesIO()
    np.savez(buffer, **network.weights())
    return json.dumps({"description": network.description, "weights": base64.b64encode(buffer.getvalue()).decode()})


def from_text(text: str) -> Network:
    """The network kept by ``to_text``; NetworkError when the text is not one."""
    try:
        saved = json.loads(text)
        return network_from(saved["description"], base64.b64decode(saved["weights"]))
    except (ValueError, KeyError, TypeError) as exc:
        if isinstance(exc, NetworkError):
            raise
        raise NetworkError(f"the kept model is damaged ({exc})") from None

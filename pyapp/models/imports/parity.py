"""The parity check of an import: the engine's output against the source framework's on a few random images.

PyTorch (a state_dict, run by torch.nn.functional on the same tensors), ONNX (the onnx package's reference
evaluator on the file itself) and Keras (the file loaded by Keras on its torch backend), each where installed.
The images are random pixels in [0, 1]; the framework gets them as the file expects them (times 255 when the model
begins with a Rescaling layer, normalised by ``--normalize`` when that was given).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...engine.gradients import score_layer
from ...engine.network import Network

TOLERANCE = 1e-4  # of the largest output magnitude (at least 1): float32 sums in another order
SAMPLES = 3


@dataclass
class Parity:
    framework: str
    difference: float | None  # the largest difference, relative; None: the framework is not installed
    scale: float = 1.0

    @property
    def ok(self) -> bool:
        return self.difference is None or self.difference <= TOLERANCE

    def sentence(self) -> str:
        if self.difference is None:
            return f"parity: not checked ({self.framework} is not installed here)"
        verdict = "within" if self.ok else "MORE than"
        return (f"parity: the engine and {self.framework} agree on {SAMPLES} random images to {self.difference:.1e} "
                f"({verdict} {TOLERANCE:g})")


def _torch_reference(network: Network, x: np.ndarray) -> np.ndarray:
    """The description run by torch.nn.functional on the network's tensors (NCHW)."""
    import torch
    F = torch.nn.functional
    t = torch.from_numpy(np.ascontiguousarray(x))
    weights = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in network.weights().items()}
    specs = network.description["layers"]
    for spec in specs[:-1] if network.imported.ends_in_scores else specs:  # not the softmax the import added
        kind, name = spec["type"], spec["name"]
        layer = network.layer(name)
        if kind == "conv2d":
            before, after = layer.pads(t.shape[-1])
            t = F.conv2d(F.pad(t, (before, after, before, after)), weights[f"{name}.weight"], weights[f"{name}.bias"],
                         stride=layer.stride)
        elif kind in ("max_pool2d", "avg_pool2d"):
            before, after = layer.pads(t.shape[-1])
            fill = float("-inf") if kind == "max_pool2d" else 0.0
            t = F.pad(t, (before, after, before, after), value=fill)
            pool = F.max_pool2d if kind == "max_pool2d" else F.avg_pool2d
            t = pool(t, layer.pool_size, layer.stride)
        elif kind == "global_avg_pool":
            t = t.mean(dim=(2, 3))
        elif kind == "batch_norm":
            t = F.batch_norm(t, weights[f"{name}.running_mean"], weights[f"{name}.running_var"],
                             weights[f"{name}.weight"], weights[f"{name}.bias"], False, 0.0, layer.eps)
        elif kind == "flatten":
            t = t.flatten(1)
        elif kind == "dense":
            t = F.linear(t, weights[f"{name}.weight"], weights[f"{name}.bias"])
        elif kind in ("relu", "sigmoid", "tanh"):
            t = getattr(torch, kind)(t)
        elif kind == "leaky_relu":
            t = F.leaky_relu(t, layer.slope)
        elif kind == "softmax":
            t = torch.softmax(t, -1)
    return t.numpy()


def _onnx_reference(path: Path, x: np.ndarray) -> np.ndarray:
    import onnx
    from onnx.reference import ReferenceEvaluator

    model = onnx.load(str(path))
    constants = {i.name for i in model.graph.initializer}
    image = next(i.name for i in model.graph.input if i.name not in constants)
    evaluator = ReferenceEvaluator(model)
    return np.concatenate([evaluator.run(None, {image: x[i:i + 1]})[0] for i in range(len(x))])


def _keras_reference(path: Path, x: np.ndarray) -> np.ndarray:
    import keras

    model = keras.saving.load_model(str(path), compile=False)
    return np.asarray(keras.ops.convert_to_numpy(model(x.transpose(0, 2, 3, 1), training=False)))


FRAMEWORKS = {"state_dict": ("PyTorch", "torch", _torch_reference), "onnx": ("ONNX's reference evaluator", "onnx",
              _onnx_reference), "keras": ("Keras", "keras", _keras_reference)}


def check(network: Network, kind: str, path: Path, seed: int = 0) -> Parity | None:
    """The engine against the source framework of ``kind`` (``FRAMEWORKS``); None when there is none (TF.js)."""
    if kind not in FRAMEWORKS:
        return None
    framework, module, reference = FRAMEWORKS[kind]
    os.environ.setdefault("KERAS_BACKEND", "torch")  # Keras on PyTorch, never TensorFlow (set before it is imported)
    try:
        __import__(module)
    except ImportError:
        return Parity(framework, None)
    imported = network.imported
    images = np.random.default_rng(seed).random((SAMPLES, *network.input_shape), dtype=np.float32)
    trace = network.forward(images)
    x = images.transpose(0, 3, 1, 2) * np.float32(imported.pixel_scale)  # the file's own input, NCHW
    if imported.normalization:  # preprocessing the file leaves to its user: done here as --normalize says
        x = x * network.gain[None, :, None, None] + network.offset[None, :, None, None]
    source = reference(network, x) if kind == "state_dict" else reference(path, np.ascontiguousarray(x, np.float32))
    ours = trace[score_layer(network, "logit" if imported.ends_in_scores else "probability")]
    scale = max(1.0, float(np.abs(source).max()))
    if np.shape(source) != ours.shape:
        return Parity(framework, float("inf"))
    return Parity(framework, float(np.abs(np.asarray(source, np.float64) - ours).max()) / scale, scale)

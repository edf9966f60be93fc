"""Keras Sequential layers (a TF.js Layers model.json, a Keras 3 .keras or a Keras 2 .h5: the same config) into the
engine's layers. Keras works channels-last: kernels (kh, kw, in, out) become (out, in, kh, kw), and a dense layer
after a flatten has its inputs reordered from (H, W, C) to the engine's (C, H, W) flatten order.
"""
from __future__ import annotations

import numpy as np

from .common import ImportError_, Layers, finite, square

SUPPORTED = ("InputLayer", "Conv2D", "Dense", "Activation", "ReLU", "LeakyReLU", "Softmax", "MaxPooling2D",
             "AveragePooling2D", "GlobalAveragePooling2D", "Flatten", "Dropout", "BatchNormalization", "Rescaling",
             "Normalization")
ACTIVATION_NAMES = {"relu": "relu", "sigmoid": "sigmoid", "tanh": "tanh", "softmax": "softmax",
                    "leaky_relu": "leaky_relu"}


def layer_list(topology: dict) -> list[dict]:
    """The layers of a Sequential model's config (Keras 2, Keras 3 and TF.js spell it alike)."""
    config = topology.get("model_config", topology) if isinstance(topology, dict) else None
    if not isinstance(config, dict) or config.get("class_name") != "Sequential":
        name = config.get("class_name") if isinstance(config, dict) else type(config).__name__
        raise ImportError_(f"the model is a {str(name)[:40]!r}; only Sequential models are supported")
    layers = config.get("config", {})
    layers = layers.get("layers") if isinstance(layers, dict) else layers
    if not isinstance(layers, list):
        raise ImportError_("the Sequential model's config has no list of layers")
    return layers


def input_shape(layers: list[dict]) -> tuple[int, int, int] | None:
    """(H, W, C) from the first layer's batch_shape / batch_input_shape / build_config, if any says it."""
    for layer in layers[:2]:
        cfg = layer.get("config", {}) if isinstance(layer, dict) else {}
        shape = cfg.get("batch_shape") or cfg.get("batch_input_shape") or \
            (layer.get("build_config") or {}).get("input_shape")
        if isinstance(shape, list) and len(shape) == 4 and all(isinstance(n, int) for n in shape[1:]):
            return tuple(shape[1:])
        if isinstance(shape, list):
            raise ImportError_(f"the model takes inputs of shape {tuple(shape[1:])}; the explainer takes images "
                               "(height, width, channels)")
    return None


def _activation(out: Layers, label: str, name: str, activation, own: bool = False) -> None:
    """A layer's fused activation (named after the layer), or an Activation layer (``own``: its own name)."""
    if isinstance(activation, dict):  # Keras 3 may store {"class_name": ..., "config": ...}
        activation = activation.get("config", {}).get("name") or activation.get("class_name")
    if activation in (None, "linear"):
        return
    if activation not in ACTIVATION_NAMES:
        raise ImportError_(f"layer {label}: activation {str(activation)[:40]!r} is not supported "
                           "(relu, leaky_relu, sigmoid, tanh, softmax, linear)")
    kind = ACTIVATION_NAMES[activation]
    out.activation(label, "probabilities" if kind == "softmax" else name if own else f"{name}_{kind}", kind)


def _conv(out: Layers, label: str, name: str, cfg: dict, arrays: dict) -> None:
    if square(cfg.get("dilation_rate", 1), "dilation", label) != 1 or cfg.get("groups", 1) != 1:
        raise ImportError_(f"layer {label}: dilated or grouped convolutions are not supported")
    kernel = arrays.get("kernel")
    if kernel is None or kernel.ndim != 4:
        raise ImportError_(f"layer {label}: its kernel is not in the weights")
    # the size from the weights themselves: a config's kernel_size never sets the padding alone
    k, stride = int(kernel.shape[0]), square(cfg.get("strides", 1), "stride", label)
    if kernel.shape[1] != k or square(cfg.get("kernel_size", k), "kernel", label) != k:
        raise ImportError_(f"layer {label}: kernel_size {cfg.get('kernel_size')} does not match its "
                           f"weights' {kernel.shape[0]}x{kernel.shape[1]} kernel")
    padding = cfg.get("padding", "valid")
    if padding not in ("valid", "same"):
        raise ImportError_(f"layer {label}: padding {str(padding)[:20]!r} is not supported (valid, same)")
    out.conv(label, name, kernel.transpose(3, 2, 0, 1), arrays.get("bias"), stride, padding)
    _activation(out, label, name, cfg.get("activation"))


def _dense(out: Layers, label: str, name: str, cfg: dict, arrays: dict) -> None:
    kernel = arrays.get("kernel")
    if kernel is None or kernel.ndim != 2:
        raise ImportError_(f"layer {label}: its kernel is not in the weights")
    if out.after_flatten:  # Keras flattens (H, W, C); the engine (C, H, W): row (y*W + x)*C + c -> c*H*W + y*W + x
        c, h, w = out.maps
        if kernel.shape[0] != c * h * w:
            raise ImportError_(f"layer {label}: kernel takes {kernel.shape[0]} inputs, flatten gives {c * h * w} "
                               f"({h} x {w} x {c})")
        weight = kernel.reshape(h, w, c, -1).transpose(3, 2, 0, 1).reshape(kernel.shape[1], -1)
    else:
        weight = kernel.T
    out.dense(label, name, weight, arrays.get("bias"))
    _activation(out, label, name, cfg.get("activation"))


def _pool(out: Layers, label: str, name: str, kind: str, cfg: dict) -> None:
    size = square(cfg.get("pool_size", 2), "pool size", label)
    padding = cfg.get("padding", "valid")
    if padding not in ("valid", "same") or (padding == "same" and kind == "avg_pool2d"):
        raise ImportError_(f"layer {label}: padding {str(padding)[:20]!r} is not supported for this pooling")
    out.add(label, {"name": name, "type": kind, "pool_size": size,
                    "stride": square(cfg.get("strides") or size, "stride", label), "padding": padding})


def convert(layers: list[dict], weights, out: Layers) -> None:
    """Every layer of the list into ``out``; ``weights(name)`` gives a layer's arrays by Keras' short names
    (kernel, bias, gamma, beta, moving_mean, moving_variance, mean, variance)."""
    for layer in layers:
        if not isinstance(layer, dict):
            raise ImportError_("a layer of the model's config is not an object")
        kind, cfg = layer.get("class_name"), layer.get("config", {})
        if not isinstance(cfg, dict):
            raise ImportError_(f"layer {str(kind)[:40]!r}: its config is not an object")
        name = str(cfg.get("name", kind))
        label = f"{name[:40]!r} ({str(kind)[:40]})"
        if cfg.get("data_format", "channels_last") != "channels_last":
            raise ImportError_(f"layer {label}: data_format {cfg['data_format']!r} is not supported")
        if kind not in SUPPORTED:
            raise ImportError_(f"layer {label}: {str(kind)[:40]} layers are not supported "
                               f"({', '.join(SUPPORTED[1:])})")
        if kind == "InputLayer":
            continue
        if kind == "Conv2D":
            _conv(out, label, name, cfg, weights(name))
        elif kind == "Dense":
            _dense(out, label, name, cfg, weights(name))
        elif kind == "Activation":
            _activation(out, label, name, cfg.get("activation"), own=True)
        elif kind == "ReLU":
            slope = finite(cfg.get("negative_slope") or 0.0, "negative_slope", label)
            if cfg.get("max_value") is not None or cfg.get("threshold"):
                raise ImportError_(f"layer {label}: a ReLU with a max_value or threshold is not supported")
            out.activation(label, name, "leaky_relu" if slope else "relu", slope)
        elif kind == "LeakyReLU":
            slope = cfg.get("negative_slope", cfg.get("alpha", 0.3))
            out.activation(label, name, "leaky_relu", finite(slope, "negative_slope", label))
        elif kind == "Softmax":
            out.activation(label, name, "softmax")
        elif kind in ("MaxPooling2D", "AveragePooling2D"):
            _pool(out, label, name, "max_pool2d" if kind == "MaxPooling2D" else "avg_pool2d", cfg)
        elif kind == "GlobalAveragePooling2D":
            if cfg.get("keepdims"):
                raise ImportError_(f"layer {label}: keepdims=True is not supported")
            out.add(label, {"name": name, "type": "global_avg_pool"})
        elif kind == "Flatten":
            if len(out.shape) == 3:
                out.add(label, {"name": name, "type": "flatten"})
        elif kind == "Dropout":
            out.add(label, {"name": name, "type": "dropout", "rate": finite(cfg.get("rate", 0.5), "rate", label)})
        elif kind == "BatchNormalization":
            if out.after_flatten:  # its per-unit numbers are in Keras' (H, W, C) order, the values in the engine's
                raise ImportError_(f"layer {label}: batch normalisation between a flatten and a dense layer is "
                                   "not supported")
            if cfg.get("axis", -1) not in (-1, 3, [3], [-1]) and len(out.shape) == 3:
                raise ImportError_(f"layer {label}: batch normalisation over axis {cfg.get('axis')} is not supported")
            arrays = weights(name)
            out.batch_norm(label, name, arrays.get("gamma"), arrays.get("beta"), arrays.get("moving_mean"),
                           arrays.get("moving_variance"), finite(cfg.get("epsilon", 1e-3), "epsilon", label))
        elif kind == "Rescaling":  # on the 0..255 pixels a Keras image model is fed
            scale, offset = (finite(cfg.get(k, d), k, label) for k, d in (("scale", 1.0), ("offset", 0.0)))
            out.pixel_scale = 255.0 if not out.specs and out.normalization is None else out.pixel_scale
            out.normalize(label, 255 * scale, offset, {"scale": scale, "offset": offset})
        elif kind == "Normalization":  # (x - mean) / sqrt(variance), on the pixels as the model was given them
            arrays = weights(name)
            mean, var = (np.ravel(arrays.get(k, np.zeros(0))).astype(np.float64) for k in ("mean", "variance"))
            if mean.size not in (1, out.input_shape[2]) or var.shape != mean.shape:
                raise ImportError_(f"layer {label}: its mean and variance are not one per channel")
            std = np.sqrt(np.maximum(var, 1e-12))
            out.normalize(label, 1 / std, -mean / std)

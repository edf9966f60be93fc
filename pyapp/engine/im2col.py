"""Windows of a map (im2col's view), shared by the layers' forward passes and their gradients.

A module of its own so that the layers (which call the gradients) and gradients.py (which reads
windows) do not import each other. A padding is an int (the same zeros on both sides) or a pair
``(before, after)``: "same" padding with an even kernel or a stride puts the extra zero after, as TF and ONNX do.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def pad_pair(padding) -> tuple[int, int]:
    """``(before, after)`` of an int or a pair."""
    if isinstance(padding, (tuple, list)):
        return int(padding[0]), int(padding[1])
    return int(padding), int(padding)


def output_size(size: int, window: int, stride: int, padding=0) -> int:
    """How many windows fit along one axis (PyTorch's floor rule)."""
    before, after = pad_pair(padding)
    return (size + before + after - window) // stride + 1


def padded(x: np.ndarray, padding, value: float = 0.0) -> np.ndarray:
    before, after = pad_pair(padding)
    if not before and not after:
        return x
    pad = [(0, 0)] * (x.ndim - 2) + [(before, after), (before, after)]
    return np.pad(x, pad, constant_values=value)  # zeros, as in PyTorch and TF (-inf for max pooling)


def windows(x: np.ndarray, size: int, stride: int = 1, padding=0, value: float = 0.0) -> np.ndarray:
    """Every ``size x size`` window of the last two axes: ``(..., H', W', size, size)``, a view when unpadded."""
    view = sliding_window_view(padded(x, padding, value), (size, size), axis=(-2, -1))
    return view[..., ::stride, ::stride, :, :]


def columns(x: np.ndarray, size: int, stride: int = 1, padding=0, out: np.ndarray | None = None) -> np.ndarray:
    """im2col of a batch (N, C, H, W): (N, C*size*size, H'*W'), one column per output pixel holding its window.

    One strided copy per window offset (size*size of them, each covering every pixel): several times faster
    than copying the 6-axis window view, the gathering step of every convolution's matmul. ``out``: a buffer
    of the right size to fill (a fresh 40 MB array costs half as much again in page faults).
    """
    n, c, h, w = x.shape
    x = padded(x, padding)
    oh, ow = output_size(h, size, stride, padding), output_size(w, size, stride, padding)
    shape = (n, c, size, size, oh, ow)
    cols = out.reshape(shape) if out is not None else np.empty(shape, dtype=np.float32)
    for u in range(size):
        for v in range(size):
            cols[:, :, u, v] = x[:, :, u:u + stride * (oh - 1) + 1:stride, v:v + stride * (ow - 1) + 1:stride]
    return cols.reshape(n, c * size * size, oh * ow)

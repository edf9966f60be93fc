"""Windows of a map (im2col's view), shared by the layers' forward passes and their gradients.

A module of its own so that layers.py (which calls the gradients) and gradients.py (which reads
windows) do not import each other.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def output_size(size: int, window: int, stride: int, padding: int = 0) -> int:
    """How many windows fit along one axis (PyTorch's floor rule)."""
    return (size + 2 * padding - window) // stride + 1


def windows(x: np.ndarray, size: int, stride: int = 1, padding: int = 0) -> np.ndarray:
    """Every ``size x size`` window of the last two axes: ``(..., H', W', size, size)``, a view when unpadded."""
    if padding:
        pad = [(0, 0)] * (x.ndim - 2) + [(padding, padding), (padding, padding)]
        x = np.pad(x, pad)  # zeros, as in PyTorch and TF
    view = sliding_window_view(x, (size, size), axis=(-2, -1))
    return view[..., ::stride, ::stride, :, :]

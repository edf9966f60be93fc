"""The layers of the Tiny VGG engine, in NumPy.

Activations are channels-first: one image is ``(C, H, W)``, a batch is ``(N, C, H, W)``.
Every layer is a small callable class; ``layer(x)`` is its forward pass and ``repr(layer)``
reads like the maths it does. Everything is float32 and vectorised (no Python loop over pixels).

The functions at the top compute ONE number each, from its operands, exactly as the
vectorised layers do for every pixel at once. The detail views show their source code
(``inspect.getsource``) next to the numbers, and the tests check they agree with the layers.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


# ---------------------------------------------------------------------------
# One number at a time: the code the "show the code" views display.
# ---------------------------------------------------------------------------

def conv_pixel(window, kernel, bias):
    """One convolution output: multiply the input window by the kernel, add it all up, add the bias."""
    return np.sum(window * kernel) + bias


def relu_value(x):
    """One ReLU output: the input if it is positive, otherwise 0."""
    return np.maximum(x, 0)


def pool_value(window):
    """One max-pooling output: the largest value in the window."""
    return np.max(window)


def dense_value(inputs, weights, bias):
    """One dense (fully connected) output: every input times its weight, added up, plus the bias."""
    return np.sum(inputs * weights) + bias


def softmax_probability(logits, k):
    """The probability of class k: e to its logit, divided by the sum of e to every logit."""
    exps = np.exp(logits - np.max(logits))  # subtracting the max changes nothing but avoids overflow
    return exps[k] / np.sum(exps)


# ---------------------------------------------------------------------------
# Shared window helpers (used by the layers and by the network's explanations).
# ---------------------------------------------------------------------------

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


def _as_batch(x: np.ndarray, dims: int) -> tuple[np.ndarray, bool]:
    """Add a batch axis to a single example so every layer works on batches."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == dims:
        return x[None], True
    if x.ndim == dims + 1:
        return x, False
    raise ValueError(f"expected an array with {dims} or {dims + 1} axes, got shape {x.shape}")


class Layer:
    """A named step of the network; ``layer(x)`` runs it forward."""

    type = "layer"

    def __init__(self, name: str):
        self.name = name

    def parameters(self) -> list[np.ndarray]:
        return []

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(input_shape)


class Conv2D(Layer):
    """Cross-correlation (no kernel flip, as in PyTorch and TF): ``y[o] = b[o] + sum_i x[i] * W[o, i]``."""

    type = "conv2d"

    def __init__(self, name: str, weight: np.ndarray, bias: np.ndarray, stride: int = 1, padding: int = 0):
        super().__init__(name)
        self.weight = np.ascontiguousarray(weight, dtype=np.float32)  # (out, in, k, k)
        self.bias = np.ascontiguousarray(bias, dtype=np.float32)  # (out,)
        out_c, in_c, kh, kw = self.weight.shape
        if kh != kw:
            raise ValueError(f"{name}: kernels must be square, got {kh}x{kw}")
        if self.bias.shape != (out_c,):
            raise ValueError(f"{name}: bias shape {self.bias.shape} does not match {out_c} filters")
        self.kernel_size, self.stride, self.padding = kh, int(stride), int(padding)
        self.in_channels, self.out_channels = in_c, out_c
        self._matrix = self.weight.reshape(out_c, -1)  # one row per filter, for one matmul

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x, single = _as_batch(x, 3)
        n, c, h, w = x.shape
        if c != self.in_channels:
            raise ValueError(f"{self.name}: expected {self.in_channels} input channels, got {c}")
        k = self.kernel_size
        win = windows(x, k, self.stride, self.padding)  # (N, C, H', W', k, k)
        oh, ow = win.shape[2], win.shape[3]
        # im2col: one column per output pixel, then one matrix product does every filter at once
        cols = win.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * k * k, oh * ow)
        out = np.matmul(self._matrix, cols) + self.bias[:, None]
        out = out.reshape(n, self.out_channels, oh, ow)
        return out[0] if single else out

    def parameters(self) -> list[np.ndarray]:
        return [self.weight, self.bias]

    def output_shape(self, input_shape):
        c, h, w = input_shape
        k, s, p = self.kernel_size, self.stride, self.padding
        return (self.out_channels, output_size(h, k, s, p), output_size(w, k, s, p))

    def __repr__(self) -> str:
        k = self.kernel_size
        return (f"{self.name} = Conv2D({self.in_channels}->{self.out_channels}, {k}x{k}, "
                f"stride {self.stride}, padding {self.padding}): "
                f"y[o] = b[o] + sum_i x[i] (*) W[o, i]")


class ReLU(Layer):
    """``y = max(x, 0)`` for every value."""

    type = "relu"

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return np.maximum(np.asarray(x, dtype=np.float32), np.float32(0))

    def __repr__(self) -> str:
        return f"{self.name} = ReLU: y = max(x, 0)"


class MaxPool2D(Layer):
    """``y[c, i, j] = max`` of the ``pool x pool`` window of map ``c`` at ``(i*stride, j*stride)``."""

    type = "max_pool2d"

    def __init__(self, name: str, pool_size: int = 2, stride: int | None = None):
        super().__init__(name)
        self.pool_size = int(pool_size)
        self.stride = int(stride if stride is not None else pool_size)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        if x.ndim not in (3, 4):
            raise ValueError(f"{self.name}: expected (C, H, W) or (N, C, H, W), got shape {x.shape}")
        p, s = self.pool_size, self.stride
        oh, ow = output_size(x.shape[-2], p, s), output_size(x.shape[-1], p, s)
        # the max of p*p strided views (one per offset in the window): 15x faster than reducing window axes
        out = None
        for u in range(p):
            for v in range(p):
                part = x[..., u:u + s * (oh - 1) + 1:s, v:v + s * (ow - 1) + 1:s]
                out = part.copy() if out is None else np.maximum(out, part, out=out)
        return out

    def output_shape(self, input_shape):
        c, h, w = input_shape
        p, s = self.pool_size, self.stride
        return (c, output_size(h, p, s), output_size(w, p, s))

    def __repr__(self) -> str:
        p = self.pool_size
        return f"{self.name} = MaxPool2D({p}x{p}, stride {self.stride}): y[c, i, j] = max(window of x[c])"


class Flatten(Layer):
    """Channels-first unrolling: ``y[c*H*W + i*W + j] = x[c, i, j]``."""

    type = "flatten"

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x, single = _as_batch(x, 3)
        out = x.reshape(x.shape[0], -1)
        return out[0] if single else out

    def output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)

    def __repr__(self) -> str:
        return f"{self.name} = Flatten: y[c*H*W + i*W + j] = x[c, i, j]"


class Dense(Layer):
    """Fully connected: ``y = W x + b``."""

    type = "dense"

    def __init__(self, name: str, weight: np.ndarray, bias: np.ndarray):
        super().__init__(name)
        self.weight = np.ascontiguousarray(weight, dtype=np.float32)  # (units, inputs)
        self.bias = np.ascontiguousarray(bias, dtype=np.float32)  # (units,)
        if self.weight.ndim != 2 or self.bias.shape != (self.weight.shape[0],):
            raise ValueError(f"{name}: weight {self.weight.shape} and bias {self.bias.shape} do not fit")
        self.units, self.inputs = self.weight.shape

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x, single = _as_batch(x, 1)
        if x.shape[1] != self.inputs:
            raise ValueError(f"{self.name}: expected {self.inputs} inputs, got {x.shape[1]}")
        out = x @ self.weight.T + self.bias
        return out[0] if single else out

    def parameters(self) -> list[np.ndarray]:
        return [self.weight, self.bias]

    def output_shape(self, input_shape):
        return (self.units,)

    def __repr__(self) -> str:
        return f"{self.name} = Dense({self.inputs}->{self.units}): y = W x + b"


class Softmax(Layer):
    """``y[k] = exp(x[k]) / sum_j exp(x[j])``, computed stably (shifted by the max)."""

    type = "softmax"

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        exps = np.exp(x - x.max(axis=-1, keepdims=True))  # the shift cancels out and keeps exp finite
        return exps / exps.sum(axis=-1, keepdims=True)

    def __repr__(self) -> str:
        return f"{self.name} = Softmax: y[k] = exp(x[k]) / sum_j exp(x[j])"


LAYER_TYPES = {cls.type: cls for cls in (Conv2D, ReLU, MaxPool2D, Flatten, Dense, Softmax)}

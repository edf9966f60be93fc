"""Convolution: one layer class with its forward pass, its gradients (gradients.py), its init and its windows."""
from __future__ import annotations

import math

import numpy as np

from .. import gradients, winograd
from ..im2col import columns, output_size, pad_pair, windows
from .base import Weighted, as_batch, initial_weight_and_bias

PADDINGS = ("valid", "same")  # besides a number of zeros per side, or a pair (before, after)


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TF's and ONNX's SAME_UPPER: ceil(size / stride) outputs; an odd total of zeros puts the extra one after."""
    total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def resolve_padding(padding, size: int, kernel: int, stride: int) -> tuple[int, int]:
    """``(before, after)`` zeros along an axis of ``size`` for a description's padding (int, pair, valid, same)."""
    if padding == "valid":
        return 0, 0
    if padding == "same":
        return same_padding(size, kernel, stride)
    return pad_pair(padding)


class Conv2D(Weighted):
    """Cross-correlation (no kernel flip, as in PyTorch and TF): ``y[o] = b[o] + sum_i x[i] * W[o, i]``."""

    type = "conv2d"
    spatial = True

    def __init__(self, name: str, weight: np.ndarray, bias: np.ndarray, stride: int = 1, padding=0):
        super().__init__(name)
        self.weight = np.ascontiguousarray(weight, dtype=np.float32)  # (out, in, k, k)
        self.bias = np.ascontiguousarray(bias, dtype=np.float32)  # (out,)
        out_c, in_c, kh, kw = self.weight.shape
        if kh != kw:
            raise ValueError(f"{name}: kernels must be square, got {kh}x{kw}")
        if self.bias.shape != (out_c,):
            raise ValueError(f"{name}: bias shape {self.bias.shape} does not match {out_c} filters")
        self.kernel_size, self.stride = kh, int(stride)
        self.padding = padding if isinstance(padding, str) else (
            pad_pair(padding) if isinstance(padding, (list, tuple)) else int(padding))
        self.in_channels, self.out_channels = in_c, out_c
        self._matrix = self.weight.reshape(out_c, -1)  # one row per filter, for one matmul (a view: follows updates)
        # (x, its im2col columns or its Winograd tiles) of the last forward(keep=True), for the gradients
        self._kept: tuple[np.ndarray, np.ndarray] | None = None

    def pads(self, size: int) -> tuple[int, int]:
        """``(before, after)`` zeros on an input axis of ``size`` pixels (the input is square)."""
        return resolve_padding(self.padding, size, self.kernel_size, self.stride)

    @staticmethod
    def _kernel_shape(spec: dict, input_shape) -> tuple[int, int, int, int]:
        k = int(spec["kernel_size"])
        return (int(spec["filters"]), input_shape[0], k, k)

    @classmethod
    def from_description(cls, spec, parameter, input_shape):
        weight = parameter("weight", cls._kernel_shape(spec, input_shape))
        layer = cls(spec["name"], weight, parameter("bias"), stride=spec.get("stride", 1),
                    padding=spec.get("padding", 0))
        layer._size = int(input_shape[-1])
        return layer

    @classmethod
    def initial_parameters(cls, spec, input_shape, rng, scheme="he"):
        shape = cls._kernel_shape(spec, input_shape)
        params = initial_weight_and_bias(rng, scheme, shape, int(np.prod(shape[1:])))
        if scheme == "zero-bias":
            params["bias"][:] = 0  # training/train.py starts every filter unbiased
        return params

    def forward(self, x, keep=False):
        x, single = as_batch(x, 3)
        n, c, h, w = x.shape
        if c != self.in_channels:
            raise ValueError(f"{self.name}: expected {self.in_channels} input channels, got {c}")
        _, oh, ow = self.output_shape((c, h, w))
        fast = keep and winograd.pays(self.kernel_size, self.stride, c, oh * ow)  # training, in the page
        if fast:
            kept = winograd.tiles(x, self.pads(h))  # the weight gradient takes the same transformed tiles
            out = winograd.correlate(x, self.weight, self.pads(h), kept)
            out += self.bias[:, None, None]
        else:
            # kept for the weight gradient, in the last step's buffer (training repeats the same shapes)
            last = self._kept if keep and self._kept is not None and self._kept[1].ndim == 3 else (None, None)
            buffer = last[1] if last[0] is not None and last[0].shape == x.shape else None
            kept = columns(x, self.kernel_size, self.stride, self.pads(h), out=buffer)
            out = np.matmul(self._matrix, kept)  # im2col: one column per output pixel, one product for every filter
            out += self.bias[:, None]
            out = out.reshape(n, self.out_channels, oh, ow)
        if keep:
            self._kept = (x, kept)
        return out[0] if single else out

    def input_gradient(self, x, y, grad_y):
        if self._tiles(x) is not None:  # its forward pass went by Winograd: so does its gradient
            return winograd.input_gradient(grad_y, self.weight, x.shape, self.pads(x.shape[-1]))
        return gradients.conv2d_input_gradient(grad_y, self.weight, x.shape, self.stride, self.pads(x.shape[-1]))

    def parameter_gradients(self, x, grad_y):
        tiles = self._tiles(x)
        if tiles is not None:
            return {"weight": winograd.kernel_gradient(tiles, grad_y), "bias": grad_y.sum(axis=(0, 2, 3))}
        kept = self._kept[1] if self._kept is not None and self._kept[0] is x else None
        grad_w, grad_b = gradients.conv2d_parameter_gradients(grad_y, x, self.kernel_size, self.stride,
                                                              self.pads(x.shape[-1]), kept)
        return {"weight": grad_w, "bias": grad_b}

    def _tiles(self, x):
        """The Winograd tiles that the forward pass on ``x`` kept, if it went that way."""
        kept = self._kept if self._kept is not None and self._kept[0] is x else (None, None)
        return kept[1] if kept[1] is not None and kept[1].ndim == 6 else None

    def output_shape(self, input_shape):
        c, h, w = input_shape
        k, s = self.kernel_size, self.stride
        return (self.out_channels, output_size(h, k, s, self.pads(h)), output_size(w, k, s, self.pads(w)))

    _size = 0  # the input side it was built for (from_description): what "same" padding is reckoned on

    def input_range(self, start, stop):
        before = self.pads(self._size)[0]
        return start * self.stride - before, (stop - 1) * self.stride - before + self.kernel_size

    def windows(self, x: np.ndarray) -> np.ndarray:
        """Every output pixel's window of x (C, H, W): (C, H', W', k, k), zero padded."""
        return windows(x, self.kernel_size, self.stride, self.pads(x.shape[-1]))

    def window(self, x, row, col):
        return self.windows(x)[:, row, col]  # (C, k, k), zero padded

    def crop_context(self, ys, xs, size):
        if self.stride == 1 and self.pads(self._size) == (0, 0):  # a strided or padded conv shifts the grid
            return self.kernel_size - 1, self.kernel_size - 1
        return None

    def __repr__(self) -> str:
        k = self.kernel_size
        return (f"{self.name} = Conv2D({self.in_channels}->{self.out_channels}, {k}x{k}, "
                f"stride {self.stride}, padding {self.padding}): "
                f"y[o] = b[o] + sum_i x[i] (*) W[o, i]")

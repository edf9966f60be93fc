"""The layers of the Tiny VGG engine, in NumPy.

Activations are channels-first: one image is ``(C, H, W)``, a batch is ``(N, C, H, W)``.
Every layer is a small callable class holding all the engine needs of it, as micrograd and tinygrad keep
an operation's backward beside its forward: ``from_description`` (built from its model description entry),
``layer(x)`` (forward), ``input_gradient`` and ``parameter_gradients`` (backward, through the pure functions
of gradients.py that the Why? view shows), ``initial_parameters`` (seeded initialisation), ``input_range``
and ``window`` (the input behind an output pixel) and a ``repr`` that reads like the maths it does.
``LAYER_TYPES`` is the one table of types: a new type is one class here (and its tests).
Everything is float32 and vectorised (no Python loop over pixels).

The functions at the top compute ONE number each, from its operands, exactly as the
vectorised layers do for every pixel at once. The detail views show their source code
(``inspect.getsource``) next to the numbers, and the tests check they agree with the layers.
"""
from __future__ import annotations

import numpy as np

from . import gradients
from .im2col import columns, output_size, windows  # noqa: F401 (part of this module's API)


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
# The layers.
# ---------------------------------------------------------------------------

INITS = ("he", "pytorch", "zero-bias")  # see initial_weight_and_bias


def _as_batch(x: np.ndarray, dims: int) -> tuple[np.ndarray, bool]:
    """Add a batch axis to a single example so every layer works on batches."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == dims:
        return x[None], True
    if x.ndim == dims + 1:
        return x, False
    raise ValueError(f"expected an array with {dims} or {dims + 1} axes, got shape {x.shape}")


def initial_weight_and_bias(rng: np.random.Generator, scheme: str, shape: tuple[int, ...],
                            fan_in: int) -> dict[str, np.ndarray]:
    """Seeded starting weights: ``he`` (normal, std sqrt(2 / fan_in), biases N(0, 0.1): the untrained test
    network), ``pytorch`` (PyTorch's default: uniform within 1/sqrt(fan_in), biases too) or ``zero-bias``
    (PyTorch's, with conv biases 0: training/train.py's default; each layer class decides its biases)."""
    if scheme == "he":
        weight = rng.normal(0, np.sqrt(2 / fan_in), shape)
        bias = rng.normal(0, 0.1, shape[0])
    elif scheme in ("pytorch", "zero-bias"):
        bound = 1 / np.sqrt(fan_in)  # kaiming_uniform_(a=sqrt(5)) works out to this bound
        weight = rng.uniform(-bound, bound, shape)
        bias = rng.uniform(-bound, bound, shape[0])
    else:
        raise ValueError(f"unknown initialisation {scheme!r} (known: {', '.join(INITS)})")
    return {"weight": weight.astype(np.float32), "bias": bias.astype(np.float32)}


class Layer:
    """A named step of the network; ``layer(x)`` runs it forward on a batch (N, ...) or one example."""

    type = "layer"
    spatial = False  # True when its output has (y, x) pixels, each computed from a window of its input
    stride = 1  # input pixels per output pixel along an axis
    probabilities = False  # True when it turns the logits (its input) into class probabilities

    def __init__(self, name: str):
        self.name = name

    @classmethod
    def from_description(cls, spec: dict, parameter, input_shape: tuple[int, ...]) -> "Layer":
        """The layer of one description entry; ``parameter(suffix, shape)`` gives its checked weights."""
        return cls(spec["name"])

    @classmethod
    def initial_parameters(cls, spec: dict, input_shape: tuple[int, ...], rng: np.random.Generator,
                           scheme: str = "he") -> dict[str, np.ndarray]:
        """Seeded starting values of the parameters, by suffix (``weight``, ``bias``); none by default."""
        return {}

    def named_parameters(self) -> dict[str, np.ndarray]:
        """The parameter arrays by suffix (updating them in place updates the layer)."""
        return {}

    def parameters(self) -> list[np.ndarray]:
        return list(self.named_parameters().values())

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(input_shape)

    def forward(self, x: np.ndarray, keep: bool = False) -> np.ndarray:
        """``layer(x)``; ``keep`` lets the layer hold what its parameter gradients will need of this x (training)."""
        return self(x)

    def input_gradient(self, x: np.ndarray, y: np.ndarray, grad_y: np.ndarray) -> np.ndarray:
        """dL/dx from dL/dy, for a batch: the layer's input x, its output y."""
        raise NotImplementedError(f"{self.type} layers have no gradient")

    def parameter_gradients(self, x: np.ndarray, grad_y: np.ndarray) -> dict[str, np.ndarray]:
        """dL/d(each parameter) from dL/dy, summed over the batch, by suffix."""
        return {}

    def input_range(self, start: int, stop: int) -> tuple[int, int]:
        """The input range (half-open, before clipping) behind output range [start, stop) along one axis."""
        return start, stop  # pixel to pixel

    def window(self, x: np.ndarray, row: int, col: int) -> np.ndarray:
        """The operands of output pixel (row, col) in the input map x (C, H, W)."""
        return x[:, row, col]

    def crop_context(self, ys: np.ndarray, xs: np.ndarray, size: int) -> tuple[int, int] | None:
        """How much context (before, after) a ``size`` crop at corners (ys, xs) needs for this layer to run on
        it alone (occlusion recomputes only crops); None when the layer mixes more than a neighbourhood."""
        return None


class _Weighted(Layer):
    """A layer with a ``weight`` and a ``bias``."""

    def named_parameters(self) -> dict[str, np.ndarray]:
        return {"weight": self.weight, "bias": self.bias}


class Conv2D(_Weighted):
    """Cross-correlation (no kernel flip, as in PyTorch and TF): ``y[o] = b[o] + sum_i x[i] * W[o, i]``."""

    type = "conv2d"
    spatial = True

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
        self._matrix = self.weight.reshape(out_c, -1)  # one row per filter, for one matmul (a view: follows updates)
        self._kept: tuple[np.ndarray, np.ndarray] | None = None  # (x, its columns) of the last forward(keep=True)

    @staticmethod
    def _kernel_shape(spec: dict, input_shape) -> tuple[int, int, int, int]:
        k = int(spec["kernel_size"])
        return (int(spec["filters"]), input_shape[0], k, k)

    @classmethod
    def from_description(cls, spec, parameter, input_shape):
        weight = parameter("weight", cls._kernel_shape(spec, input_shape))
        return cls(spec["name"], weight, parameter("bias"), stride=spec.get("stride", 1),
                   padding=spec.get("padding", 0))

    @classmethod
    def initial_parameters(cls, spec, input_shape, rng, scheme="he"):
        shape = cls._kernel_shape(spec, input_shape)
        params = initial_weight_and_bias(rng, scheme, shape, int(np.prod(shape[1:])))
        if scheme == "zero-bias":
            params["bias"][:] = 0  # training/train.py starts every filter unbiased
        return params

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)

    def forward(self, x, keep=False):
        x, single = _as_batch(x, 3)
        n, c, h, w = x.shape
        if c != self.in_channels:
            raise ValueError(f"{self.name}: expected {self.in_channels} input channels, got {c}")
        _, oh, ow = self.output_shape((c, h, w))
        # im2col: one column per output pixel, then one matrix product does every filter at once
        # kept for the weight gradient, in the last step's buffer (training repeats the same shapes)
        buffer = self._kept[1] if keep and self._kept is not None and self._kept[0].shape == x.shape else None
        cols = columns(x, self.kernel_size, self.stride, self.padding, out=buffer)
        if keep:
            self._kept = (x, cols)
        out = np.matmul(self._matrix, cols)
        out += self.bias[:, None]
        out = out.reshape(n, self.out_channels, oh, ow)
        return out[0] if single else out

    def input_gradient(self, x, y, grad_y):
        return gradients.conv2d_input_gradient(grad_y, self.weight, x.shape, self.stride, self.padding)

    def parameter_gradients(self, x, grad_y):
        cols = self._kept[1] if self._kept is not None and self._kept[0] is x else None
        grad_w, grad_b = gradients.conv2d_parameter_gradients(grad_y, x, self.kernel_size, self.stride, self.padding, cols)
        return {"weight": grad_w, "bias": grad_b}

    def output_shape(self, input_shape):
        c, h, w = input_shape
        k, s, p = self.kernel_size, self.stride, self.padding
        return (self.out_channels, output_size(h, k, s, p), output_size(w, k, s, p))

    def input_range(self, start, stop):
        k, s, p = self.kernel_size, self.stride, self.padding
        return start * s - p, (stop - 1) * s - p + k

    def window(self, x, row, col):
        return windows(x, self.kernel_size, self.stride, self.padding)[:, row, col]  # (C, k, k), zero padded

    def crop_context(self, ys, xs, size):
        if self.stride == 1 and self.padding == 0:  # a strided or padded conv shifts the grid: no crop fits
            return self.kernel_size - 1, self.kernel_size - 1
        return None

    def __repr__(self) -> str:
        k = self.kernel_size
        return (f"{self.name} = Conv2D({self.in_channels}->{self.out_channels}, {k}x{k}, "
                f"stride {self.stride}, padding {self.padding}): "
                f"y[o] = b[o] + sum_i x[i] (*) W[o, i]")


class ReLU(Layer):
    """``y = max(x, 0)`` for every value."""

    type = "relu"
    spatial = True

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return np.maximum(np.asarray(x, dtype=np.float32), np.float32(0))

    def input_gradient(self, x, y, grad_y):
        return gradients.relu_gradient(grad_y, x)

    def crop_context(self, ys, xs, size):
        return 0, 0

    def __repr__(self) -> str:
        return f"{self.name} = ReLU: y = max(x, 0)"


class MaxPool2D(Layer):
    """``y[c, i, j] = max`` of the ``pool x pool`` window of map ``c`` at ``(i*stride, j*stride)``."""

    type = "max_pool2d"
    spatial = True

    def __init__(self, name: str, pool_size: int = 2, stride: int | None = None):
        super().__init__(name)
        self.pool_size = int(pool_size)
        self.stride = int(stride if stride is not None else pool_size)

    @classmethod
    def from_description(cls, spec, parameter, input_shape):
        return cls(spec["name"], spec.get("pool_size", 2), spec.get("stride"))

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

    def input_gradient(self, x, y, grad_y):
        return gradients.max_pool2d_gradient(grad_y, x, self.pool_size, self.stride)

    def output_shape(self, input_shape):
        c, h, w = input_shape
        p, s = self.pool_size, self.stride
        return (c, output_size(h, p, s), output_size(w, p, s))

    def input_range(self, start, stop):
        return start * self.stride, (stop - 1) * self.stride + self.pool_size

    def window(self, x, row, col):
        return windows(x, self.pool_size, self.stride)[:, row, col]  # (C, p, p)

    def crop_context(self, ys, xs, size):
        s = self.stride
        if self.pool_size == s and len(set((ys % s).tolist()) | set((xs % s).tolist())) == 1:  # one alignment
            before = int(ys[0] % s)  # back to the pool's grid
            return before, -(size + before) % s
        return None

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

    def input_gradient(self, x, y, grad_y):
        return gradients.flatten_gradient(grad_y, x.shape)

    def output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)

    def __repr__(self) -> str:
        return f"{self.name} = Flatten: y[c*H*W + i*W + j] = x[c, i, j]"


class Dense(_Weighted):
    """Fully connected: ``y = W x + b``."""

    type = "dense"

    def __init__(self, name: str, weight: np.ndarray, bias: np.ndarray):
        super().__init__(name)
        self.weight = np.ascontiguousarray(weight, dtype=np.float32)  # (units, inputs)
        self.bias = np.ascontiguousarray(bias, dtype=np.float32)  # (units,)
        if self.weight.ndim != 2 or self.bias.shape != (self.weight.shape[0],):
            raise ValueError(f"{name}: weight {self.weight.shape} and bias {self.bias.shape} do not fit")
        self.units, self.inputs = self.weight.shape

    @classmethod
    def from_description(cls, spec, parameter, input_shape):
        weight = parameter("weight", (int(spec["units"]), int(np.prod(input_shape))))
        return cls(spec["name"], weight, parameter("bias"))

    @classmethod
    def initial_parameters(cls, spec, input_shape, rng, scheme="he"):
        fan_in = int(np.prod(input_shape))
        return initial_weight_and_bias(rng, scheme, (int(spec["units"]), fan_in), fan_in)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x, single = _as_batch(x, 1)
        if x.shape[1] != self.inputs:
            raise ValueError(f"{self.name}: expected {self.inputs} inputs, got {x.shape[1]}")
        out = x @ self.weight.T + self.bias
        return out[0] if single else out

    def input_gradient(self, x, y, grad_y):
        return gradients.dense_input_gradient(grad_y, self.weight)

    def parameter_gradients(self, x, grad_y):
        grad_w, grad_b = gradients.dense_parameter_gradients(grad_y, x)
        return {"weight": grad_w, "bias": grad_b}

    def output_shape(self, input_shape):
        return (self.units,)

    def __repr__(self) -> str:
        return f"{self.name} = Dense({self.inputs}->{self.units}): y = W x + b"


class Softmax(Layer):
    """``y[k] = exp(x[k]) / sum_j exp(x[j])``, computed stably (shifted by the max)."""

    type = "softmax"
    probabilities = True

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        exps = np.exp(x - x.max(axis=-1, keepdims=True))  # the shift cancels out and keeps exp finite
        return exps / exps.sum(axis=-1, keepdims=True)

    def input_gradient(self, x, y, grad_y):
        return gradients.softmax_gradient(grad_y, y)

    def __repr__(self) -> str:
        return f"{self.name} = Softmax: y[k] = exp(x[k]) / sum_j exp(x[j])"


LAYER_TYPES = {cls.type: cls for cls in (Conv2D, ReLU, MaxPool2D, Flatten, Dense, Softmax)}

"""What every layer is: the :class:`Layer` interface, batching, and seeded initialisation of weights."""
from __future__ import annotations

import numpy as np

INITS = ("he", "pytorch", "zero-bias")  # see initial_weight_and_bias


def as_batch(x: np.ndarray, dims: int) -> tuple[np.ndarray, bool]:
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
    """A named step of the network; ``layer(x)`` runs it forward on a batch (N, ...) or one example.

    ``training`` (False unless a Trainer or a test sets it, see ``Network.training``) switches the layers
    that behave differently while learning: batch normalisation's batch statistics, dropout's drops.
    """

    type = "layer"
    spatial = False  # True when its output has (y, x) pixels, each computed from a window of its input
    stride = 1  # input pixels per output pixel along an axis
    probabilities = False  # True when it turns the logits (its input) into class probabilities
    training = False

    def __init__(self, name: str):
        self.name = name

    @classmethod
    def from_description(cls, spec: dict, parameter, input_shape: tuple[int, ...]) -> "Layer":
        """The layer of one description entry; ``parameter(suffix, shape)`` gives its checked weights."""
        return cls(spec["name"])

    @classmethod
    def initial_parameters(cls, spec: dict, input_shape: tuple[int, ...], rng: np.random.Generator,
                           scheme: str = "he") -> dict[str, np.ndarray]:
        """Seeded starting values of the parameters (and buffers), by suffix (``weight``, ``bias``); none by default."""
        return {}

    def named_parameters(self) -> dict[str, np.ndarray]:
        """The learned arrays by suffix (updating them in place updates the layer)."""
        return {}

    def named_buffers(self) -> dict[str, np.ndarray]:
        """Arrays the layer keeps but no gradient changes (batch normalisation's running statistics)."""
        return {}

    def parameters(self) -> list[np.ndarray]:
        return list(self.named_parameters().values())

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(input_shape)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)

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


class Weighted(Layer):
    """A layer with a ``weight`` and a ``bias``."""

    def named_parameters(self) -> dict[str, np.ndarray]:
        return {"weight": self.weight, "bias": self.bias}


class Elementwise(Layer):
    """A layer whose output value is a function of the same input value alone (activations, normalisation,
    dropout): it has pixels where its input has them (after a convolution), units after a dense layer."""

    spatial = True

    @classmethod
    def from_description(cls, spec, parameter, input_shape):
        layer = cls.from_spec(spec, parameter, input_shape)
        layer.spatial = len(input_shape) == 3
        return layer

    @classmethod
    def from_spec(cls, spec, parameter, input_shape):
        return cls(spec["name"])

    def crop_context(self, ys, xs, size):
        return 0, 0

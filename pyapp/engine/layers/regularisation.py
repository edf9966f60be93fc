"""Batch normalisation and dropout: layers that act differently while training (``layer.training``)."""
from __future__ import annotations

import numpy as np

from .. import gradients
from .base import Elementwise


def _channels(v: np.ndarray, ndim: int) -> np.ndarray:
    return np.reshape(v, (1, -1) + (1,) * (ndim - 2))  # (C,) over (N, C, ...) of ndim axes


class BatchNorm(Elementwise):
    """``y = (x - mean) / sqrt(var + eps) * gamma + beta`` per channel: the running statistics at inference,
    the batch's own while training (which also moves the running ones, PyTorch's momentum rule)."""

    type = "batch_norm"

    def __init__(self, name, weight, bias, running_mean, running_var, eps=1e-5, momentum=0.1):
        super().__init__(name)
        self.weight, self.bias = (np.ascontiguousarray(a, dtype=np.float32) for a in (weight, bias))  # gamma, beta
        self.running_mean, self.running_var = (np.ascontiguousarray(a, dtype=np.float32)
                                               for a in (running_mean, running_var))
        self.eps, self.momentum = float(eps), float(momentum)
        self.channels = len(self.weight)
        if any(a.shape != (self.channels,) for a in (self.bias, self.running_mean, self.running_var)):
            raise ValueError(f"{name}: gamma, beta, mean and variance must be one number per channel")

    @classmethod
    def from_spec(cls, spec, parameter, input_shape):
        c = (int(input_shape[0]),)
        return cls(spec["name"], parameter("weight", c), parameter("bias", c), parameter("running_mean", c),
                   parameter("running_var", c), spec.get("eps", 1e-5), spec.get("momentum", 0.1))

    @classmethod
    def initial_parameters(cls, spec, input_shape, rng, scheme="he"):
        c = int(input_shape[0])
        ones, zeros = np.ones(c, np.float32), np.zeros(c, np.float32)
        return {"weight": ones, "bias": zeros, "running_mean": zeros.copy(), "running_var": ones.copy()}

    def named_parameters(self):
        return {"weight": self.weight, "bias": self.bias}

    def named_buffers(self):
        return {"running_mean": self.running_mean, "running_var": self.running_var}

    def statistics(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(mean, var) per channel that normalise batch x: the batch's own while training, else the running ones."""
        if not self.training:
            return self.running_mean, self.running_var
        axes = (0,) + tuple(range(2, x.ndim))
        return x.mean(axis=axes, dtype=np.float32), x.var(axis=axes, dtype=np.float32)  # biased, as torch normalises

    def scale_shift(self, mean, var) -> tuple[np.ndarray, np.ndarray]:
        """The per-channel ``a, b`` of ``y = a x + b``: the layer folded into one multiply and one add."""
        a = self.weight / np.sqrt(var + np.float32(self.eps))
        return a.astype(np.float32), (self.bias - mean * a).astype(np.float32)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        batched = x if x.ndim in (2, 4) else x[None]
        mean, var = self.statistics(batched)
        if self.training:  # the running statistics move toward the batch's (unbiased variance, as torch)
            count = batched.size // self.channels
            m = np.float32(self.momentum)
            self.running_mean *= 1 - m
            self.running_mean += m * mean
            self.running_var *= 1 - m
            self.running_var += m * var * np.float32(count / max(count - 1, 1))
        a, b = self.scale_shift(mean, var)
        out = batched * _channels(a, batched.ndim) + _channels(b, batched.ndim)
        return out if x.ndim in (2, 4) else out[0]

    def _gradients(self, x, grad_y):
        axes = (0,) + tuple(range(2, x.ndim))
        mean, var = ((x.mean(axis=axes), x.var(axis=axes)) if self.training
                     else (self.running_mean, self.running_var))
        return gradients.batch_norm_gradients(grad_y, x, self.weight, mean, var, self.eps, self.training)

    def input_gradient(self, x, y, grad_y):
        return self._gradients(x, grad_y)[0]

    def parameter_gradients(self, x, grad_y):
        _, grad_gamma, grad_beta = self._gradients(x, grad_y)
        return {"weight": grad_gamma, "bias": grad_beta}

    def __repr__(self) -> str:
        return (f"{self.name} = BatchNorm({self.channels}, eps {self.eps:g}): "
                "y = (x - mean) / sqrt(var + eps) * gamma + beta")


class Dropout(Elementwise):
    """While training, each value is zeroed with probability ``rate`` and the rest scaled by 1 / (1 - rate)
    (inverted dropout, as PyTorch and Keras); at inference it passes every value through unchanged."""

    type = "dropout"

    def __init__(self, name: str, rate: float = 0.5, seed: int = 0):
        super().__init__(name)
        self.rate = float(rate)
        self.rng = np.random.default_rng(seed)
        self.mask: np.ndarray | None = None  # of the last training forward pass, for its gradient

    @classmethod
    def from_spec(cls, spec, parameter, input_shape):
        return cls(spec["name"], spec.get("rate", 0.5))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        if not self.training or self.rate == 0:  # the last training pass's mask stays for its gradient: the page
            return x  # may run an inference pass between a training step's forward and backward pieces
        keep = self.rng.random(x.shape, dtype=np.float32) >= np.float32(self.rate)
        self.mask = keep.astype(np.float32) / np.float32(1 - self.rate)
        return x * self.mask

    def input_gradient(self, x, y, grad_y):
        mask = self.mask if self.training and self.mask is not None and self.mask.shape == grad_y.shape else None
        return gradients.dropout_gradient(grad_y, mask)

    def __repr__(self) -> str:
        return f"{self.name} = Dropout({self.rate:g}): y = x (at inference; while training x * mask / (1 - rate))"

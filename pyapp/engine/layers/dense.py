"""The flat end of the network: flatten, dense (fully connected) layers and the softmax."""
from __future__ import annotations

import numpy as np

from .. import gradients
from .base import Layer, Weighted, as_batch, initial_weight_and_bias


class Flatten(Layer):
    """Channels-first unrolling: ``y[c*H*W + i*W + j] = x[c, i, j]``."""

    type = "flatten"

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x, single = as_batch(x, 3)
        out = x.reshape(x.shape[0], -1)
        return out[0] if single else out

    def input_gradient(self, x, y, grad_y):
        return gradients.flatten_gradient(grad_y, x.shape)

    def output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)

    def __repr__(self) -> str:
        return f"{self.name} = Flatten: y[c*H*W + i*W + j] = x[c, i, j]"


class Dense(Weighted):
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
        x, single = as_batch(x, 1)
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

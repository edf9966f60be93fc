"""Activations: one value in, one value out, on maps or on a dense layer's units."""
from __future__ import annotations

import numpy as np

from .. import gradients
from .base import Elementwise


class ReLU(Elementwise):
    """``y = max(x, 0)`` for every value."""

    type = "relu"
    formula = "max(x, 0)"

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        # as np.maximum(x, 0), NaN kept; 3.8x faster in the page, whose NumPy (no SIMD) checks each value for NaN
        return np.where(x < 0, np.float32(0), x)

    def input_gradient(self, x, y, grad_y):
        return gradients.relu_gradient(grad_y, x)

    def __repr__(self) -> str:
        return f"{self.name} = ReLU: y = {self.formula}"


class LeakyReLU(Elementwise):
    """``y = x`` where x > 0, ``slope * x`` elsewhere (Keras' alpha / negative_slope, PyTorch's negative_slope)."""

    type = "leaky_relu"

    def __init__(self, name: str, slope: float = 0.01):
        super().__init__(name)
        self.slope = float(slope)

    @property
    def formula(self) -> str:
        return f"max(x, {self.slope:g} x)" if self.slope <= 1 else f"x if x > 0 else {self.slope:g} x"

    @classmethod
    def from_spec(cls, spec, parameter, input_shape):
        return cls(spec["name"], spec.get("slope", 0.01))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        return np.where(x > 0, x, np.float32(self.slope) * x)

    def input_gradient(self, x, y, grad_y):
        return gradients.leaky_relu_gradient(grad_y, x, self.slope)

    def __repr__(self) -> str:
        return f"{self.name} = LeakyReLU: y = {self.formula}"


class Sigmoid(Elementwise):
    """``y = 1 / (1 + e^-x)``, computed without overflow for large |x|."""

    type = "sigmoid"
    formula = "1 / (1 + e^-x)"

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        e = np.exp(-np.abs(x))  # never overflows; the two halves give the same function
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(np.float32)

    def input_gradient(self, x, y, grad_y):
        return gradients.sigmoid_gradient(grad_y, y)

    def __repr__(self) -> str:
        return f"{self.name} = Sigmoid: y = {self.formula}"


class Tanh(Elementwise):
    """``y = tanh(x) = (e^x - e^-x) / (e^x + e^-x)``."""

    type = "tanh"
    formula = "tanh(x)"

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return np.tanh(np.asarray(x, dtype=np.float32))

    def input_gradient(self, x, y, grad_y):
        return gradients.tanh_gradient(grad_y, y)

    def __repr__(self) -> str:
        return f"{self.name} = Tanh: y = {self.formula}"

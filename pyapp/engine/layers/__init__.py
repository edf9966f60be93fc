"""The layers of the engine, in NumPy: one module per kind of layer, one table of types.

Activations are channels-first: one image is ``(C, H, W)``, a batch is ``(N, C, H, W)``.
Every layer is a small callable class holding all the engine needs of it, as micrograd and tinygrad keep
an operation's backward beside its forward: ``from_description`` (built from its model description entry),
``layer(x)`` (forward), ``input_gradient`` and ``parameter_gradients`` (backward, through the pure functions
of gradients.py that the Why? view shows), ``initial_parameters`` (seeded initialisation), ``input_range``
and ``window`` (the input behind an output pixel) and a ``repr`` that reads like the maths it does.
:data:`LAYER_TYPES` is the one table of types: a new type is one class in a module here, one entry below
(and its tests). Everything is float32 and vectorised (no Python loop over pixels).
"""
from __future__ import annotations

from ..im2col import columns, output_size, windows  # noqa: F401 (part of this package's API)
from .activations import LeakyReLU, ReLU, Sigmoid, Tanh
from .base import INITS, Layer, as_batch, initial_weight_and_bias  # noqa: F401
from .convolution import PADDINGS, Conv2D, resolve_padding, same_padding  # noqa: F401
from .dense import Dense, Flatten, Softmax
from .pooling import AvgPool2D, GlobalAvgPool, MaxPool2D
from .regularisation import BatchNorm, Dropout
from .values import (avg_pool_value, batch_norm_value, conv_pixel, dense_value, leaky_relu_value,  # noqa: F401
                     pool_value, relu_value, sigmoid_value, softmax_probability, tanh_value)

LAYER_TYPES = {cls.type: cls for cls in (Conv2D, ReLU, LeakyReLU, Sigmoid, Tanh, MaxPool2D, AvgPool2D, GlobalAvgPool,
                                         BatchNorm, Dropout, Flatten, Dense, Softmax)}
ACTIVATIONS = tuple(cls.type for cls in (ReLU, LeakyReLU, Sigmoid, Tanh))

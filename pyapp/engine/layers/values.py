"""One number at a time: the code the "show the code" views display.

The functions compute ONE number each, from its operands, exactly as the vectorised layers do for every
pixel at once. The detail views show their source code (``inspect.getsource``) next to the numbers, and the
tests check they agree with the layers.
"""
from __future__ import annotations

import numpy as np


def conv_pixel(window, kernel, bias):
    """One convolution output: multiply the input window by the kernel, add it all up, add the bias."""
    return np.sum(window * kernel) + bias


def relu_value(x):
    """One ReLU output: the input if it is positive, otherwise 0."""
    return np.maximum(x, 0)


def leaky_relu_value(x, slope):
    """One leaky ReLU output: the input if it is positive, otherwise the input times a small slope."""
    return x if x > 0 else slope * x


def sigmoid_value(x):
    """One sigmoid output: 1 / (1 + e to the -x), between 0 and 1."""
    return 1 / (1 + np.exp(-x))


def tanh_value(x):
    """One tanh output: (e^x - e^-x) / (e^x + e^-x), between -1 and 1."""
    return np.tanh(x)


def pool_value(window):
    """One max-pooling output: the largest value in the window."""
    return np.max(window)


def avg_pool_value(window):
    """One average-pooling output: the mean of the window."""
    return np.mean(window)


def batch_norm_value(x, mean, var, eps, gamma, beta):
    """One batch-normalisation output: x standardised by its channel's statistics, then scaled and shifted."""
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def dense_value(inputs, weights, bias):
    """One dense (fully connected) output: every input times its weight, added up, plus the bias."""
    return np.sum(inputs * weights) + bias


def softmax_probability(logits, k):
    """The probability of class k: e to its logit, divided by the sum of e to every logit."""
    exps = np.exp(logits - np.max(logits))  # subtracting the max changes nothing but avoids overflow
    return exps[k] / np.sum(exps)

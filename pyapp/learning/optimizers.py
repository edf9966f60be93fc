"""SGD with momentum and Adam with torch.optim's exact update rules, on float32 arrays updated in place.

Weight decay as torch does it: added to the gradient (``grad + wd * w``), for SGD and Adam alike;
``Adam(decoupled=True)`` is AdamW (the weights shrink by ``lr * wd`` apart from the gradient).
"""
from __future__ import annotations

import math

import numpy as np


class Optimizer:
    """Updates ``params`` (name -> float32 array, changed in place so the layers see it) from gradients."""

    def __init__(self, params: dict[str, np.ndarray], lr: float, weight_decay: float = 0.0):
        self.params = params
        self.lr = float(lr)
        self.weight_decay = float(weight_decay)
        self.steps = 0

    def _decayed(self, name: str, grad: np.ndarray) -> np.ndarray:
        if self.weight_decay:
            return grad + np.float32(self.weight_decay) * self.params[name]  # L2 on the loss, as torch
        return grad

    def step(self, grads: dict[str, np.ndarray]) -> None:
        """One update of every parameter that has a gradient."""
        self.steps += 1
        for name, grad in grads.items():
            self._update(name, self.params[name], np.asarray(grad, dtype=np.float32))

    def _update(self, name: str, param: np.ndarray, grad: np.ndarray) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """``v = momentum * v + g`` (v = g at the first step), ``w -= lr * v``; nesterov: ``w -= lr (g + momentum v)``."""

    def __init__(self, params, lr=0.01, momentum=0.9, weight_decay=0.0, nesterov=False):
        super().__init__(params, lr, weight_decay)
        self.momentum, self.nesterov = float(momentum), bool(nesterov)
        self.velocity: dict[str, np.ndarray] = {}

    def _update(self, name, param, grad):
        grad = self._decayed(name, grad)
        if self.momentum:
            buf = self.velocity.get(name)
            if buf is None:
                buf = self.velocity[name] = grad.copy()
            else:
                buf *= np.float32(self.momentum)
                buf += grad
            grad = grad + np.float32(self.momentum) * buf if self.nesterov else buf
        param -= np.float32(self.lr) * grad


class Adam(Optimizer):
    """Adam (Kingma and Ba), bias-corrected as torch.optim.Adam; ``decoupled=True`` is torch.optim.AdamW."""

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled=False):
        super().__init__(params, lr, weight_decay)
        self.beta1, self.beta2 = (float(b) for b in betas)
        self.eps, self.decoupled = float(eps), bool(decoupled)
        self.first: dict[str, np.ndarray] = {}
        self.second: dict[str, np.ndarray] = {}

    def _update(self, name, param, grad):
        if self.decoupled:
            param *= np.float32(1 - self.lr * self.weight_decay)
        else:
            grad = self._decayed(name, grad)
        m = self.first.setdefault(name, np.zeros_like(param))
        v = self.second.setdefault(name, np.zeros_like(param))
        m += np.float32(1 - self.beta1) * (grad - m)  # torch's lerp: m + (1 - beta1) (g - m)
        v *= np.float32(self.beta2)
        v += np.float32(1 - self.beta2) * grad * grad
        step_size = self.lr / (1 - self.beta1 ** self.steps)
        denom = np.sqrt(v) / np.float32(math.sqrt(1 - self.beta2 ** self.steps)) + np.float32(self.eps)
        param -= np.float32(step_size) * (m / denom)  # addcdiv: the ratio first, as torch


OPTIMIZERS = {"sgd": SGD, "adam": Adam}


def make_optimizer(name: str, params: dict[str, np.ndarray], **settings) -> Optimizer:
    """An optimiser by name (``sgd`` or ``adam``) over ``params`` with its settings (lr, weight_decay, ...)."""
    try:
        return OPTIMIZERS[name](params, **settings)
    except KeyError:
        raise ValueError(f"unknown optimiser {name!r} (known: {', '.join(OPTIMIZERS)})") from None

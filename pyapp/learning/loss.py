"""The training loss: softmax cross-entropy on the logits, averaged over the batch (torch's cross_entropy)."""
from __future__ import annotations

import numpy as np


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """``(loss, dloss/dlogits)`` for logits (N, K) and integer labels (N,).

    loss = mean over the batch of -log softmax(logits)[label]; its gradient is (softmax - one_hot) / N.
    """
    logits = np.asarray(logits, dtype=np.float32)
    labels = np.asarray(labels, dtype=np.int64)
    n = len(labels)
    shifted = logits - logits.max(axis=1, keepdims=True)  # the shift cancels out and keeps exp finite
    exps = np.exp(shifted)
    sums = exps.sum(axis=1, keepdims=True)
    log_probs = shifted - np.log(sums)
    loss = float(-log_probs[np.arange(n), labels].mean())
    grad = exps / sums
    grad[np.arange(n), labels] -= 1
    grad /= np.float32(n)
    return loss, grad.astype(np.float32, copy=False)


def accuracy(logits: np.ndarray, labels: np.ndarray) -> float:
    """The share of rows whose largest logit is the label's."""
    return float(np.mean(np.argmax(logits, axis=1) == np.asarray(labels))) if len(labels) else 0.0

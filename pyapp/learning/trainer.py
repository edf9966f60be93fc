"""A Trainer steps a network on batches: forward, the loss, the chain rule through each layer's own
gradients (pyapp.engine.gradients.chain), and an optimiser update of the weights in place.

Three starts (``START``): ``weights`` (fine-tune the network as given), ``scratch`` (every layer re-initialised,
seeded, as training/train.py does) and ``transfer`` (only the last layer with parameters learns: the
convolutions stay as trained, so the backward pass ends at the dense layer and a step costs little more
than a forward pass).
"""
from __future__ import annotations

import copy

import numpy as np

from ..engine import gradients
from ..engine.network import Network, random_weights
from ..engine.stepwise import run_through
from .data import CROP_PADDING, augment, batches
from .loss import accuracy, softmax_cross_entropy
from .optimizers import make_optimizer

START = ("weights", "scratch", "transfer")
EVAL_BATCH = 256  # images per forward pass when evaluating: bounded memory, few Python calls


def with_classes(network: Network, classes, seed: int = 0, init: str = "zero-bias") -> Network:
    """The network with a new output layer for ``classes`` (seeded), every other weight kept.

    The last layer with parameters is the output layer (its description entry's ``units``).
    """
    description = copy.deepcopy(network.description)
    description["classes"] = list(classes)
    output = [layer.name for layer in network.layers if layer.named_parameters()][-1]
    entry = next(spec for spec in description["layers"] if spec["name"] == output)
    entry["units"] = len(classes)
    fresh = random_weights(description, seed, init)
    weights = {k: v.copy() for k, v in network.weights().items() if not k.startswith(output + ".")}
    weights.update({k: v for k, v in fresh.items() if k.startswith(output + ".")})
    return Network(description, weights)


class Trainer:
    """Trains ``network`` in place. ``step(images, labels)`` is one batch; ``epoch`` runs a seeded epoch.

    Images are (N, H, W, C) in [0, 1] (or uint8), as ``network.forward`` takes them, or already (N, C, H, W)
    float32. ``optimizer`` is ``sgd`` or ``adam``, with its settings (lr, momentum, betas, weight_decay...).
    """

    def __init__(self, network: Network, optimizer: str = "sgd", start: str = "weights", seed: int = 0,
                 init: str = "zero-bias", **settings):
        if start not in START:
            raise ValueError(f"start must be one of {', '.join(START)}, not {start!r}")
        if start == "scratch":
            network = Network(network.description, random_weights(network.description, seed, init))
        self.network = network
        self.start = start
        self.top = gradients.score_layer(network, "logit")  # the loss is on the logits, as torch's cross_entropy
        learning = [layer for layer in network.layers if layer.named_parameters()]
        if start == "transfer":
            learning = learning[-1:]
        self.trainable = {layer.name for layer in learning}
        self.lowest = learning[0].name if learning else None  # nothing below it needs a gradient
        params = {f"{layer.name}.{suffix}": array for layer in learning
                  for suffix, array in layer.named_parameters().items()}
        self.optimizer = make_optimizer(optimizer, params, **settings)
        self.rng = np.random.default_rng(seed)
        self.steps = 0
        self.images_seen = 0

    @property
    def parameters(self) -> dict[str, np.ndarray]:
        """The arrays being trained, by ``<layer>.<suffix>`` (the network's own, updated in place)."""
        return self.optimizer.params

    def channels_first(self, images) -> np.ndarray:
        """A batch as the layers take it: (N, C, H, W) float32."""
        x = np.asarray(images)
        if x.ndim == 4 and x.shape[1:] == self.network.shapes["input"]:
            return np.ascontiguousarray(x, dtype=np.float32)
        return np.ascontiguousarray(self.network._chw(x)[0])

    def forward(self, x: np.ndarray, learning: bool = True) -> dict[str, np.ndarray]:
        """Every activation of a channels-first batch, by name (up to the logits: the loss needs no more).
        ``learning``: a backward pass follows (the layers keep what their gradients need)."""
        return run_through(self.forward_stepwise(x, learning))

    def forward_stepwise(self, x: np.ndarray, learning: bool = True):
        """:meth:`forward` a layer at a time: yields ``("forward", layer, images)`` before each layer's output."""
        acts = {"input": x}
        for layer in self.network.layers:
            yield "forward", layer.name, len(x)
            x = acts[layer.name] = layer.forward(x, keep=learning and layer.name in self.trainable)
            if layer.name == self.top:
                break
        return acts

    def gradients(self, images, labels) -> tuple[float, float, dict[str, np.ndarray]]:
        """``(loss, accuracy, {parameter name: dloss/dparameter})`` of one batch, changing nothing."""
        return run_through(self.gradients_stepwise(images, labels))

    def gradients_stepwise(self, images, labels):
        """:meth:`gradients` a layer at a time (yields before each layer's output and each gradient). Batch
        statistics and dropout hold within each piece only: a forward pass between two pieces (the page redraws
        while it trains) sees the network as it explains it. A transfer step keeps the frozen layers as they are."""
        labels = np.asarray(labels, dtype=np.int64)
        mode = self.start != "transfer"
        acts = yield from self._in_training(self.forward_stepwise(self.channels_first(images)), mode)
        loss, grad = softmax_cross_entropy(acts[self.top], labels)
        _, params = yield from self._in_training(
            gradients.chain_stepwise(self.network, acts, self.top, grad, self.trainable, self.lowest), mode)
        return loss, accuracy(acts[self.top], labels), params

    def _in_training(self, work, mode: bool):
        """``work``'s pieces, each run with the network's training mode set to ``mode``, restored between them."""
        while True:
            with self.network.training(mode):
                try:
                    piece = next(work)
                except StopIteration as finished:
                    return finished.value
            yield piece

    def step(self, images, labels) -> dict[str, float]:
        """One optimiser step on one batch: ``{"loss", "accuracy"}`` of the batch before the step."""
        loss, acc, grads = self.gradients(images, labels)
        if not np.isfinite(loss):
            raise FloatingPointError(f"the loss is {loss}: the weights would be ruined (try a smaller learning rate)")
        self.optimizer.step(grads)
        self.steps += 1
        self.images_seen += len(labels)
        return {"loss": loss, "accuracy": acc}

    def epoch(self, images, labels, batch_size: int = 32, augmentation: bool = False,
              crop_padding: int = CROP_PADDING):
        """One seeded pass over the data in shuffled batches; yields each step's ``{"loss", "accuracy"}``."""
        x = self.channels_first(images)
        labels = np.asarray(labels, dtype=np.int64)
        for index in batches(len(x), batch_size, self.rng):
            batch = augment(x[index], self.rng, crop_padding=crop_padding) if augmentation else x[index]
            yield self.step(batch, labels[index])

    def evaluate(self, images, labels) -> dict[str, float]:
        """``{"loss", "accuracy"}`` on held-out images (never trained on), in chunks."""
        x = self.channels_first(images)
        labels = np.asarray(labels, dtype=np.int64)
        logits = np.concatenate([self.forward(x[i:i + EVAL_BATCH], learning=False)[self.top]
                                 for i in range(0, len(x), EVAL_BATCH)])
        loss, _ = softmax_cross_entropy(logits, labels)
        return {"loss": loss, "accuracy": accuracy(logits, labels)}

"""Training as the page runs it: a piece at a time, each piece fitting a time budget, so the page can answer a
click between two pieces. A piece is one layer's forward pass or one of its gradients, on a slice of ``SLICE``
images (measured in Chromium: a batch of 32 forward and backward takes about 230-300 ms in the page, its longest
pieces 20-25 ms; slices of 3 whole images, the earlier way, made each step 1.1x as long: many small NumPy calls).

A step's gradient is the mean over its batch, summed slice by slice (each slice's mean weighted by its share),
so a sliced step equals ``Trainer.step`` on the whole batch. ``Session.advance(budget)`` does the work;
everything a view draws (curves, predictions on the held-out photos, what happened) is on the session.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .data import augment, batches
from .loss import softmax_cross_entropy
from .optimizers import OPTIMIZERS
from .photos import PhotoSet
from .trainer import START, Trainer, with_classes

SLICE = 16  # images per slice of a training step: its layers' pieces take at most about 20-25 ms in the page
EVAL_SLICE = 8  # held-out images per slice of an evaluation (forward only: no Winograd, so fewer)
STEP, FINISHED = object(), object()  # what the run yields at each step's end, and advance's end of the run
EVAL_EVERY = 5  # steps between two looks at the held-out photos (and at every epoch's end)
PATIENCE = 3  # epochs without a lower held-out loss before early stopping


def diverged(loss: float, classes: int) -> bool:
    """A batch loss this far above guessing at random (ln classes) means the steps overshoot."""
    return loss > 3 * (np.log(classes) + 1)


@dataclass(frozen=True)
class Settings:
    """What the visitor sets in the panel (the State carries them in the address)."""

    start: str = "weights"
    optimizer: str = "sgd"
    lr: float = 0.01
    batch: int = 32
    decay: float = 0.0
    augment: bool = True
    epochs: int = 5
    early_stop: bool = True
    seed: int = 0

    def optimizer_settings(self) -> dict:
        extra = {"momentum": 0.9} if self.optimizer == "sgd" else {}
        return {"lr": self.lr, "weight_decay": self.decay, **extra}


@dataclass
class History:
    """The curves: (step, loss, accuracy) of each training batch and of each look at the held-out photos."""

    train: list = field(default_factory=list)
    heldout: list = field(default_factory=list)
    epochs: list = field(default_factory=list)  # the step at which each epoch ended


class Session:
    """One training run of ``network`` on the photos of ``classes`` (indices into ``photos.classes``)."""

    def __init__(self, network, photos: PhotoSet, classes, settings: Settings = Settings()):
        if settings.start not in START or settings.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown start {settings.start!r} or optimiser {settings.optimizer!r}")
        data = photos.subset(classes)
        self.classes = list(data.classes)
        self.new_output = self.classes != list(network.classes)  # other classes: a new, seeded output layer
        if self.new_output:
            network = with_classes(network, self.classes, settings.seed)
        self.settings = settings
        self.trainer = Trainer(network, settings.optimizer, settings.start, settings.seed,
                               **settings.optimizer_settings())
        self.network = self.trainer.network  # its weights change in place
        train_x, self.train_y = data.part(heldout=False)
        held_x, self.heldout_y = data.part(heldout=True)
        self.train_x = self.trainer.channels_first(train_x)
        self.heldout_x = self.trainer.channels_first(held_x)
        self.heldout_images = data.images[data.heldout]  # uint8, for the strip of photos
        self.history = History()
        self.predictions = np.full(len(self.heldout_y), -1)  # each held-out photo's top class at the last look
        self.epoch = 0
        self.steps_per_epoch = -(-len(self.train_y) // settings.batch)
        self.images = 0  # training images seen
        self.finished = None  # None while there is work; "done", "early" or "error"
        self.message = ""  # why it finished, in words
        self.last_good = self._copy()
        self.best = (np.inf, self._copy(), 0)  # (held-out loss, weights, epoch): what early stopping keeps
        self._took = {}  # each piece's (what, layer, images) last time, in seconds: what advance reckons it takes
        self._running = None  # the piece announced last: running once advance asks for the next
        self._work = self._run()

    # -- running ---------------------------------------------------------------------------------------
    def advance(self, budget: float, until_step: int | None = None, clock=time.perf_counter) -> int:
        """Work for at most about ``budget`` seconds (at least one piece: a layer of a slice), stopping early once
        step ``until_step`` is done; returns the steps done. A piece that could end past the budget waits for the
        next call: each piece is announced before it runs, and reckoned as long as it took the last time (pieces
        range from a ReLU's 1 ms to a convolution's 20 ms), or as the longest so far when it is new."""
        start, done = clock(), 0
        while self.finished is None:
            before = clock()
            event = next(self._work, FINISHED)
            now = clock()
            if self._running is not None:  # what just ran was the piece announced last
                self._took[self._running] = now - before
            self._running = event if isinstance(event, tuple) else None
            if event is FINISHED:
                break
            done += event is STEP
            expected = self._took.get(event)
            if expected is None:  # a piece not seen yet: as long as the longest so far
                expected = max([now - before, *self._took.values()])
            if (until_step is not None and self.step >= until_step) or now - start + expected > budget:
                break
        return done

    @property
    def step(self) -> int:
        return self.trainer.steps

    @property
    def total_steps(self) -> int:
        return self.steps_per_epoch * self.settings.epochs

    def _copy(self) -> dict:
        return {name: array.copy() for name, array in self.trainer.parameters.items()}

    def _restore(self, weights: dict) -> None:
        for name, array in self.trainer.parameters.items():
            array[...] = weights[name]  # in place: the network's layers hold these arrays

    def _stop(self, how: str, message: str) -> None:
        self.finished, self.message = how, message

    def _run(self):
        yield from self._evaluate()  # where the curves start
        for epoch in range(self.settings.epochs):
            order = batches(len(self.train_y), self.settings.batch, self.trainer.rng)
            for index in order:
                ok = yield from self._step(index)
                if not ok:
                    return
                if self.step % EVAL_EVERY == 0:
                    yield from self._evaluate()
            self.epoch = epoch + 1
            self.history.epochs.append(self.step)
            if self.step % EVAL_EVERY:
                yield from self._evaluate()
            if self._early_stop():
                return
        self._stop("done", f"Finished {self.settings.epochs} epochs.")

    def _step(self, index):
        x, y = self.train_x[index], self.train_y[index]
        if self.settings.augment:
            x = augment(x, self.trainer.rng)
        total, loss, correct = None, 0.0, 0.0
        for at in range(0, len(y), SLICE):
            part_loss, part_accuracy, grads = yield from self.trainer.gradients_stepwise(x[at:at + SLICE],
                                                                                         y[at:at + SLICE])
            share = np.float32(len(y[at:at + SLICE]) / len(y))
            loss += part_loss * share
            correct += part_accuracy * len(y[at:at + SLICE])
            total = {k: g * share for k, g in grads.items()} if total is None else \
                {k: total[k] + g * share for k, g in grads.items()}
        finite = np.isfinite(loss) and all(np.isfinite(g).all() for g in total.values())
        if not finite or diverged(loss, len(self.classes)):
            self._restore(self.last_good)
            said = f"rose to {loss:.3g}, far above the {np.log(len(self.classes)):.2f} of guessing" if finite else \
                "is not a number"
            self._stop("error", f"Training stopped at step {self.step + 1}: the loss {said}. The learning rate "
                                f"{self.settings.lr:g} makes the steps overshoot. The last good weights are kept; "
                                "try a learning rate 10 times smaller.")
            return False
        self.last_good = self._copy()  # these weights gave a finite loss
        self.trainer.optimizer.step(total)
        self.trainer.steps += 1
        self.trainer.images_seen += len(y)
        self.images += len(y)
        self.history.train.append((self.step, float(loss), correct / len(y)))
        yield STEP
        return True

    def _evaluate(self):
        logits = []
        for at in range(0, len(self.heldout_y), EVAL_SLICE):
            acts = yield from self.trainer.forward_stepwise(self.heldout_x[at:at + EVAL_SLICE], learning=False)
            logits.append(acts[self.trainer.top])
        if not logits:
            return
        logits = np.concatenate(logits)
        with np.errstate(all="ignore"):
            loss, _ = softmax_cross_entropy(logits, self.heldout_y)
        self.predictions = logits.argmax(axis=1)
        self.history.heldout.append((self.step, float(loss), float(np.mean(self.predictions == self.heldout_y))))

    def _early_stop(self) -> bool:
        if not self.history.heldout:
            return False
        loss = self.history.heldout[-1][1]
        if loss < self.best[0]:
            self.best = (loss, self._copy(), self.epoch)
        elif self.settings.early_stop and self.epoch - self.best[2] >= PATIENCE:
            self._restore(self.best[1])
            self._stop("early", f"Early stopping: the held-out loss has not fallen for {PATIENCE} epochs, so "
                                f"training stopped and the weights of epoch {self.best[2]} (the lowest held-out "
                                "loss) are kept.")
            return True
        return False

    # -- what the views read ------------------------------------------------------------------------------
    def confusion(self) -> np.ndarray:
        """(true class, predicted class) counts of the held-out photos at the last look."""
        k = len(self.classes)
        counts = np.zeros((k, k), np.int64)
        seen = self.predictions >= 0
        np.add.at(counts, (self.heldout_y[seen], self.predictions[seen]), 1)
        return counts

"""Training in NumPy, the same code in CPython and in the page: the loss, the optimisers, seeded batches
and augmentation, and a :class:`Trainer` that steps any network the engine runs (through each layer's own
gradients, pyapp.engine.layers). Float32 throughout. See docs/architecture.md, "Training"."""
from .data import augment, batches, held_out_split
from .loss import accuracy, softmax_cross_entropy
from .optimizers import OPTIMIZERS, SGD, Adam, make_optimizer
from .trainer import START, Trainer, with_classes

__all__ = ["OPTIMIZERS", "SGD", "START", "Adam", "Trainer", "accuracy", "augment", "batches", "held_out_split",
           "make_optimizer", "softmax_cross_entropy", "with_classes"]

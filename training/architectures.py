"""The networks ``python -m training.train --arch NAME`` trains: one table, everything else derived from it.

Tiny VGG is the explainer's model; the MLP is the fully connected network the shift view compares it with."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from torch import nn

from . import mlp_torch, model_card, tiny_vgg_torch


@dataclass(frozen=True)
class Architecture:
    name: str
    model: Callable[[int], nn.Module]  # classes -> a freshly initialised model
    description: Callable[[list], dict]  # classes -> the engine's model description
    parameters: Callable[[int], int]  # classes -> the trainable parameters it must have
    text: Callable[[int], str]  # classes -> the model card's architecture line
    out: str  # the default --out, relative to the repository
    settings: dict  # defaults that differ from train.Settings' (Tiny VGG's)


ARCHITECTURES = {a.name: a for a in (
    Architecture("tiny_vgg", tiny_vgg_torch.TinyVGG, model_card.description, tiny_vgg_torch.parameter_count,
                 lambda n: model_card.ARCHITECTURE.format(classes=n), "weights", {}),
    Architecture("mlp", mlp_torch.MLP, mlp_torch.description, mlp_torch.parameter_count,
                 lambda n: mlp_torch.ARCHITECTURE.format(inputs=mlp_torch.INPUTS, hidden=mlp_torch.HIDDEN, classes=n),
                 "weights/mlp", {"lr": 3e-4, "epochs": 80}),  # at Tiny VGG's rate its few hidden units die
)}

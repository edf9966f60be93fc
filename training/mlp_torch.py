"""A fully connected network on the same 64x64x3 input, the CNN's counterpart in the shift view: flatten, one
dense hidden layer with ReLU, dense to the classes. Attribute names are the layer names, so ``state_dict``
keys are the npz keys the engine reads (its flatten is channels-first, as torch.flatten of (N, C, H, W))."""
from __future__ import annotations

import torch
from torch import nn

INPUTS = 64 * 64 * 3
HIDDEN = 8  # 98,402 parameters, a 394 KB weight file: small enough to ship beside Tiny VGG
ARCHITECTURE = "fully connected: flatten 64x64x3 -> dense {inputs} -> {hidden} with ReLU -> dense {hidden} -> {classes}, softmax"


def parameter_count(classes: int, hidden: int = HIDDEN) -> int:
    return INPUTS * hidden + hidden + hidden * classes + classes


class MLP(nn.Module):
    def __init__(self, classes: int = 10, hidden: int = HIDDEN) -> None:
        super().__init__()
        self.hidden = nn.Linear(INPUTS, hidden)
        self.logits = nn.Linear(hidden, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.logits(torch.relu(self.hidden(torch.flatten(x, 1))))


def description(classes, hidden: int = HIDDEN) -> dict:
    """The model description the engine reads (docs/architecture.md), for this network."""
    return {"name": "mlp", "input_shape": [64, 64, 3], "classes": list(classes), "layers": [
        {"name": "flatten", "type": "flatten"},
        {"name": "hidden", "type": "dense", "units": hidden},
        {"name": "relu", "type": "relu"},
        {"name": "logits", "type": "dense", "units": len(classes)},
        {"name": "probabilities", "type": "softmax"},
    ]}

"""Keeping Tiny VGG's activation maps alive during training (issue 11).

Why maps died (measured on the 250 validation images; figures in the model card and issue 11's report):
PyTorch's default conv init draws biases uniform in +-1/sqrt(fan_in), as large as the second block's signals,
so 2 to 4 of its 10 units start with no positive pixel on any image; the input is not centred (pixels in
[0, 1], mean 0.42), so a unit whose weights sum below zero sits below zero everywhere, and at the peak
learning rate more units are pushed there for good (a dead unit gets no gradient; weight decay, 5e-4 with
AdamW, shrinks its weights by under 1% over a whole run). Remedies, each a setting: biases initialised to
zero, and two small penalties on the pre-activations z of every conv layer (per image and map):

- map penalty: relu(margin - max z) pushes up every map that is blank on an image;
- pixel penalty: relu(-mean z) pushes up every map that is mostly below zero on an image.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def activity_penalty(preactivations: list[torch.Tensor], map_weight: float, pixel_weight: float,
                     margin: float) -> torch.Tensor | float:
    """The two penalties summed over the conv layers (each a mean over images and maps); 0 when both are off."""
    loss: torch.Tensor | float = 0.0
    for z in preactivations:  # (N, C, H, W)
        if map_weight:
            loss = loss + map_weight * F.relu(margin - z.amax(dim=(2, 3))).mean()
        if pixel_weight:
            loss = loss + pixel_weight * F.relu(-z.mean(dim=(2, 3))).mean()
    return loss


def summary(figures: dict) -> str:
    """One log line's worth of pyapp.data.activity figures: all-zero maps and zero pixels per ReLU layer."""
    return "blank maps " + " ".join(f"{row['zero_maps']:.0%}" for row in figures["layers"]) + \
        "  zero px " + " ".join(f"{row['zero_pixels']:.0%}" for row in figures["layers"])

"""Training-time augmentation of a batch, vectorised: random resized crop, shift and flip in one affine
resample, then colour jitter. The settings' fields name the strengths (see train.Settings)."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def augment(x: torch.Tensor, s, gen: torch.Generator) -> torch.Tensor:
    """Random resized crop + shift + flip (one affine resample per batch) and colour jitter, vectorised."""
    n = x.shape[0]

    def uniform(lo: float, hi: float) -> torch.Tensor:
        return lo + (hi - lo) * torch.rand(n, generator=gen)

    area = uniform(s.crop_scale_min, 1.0)
    log_ratio = uniform(-math.log(s.aspect_max), math.log(s.aspect_max))
    ratio = torch.exp(log_ratio)
    sx = torch.sqrt(area * ratio).clamp(max=1.0)  # fraction of the width sampled
    sy = torch.sqrt(area / ratio).clamp(max=1.0)
    tx = (1 - sx) * uniform(-1, 1) + s.shift * uniform(-1, 1) * 2
    ty = (1 - sy) * uniform(-1, 1) + s.shift * uniform(-1, 1) * 2
    flip = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0) if s.flip else torch.ones(n)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = sx * flip
    theta[:, 0, 2] = tx
    theta[:, 1, 1] = sy
    theta[:, 1, 2] = ty
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)

    b = uniform(1 - s.brightness, 1 + s.brightness).view(n, 1, 1, 1)
    c = uniform(1 - s.contrast, 1 + s.contrast).view(n, 1, 1, 1)
    sat = uniform(1 - s.saturation, 1 + s.saturation).view(n, 1, 1, 1)
    x = x * b
    grey = (0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3])
    x = grey + (x - grey) * sat
    mean = grey.mean(dim=(2, 3), keepdim=True)
    x = mean + (x - mean) * c
    return x.clamp(0.0, 1.0)

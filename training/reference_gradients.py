"""Reference gradients of the exported weights, computed by PyTorch autograd, for checking the engine's backward pass.

    python -m training.reference_gradients       # rewrites tests/data/reference_gradients.npz

Same 100 synthetic inputs as reference_logits.py (regenerated from a seed), each with the gradient of its
top class's logit. The file stays small: the input gradients of two images (float16), the L2 norm of every
layer's gradient for all 100 images (float32), and the weight gradients summed over the 100 (float16).
Run it again every time weights/tiny_vgg.npz changes.

Max pooling: a window whose two largest values differ by less than float32 rounding may pick a different
winner in PyTorch and in the engine (their sums round differently), and the gradient then goes elsewhere.
So PyTorch pools by gathering the winners the engine's forward values give (first maximum of each window,
as PyTorch breaks exact ties); it checks that these are maxima of its own values to 1e-5.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from pyapp.engine.network import load_network

from . import reference_logits as ref

REPO = Path(__file__).resolve().parent.parent
WEIGHTS = REPO / "weights" / "tiny_vgg.npz"
DESCRIPTION = REPO / "weights" / "tiny_vgg.json"
REFERENCE = REPO / "tests" / "data" / "reference_gradients.npz"
FULL_IMAGES = 2  # images whose whole input gradient is stored


def pool_winners(x: np.ndarray, pool: int, stride: int) -> np.ndarray:
    """(N, C, H'*W'): the flat index into each (H, W) map of every pooling window's first maximum."""
    n, c, h, w = x.shape
    oh, ow = (h - pool) // stride + 1, (w - pool) // stride + 1
    view = np.lib.stride_tricks.sliding_window_view(x, (pool, pool), axis=(2, 3))[:, :, ::stride, ::stride]
    dy, dx = np.divmod(view[:, :, :oh, :ow].reshape(n, c, oh, ow, pool * pool).argmax(-1), pool)
    rows = np.arange(oh)[:, None] * stride + dy
    cols = np.arange(ow)[None, :] * stride + dx
    return (rows * w + cols).reshape(n, c, oh * ow).astype(np.int64)


def torch_gradients(weights: dict, description: dict, images: np.ndarray, targets, score: str = "logit",
                    winners: dict | None = None):
    """PyTorch autograd through the described layers: ({layer: d score / d output}, {param: d score / d param}).

    ``images`` (N, H, W, C); the score is the sum over images of their target's logit (or probability),
    so each image's gradients are its own. ``winners`` ({pool layer: pool_winners(its input)}) fixes the
    windows' maxima (see the module's docstring).
    """
    import torch
    import torch.nn.functional as F

    params = {k: torch.tensor(np.asarray(v, np.float32), requires_grad=True) for k, v in weights.items()}
    x = torch.tensor(np.ascontiguousarray(images.transpose(0, 3, 1, 2)), requires_grad=True)
    acts, h = {"input": x}, x
    for spec in description["layers"]:
        name, kind = spec["name"], spec["type"]
        if kind == "conv2d":
            h = F.conv2d(h, params[f"{name}.weight"], params[f"{name}.bias"],
                         stride=spec.get("stride", 1), padding=spec.get("padding", 0))
        elif kind == "relu":
            h = torch.relu(h)
        elif kind == "max_pool2d":
            pooled = F.max_pool2d(h, spec.get("pool_size", 2), spec.get("stride"))
            if winners and name in winners:
                chosen = torch.gather(h.flatten(2), 2, torch.as_tensor(winners[name])).reshape(pooled.shape)
                if (chosen - pooled).abs().max() > 1e-5:
                    raise ValueError(f"{name}: the given winners are not the windows' maxima")
                pooled = chosen
            h = pooled
        elif kind == "flatten":
            h = h.flatten(1)
        elif kind == "dense":
            h = F.linear(h, params[f"{name}.weight"], params[f"{name}.bias"])
        elif kind == "softmax":
            h = torch.softmax(h, dim=-1)
        h.retain_grad()
        acts[name] = h
    top = description["layers"][-1]["name"] if score == "probability" else description["layers"][-2]["name"]
    acts[top][torch.arange(len(images)), torch.as_tensor(np.asarray(targets))].sum().backward()
    layer_grads = {n: a.grad.numpy().copy() for n, a in acts.items() if a.grad is not None}
    return layer_grads, {k: p.grad.numpy().copy() for k, p in params.items()}


def engine_winners(trace, description: dict) -> dict:
    """The pooling winners of a (batched) engine trace, for torch_gradients."""
    sources = ["input"] + [s["name"] for s in description["layers"]]
    return {s["name"]: pool_winners(trace[sources[i]], s.get("pool_size", 2), s.get("stride") or s.get("pool_size", 2))
            for i, s in enumerate(description["layers"]) if s["type"] == "max_pool2d"}


def reference_inputs():
    """The synthetic images and their targets (the top class of each by the reference logits)."""
    images = ref.synthetic_inputs()
    return images, ref.torch_logits(WEIGHTS, images).argmax(axis=1)


def write_reference(out: Path = REFERENCE) -> None:
    images, targets = reference_inputs()
    with np.load(WEIGHTS) as npz:
        weights = {k: npz[k] for k in npz.files}
    description = json.loads(DESCRIPTION.read_text())
    winners = engine_winners(load_network().forward(images), description)
    layers, params = torch_gradients(weights, description, images, targets, winners=winners)
    names = ["input"] + [s["name"] for s in description["layers"] if s["name"] in layers]
    norms = np.stack([np.sqrt((layers[n].reshape(len(images), -1).astype(np.float64) ** 2).sum(1)) for n in names], 1)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out,
        names=np.array(names),
        targets=targets.astype(np.int64),
        norms=norms.astype(np.float32),  # (100, layers)
        input_gradients=layers["input"][:FULL_IMAGES].astype(np.float16),
        input_scale=np.float32(np.abs(layers["input"][:FULL_IMAGES]).max()),
        **{f"param.{k}": v.astype(np.float16) for k, v in params.items()},
        inputs_sha256=np.str_(ref.array_sha256(images)),
        weights_sha256=np.str_(ref.sha256_of(WEIGHTS)),
    )


if __name__ == "__main__":
    write_reference()
    print(f"wrote {REFERENCE.relative_to(REPO)} ({REFERENCE.stat().st_size} bytes)")

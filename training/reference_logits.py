"""Reference logits of the exported weights, computed by PyTorch, for checking the NumPy engine without torch.

    python -m training.reference_logits          # rewrites tests/data/reference_logits.npz

The 100 inputs need no dataset: they are regenerated from a seed (half uniform noise, half smooth colour
fields), so the committed file holds only their logits, the inputs' sha256 and the weights' sha256.
Run it again every time weights/tiny_vgg.npz changes.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
WEIGHTS = REPO / "weights" / "tiny_vgg.npz"
REFERENCE = REPO / "tests" / "data" / "reference_logits.npz"
SEED = 20240607
COUNT = 100


def synthetic_inputs(count: int = COUNT, seed: int = SEED) -> np.ndarray:
    """(count, 64, 64, 3) float32 images in [0, 1]: uniform noise, then smooth sinusoidal colour fields."""
    rng = np.random.default_rng(seed)
    noisy = count // 2
    noise = rng.random((noisy, 64, 64, 3), dtype=np.float32)
    y, x = np.mgrid[0:64, 0:64].astype(np.float32) / 64.0
    k = count - noisy
    freq = rng.uniform(0.5, 4.0, size=(k, 3, 2)).astype(np.float32)
    phase = rng.uniform(0, 2 * np.pi, size=(k, 3)).astype(np.float32)
    # one smooth wave per channel, broadcast over the (64, 64) grid: (k, 64, 64, 3)
    waves = np.sin(
        2 * np.pi * (freq[:, None, None, :, 0] * x[None, :, :, None] + freq[:, None, None, :, 1] * y[None, :, :, None])
        + phase[:, None, None, :]
    )
    smooth = (0.5 + 0.5 * waves).astype(np.float32)
    return np.concatenate([noise, smooth]).astype(np.float32)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def array_sha256(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


def torch_logits(weights: Path, images: np.ndarray) -> np.ndarray:
    """PyTorch's logits for (N, 64, 64, 3) images with the exported weights."""
    import torch

    from .tiny_vgg_torch import model_from_arrays  # PyTorch only here: the rest of this file needs NumPy alone

    with np.load(weights) as npz:
        model = model_from_arrays({k: npz[k] for k in npz.files})
    with torch.no_grad():
        x = torch.from_numpy(np.ascontiguousarray(images.transpose(0, 3, 1, 2)))
        return model(x).numpy().astype(np.float32)


def write_reference(weights: Path = WEIGHTS, out: Path = REFERENCE) -> None:
    images = synthetic_inputs()
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out,
        logits=torch_logits(weights, images),
        seed=np.int64(SEED),
        inputs_sha256=np.str_(array_sha256(images)),
        weights_sha256=np.str_(sha256_of(weights)),
    )


if __name__ == "__main__":
    write_reference()
    print(f"wrote {REFERENCE.relative_to(REPO)} for weights sha256 {sha256_of(WEIGHTS)}")

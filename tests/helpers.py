"""Test material beyond the engine's: the photos the views are drawn for, and running the command line."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]


def synthetic_photo() -> np.ndarray:
    """A fixed synthetic picture: no dataset needed, the same on every machine (the snapshots' photo)."""
    y, x = np.mgrid[0:64, 0:64] / 63.0
    return np.stack([x, y, np.abs(np.sin(6 * x * y))], axis=-1).astype(np.float32)


def photo() -> np.ndarray:
    """A real photo when the dataset is here (an espresso from the validation set), else the synthetic one."""
    from pyapp.images.preprocess import load_image

    root = Path(os.environ.get("TINY_IMAGENET_DIR", "")) / "val" / "n07920052"
    if root.is_dir():
        files = sorted(p for p in root.iterdir() if p.suffix.lower() in (".jpeg", ".jpg", ".png"))
        if files:
            return load_image(files[0])
    return synthetic_photo()


def picture(path, seed, size=(80, 64)):
    """A random-noise image file of ``size`` (width, height)."""
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)).save(path)
    return path


def run(*args, stdin=subprocess.DEVNULL, timeout=120):
    """python -m pyapp in a fresh process, as a user runs it (stdin: bytes to pipe in, or a file)."""
    env = dict(os.environ, PYTHONPATH=str(REPO), OPENBLAS_NUM_THREADS="1")
    feed = {"input": stdin} if isinstance(stdin, bytes) else {"stdin": stdin}
    result = subprocess.run([sys.executable, "-m", "pyapp", *map(str, args)], capture_output=True,
                            env=env, cwd=REPO, timeout=timeout, **feed)
    result.stdout, result.stderr = result.stdout.decode(), result.stderr.decode()
    return result

"""Training-step speed, natively: our NumPy engine (pyapp.learning) against PyTorch on the same CPU.

    .venv/bin/python tests/bench/bench_train.py [--batch 32] [--rounds 15] [--optimizer sgd|adam]

What it measures: one training step (forward, softmax cross-entropy, backward to every parameter, an
optimiser update) of Tiny VGG on a batch of 64x64x3 images, for our engine on CPython and for PyTorch
(torch.optim with the same settings), starting from the same weights on the same batch. The two alternate
round by round so that a busy machine slows both alike; it prints each one's median time, images per
second, achieved GFLOP/s (the arithmetic of the step: forward, input and weight gradients, counted from
the model description) and the ratio engine / PyTorch (the target is at least 0.5). Both run on one thread
(OPENBLAS_NUM_THREADS=1, torch.set_num_threads(1)): the fair comparison, and what the page has. The page's
own training speed is measured in the browser, not here.
"""
import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from pyapp.engine.network import load_network  # noqa: E402
from pyapp.learning import Trainer  # noqa: E402

SETTINGS = {"sgd": dict(lr=1e-3, momentum=0.9, weight_decay=5e-4), "adam": dict(lr=1e-4, weight_decay=5e-4)}


def step_flops(network) -> int:
    """Multiply-adds x 2 of one image's training step: each conv and dense layer's forward product, and
    the same again for its weight gradient and for its input gradient (none for the first layer's input)."""
    total = 0
    for index, layer in enumerate(network.layers):
        weight = layer.named_parameters().get("weight")
        if weight is None:
            continue
        pixels = int(np.prod(network.shapes[layer.name][1:])) if len(network.shapes[layer.name]) == 3 else 1
        forward = 2 * weight.size * pixels
        total += forward * (3 if index else 2)
    return total


def torch_step(torch, network, settings, name):
    """PyTorch's training step on the same architecture and weights (built from the description)."""
    nn = torch.nn
    modules = []
    for layer in network.layers:
        if layer.type == "conv2d":
            module = nn.Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size, layer.stride, layer.padding)
        elif layer.type == "dense":
            module = nn.Linear(layer.inputs, layer.units)
        elif layer.type == "max_pool2d":
            module = nn.MaxPool2d(layer.pool_size, layer.stride)
        elif layer.type in ("relu", "flatten"):
            module = nn.ReLU() if layer.type == "relu" else nn.Flatten()
        else:
            continue  # the final softmax: cross_entropy applies it
        if layer.named_parameters():
            module.weight.data = torch.tensor(layer.weight.copy())
            module.bias.data = torch.tensor(layer.bias.copy())
        modules.append(module)
    model = nn.Sequential(*modules)
    optimizer = getattr(torch.optim, {"sgd": "SGD", "adam": "Adam"}[name])(model.parameters(), **settings)

    def step(x, y):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
    return step


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--optimizer", choices=sorted(SETTINGS), default="sgd")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    images = rng.random((args.batch, 64, 64, 3), dtype=np.float32)
    labels = rng.integers(0, 10, args.batch)
    network = load_network()
    flops = step_flops(network) * args.batch
    trainer = Trainer(network, args.optimizer, **SETTINGS[args.optimizer])
    x = trainer.channels_first(images)
    runs = {"engine (NumPy, CPython)": lambda: trainer.step(x, labels)}
    try:
        import torch
        torch.set_num_threads(1)
        step = torch_step(torch, load_network(), SETTINGS[args.optimizer], args.optimizer)
        tx, ty = torch.from_numpy(x.copy()), torch.from_numpy(labels)
        runs[f"PyTorch {torch.__version__}"] = lambda: step(tx, ty)
    except ImportError:
        print("PyTorch is not installed: the engine alone")
    times = {name: [] for name in runs}
    for name, fn in runs.items():
        fn()  # warm up: first calls allocate
    for _ in range(args.rounds):
        for name, fn in runs.items():
            times[name].append(timed(fn))
    print(f"numpy {np.__version__}, batch {args.batch}, {args.optimizer}, {step_flops(network) / 1e6:.1f} MFLOP "
          f"per image per step, median of {args.rounds} alternating rounds")
    medians = {name: statistics.median(t) for name, t in times.items()}
    for name, seconds in medians.items():
        print(f"  {name:28s} {seconds * 1000:7.1f} ms/step  {args.batch / seconds:7.1f} images/s  "
              f"{flops / seconds / 1e9:5.2f} GFLOP/s")
    if len(medians) == 2:
        ours, theirs = medians.values()
        print(f"  engine / PyTorch speed: {theirs / ours:.2f}x (target >= 0.5x)")


if __name__ == "__main__":
    main()

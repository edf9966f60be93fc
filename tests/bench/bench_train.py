"""Training-step speed: in the page, against TensorFlow.js and ConvNetJS in the same browser, and natively our
NumPy engine against PyTorch, in one run (prints figures; not a test).

    .venv/bin/python tests/bench/bench_train.py [--batch 32] [--rounds 15] [--optimizer sgd|adam]
        [--native-only] [--dist DIR] [--baseline DIR] [--page-steps 12] [--peer-steps 2] [--inputs 24]

What it measures: one training step (forward, softmax cross-entropy, backward to every parameter, an
optimiser update) of Tiny VGG on a batch of 64x64x3 images:
- natively, our engine on CPython and PyTorch (torch.optim with the same settings), from the same weights on
  the same batch, alternating round by round so that a busy machine slows both alike, half the rounds before the
  browser's run and half after it (the page's ratio to CPython then sees the same drift); both on one thread
  (OPENBLAS_NUM_THREADS=1, torch.set_num_threads(1)): the fair comparison, and what the page has;
- in headless Chromium on the built site (a fresh build unless --dist), the Train panel itself (all ten
  classes, every layer learning, SGD with momentum, no augmentation), timed by its #train hooks: the median
  time between two steps, and the run's images/s with its looks at the held-out photos and redraws;
- in the same browser, TensorFlow.js 4.22 (cpu backend) and ConvNetJS 0.3 (SGD with momentum) training the
  same architecture on the same batch as the native run (npm devDependencies, inlined into a blank page);
- then, while the panel trains on, --inputs hovers over a map and clicks on an example at intervals: from
  each event to its first handler and to the next frame, median and longest (target under 100 ms);
- with --baseline, an earlier build's panel too, in the same browser, alternating with this one (twice
  each): this build's step against the baseline's, the before/after of a change.
It prints each one's images per second, achieved GFLOP/s (the arithmetic of the step counted from the model
description: forward, input and weight gradients, as direct convolution does it; the page's training takes its
large 3x3 layers by Winograd, 16 multiplies for 36, so its figure is an effective one) and the ratios against the
targets: in the page at least 5x ConvNetJS, 15x TensorFlow.js cpu and 0.3x our engine on CPython; natively at
least 0.5x PyTorch.
Run it under `flock /tmp/heavy.lock`: the machine is shared, so only the ratios of one run hold.
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
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "bench"), str(ROOT / "tests" / "browser")]

import machine  # noqa: E402
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


def native(args, network, images, labels) -> dict:
    """{name: one training step} of our engine and PyTorch on the same batch, each warmed up."""
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
    for fn in runs.values():
        fn()  # warm up: first calls allocate
    return runs


def time_rounds(runs: dict, rounds: int, times: dict) -> None:
    """Adds ``rounds`` alternating rounds (one step of each) to ``times`` {name: [seconds]}."""
    for _ in range(rounds):
        for name, fn in runs.items():
            times.setdefault(name, []).append(timed(fn))


def browser(args, images, labels) -> tuple[dict, dict]:
    """({name: seconds per step} of the page and the peers, the page's run with its input delays)."""
    from playwright.sync_api import sync_playwright
    from served_site import served_site
    from explainer_page import CHROMIUM, CHROMIUM_ARGS
    from train_browser import page_training, peers

    with served_site(args.dist) as (url, _), sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        run = page_training(chromium, url, args.batch, args.page_steps, args.inputs)
        steps = {"in the page (Train panel)": run["step_s"]}
        if args.baseline:
            with served_site(args.baseline) as (base_url, _):
                ours, base = [run["step_s"]], []
                for turn in range(3):  # the baseline, this build, the baseline: alternating with the run above
                    timed = page_training(chromium, url if turn == 1 else base_url, args.batch, args.page_steps, 0)
                    (ours if turn == 1 else base).append(timed["step_s"])
            steps["in the page, the baseline build"] = statistics.median(base)
            steps["in the page (Train panel)"] = statistics.median(ours)
        steps.update(peers(chromium, images, labels, args.peer_steps, SETTINGS["sgd"]["lr"]))
        chromium.close()
    return steps, run


def report_inputs(run) -> None:
    inputs = run["inputs"]
    print(f"  input while the panel trains ({len(inputs)} hovers and clicks, 0.3 s apart; still training "
          f"afterwards: {run['still_training']}):")
    for kind in ("pointermove", "click"):
        for what, label in (("handler", "to its first handler"), ("frame", "to the next frame")):
            values = [e[what] for e in inputs if e["type"] == kind]
            if values:
                print(f"    {kind:11s} {label:21s} median {statistics.median(values):6.1f} ms, "
                      f"longest {max(values):6.1f} ms (target < 100 ms)")
    slow = run["slow"]
    longest = max(slow, key=lambda e: e["duration"]) if slow else None
    print(f"    Event Timing entries over 16 ms: {len(slow)}" + (
        f", longest {longest['type']} {longest['duration']:.0f} ms (input delay {longest['delay']:.0f} ms)"
        if longest else ""))
    tasks = sorted(run["long_tasks"])
    if tasks:
        print(f"    tasks over 50 ms meanwhile: {len(tasks)}, median {statistics.median(tasks):.0f} ms, longest "
              f"{tasks[-1]:.0f} ms")
    if run["elsewhere"]:
        print(f"  REQUESTS TO ANOTHER ORIGIN: {run['elsewhere']}")


def ratio(label: str, ours: float, theirs: float, target: float) -> None:
    got = theirs / ours  # seconds per step: the faster one's is smaller
    print(f"  {label:34s} {got:7.2f}x  (target >= {target}x: {'met' if got >= target else 'MISSED'})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=15,
                        help="native rounds (each: one step of each), before the browser and again after it")
    parser.add_argument("--optimizer", choices=sorted(SETTINGS), default="sgd", help="native runs")
    parser.add_argument("--native-only", action="store_true", help="no browser: the engine and PyTorch only")
    parser.add_argument("--dist", type=Path, help="an existing build (default: build into a temporary folder)")
    parser.add_argument("--baseline", type=Path, help="an earlier build, timed in the page alongside")
    parser.add_argument("--page-steps", type=int, default=12, help="steps timed in the page, after two")
    parser.add_argument("--peer-steps", type=int, default=2, help="steps timed for each peer, after one")
    parser.add_argument("--inputs", type=int, default=24, help="hovers and clicks while the page trains")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    images = rng.random((args.batch, 64, 64, 3), dtype=np.float32)
    labels = rng.integers(0, 10, args.batch)
    network = load_network()
    per_image = step_flops(network)
    runs, times = native(args, network, images, labels), {}
    time_rounds(runs, args.rounds, times)
    run, page_steps = None, {}
    if not args.native_only:
        page_steps, run = browser(args, images, labels)
        # half the native rounds after the browser's: a drifting machine slows both sides of each ratio alike
        time_rounds(runs, args.rounds, times)
    steps = {name: statistics.median(t) for name, t in times.items()}
    steps.update(page_steps)
    print(f"numpy {np.__version__}, batch {args.batch}, {per_image / 1e6:.1f} MFLOP per image per step; native: "
          f"{args.optimizer}, median of {len(next(iter(times.values())))} alternating rounds (before and after the "
          "browser's); browser: SGD with momentum")
    print("  GFLOP/s count a direct convolution's arithmetic: the page's, which takes its 3x3 layers of 10 channels "
          "by Winograd (16 multiplies for 36, pyapp/engine/winograd.py), is an effective figure")
    print(f"  machine: {machine.describe()}")
    for name, seconds in steps.items():
        print(f"  {name:34s} {seconds * 1000:8.1f} ms/step  {args.batch / seconds:7.1f} images/s  "
              f"{per_image * args.batch / seconds / 1e9:5.2f} GFLOP/s")
    if run:
        print(f"  the panel's whole run, with its looks at the held-out photos and redraws: "
              f"{run['run_images_per_s']:.1f} images/s over {run['steps']} steps")
    by = {name.split(" ")[0]: seconds for name, seconds in steps.items()}
    page = steps.get("in the page (Train panel)")
    if page and "ConvNetJS" in by:
        ratio("page / ConvNetJS", page, by["ConvNetJS"], 5)
    if page and "TensorFlow.js" in by:
        ratio("page / TensorFlow.js cpu", page, by["TensorFlow.js"], 15)
    if page:
        ratio("page / our engine on CPython", page, by["engine"], 0.3)
    if page and args.baseline:
        print(f"  page, this build / the baseline's step time: {page / steps['in the page, the baseline build']:.2f}x")
    if "PyTorch" in by:
        ratio("engine / PyTorch (native)", by["engine"], by["PyTorch"], 0.5)
    if run:
        report_inputs(run)


if __name__ == "__main__":
    main()

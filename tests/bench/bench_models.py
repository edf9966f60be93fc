"""Students' models against Tiny VGG, in one run (prints figures; not a test).

    .venv/bin/python tests/bench/bench_models.py [--runs 20] [--switches 12] [--native-only]

For PyTorch's CIFAR-10 tutorial net (32x32, 5x5 kernels, dense 120/84) and a VGG-style Keras net (same padding,
batch normalisation, 32 filters), both trained for seconds on generated strokes and imported as a student does
(tests/student_models.py), and for the shipped Tiny VGG:
1. the engine's forward pass on one image natively (median of --runs);
2. in headless Chromium, on each model's own built site: a click on an example to every map of the overview
   holding the new image and the next frame presented (median over --switches switches).
Ratios are against Tiny VGG in the same run. bench_load.py gives Tiny VGG's switch against the original
explainer's in one run; the product of the two is the model's switch against the original (target < 0.2x).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from served_site import ROOT, build, served_site
from explainer_page import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, wait_until_started  # noqa: E402
from bench_overview import SWITCH  # noqa: E402

sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("KERAS_BACKEND", "torch")
import student_models as sm  # noqa: E402
from helpers import run  # noqa: E402

from pyapp.engine.network import load_network  # noqa: E402


def cifar_model(root: Path) -> Path:
    import torch

    torch.save(sm.train_torch(sm.cifar_tutorial(), 32, 3).state_dict(), root / "cifar.pt")
    return imported(root, "cifar", root / "cifar.pt", "--layers", sm.CIFAR_WORDS, "--input-size", "32")


def vgg_model(root: Path) -> Path:
    import keras

    sm.train_keras(sm.keras_vgg(keras), 32, 3).save(root / "vgg.keras")
    return imported(root, "vgg", root / "vgg.keras")


def imported(root: Path, name: str, source: Path, *options: str) -> Path:
    result = run("import", source, "-o", root / name, "--classes", ",".join(sm.CLASSES), *options, timeout=300)
    if result.returncode:
        sys.exit(result.stderr)
    return root / name


def forward_ms(folder: Path | None, runs: int) -> float:
    import numpy as np

    network = load_network(folder) if folder else load_network()
    size, channels = network.input_shape[0], network.input_shape[-1]
    image = np.random.default_rng(0).random((size, size, channels), dtype=np.float32)
    network.forward(image)  # warm: first call pays imports and allocations
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        network.forward(image)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def switch_ms(browser, url: str, switches: int) -> float:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(url)
    wait_until_started(page)
    names = page.eval_on_selector_all("#examples [data-example]", "els => els.map(e => e.dataset.example)")
    frames = []
    for i in range(switches + len(names)):  # the first visit of each decodes its picture: not counted
        result = page.evaluate(SWITCH, names[(i + 1) % len(names)])
        if i >= len(names):
            frames.append(result["frame"])
    context.close()
    return statistics.median(frames)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--switches", type=int, default=12)
    parser.add_argument("--native-only", action="store_true")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-models-"))
    models = {"Tiny VGG": None, "CIFAR tutorial": cifar_model(scratch), "VGG-style, BN, 32": vgg_model(scratch)}
    photos = sm.photo_folder(scratch / "photos", size=64)
    native = {name: forward_ms(folder, args.runs) for name, folder in models.items()}
    page = {}
    if not args.native_only:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for name, folder in models.items():
                dist = None
                if folder:
                    dist = build.build(scratch / f"dist-{folder.name}", data=str(photos), model=str(folder),
                                       allow_download=False).out
                with served_site(dist) as (url, _):
                    page[name] = switch_ms(browser, url, args.switches)
            browser.close()
    print(f"{'model':<20} {'forward (ms)':>13} {'x Tiny VGG':>11} {'switch (ms)':>12} {'x Tiny VGG':>11}")
    for name in models:
        row = f"{name:<20} {native[name]:>13.2f} {native[name] / native['Tiny VGG']:>11.2f}"
        if page:
            row += f" {page[name]:>12.1f} {page[name] / page['Tiny VGG']:>11.2f}"
        print(row)


if __name__ == "__main__":
    main()

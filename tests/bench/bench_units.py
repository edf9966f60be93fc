"""What each unit looks for: how long the page takes, in headless Chromium (prints figures; not a test).

    .venv/bin/python tests/bench/bench_units.py [--dist DIR] [--runs 3]

For the shipped model and for the original CNN Explainer's model opened in the page (TF.js, imported by the
page's own Python, so the page finds the patches itself): the atlas of every unit over 100 examples (the
page's examples, shifted to make up the number) and one made image (the deepest unit layer's first unit),
each in milliseconds and as a ratio to one forward pass of one image; and, for the shipped model, a unit
view opened by address until its nine patches and its made image are on screen.
Target (issue 23): the atlas and one made image each under a few seconds in the page.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from served_site import ROOT, served_site
from explainer_page import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, wait_until_started  # noqa: E402

ORIGINAL = ROOT.parent / "shared" / "models" / "cnn-explainer-tfjs"
UNIT = "[data-view='unit']"


def measured(page, runs: int) -> dict:
    results = [json.loads(page.evaluate("explainer.measureUnits(100)")) for _ in range(runs)]
    return {key: statistics.median(r[key] for r in results) for key in ("forward_ms", "atlas_ms", "made_ms")}


def open_unit_view(page, url: str) -> float:
    """Seconds from a unit view's address to its patches and made image on screen (the page already started)."""
    page.evaluate("location.hash = '#image=koala'")
    start = time.perf_counter()
    page.evaluate("location.hash = '#image=koala&view=unit&layer=conv_2_2&neuron=7'")
    page.wait_for_selector(f"{UNIT} .unit-patch >> nth=8", timeout=60_000)
    page.wait_for_selector(f"{UNIT} img.unit-made-image[data-done='true']", timeout=60_000)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dist", type=Path, help="an existing build (default: build into a temporary folder)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    rows = {}
    with served_site(args.dist) as (url, _), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        page.goto(url)
        wait_until_started(page)
        opened = open_unit_view(page, url)
        rows["shipped Tiny VGG"] = measured(page, args.runs)
        if ORIGINAL.is_dir():
            page.set_input_files("#model-file", [str(ORIGINAL / "model.json"), str(ORIGINAL / "group1-shard1of1.bin")])
            page.wait_for_function("performance.getEntriesByType('navigation').length && "
                                   "!!document.querySelector('[data-action=\"builtin-model\"]')", timeout=120_000)
            wait_until_started(page)
            rows["original CNN Explainer (opened TF.js)"] = measured(page, args.runs)
        context.close()
        browser.close()

    print(f"\nin the page, median of {args.runs} (ratio to one forward pass of one image):")
    for label, r in rows.items():
        f = r["forward_ms"]
        print(f"  {label:40s} forward {f:6.1f} ms | atlas over 100 examples {r['atlas_ms']:7.0f} ms "
              f"({r['atlas_ms'] / f:5.0f}x) | one made image {r['made_ms']:6.0f} ms ({r['made_ms'] / f:4.0f}x)")
    print(f"  a unit view by address (conv_2_2 map 8), patches and made image on screen: {opened:.2f} s")


if __name__ == "__main__":
    main()

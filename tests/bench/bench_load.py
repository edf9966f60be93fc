"""Load-time benchmark of the built site in headless Chromium (prints figures; not a test).

    .venv/bin/python tests/bench/bench_load.py [--runs 5] [--dist DIR]

For each run, a fresh browser context: a cold visit (empty caches) to data-status=ready, then, once
the service worker has precached the build, a repeat visit. Prints the medians of the time to ready,
the bytes transferred until ready, and the in-browser forward pass and redraw times (median of 20).
The site is served by build.py's server on 127.0.0.1 (no network latency, no compression).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
from pathlib import Path

from served_site import served_site
from explainer_page import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, wait_until_started  # noqa: E402

# Bytes of every response the page received until ready (the navigation and each resource).
TRANSFERRED = """() => performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
    .reduce((sum, e) => sum + (e.transferSize || 0), 0)"""


def visit(page, url: str) -> dict:
    page.goto(url)
    wait_until_started(page)
    history = page.evaluate("explainer.history")
    seconds = {state: t / 1000 for t, source, state in history if source == "py"}
    return {"ready_s": page.evaluate("explainer.timings.ready") / 1000,
            # runtime and packages in use (PyScript starts fetching its files), Python's own start-up after
            "runtime_s": seconds.get("Loading files", float("nan")),
            "bytes": page.evaluate(TRANSFERRED),
            "requests": page.evaluate("performance.getEntriesByType('resource').length + 1")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dist", type=Path, help="an existing build (default: build into a temporary folder)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    cold, repeat, measures = [], [], []
    with served_site(args.dist) as (url, out), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for run in range(args.runs):
            context = browser.new_context(viewport=VIEWPORT)
            page = context.new_page()
            cold.append(visit(page, url))
            measures.append(json.loads(page.evaluate("explainer.measure(20)")))
            page.evaluate("navigator.serviceWorker.ready.then(() => true)")
            page.close()
            page = context.new_page()
            repeat.append(visit(page, url))
            context.close()
            print(f"run {run + 1}: cold {cold[-1]['ready_s']:.2f} s, repeat {repeat[-1]['ready_s']:.2f} s", flush=True)
        browser.close()

    def median(rows, key):
        return statistics.median(row[key] for row in rows)

    print(f"\n{out} served from 127.0.0.1, {args.runs} runs, medians:")
    print(f"  cold load to ready:    {median(cold, 'ready_s'):.2f} s   "
          f"(Pyodide + packages up at {median(cold, 'runtime_s'):.2f} s)   "
          f"{median(cold, 'bytes') / 1e6:.1f} MB in {median(cold, 'requests'):.0f} requests")
    print(f"  repeat visit to ready: {median(repeat, 'ready_s'):.2f} s   "
          f"(Pyodide + packages up at {median(repeat, 'runtime_s'):.2f} s)   "
          f"{median(repeat, 'bytes') / 1e6:.2f} MB over the network (the rest from the service worker)")
    print(f"  machine load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"  forward pass in page:  {median(measures, 'forward_ms'):.1f} ms   "
          f"full redraw {median(measures, 'render_ms'):.1f} ms")


if __name__ == "__main__":
    main()

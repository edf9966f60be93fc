"""Start-up benchmark in headless Chromium (prints figures; not a test).

    .venv/bin/python tests/bench/bench_load.py [--runs 5] [--dist DIR] [--trace] [--mbps 50]

Each round loads, in turn, each in a fresh browser profile (a real on-disk profile, as a visitor has,
so the HTTP cache and V8's code cache work as they do for people):
  (a) the built site, cold: empty caches, to data-status=ready;
  (b) a baseline page built here from the unmodified npm runtime and the official wheels, that does only
      loadPyodide + loadPackage(numpy, pillow) + `import numpy, PIL.Image`;
  (c) the built site again in (a)'s profile once its service worker has precached the build: a repeat visit.
It prints each load, then the medians, the ratios site/baseline and repeat/cold, and the breakdown
(runtime up, packages up, Python start, first render). With --trace, the repeat visits record a Chromium
trace and print V8's WebAssembly compile and code-cache events (did the repeat visit reuse the compiled
pyodide.asm.wasm?). Served by build.py's server on 127.0.0.1 (no latency unless --mbps, no compression); the bytes
are also given gzipped, as GitHub Pages serves them.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

from served_site import build, served_site
from explainer_page import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, wait_until_started

BASELINE_PAGE = """<!doctype html><meta charset="utf-8"><title>baseline</title>
<script type="module">
import { loadPyodide } from "./pyodide/pyodide.mjs";
const py = await loadPyodide({ indexURL: "./pyodide/" });
const runtime = performance.now();
await py.loadPackage(["numpy", "pillow"], { messageCallback: () => {} });
const packages = performance.now();
py.runPython("import numpy, PIL.Image");
window.baseline = { runtime, packages, imports: performance.now() };
</script>"""
# V8's WebAssembly events worth reporting from a trace (counts, and summed durations where they have one).
TRACE_CATEGORIES = ["v8.wasm", "disabled-by-default-v8.wasm.detailed", "disabled-by-default-v8.wasm.turbofan",
                    "v8", "devtools.timeline"]


@contextmanager
def served(folder: Path):
    server = build.make_server(folder, 0, quiet=True)
    server.handle_error = lambda request, address: None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


def baseline_folder(scratch: Path) -> Path:
    """The npm runtime as it comes, the official wheels beside it, and the baseline page."""
    folder = scratch / "baseline"
    (folder / "pyodide").mkdir(parents=True)
    for name in build.RUNTIME_FILES:
        shutil.copy(build.NODE_MODULES / "pyodide" / name, folder / "pyodide" / name)
    for wheel in build.find_wheels(build.load_lock(), None):
        shutil.copy(wheel, folder / "pyodide" / wheel.name)
    (folder / "index.html").write_text(BASELINE_PAGE)
    return folder


def transferred(page) -> int:
    return page.evaluate("""() => performance.getEntriesByType('navigation').concat(
        performance.getEntriesByType('resource')).reduce((sum, e) => sum + (e.transferSize || 0), 0)""")


class Tracer:
    """A Chromium trace of one page load through the DevTools protocol."""

    def __init__(self, context, page):
        self.page, self.events, self.complete = page, [], False
        self.cdp = context.new_cdp_session(page)
        self.cdp.on("Tracing.dataCollected", lambda params: self.events.extend(params["value"]))
        self.cdp.on("Tracing.tracingComplete", lambda params: setattr(self, "complete", True))
        self.cdp.send("Tracing.start", {"traceConfig": {"includedCategories": TRACE_CATEGORIES},
                                        "transferMode": "ReportEvents"})

    def stop(self) -> dict:
        self.cdp.send("Tracing.end")
        while not self.complete:
            self.page.wait_for_timeout(100)
        summary = {}
        for event in self.events:
            name = event.get("name", "")
            if "wasm" not in name.lower() and "Wasm" not in name:
                continue
            count, ms = summary.get(name, (0, 0.0))
            summary[name] = (count + 1, ms + event.get("dur", 0) / 1000)
        return summary


def throttle(context, page, mbps: float | None) -> None:
    """A connection of mbps megabits per second and 20 ms latency for this page's requests (None: none).
    What a service worker answers from its cache never touches the network, as for a visitor."""
    if mbps:
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 20,
                                                       "downloadThroughput": mbps * 1e6 / 8,
                                                       "uploadThroughput": mbps * 1e6 / 8})


def site_visit(page, url: str) -> dict:
    page.goto(url, wait_until="domcontentloaded")  # "load" would wait for the runtime's modulepreloads too
    wait_until_started(page, settled=False)
    timings = page.evaluate("explainer.timings")
    seconds = {state: t / 1000 for t, source, state in page.evaluate("explainer.history") if source == "py"}
    return {"ready": timings["ready"] / 1000, "runtime": seconds.get("Loaded Pyodide", float("nan")),
            "packages": seconds.get("Loaded packages", float("nan")),
            "python": timings.get("python", float("nan")) / 1000, "bytes": transferred(page)}


def baseline_visit(page, url: str) -> dict:
    page.goto(url, wait_until="domcontentloaded")  # "load" would wait for the runtime's modulepreloads too
    page.wait_for_function("window.baseline", timeout=120_000)
    marks = page.evaluate("window.baseline")
    return {"ready": marks["imports"] / 1000, "runtime": marks["runtime"] / 1000,
            "packages": marks["packages"] / 1000, "python": float("nan"), "bytes": transferred(page)}


def gzipped_size(folder: Path, rels) -> int:
    return sum(len(gzip.compress((folder / rel).read_bytes(), 6)) for rel in rels if rel != "./")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dist", type=Path, help="an existing build (default: build into a temporary folder)")
    parser.add_argument("--trace", action="store_true", help="trace V8's WebAssembly work on the visits")
    parser.add_argument("--no-worker", action="store_true",
                        help="block the service worker: the repeat visit comes from the HTTP cache")
    parser.add_argument("--cache-control", default=build.SiteHandler.cache_control,
                        help="the Cache-Control header the site is served with (GitHub Pages: max-age=600)")
    parser.add_argument("--mbps", type=float, help="a connection of this many Mbit/s (default: 127.0.0.1 unthrottled)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    rows = {"site": [], "baseline": [], "repeat": []}
    traces = {"site": [], "repeat": []}
    measures = []  # forward pass and full redraw in the page (median of 20 each)
    scratch = Path(tempfile.mkdtemp(prefix="bench-load-"))
    try:
        with served_site(args.dist, args.cache_control) as (url, out), served(baseline_folder(scratch)) as base_url, \
                sync_playwright() as playwright:
            def profile(name):
                return playwright.chromium.launch_persistent_context(
                    str(scratch / name), executable_path=CHROMIUM, args=CHROMIUM_ARGS, viewport=VIEWPORT,
                    service_workers="block" if args.no_worker else "allow")

            def load(kind, context, visit, address):
                """One visit of kind in a new page of context (throttled, traced as asked); returns the page."""
                page = context.new_page()
                throttle(context, page, args.mbps)
                tracer = Tracer(context, page) if args.trace and kind in traces else None
                rows[kind].append(visit(page, address))
                if tracer:
                    traces[kind].append(tracer.stop())
                return page

            for run in range(args.runs):
                context = profile(f"site-{run}")
                page = load("site", context, site_visit, url)
                measures.append(json.loads(page.evaluate("explainer.measure(20)")))
                if not args.no_worker:
                    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
                page.wait_for_timeout(3000)  # V8 writes its code cache a little after tier-up ends
                page.close()
                page = load("repeat", context, site_visit, url)
                rows["repeat"][-1]["from_worker"] = page.evaluate(
                    "performance.getEntriesByType('resource').filter(e => e.workerStart > 0).length")
                context.close()
                context = profile(f"baseline-{run}")
                load("baseline", context, baseline_visit, base_url)
                context.close()
                print(f"round {run + 1}: site {rows['site'][-1]['ready']:.2f} s, baseline "
                      f"{rows['baseline'][-1]['ready']:.2f} s, repeat {rows['repeat'][-1]['ready']:.2f} s", flush=True)
            site_bytes = gzipped_size(out, json.loads((out / "precache-manifest.json").read_text())["files"])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    def med(kind, key):
        return statistics.median(row[key] for row in rows[kind])

    where = f"a {args.mbps:g} Mbit/s connection" if args.mbps else "127.0.0.1, unthrottled"
    print(f"\n{args.runs} rounds, medians (s since navigation; {where}):")
    print(f"  {'':9} {'runtime up':>10} {'packages up':>11} {'Python start':>12} {'ready':>7} {'MB moved':>9}")
    for kind in rows:
        print(f"  {kind:9} {med(kind, 'runtime'):10.2f} {med(kind, 'packages'):11.2f} {med(kind, 'python'):12.2f} "
              f"{med(kind, 'ready'):7.2f} {med(kind, 'bytes') / 1e6:9.2f}")
    print(f"  site / baseline (ready): {med('site', 'ready') / med('baseline', 'ready'):.2f}x")
    print(f"  repeat / cold (ready):   {med('repeat', 'ready') / med('site', 'ready'):.2f}x")
    print(f"  first render (ready - Python start): {med('site', 'ready') - med('site', 'python'):.2f} s cold")
    print(f"  the whole build gzipped: {site_bytes / 1e6:.1f} MB")
    print(f"  forward pass in the page: {statistics.median(m['forward_ms'] for m in measures):.1f} ms, "
          f"full redraw {statistics.median(m['render_ms'] for m in measures):.1f} ms")
    explained = [key for key in measures[0] if key.endswith("_ms") and key not in ("forward_ms", "render_ms")]
    if explained:  # the Why? view's methods, as multiples of one forward pass in the same page
        forward = statistics.median(m["forward_ms"] for m in measures)
        print("  explanations in the page: " + ", ".join(
            f"{key[:-3]} {statistics.median(m[key] for m in measures):.1f} ms "
            f"({statistics.median(m[key] for m in measures) / forward:.1f}x)" for key in explained))
    for kind, summaries in traces.items():
        names = sorted({name for summary in summaries for name in summary})
        if names:
            print(f"  V8 WebAssembly trace events, {kind} visits (median count, median ms):")
            for name in names:
                counts = [s.get(name, (0, 0))[0] for s in summaries]
                ms = [s.get(name, (0, 0))[1] for s in summaries]
                print(f"    {name:45} {statistics.median(counts):6.0f} {statistics.median(ms):9.1f}")
    print(f"  machine load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()

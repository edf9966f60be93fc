"""Detail views benchmark in headless Chromium (prints figures; not a test).

    .venv/bin/python tests/bench/bench_detail.py [--runs 5] [--dist DIR]

1. Open time of every detail view, two layers (or classes) each: from the click to the handlers done
   (Python builds and inserts the view synchronously) and to the next frame presented. The first
   open after the page is ready is also measured in a fresh page, before the idle warm-up has run.
2. Animation frames while the convolution's kernel slides (elastic view) and while a formula box
   steps: intervals between requestAnimationFrame callbacks over several seconds (p50, p95, max,
   how many over 20 ms), and long tasks (> 50 ms) seen by a PerformanceObserver.
Targets (issue 5): every view open < 100 ms; animation frames < 20 ms.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
from pathlib import Path

from served_site import served_site
from explainer_page import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, wait_until_started  # noqa: E402

# Click, then wait for the view's root and one presented frame. Python handles the click synchronously.
OPEN = """async ([selector, view]) => {
  const t0 = performance.now();
  document.querySelector(selector).dispatchEvent(new MouseEvent('click', {bubbles: true}));
  const handled = performance.now();
  const found = !!document.querySelector(`[data-view="${view}"]`);
  await new Promise(r => requestAnimationFrame(() => setTimeout(r)));
  return {handled: handled - t0, frame: performance.now() - t0, found};
}"""

ESCAPE = """() => document.querySelector('#app').dispatchEvent(
  new KeyboardEvent('keydown', {key: 'Escape', bubbles: true}))"""

# rAF intervals and long tasks for `ms` milliseconds.
FRAMES = """async (ms) => {
  const gaps = [], longTasks = [];
  const observer = new PerformanceObserver(list => list.getEntries().forEach(e => longTasks.push(e.duration)));
  try { observer.observe({type: 'longtask', buffered: false}); } catch (e) {}
  await new Promise(done => {
    let last = null; const end = performance.now() + ms;
    const tick = t => { if (last !== null) gaps.push(t - last); last = t;
                        if (t < end) requestAnimationFrame(tick); else done(); };
    requestAnimationFrame(tick);
  });
  observer.disconnect();
  gaps.sort((a, b) => a - b);
  const q = p => gaps[Math.min(gaps.length - 1, Math.floor(p * gaps.length))];
  return {frames: gaps.length, p50: q(0.5), p95: q(0.95), max: gaps[gaps.length - 1],
          over20: gaps.filter(g => g > 20).length, long_tasks: longTasks.length,
          longest_task: longTasks.length ? Math.max(...longTasks) : 0};
}"""

# (label, click target, the view that appears, what to click first to get there)
VIEWS = [
    ("relu relu_1_1", "#overview-svg .map[data-layer='relu_1_1'][data-index='2']", "relu", None),
    ("relu relu_2_2", "#overview-svg .map[data-layer='relu_2_2'][data-index='7']", "relu", None),
    ("pool max_pool_1", "#overview-svg .map[data-layer='max_pool_1'][data-index='3']", "pool", None),
    ("pool max_pool_2", "#overview-svg .map[data-layer='max_pool_2'][data-index='9']", "pool", None),
    ("conv-elastic conv_1_1", "#overview-svg .map[data-layer='conv_1_1'][data-index='0']", "conv-elastic", None),
    ("conv-elastic conv_2_2", "#overview-svg .map[data-layer='conv_2_2'][data-index='5']", "conv-elastic", None),
    ("conv-formula conv_1_2 ch 4", ".detail-overlay .row-hit[data-channel='4']", "conv-formula",
     "#overview-svg .map[data-layer='conv_1_2'][data-index='3']"),
    ("conv-formula conv_2_1 ch 9", ".detail-overlay .row-hit[data-channel='9']", "conv-formula",
     "#overview-svg .map[data-layer='conv_2_1'][data-index='6']"),
    ("flatten espresso", "#overview-svg .output-class[data-index='6']", "flatten", None),
    ("flatten lifeboat", "#overview-svg .output-class[data-index='0']", "flatten", None),
    ("softmax espresso", ".detail-overlay [data-action='softmax']", "softmax",
     "#overview-svg .output-class[data-index='6']"),
    ("softmax sport car", ".detail-overlay [data-action='softmax']", "softmax",
     "#overview-svg .output-class[data-index='9']"),
]


TRACE_CATEGORIES = ["devtools.timeline", "disabled-by-default-devtools.timeline"]


def main_thread_cpu(browser, page, action) -> tuple[object, dict]:
    """Run ``action()`` under Chrome's tracer; the page's main-thread CPU time (thread clock, so time
    the busy machine spends elsewhere does not count): total and the longest task, in ms."""
    path = Path(tempfile.mkdtemp(prefix="trace-")) / "trace.json"
    browser.start_tracing(page=page, path=str(path), categories=TRACE_CATEGORIES)
    try:
        result = action()
    finally:
        browser.stop_tracing()
    events = json.loads(path.read_text())
    events = events["traceEvents"] if isinstance(events, dict) else events
    shutil.rmtree(path.parent, ignore_errors=True)
    main = {(e["pid"], e["tid"]) for e in events
            if e.get("ph") == "M" and e.get("name") == "thread_name" and e["args"].get("name") == "CrRendererMain"}
    tasks = [e.get("tdur", e.get("dur", 0)) / 1000 for e in events
             if e.get("ph") == "X" and e.get("name") == "RunTask" and (e["pid"], e["tid"]) in main]
    return result, {"cpu": sum(tasks), "longest": max(tasks, default=0.0), "tasks": len(tasks)}


def wait_warm(page) -> None:
    page.wait_for_function("JSON.parse(explainer.detailTimings()).warm_up_left === 0", timeout=20000)


def close_all(page) -> None:
    for _ in range(3):
        if not page.query_selector("[data-view]"):
            return
        page.evaluate(ESCAPE)
        page.wait_for_timeout(50)


def open_times(page, runs: int) -> dict:
    rows = {label: [] for label, *_ in VIEWS}
    cpus = {}
    for run in range(runs + 1):  # the extra run is traced: CPU time, not wall-clock (tracing slows it)
        traced = run == runs
        for label, target, view, before in VIEWS:
            close_all(page)
            if before:
                page.evaluate(OPEN, [before, "conv-elastic" if "conv" in view else "flatten"])
                page.wait_for_timeout(100)
            if traced:
                result, cpu = main_thread_cpu(page.context.browser, page,
                                              lambda: page.evaluate(OPEN, [target, view]))
                cpus[label] = cpu["cpu"]
            else:
                result = page.evaluate(OPEN, [target, view])
            if not result["found"]:
                raise RuntimeError(f"{label}: the view did not open")
            result["parts"] = json.loads(page.evaluate("explainer.detailTimings()"))
            if not traced:
                rows[label].append(result)
            page.wait_for_timeout(150)
    close_all(page)
    return rows, cpus


def first_open(browser, url) -> dict:
    """A fresh page: open the elastic view as soon as Python is ready (before the idle warm-up)."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(url)
    wait_until_started(page)
    result = page.evaluate(OPEN, ["#overview-svg .map[data-layer='conv_1_2'][data-index='1']", "conv-elastic"])
    warmed = json.loads(page.evaluate("explainer.detailTimings()")).get("warm_up_left") == 0
    context.close()
    return {**result, "warmed": warmed}


def with_cpu(frames: dict, cpu: dict) -> dict:
    """Frame intervals plus the main thread's CPU time per frame and its longest task."""
    return {**frames, "cpu_per_frame": cpu["cpu"] / max(frames["frames"], 1), "cpu_longest": cpu["longest"]}


def frame_times(browser, url, seconds: float, reduced: bool = False) -> dict:
    context = browser.new_context(viewport=VIEWPORT, reduced_motion="reduce" if reduced else "no-preference")
    page = context.new_page()
    page.goto(url)
    wait_until_started(page)
    wait_warm(page)
    out = {}
    page.evaluate(OPEN, ["#overview-svg .map[data-layer='conv_1_2'][data-index='3']", "conv-elastic"])
    page.wait_for_timeout(300)
    watch = lambda: page.evaluate(FRAMES, int(seconds * 1000))  # noqa: E731
    out["elastic kernel sliding (conv_1_2)"] = with_cpu(*main_thread_cpu(browser, page, watch))
    page.evaluate(OPEN, [".detail-overlay .row-hit[data-channel='2']", "conv-formula"])
    out["elastic + formula box stepping"] = with_cpu(*main_thread_cpu(browser, page, watch))
    close_all(page)
    page.evaluate(OPEN, ["#overview-svg .map[data-layer='relu_1_1'][data-index='2']", "relu"])
    out["relu box stepping"] = with_cpu(*main_thread_cpu(browser, page, watch))
    ticks = json.loads(page.evaluate("explainer.detailTimings()"))
    context.close()
    return out, ticks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=6.0, help="how long to watch each animation")
    parser.add_argument("--dist", type=Path, help="an existing build (default: build into a temporary folder)")
    parser.add_argument("--verbose", action="store_true", help="also print the parts of the last open of each view")
    args = parser.parse_args()
    verbose = args.verbose
    from playwright.sync_api import sync_playwright

    with served_site(args.dist) as (url, out), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        print("first open right after start-up...", flush=True)
        firsts = [first_open(browser, url) for _ in range(max(1, args.runs // 2))]
        print("open times...", flush=True)
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        page.goto(url)
        wait_until_started(page)
        wait_warm(page)  # let the idle warm-up run, as a visitor reading the page would
        warm = json.loads(page.evaluate("explainer.detailTimings()"))
        rows, cpus = open_times(page, args.runs)
        context.close()
        print("animation frames...", flush=True)
        frames, timings = frame_times(browser, url, args.seconds)
        reduced, _ = frame_times(browser, url, args.seconds / 2, reduced=True)
        browser.close()

    median = statistics.median
    print(f"\nopen a detail view, median of {args.runs} (click -> handled / -> next frame presented; target < 100 ms)"
          "\n  and the renderer main thread's CPU time for it (thread clock: unaffected by other processes):")
    for label, results in rows.items():
        print(f"  {label:28s} {median(r['handled'] for r in results):6.1f} ms / "
              f"{median(r['frame'] for r in results):6.1f} ms   (max {max(r['frame'] for r in results):.1f});"
              f"  main-thread CPU {cpus[label]:5.1f} ms")
        if verbose:
            last = results[-1]["parts"]
            print("      " + ", ".join(f"{k} {v:.1f}" for k, v in last.items() if k.endswith("_ms")))
    print(f"  idle warm-up after start-up (once, in idle moments): {warm.get('warm_up_ms', float('nan')):.0f} ms"
          f" (longest piece {warm.get('warm_up_longest_ms', float('nan')):.0f} ms)")
    print("  first open straight after ready (elastic conv_1_2): "
          + ", ".join(f"{r['frame']:.0f} ms{' (warm)' if r['warmed'] else ''}" for r in firsts))
    print(f"\nanimation frames over {args.seconds:g} s (rAF intervals; target < 20 ms; 60 Hz = 16.7 ms):")
    for label, f in frames.items():
        print(f"  {label:36s} p50 {f['p50']:5.1f}  p95 {f['p95']:5.1f}  max {f['max']:5.1f} ms   "
              f"{f['over20']}/{f['frames']} over 20 ms, {f['long_tasks']} long tasks "
              f"(longest {f['longest_task']:.0f} ms); main-thread CPU {f['cpu_per_frame']:.1f} ms/frame, "
              f"longest task {f['cpu_longest']:.1f} ms")
    print(f"  one kernel step (Python, attribute writes): {timings.get('tick_ms', float('nan')):.2f} ms; "
          f"one formula step: {timings.get('step_ms', float('nan')):.2f} ms")
    print("with prefers-reduced-motion (stepping without motion):")
    for label, f in reduced.items():
        print(f"  {label:36s} p50 {f['p50']:5.1f}  p95 {f['p95']:5.1f}  max {f['max']:5.1f} ms   "
              f"{f['over20']}/{f['frames']} over 20 ms")


if __name__ == "__main__":
    main()

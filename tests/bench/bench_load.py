"""Start-up benchmark in headless Chromium, side by side with the original CNN Explainer (prints figures; not a test).

    .venv/bin/python tests/bench/bench_load.py [--runs 5] [--dist DIR] [--before DIR] [--mbps 50] [--trace] [--bytes]

Each round loads, in turn (a different site first each round) and each in a fresh on-disk browser profile (so
the HTTP cache and V8's code cache work as they do for a visitor):
  ours      the built site (--dist, or a fresh build), cold, to data-status=ready; then one image switch;
  repeat    the same again in ours' profile once its service worker has precached the build and the page has
            kept Python's memory snapshot (site/snapshot.mjs; as for a visitor who stayed a few seconds);
  original  the original CNN Explainer (../shared/reference-cnn-explainer, its README), cold, to its time to
            interactive: all 103 maps of its overview drawn; then one image switch;
  before    and before-repeat: with --before DIR, an older build loaded the same way, for before/after
            figures from one run.
Both sites' servers send every file gzipped, as GitHub Pages does; with --mbps N each server's responses share
an N Mbit/s link with 20 ms latency (Link: made at the server, not by DevTools' throttling, which stalled loads).
Per load: ready (ours) or time to interactive (original), first contentful paint, the JS heap at that moment
(V8's used heap, Runtime.getHeapUsage; and with
ArrayBuffers' backing stores, which hold WebAssembly memory), and the bytes the server sent, gzipped as GitHub Pages sends them:
before ready, and later (the service worker's precache, Pillow, ...) apart. Every request is seen at the
server, so the service worker's fetches count too. Then the medians and the ratios: ours/original,
repeat/ours. With --trace, the repeat visits record a Chromium trace and print V8's WebAssembly
compile and code-cache events (did the repeat visit reuse compiled code?). With --bytes, one cold load of each
and no repeat visit: the bytes (which do not vary with the machine's load) and every file fetched after ready.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import threading
import time
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from urllib.parse import unquote, urlsplit

import machine
from served_site import ROOT, build, served_site
from sitebuild.server import gzipped
from explainer_page import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, wait_until_started

ORIGINAL = ROOT.parent / "shared" / "reference-cnn-explainer"
ORIGINAL_MAPS = 103
# The original is interactive when every map of its overview holds its picture (its README).
ORIGINAL_PROBE = """(() => {
  const poll = () => {
    const drawn = [...document.querySelectorAll('image.node-image')].filter(
      e => (e.getAttribute('href') || e.getAttribute('xlink:href') || '').startsWith('data:')).length;
    if (drawn >= %d) window.__interactive = performance.now(); else requestAnimationFrame(poll);
  };
  requestAnimationFrame(poll);
})();""" % ORIGINAL_MAPS
# One image switch in the original: a click on another example to all 103 maps holding the new one, and a frame.
ORIGINAL_SWITCH = """async () => {
  const hrefs = () => [...document.querySelectorAll('image.node-image')].map(e => e.getAttribute('href'));
  const old = hrefs();
  const target = document.querySelector('.image-container.inactive:not([data-imagename="custom"])');
  const t0 = performance.now();
  target.click();
  await new Promise(done => { const poll = () => { const now = hrefs();
    now.length >= %d && now.every((h, i) => h !== old[i]) ? done() : requestAnimationFrame(poll); }; poll(); });
  await new Promise(r => requestAnimationFrame(() => setTimeout(r)));
  return performance.now() - t0;
}""" % ORIGINAL_MAPS
# One image switch in ours: a click on another example to the next frame with it (as bench_overview.py).
OURS_SWITCH = """async () => {
  const target = document.querySelector('[data-example]:not([aria-pressed="true"])');
  const t0 = performance.now();
  target.click();  // Python handles it synchronously
  await new Promise(r => requestAnimationFrame(() => setTimeout(r)));
  return performance.now() - t0;
}"""
KEPT = "!(explainer.python && ['none', 'making'].includes(explainer.python.snapshot))"  # older builds have none
TRACE_CATEGORIES = ["v8.wasm", "disabled-by-default-v8.wasm.detailed", "v8", "devtools.timeline"]


class Requests:
    """What one server sent: (wall-clock time, path) of every answered GET."""

    def __init__(self, folder: Path):
        self.folder, self.seen, self.lock = folder, [], threading.Lock()

    def note(self, path: str) -> None:
        with self.lock:
            self.seen.append((time.time(), unquote(urlsplit(path).path)))

    def take(self) -> list[tuple[float, str]]:
        with self.lock:
            seen, self.seen = self.seen, []
        return seen

    def sent(self, path: str) -> int:
        """The bytes the server sent for path: the file gzipped (sitebuild.server.gzipped, computed once)."""
        file = self.folder / path.lstrip("/")
        if file.is_dir():
            file = file / "index.html"
        return len(gzipped(str(file), file.stat().st_mtime_ns)) if file.is_file() else 0


@contextmanager
def recorded(folder: Path, mbps: float | None = None):
    """(url, Requests) of a server of folder on 127.0.0.1 that notes each request and sends every file gzipped,
    through a Link of mbps (None: as fast as 127.0.0.1 goes)."""
    requests = Requests(folder)
    link = Link(mbps) if mbps else None
    server = build.make_server(folder, 0, quiet=True, compress=True)  # gzipped, as GitHub Pages sends files
    handler = server.RequestHandlerClass

    class Noting(handler.func):
        def log_request(self, code="-", size="-"):
            if str(code) == "200":
                requests.note(self.path)

        def send_head(self):
            if link:
                time.sleep(Link.LATENCY)
            return super().send_head()

        def copyfile(self, source, outputfile):
            (link.send if link else super().copyfile)(source, outputfile)

    server.RequestHandlerClass = partial(Noting, **handler.keywords)
    server.handle_error = lambda request, address: None  # a context closed mid-download is not news
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", requests
    finally:
        server.shutdown()


class Tracer:
    """A Chromium trace of one page load through the DevTools protocol: V8's WebAssembly events."""

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
            if "wasm" in name.lower():
                count, ms = summary.get(name, (0, 0.0))
                summary[name] = (count + 1, ms + event.get("dur", 0) / 1000)
        return summary


class Link:
    """A connection of mbps megabits per second with 20 ms latency, shared by every response of one server: each
    waits the latency, then its body (if any) goes out 16 KB at a time at the link's rate. Made at the server, as a slow
    link is: DevTools' network throttling (Network.emulateNetworkConditions) stalled a whole cold load now and then
    (1 in 12 at 50 Mbit/s: the document stopped arriving mid-way and every request with it, until the 30 s timeout).
    What a service worker answers from its cache never reaches the server, as for a visitor."""

    CHUNK, LATENCY = 16 * 1024, 0.020

    def __init__(self, mbps: float):
        self.rate, self.lock, self.free_at = mbps * 1e6 / 8, threading.Lock(), time.monotonic()

    def send(self, source, out) -> None:
        while chunk := source.read(self.CHUNK):
            with self.lock:  # the chunk's slot on the link, after every chunk already given one
                self.free_at = max(self.free_at, time.monotonic()) + len(chunk) / self.rate
                done = self.free_at
            time.sleep(max(0.0, done - time.monotonic()))
            out.write(chunk)


def fcp(page) -> float:
    return page.evaluate("(performance.getEntriesByName('first-contentful-paint')[0] || {startTime: NaN}).startTime")


def ours_visit(page, url: str) -> dict:
    page.goto(url, wait_until="domcontentloaded")  # "load" would wait for the runtime's modulepreloads too
    wait_until_started(page, settled=False)
    return {"ready": page.evaluate("explainer.timings.ready"), "fcp": fcp(page),
            "snapshot": page.evaluate("(explainer.python || {}).start === 'snapshot'")}


def ours_switch(page) -> float:
    wait_until_started(page)  # the parts installed after ready, as a visitor's first click meets them
    return page.evaluate(OURS_SWITCH)


def original_visit(page, url: str) -> dict:
    page.add_init_script(ORIGINAL_PROBE)
    page.goto(url + "cnn-explainer/", wait_until="domcontentloaded")
    page.wait_for_function("window.__interactive", timeout=120_000)
    return {"ready": page.evaluate("window.__interactive"), "fcp": fcp(page)}


def original_switch(page) -> float:
    return page.evaluate(ORIGINAL_SWITCH)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dist", type=Path, help="an existing build (default: build into a temporary folder)")
    parser.add_argument("--before", type=Path, help="an older build to load alternately too (before/after)")
    parser.add_argument("--trace", action="store_true", help="trace V8's WebAssembly work on the repeat visits")
    parser.add_argument("--mbps", type=float, help="a connection of this many Mbit/s (default: 127.0.0.1 unthrottled)")
    parser.add_argument("--bytes", action="store_true", help="one cold load each, for the bytes: no repeat visit")
    args = parser.parse_args()
    if args.bytes:
        args.runs = 1
    if not (ORIGINAL / "cnn-explainer" / "index.html").is_file():
        parser.error(f"{ORIGINAL} is missing: the original explainer, built (see its README)")
    from playwright.sync_api import sync_playwright

    sites = {"ours": None, "before": args.before} if args.before else {"ours": None}
    rows = {kind: [] for name in sites for kind in ((name,) if args.bytes else (name, f"{name}-repeat"))}
    rows["original"] = []
    traces = {kind: [] for kind in rows if kind.endswith("-repeat")}
    scratch = Path(tempfile.mkdtemp(prefix="bench-load-"))
    try:
        with served_site(args.dist) as (_, out), recorded(out, args.mbps) as (url, served), \
                recorded(ORIGINAL, args.mbps) as (original_url, original_served), sync_playwright() as playwright:
            folders = {"ours": (url, served)}
            stack = []
            if args.before:
                stack.append(recorded(args.before, args.mbps))
                folders["before"] = stack[-1].__enter__()

            def load(kind, context, visit, address, requests, switch=None):
                """One visit of kind in a new page of context: its row, with the bytes sent before ready and after."""
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                tracer = Tracer(context, page) if args.trace and kind in traces else None
                requests.take()
                row = visit(page, address)
                usage = cdp.send("Runtime.getHeapUsage")
                row["heap"] = usage["usedSize"]  # V8's JS heap
                row["buffers"] = usage.get("backingStorageSize", float("nan"))  # ArrayBuffers: WebAssembly memory
                origin = page.evaluate("performance.timeOrigin") / 1000
                if switch:
                    row["switch"] = switch(page)
                if tracer:
                    traces[kind].append(tracer.stop())
                rows[kind].append(row)
                return page, origin

            def settle_bytes(kind, page, origin, requests, worker):
                """The bytes of the visit just made: before its ready, and after (the worker's precache...)."""
                if worker:
                    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
                    # a visitor who stays a few seconds: site/offline.js has Python's snapshot kept by then
                    page.wait_for_function(KEPT, timeout=60_000)
                page.wait_for_timeout(3000)  # V8 writes its code cache a little after tier-up ends
                ready_at = origin + rows[kind][-1]["ready"] / 1000
                seen = requests.take()
                row = rows[kind][-1]
                row["before"] = {p: requests.sent(p) for t, p in seen if t <= ready_at}
                row["bytes"] = sum(row["before"].values())
                row["later"] = {p: requests.sent(p) for t, p in seen if t > ready_at}

            # a different site first each round, so that none always follows the same one. Even so, one build in
            # both slots (--dist D --before D, 6 rounds) came out 1.07x, and 1.11x rotated: within 10% is noise here
            order = list(folders) + ["original"]
            for run in range(args.runs):
                for name in order[run % len(order):] + order[:run % len(order)]:
                    context = playwright.chromium.launch_persistent_context(
                        str(scratch / f"{name}-{run}"), executable_path=CHROMIUM, args=CHROMIUM_ARGS, viewport=VIEWPORT)
                    if name == "original":
                        page, origin = load("original", context, original_visit, original_url, original_served,
                                            switch=original_switch)
                        settle_bytes("original", page, origin, original_served, worker=False)
                        context.close()
                        continue
                    address, requests = folders[name]
                    page, origin = load(name, context, ours_visit, address, requests, switch=ours_switch)
                    settle_bytes(name, page, origin, requests, worker=True)
                    page.close()
                    if not args.bytes:
                        page, origin = load(f"{name}-repeat", context, ours_visit, address, requests)
                        settle_bytes(f"{name}-repeat", page, origin, requests, worker=False)
                    context.close()
                print(f"round {run + 1}: " + ", ".join(f"{kind} {r[-1]['ready'] / 1000:.2f} s" for kind, r in rows.items()),
                      flush=True)
            for cm in stack:
                cm.__exit__(None, None, None)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    report(rows, traces, args)


def report(rows: dict, traces: dict, args) -> None:
    def med(kind, key):
        values = [row[key] for row in rows[kind] if key in row]
        return statistics.median(values) if values else float("nan")

    where = f"a {args.mbps:g} Mbit/s connection, 20 ms latency" if args.mbps else "127.0.0.1, unthrottled"
    print(f"\n{args.runs} rounds, medians ({where}; ready: ours' data-status=ready, the original's "
          f"{ORIGINAL_MAPS} maps drawn):")
    print(f"  {'':15} {'ready s':>8} {'FCP s':>7} {'switch ms':>9} {'heap MB':>8} {'+buffers':>8} {'gzip MB before ready':>21} "
          f"{'later':>6}")
    for kind in rows:
        later = statistics.median(sum(row["later"].values()) for row in rows[kind])
        print(f"  {kind:15} {med(kind, 'ready') / 1000:8.2f} {med(kind, 'fcp') / 1000:7.2f} {med(kind, 'switch'):9.0f} "
              f"{med(kind, 'heap') / 1e6:8.1f} {(med(kind, 'heap') + med(kind, 'buffers')) / 1e6:8.1f} {med(kind, 'bytes') / 1e6:21.2f} {later / 1e6:6.2f}")
    if args.bytes:
        for kind in rows:
            row = rows[kind][-1]
            print(f"  {kind}: {row['bytes'] / 1e6:.2f} MB gzipped before ready ({row['bytes'] / rows['original'][-1]['bytes']:.2f}x "
                  f"the original's): " + ", ".join(f"{path} {size / 1e6:.3f}" for path, size in sorted(
                      row["before"].items(), key=lambda i: -i[1])) + f"; after ready {sum(row['later'].values()) / 1e6:.2f} MB: " + ", ".join(
                      f"{path} {size / 1e6:.3f}" for path, size in sorted(row["later"].items(), key=lambda i: -i[1])))
        return
    for name in [kind for kind in rows if kind in ("ours", "before")]:
        o = "original"
        print(f"  {name}: ready / original's interactive {med(name, 'ready') / med(o, 'ready'):.2f}x, "
              f"repeat / cold {med(name + '-repeat', 'ready') / med(name, 'ready'):.2f}x, "
              f"bytes before ready {med(name, 'bytes') / med(o, 'bytes'):.2f}x, heap {med(name, 'heap') / med(o, 'heap'):.2f}x "
              f"(with buffers {(med(name, 'heap') + med(name, 'buffers')) / (med(o, 'heap') + med(o, 'buffers')):.2f}x), "
              f"first paint / original's interactive {med(name, 'fcp') / med(o, 'ready'):.2f}x, "
              f"switch {med(name, 'switch') / med(o, 'switch'):.2f}x; repeat visits started from Python's snapshot: "
              f"{sum(row['snapshot'] for row in rows[name + '-repeat'])} of {len(rows[name + '-repeat'])}")
    if "before" in rows:
        print(f"  ours / before: ready {med('ours', 'ready') / med('before', 'ready'):.2f}x, repeat "
              f"{med('ours-repeat', 'ready') / med('before-repeat', 'ready'):.2f}x, bytes "
              f"{med('ours', 'bytes') / med('before', 'bytes'):.2f}x, heap {med('ours', 'heap') / med('before', 'heap'):.2f}x")
    for kind in [k for k in rows if not k.endswith("-repeat")]:
        later = rows[kind][-1]["later"]
        if later:
            print(f"  fetched after ready ({kind}, last round, gzipped): " + ", ".join(
                f"{path} {size / 1e6:.2f} MB" for path, size in sorted(later.items(), key=lambda i: -i[1])[:8]
                if size > 20_000))
    for kind, summaries in traces.items():
        names = sorted({name for summary in summaries for name in summary})
        if names:
            print(f"  V8 WebAssembly trace events, {kind} visits (median count, median ms):")
            for name in names:
                counts = [s.get(name, (0, 0))[0] for s in summaries]
                ms = [s.get(name, (0, 0))[1] for s in summaries]
                print(f"    {name:45} {statistics.median(counts):6.0f} {statistics.median(ms):9.1f}")
    print(f"  machine at the end: {machine.describe()}")


if __name__ == "__main__":
    main()

"""Overview benchmark in headless Chromium (prints figures; not a test).

    .venv/bin/python tests/bench/bench_overview.py [--runs 5] [--dist DIR] [--skip-maps]

1. Cold load (fresh context, empty cache): navigation to the overview of the default example on
   screen (all 103 first-paint maps decoded and a frame presented), and to Python ready.
2. Switching example, through all 10 examples twice (the first visit of each also decodes its
   picture): click to all 103 maps holding the new image (before the fade), and to the next frame
   presented; with its parts (what runs before the overview's renderer, colouring, drawing).
3. Hover: one pointerover on a map, handled (links, outlines and read-out set).
4. DOM nodes: the whole page and the overview.
5. How to draw 103 maps, measured in the same browser on the same numbers (Pyodide, no PyScript):
   PNG data URLs in <image>s (Pillow and our own encoder), one sprite PNG per layer, a canvas per map
   (also with the copy of the old maps into the ghost canvases that the switch fade needs).
   This is why the live overview draws canvases (pyapp/views/widgets/overview.py).
The reference (MEASURED.md): overview drawn 2.17 s after navigation, switch 0.65 s, 2,200 DOM nodes.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import threading
from pathlib import Path

from served_site import build, served_site
from explainer_page import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, wait_until_started  # noqa: E402

# Runs before the page's own scripts: note when every first-paint map is decoded and on screen.
VISIBLE_PROBE = """
(() => {
  const poll = () => {
    const maps = document.querySelectorAll('#overview-svg .map');
    if (maps.length < 103) return requestAnimationFrame(poll);
    Promise.all([...maps].map(m => m.decode ? m.decode().catch(() => null) : null)).then(() =>
      requestAnimationFrame(() => { window.__overviewVisible = performance.now(); }));
  };
  requestAnimationFrame(poll);
})();
"""

SWITCH = """async (name) => {
  performance.clearMarks();
  const t0 = performance.now();
  document.querySelector(`[data-example="${name}"]`).click();   // Python handles it synchronously
  const handled = performance.now();
  await new Promise(r => requestAnimationFrame(() => setTimeout(r)));
  const presented = performance.now();
  const mark = n => { const e = performance.getEntriesByName(n)[0]; return e ? e.startTime - t0 : NaN; };
  return {paint_start: mark('overview-paint-start'), colour: mark('overview-maps-computed'),
          maps: mark('overview-maps-set'), handled: handled - t0, frame: presented - t0};
}"""

HOVER = """(n) => {
  const maps = [...document.querySelectorAll('#overview-svg canvas.map')];
  const times = [];
  for (let i = 0; i < n; i++) {
    const m = maps[(i * 7) % maps.length];
    const t = performance.now();
    m.dispatchEvent(new PointerEvent('pointerover', {bubbles: true, clientX: 1, clientY: 1}));
    times.push(performance.now() - t);
    m.dispatchEvent(new PointerEvent('pointerout', {bubbles: true}));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(n / 2)];
}"""


def median(values):
    return statistics.median(values)


def cold_loads(browser, url, runs):
    rows = []
    for run in range(runs):
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        page.add_init_script(VISIBLE_PROBE)
        page.goto(url)
        page.wait_for_function("window.__overviewVisible !== undefined", timeout=60000)
        wait_until_started(page)
        rows.append({"visible": page.evaluate("window.__overviewVisible") / 1000,
                     "fcp": page.evaluate("(performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime")
                     / 1000,
                     "ready": page.evaluate("explainer.timings.ready") / 1000})
        print(f"  cold load {run + 1}: overview visible {rows[-1]['visible']:.2f} s, "
              f"Python ready {rows[-1]['ready']:.2f} s", flush=True)
        context.close()
    return rows


def switches(browser, url, runs):
    """Switch through the examples twice: the first visit of each also decodes its picture."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(url)
    wait_until_started(page)
    page.wait_for_timeout(1500)
    order = ["koala", "pizza", "orange", "lifeboat", "ladybug", "sport car", "red panda", "bell pepper",
             "school bus", "espresso"]
    first, again = [], []
    for rows in (first, again):
        for name in order:
            rows.append(page.evaluate(SWITCH, name))
            page.wait_for_timeout(700)  # let the fade finish, as a visitor would
    hover = page.evaluate(HOVER, 41)
    nodes = page.evaluate("document.querySelectorAll('*').length")
    overview_nodes = page.evaluate("document.querySelectorAll('#overview *').length")
    context.close()
    return first, again, hover, nodes, overview_nodes


MAPS_PAGE = """<!doctype html><html><head><style>svg{width:1260px;height:auto;display:block}
image,canvas{image-rendering:pixelated}</style></head><body><div id="host"></div>
<script type="module">
import { loadPyodide } from "./pyodide/pyodide.mjs";
const py = await loadPyodide({ indexURL: "./pyodide/" });
await py.loadPackage(["./pyodide/" + WHEELS.numpy, "./pyodide/" + WHEELS.pillow]);
py.unpackArchive(await (await fetch("./" + APP_ZIP)).arrayBuffer(), "zip", { extractDir: "/home/pyodide" });
py.runPython(await (await fetch("./maps_bench.py")).text());
window.benchReady = true;
</script></body></html>"""

MAPS_PY = r'''
import io, sys
sys.path.insert(0, "/home/pyodide")
import numpy as np, js
from PIL import Image
from pyodide.ffi import to_js
from pyapp.engine.network import load_network
from pyapp.ui import geometry, svg
from pyapp.ui.state import State
from pyapp.views.widgets import overview
import base64

net = load_network("/home/pyodide/weights")
def picture(seed):
    r = np.random.default_rng(seed)
    y, x = np.mgrid[0:64, 0:64] / 63.0
    return np.clip(np.stack([x * r.uniform(), y * r.uniform(), (x * y) ** r.uniform(0.5, 2)], -1), 0, 1)
traces = [net.forward(picture(s).astype(np.float32)) for s in range(6)]
grid = geometry.overview_layout(net)
host = js.document.getElementById("host")
state = {"n": 0}

def pillow_url(rgba):
    out = io.BytesIO(); Image.fromarray(rgba[..., :3]).save(out, "PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()

def setup_images():
    host.innerHTML = overview.render(State(), traces[0], net)
    return list(host.querySelectorAll("image.map"))

def paint_images(els, trace, encode):
    urls = [encode(rgba[i]) for _, rgba in overview.map_pixels(State(), trace, net) for i in range(len(rgba))]
    for el, url in zip(els, urls):
        el.setAttribute("href", url)

def setup_sprites():
    parts = []
    for c in grid.columns[:-1]:
        _, h, w = c.shape
        parts += [f'<svg x="{c.x}" y="{y}" width="40" height="40" viewBox="0 {i * h} {w} {h}" '
                  f'preserveAspectRatio="none"><image class="sprite" width="{w}" height="{h * c.count}" '
                  f'preserveAspectRatio="none"/></svg>' for i, y in enumerate(c.ys)]
    host.innerHTML = f'<svg viewBox="0 0 {grid.width} {grid.height}">' + "".join(parts) + "</svg>"
    return list(host.querySelectorAll(".sprite"))

def paint_sprites(els, trace):
    k = 0
    for c, rgba in overview.map_pixels(State(), trace, net):
        url = svg.png_data_url(rgba.reshape(-1, rgba.shape[2], 4))
        for _ in range(c.count):
            els[k].setAttribute("href", url); k += 1

def setup_canvases():
    host.innerHTML = overview.render(State(), traces[0], net, canvas=True)
    maps = [(c, c.getContext("2d")) for c in host.querySelectorAll("canvas.map")]
    ghosts = [(c, c.getContext("2d")) for c in host.querySelectorAll("canvas.ghost")]
    off = {}
    for c in grid.columns[:-1]:
        o = js.document.createElement("canvas"); o.width = c.shape[2]; o.height = c.shape[1] * c.count
        off[c.name] = (o, o.getContext("2d"))
    return maps, off, ghosts

def paint_canvases_ghosts(els, trace):
    maps, off, ghosts = els
    for (_, g), (m, _) in zip(ghosts, maps):
        g.drawImage(m, 0, 0)
    paint_canvases(els, trace)

def paint_canvases(els, trace):
    maps, off, _ = els
    k = 0
    for c, rgba in overview.map_pixels(State(), trace, net):
        n, h, w, _ = rgba.shape
        o, ctx = off[c.name]
        pixels = js.Uint8ClampedArray.new(to_js(memoryview(rgba.reshape(-1))))
        ctx.putImageData(js.ImageData.new(pixels, w, n * h), 0, 0)
        for i in range(n):
            maps[k][1].drawImage(o, 0, i * h, w, h, 0, 0, w, h); k += 1

METHODS = {
    "png_pillow": (setup_images, lambda els, t: paint_images(els, t, pillow_url)),
    "png_own": (setup_images, lambda els, t: paint_images(els, t, svg.png_data_url)),
    "sprite_per_layer": (setup_sprites, paint_sprites),
    "canvas_per_map": (setup_canvases, paint_canvases),
    "canvas_and_ghosts": (setup_canvases, paint_canvases_ghosts),
}
def setup(kind):
    state["kind"], state["els"] = kind, METHODS[kind][0]()
def step():
    state["n"] += 1
    METHODS[state["kind"]][1](state["els"], traces[state["n"] % len(traces)])
js.window.mapsSetup = setup
js.window.mapsStep = step
'''

MAPS_STEP = """async () => {
  const t0 = performance.now();
  window.mapsStep();
  const set = performance.now() - t0;
  const imgs = [...document.querySelectorAll('#host image')];
  await Promise.all(imgs.map(i => i.decode().catch(() => null)));
  await new Promise(r => requestAnimationFrame(() => setTimeout(r)));
  return [set, performance.now() - t0];
}"""


def map_methods(browser, out, runs):
    """The four ways to draw the maps, alternated in one page so machine load hits them alike."""
    import json

    zip_name = next(p.name for p in out.glob("app-*.zip"))
    # the npm runtime and the official wheels: the site's wheels hold stubs that only its bootstrap.js resolves
    upstream = build.find_wheels(build.load_lock(), None)
    wheels = {"numpy": next(p.name for p in upstream if p.name.startswith("numpy-")),
              "pillow": next(p.name for p in upstream if p.name.startswith("pillow-"))}
    page_text = (MAPS_PAGE.replace("WHEELS.numpy", json.dumps(wheels["numpy"]))
                 .replace("WHEELS.pillow", json.dumps(wheels["pillow"])).replace("APP_ZIP", json.dumps(zip_name)))
    scratch = Path(tempfile.mkdtemp(prefix="bench-maps-"))
    try:
        (scratch / zip_name).symlink_to(out / zip_name)
        (scratch / "pyodide").mkdir()
        for path in [build.NODE_MODULES / "pyodide" / name for name in build.RUNTIME_FILES] + upstream:
            (scratch / "pyodide" / path.name).symlink_to(path)
        (scratch / "maps.html").write_text(page_text)
        (scratch / "maps_bench.py").write_text(MAPS_PY)
        server = build.make_server(scratch, 0, quiet=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/maps.html")
        page.wait_for_function("window.benchReady === true", timeout=120000)
        results = {}
        for _ in range(runs):
            for kind in ("png_pillow", "png_own", "sprite_per_layer", "canvas_per_map", "canvas_and_ghosts"):
                page.evaluate(f"window.mapsSetup('{kind}')")
                page.evaluate(MAPS_STEP)  # warm up
                for _ in range(3):
                    results.setdefault(kind, []).append(page.evaluate(MAPS_STEP))
        context.close()
        server.shutdown()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dist", type=Path, help="an existing build (default: build into a temporary folder)")
    parser.add_argument("--skip-maps", action="store_true", help="skip the drawing-method comparison")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with served_site(args.dist) as (url, out), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        print("cold loads:", flush=True)
        loads = cold_loads(browser, url, args.runs)
        print("switching examples...", flush=True)
        first, again, hover, nodes, overview_nodes = switches(browser, url, args.runs)
        methods = {} if args.skip_maps else map_methods(browser, out, args.runs)
        browser.close()

    print(f"\nmedians (cold loads: {args.runs}; switches: each of the 10 examples; served from 127.0.0.1;")
    print("reference figures from MEASURED.md):")
    print(f"  cold load, navigation to overview visible: {median(r['visible'] for r in loads):.2f} s"
          f"   (first contentful paint {median(r['fcp'] for r in loads):.2f} s; Python ready "
          f"{median(r['ready'] for r in loads):.2f} s)   reference 2.17 s")
    for label, rows in (("switch example, again", again), ("switch example, 1st visit", first)):
        part = {key: median(r[key] for r in rows) for key in rows[0]}
        print(f"  {label:25s} click to 103 maps drawn: {part['maps']:4.0f} ms, next frame {part['frame']:4.0f} ms"
              f"   (before the overview: {part['paint_start']:.0f} ms, colouring "
              f"{median(r['colour'] - r['paint_start'] for r in rows):.0f} ms, drawing "
              f"{median(r['maps'] - r['colour'] for r in rows):.0f} ms; all handlers {part['handled']:.0f} ms)"
              "   reference 0.65 s")
    print(f"  hover a map, handled:                      {hover:.2f} ms")
    print(f"  DOM nodes: page {nodes}, overview {overview_nodes}   reference about 2,200")
    if methods:
        print("  drawing 103 maps in the browser (Python set, then to the next frame with all decoded), ms:")
        for kind, values in methods.items():
            print(f"    {kind:18s} set {median(v[0] for v in values):6.1f}   "
                  f"on screen {median(v[1] for v in values):6.1f}")


if __name__ == "__main__":
    main()

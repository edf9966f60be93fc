"""The browser half of bench_train.py: the page's own training (the Train panel, driven by its #train hooks),
the page's input delays while it trains, and the peers TensorFlow.js (cpu backend) and ConvNetJS training the
same Tiny VGG in the same Chromium (npm devDependencies, read from node_modules, never part of the site)."""
from __future__ import annotations

import base64
import json
import statistics
import time

from served_site import ROOT
from explainer_page import VIEWPORT, wait_until_started  # noqa: E402

NODE_MODULES = ROOT / "node_modules"
PEER_SCRIPTS = {"TensorFlow.js": ("@tensorflow/tfjs", "dist/tf.min.js"), "ConvNetJS": ("convnetjs", "build/convnet-min.js")}

# Every data-step change of the panel, with the page's clock: the steps' own times, no polling in between.
RECORD_STEPS = """() => { window.__steps = [];
  const root = document.querySelector('#train');
  new MutationObserver(() => window.__steps.push([performance.now(), +root.dataset.step, +root.dataset.images]))
    .observe(root, {attributes: true, attributeFilter: ['data-step']}); }"""

# From each input event's own time stamp to its first listener (capture, on window: before the page's) and to
# the next animation frame (after every handler of its task); Event Timing's entries over 16 ms as well.
RECORD_INPUT = """() => { window.__inputs = []; window.__slow = [];
  for (const type of ['pointermove', 'click']) window.addEventListener(type, event => {
    const entry = {type, handler: performance.now() - event.timeStamp};
    window.__inputs.push(entry);
    requestAnimationFrame(() => { entry.frame = performance.now() - event.timeStamp; });
  }, true);
  new PerformanceObserver(list => { for (const e of list.getEntries()) window.__slow.push(
      {type: e.name, duration: e.duration, delay: e.processingStart - e.startTime}); })
    .observe({type: 'event', durationThreshold: 16});
  window.__long = [];  // tasks over 50 ms: what an input can wait behind
  new PerformanceObserver(list => { for (const e of list.getEntries()) window.__long.push(e.duration); })
    .observe({type: 'longtask'}); }"""

STEP_TFJS = """async ([data, labels, batch, classes, steps, lr]) => {
  await tf.setBackend('cpu'); await tf.ready();
  const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
  const x = tf.tensor4d(new Float32Array(bytes.buffer), [batch, 64, 64, 3]);
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), classes);
  const conv = () => tf.layers.conv2d({filters: 10, kernelSize: 3, activation: 'relu'});
  const model = tf.sequential({layers: [
    tf.layers.conv2d({inputShape: [64, 64, 3], filters: 10, kernelSize: 3, activation: 'relu'}), conv(),
    tf.layers.maxPooling2d({poolSize: 2}), conv(), conv(), tf.layers.maxPooling2d({poolSize: 2}),
    tf.layers.flatten(), tf.layers.dense({units: classes})]});
  const optimizer = tf.train.momentum(lr, 0.9);
  const times = [];
  for (let i = 0; i <= steps; i++) {  // the first step warms up
    const start = performance.now();
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x)), true);
    loss.dataSync(); loss.dispose();
    if (i) times.push(performance.now() - start);
  }
  return {backend: tf.getBackend(), times};
}"""

STEP_CONVNETJS = """async ([data, labels, batch, classes, steps, lr]) => {
  const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
  const pixels = new Float32Array(bytes.buffer);
  const size = 64 * 64 * 3;
  const vols = labels.map((_, n) => { const v = new convnetjs.Vol(64, 64, 3, 0.0);
    v.w.set(pixels.subarray(n * size, (n + 1) * size)); return v; });  // both (y, x, channel) order
  const conv = {type: 'conv', sx: 3, filters: 10, stride: 1, pad: 0, activation: 'relu'};
  const net = new convnetjs.Net();
  net.makeLayers([{type: 'input', out_sx: 64, out_sy: 64, out_depth: 3}, conv, conv,
    {type: 'pool', sx: 2, stride: 2}, conv, conv, {type: 'pool', sx: 2, stride: 2},
    {type: 'softmax', num_classes: classes}]);  // softmax brings its own dense layer 1690 -> classes
  const trainer = new convnetjs.Trainer(net, {method: 'sgd', learning_rate: lr, momentum: 0.9, batch_size: batch});
  const times = [];
  for (let i = 0; i <= steps; i++) {  // one step: a batch of images, one update (at the batch's last image)
    const start = performance.now();
    for (let n = 0; n < batch; n++) trainer.train(vols[n], labels[n]);
    if (i) times.push(performance.now() - start);
  }
  return {backend: 'JavaScript', times};
}"""


def peers(browser, images, labels, steps: int, lr: float) -> dict:
    """{"<name> <version> (<backend>)": median seconds per step} of each peer, on a blank page of its own (nothing fetched)."""
    data = base64.b64encode(images.astype("<f4").tobytes()).decode()
    argument = [data, [int(v) for v in labels], len(labels), 10, steps, lr]
    results = {}
    for (name, (package, file)), code in zip(PEER_SCRIPTS.items(), (STEP_TFJS, STEP_CONVNETJS)):
        script = NODE_MODULES / package / file
        if not script.is_file():
            print(f"{name}: {script.relative_to(ROOT)} is missing (run npm ci): not measured")
            continue
        context = browser.new_context()
        page = context.new_page()
        requests = []
        page.on("request", lambda request: requests.append(request.url))
        page.add_script_tag(path=str(script))  # inline: the page requests nothing
        result = page.evaluate(code, argument)
        assert not [url for url in requests if not url.startswith(("data:", "about:"))], requests
        version = json.loads((NODE_MODULES / package / "package.json").read_text())["version"]
        results[f"{name} {version} ({result['backend']})"] = statistics.median(result["times"]) / 1000
        context.close()
    return results


def page_training(browser, url: str, batch: int, steps: int, inputs: int) -> dict:
    """The Train panel on all ten classes (the shipped network, every layer learning, no augmentation):
    seconds per step (the median interval between two steps, and the whole run's images per second with its
    looks at the held-out photos and redraws), then, while training goes on, ``inputs`` hovers and clicks."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    origin = url.rstrip("/")
    elsewhere = []
    page.on("request", lambda request: request.url.startswith(("http:", "https:")) and
            not request.url.startswith(origin) and elsewhere.append(request.url))
    page.goto(f"{url}#train&classes={','.join(map(str, range(10)))}&batch={batch}&lr=0.001&epochs=100&augment=0&stop=0")
    wait_until_started(page)
    page.wait_for_function("document.querySelector('#train')?.dataset.state === 'idle'", timeout=120_000)
    page.evaluate(RECORD_STEPS)
    page.click("[data-train-action='start']")
    warm = 2  # the first steps allocate
    page.wait_for_function(f"+document.querySelector('#train').dataset.step >= {warm + steps}",
                           timeout=(steps + warm) * 30_000, polling=500)
    first = {}  # each step's first showing (a slice that ends no step sets the same value again)
    for record in page.evaluate("window.__steps"):
        first.setdefault(record[1], record)
    records = [first[s] for s in sorted(first) if s >= warm]
    (t0, s0, i0), (t1, s1, i1) = records[0], records[-1]
    intervals = [(b[0] - a[0]) / 1000 for a, b in zip(records, records[1:]) if b[1] == a[1] + 1]
    result = {"step_s": statistics.median(intervals), "run_images_per_s": (i1 - i0) / ((t1 - t0) / 1000),
              "steps": s1 - s0}

    page.evaluate(RECORD_INPUT)
    box = page.locator('#overview-svg canvas.map[data-layer="conv_1_2"]').first
    box.scroll_into_view_if_needed()
    examples = page.eval_on_selector_all("[data-example]", "els => els.map(e => e.dataset.example)")
    for i in range(inputs):  # at intervals, as a visitor would: a hover over a map, or a click on an example
        if i % 2:
            page.click(f'[data-example="{examples[i // 2 % len(examples)]}"]', no_wait_after=True)
        else:
            geometry = box.bounding_box()
            page.mouse.move(geometry["x"] + geometry["width"] * (i % 7 + 0.5) / 7, geometry["y"] + 5 + i % 20)
        time.sleep(0.3)
    page.wait_for_function("window.__inputs.every(e => e.frame !== undefined)", timeout=30_000)
    result["inputs"] = page.evaluate("window.__inputs")
    result["slow"] = page.evaluate("window.__slow")
    result["long_tasks"] = page.evaluate("window.__long")
    result["still_training"] = page.evaluate("document.querySelector('#train').dataset.state") == "training"
    result["elsewhere"] = elsewhere
    context.close()
    return result

// The page's own JavaScript, kept to what must happen before Python runs: the loading stages driven
// by the bytes that actually arrive, every start-up file checked against its sha256 (plan.integrity),
// and a clear message when start-up fails (no Python but main.py's: the build's PyScript edits, sitebuild/runtime.py).
// Offline support: offline.js; clicks made during start-up: intents.js.
// Python (pyapp.page) reports back through window.explainer: stage(), ready(), fail().
"use strict";
(() => {
  // Pyodide runs Python on a WebAssembly JSPI stack where the browser has WebAssembly.Suspending (Chromium 137 on).
  // Chromium 156 now and then kills the tab there during start-up (SIGSEGV in the renderer's main thread, on the
  // switched stack, at the page just above its pointer: the test suite's crash dumps). Nothing here needs JSPI
  // (run_sync): without it Pyodide runs Python on the ordinary stack.
  delete WebAssembly.Suspending;
  delete WebAssembly.promising;

  // The compact embed mode (embed=1 in the hash, read as pyapp/ui/state.py reads it) holds from the first
  // paint: this script runs in <head>, before the body is parsed, so a blog's iframe never shows the page.
  const compact = () => new URLSearchParams(location.hash.replace(/^#+/, "")).getAll("embed").pop() === "1";
  const setCompact = () => document.documentElement.classList.toggle("embed", compact());
  setCompact();
  addEventListener("hashchange", setCompact);

  const plan = JSON.parse(document.getElementById("load-plan").textContent);
  const STALL_MS = 90000; // no byte and no event for this long while loading: give up with a message
  const absolute = (path) => new URL(path, document.baseURI).href;
  const started = performance.now();
  const history = []; // [ms since navigation, stage, state]: for tests and the benchmark
  const timings = {}; // ms since navigation: ready
  let status = "loading";
  let lastSign = started;

  // What went wrong with one file of the site, in words that say what to do.
  const offline = () => window.explainer && window.explainer.offline; // offline.js, after this script
  const damaged = (path) => offline() && offline().retried
    ? `A file of the site is damaged or out of date (${path}), and downloading it again did not help: ` +
      "the site needs rebuilding."
    : `A file of the site is damaged or out of date (${path}). Reload, and if this persists the site needs rebuilding.`;
  // A file that failed its checksum: fetched again once if the offline copy served it (offline.js), else named.
  // Decided once the page is parsed: a prefetched file served from the copy can fail before offline.js has run.
  const failDamaged = (path) => whenDom(() => {
    if (status !== "loading") return;
    if (offline() && offline().repair(path)) status = "repairing"; // the page reloads: no message meanwhile
    else fail(damaged(path));
  });
  const missing = (path, code) =>
    `A file of the site is missing (${path}: the server answered ${code}). Reload, and if this persists the site needs rebuilding.`;
  const unreachable = (path) => `Could not download ${path}: the connection failed. Check your connection and reload.`;

  const sri = async (buffer) =>
    "sha256-" + btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.digest("SHA-256", buffer))));

  // Every start-up file by absolute URL: its stage, size and the bytes seen so far.
  const files = new Map();
  for (const stage of plan.stages) {
    Object.assign(stage, { total: 0, loaded: 0, state: "waiting", text: "" });
    for (const [path, size] of stage.files) {
      files.set(absolute(path), { path, stage, size, seen: 0, done: false, integrity: plan.integrity[path] });
      stage.total += size;
    }
  }
  const stageById = new Map(plan.stages.map((stage) => [stage.id, stage]));

  const whenDom = (fn) =>
    document.readyState === "loading" ? document.addEventListener("DOMContentLoaded", fn, { once: true }) : fn();
  const root = () => document.getElementById("app");

  function setState(stage, state, text) {
    if (stage.state === "done" || (stage.state === state && !text)) return;
    stage.state = state;
    if (text) stage.text = text;
    history.push([Math.round(performance.now()), stage.id, state]);
    draw();
  }

  // Bytes of one file arrived (or the whole file, when done): advance its stage.
  function arrived(url, bytes, done) {
    const file = files.get(url);
    if (!file || file.done) return;
    lastSign = performance.now();
    file.seen = done ? file.size : Math.min(file.size, file.seen + bytes);
    file.done = done;
    const { stage } = file;
    stage.loaded = [...files.values()].filter((f) => f.stage === stage).reduce((sum, f) => sum + f.seen, 0);
    if (stage.state === "waiting") setState(stage, "active");
    // downloaded is not done: a stage is done when Python has put it to use (see stage())
    if ([...files.values()].every((f) => f.stage !== stage || f.done)) stage.text = stage.after || "";
    draw();
  }

  let drawing = false;
  function draw() {
    // While the HTML is still being parsed a stage row may be half there; whenDom(draw) below draws then.
    if (drawing || document.readyState === "loading") return;
    drawing = true;
    requestAnimationFrame(() => {
      drawing = false;
      if (window.explainer && window.explainer.showNote) window.explainer.showNote(); // intents.js
      const box = document.getElementById("loading");
      if (!box) return;
      for (const stage of plan.stages) {
        const row = box.querySelector(`[data-stage="${stage.id}"]`);
        if (!row) continue;
        row.dataset.state = stage.state;
        const fraction = stage.state === "done" ? 1 : stage.total ? stage.loaded / stage.total : 0;
        row.querySelector("progress").value = fraction;
        const mb = (n) => (n / 1e6).toFixed(1);
        row.querySelector(".stage-amount").textContent =
          stage.state === "done" ? "done" : stage.text || `${mb(stage.loaded)} of ${mb(stage.total)} MB`;
      }
    });
  }

  // better: a promise of a more precise message (which file is missing or damaged), shown when it comes.
  function fail(message, better) {
    if (status !== "loading") return; // the first failure is the one to show; later ones are the app's
    status = "error";
    console.error("[explainer] start-up failed:", message);
    if (offline()) offline().started(null);
    // a traceback is for the console: on screen, its last line says what happened
    const lines = String(message).trim().split("\n");
    let shown = lines.length > 1 && /Traceback/.test(message) ? lines[lines.length - 1] : lines.join(" ");
    // each writes the latest: the better message may come while deferred scripts run, before DOMContentLoaded
    const show = () => { document.querySelector("#error .error-message").textContent = shown; };
    whenDom(() => {
      root().dataset.status = "error";
      document.getElementById("loading").hidden = true;
      show();
      document.getElementById("error").hidden = false;
    });
    if (better) better.then((text) => {
      if (!text) return;
      console.error("[explainer] start-up failed:", text);
      shown = text;
      whenDom(show);
    }, () => {});
  }

  function ready() {
    if (status !== "loading") return;
    status = "ready";
    for (const stage of plan.stages) setState(stage, "done");
    timings.ready = Math.round(performance.now());
    whenDom(() => {
      root().dataset.status = "ready";
      document.getElementById("loading").hidden = true;
    });
    setTimeout(() => window.explainer.replay && window.explainer.replay(), 0); // intents.js: after Python's first drawing
    if (offline()) offline().started(plan.serviceWorker);
  }

  // How far start-up is, for the note on a click made during it (intents.js).
  function percent() {
    const parts = plan.stages.map((s) => (s.state === "done" ? 1 : s.total ? (0.9 * s.loaded) / s.total : 0));
    return Math.min(99, Math.round((100 * parts.reduce((a, b) => a + b, 0)) / parts.length));
  }

  // Python's own progress: a stage and what it is doing, e.g. ("model", "Running the network").
  function stage(id, text) {
    const current = stageById.get(id);
    if (!current) return;
    lastSign = performance.now();
    for (const earlier of plan.stages) {
      if (earlier === current) break;
      setState(earlier, "done");
    }
    setState(current, "active", text);
  }

  // Every start-up file the page fetches is downloaded here: its bytes counted as they arrive and checked
  // against its sha256 before anyone uses it. The WebAssembly's response is handed over untouched (V8 keeps
  // compiled code only for the response of the HTTP cache) and checked on a copy; WebAssembly.instantiateStreaming
  // below waits for that check.
  const realFetch = window.fetch.bind(window);
  const early = new Map();
  const checked = new Map(); // url -> promise of the WebAssembly's check

  async function read(file, url, body) {
    const reader = body.getReader();
    const chunks = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      arrived(url, value.byteLength, false);
    }
    arrived(url, 0, true);
    const whole = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
    chunks.reduce((offset, chunk) => (whole.set(chunk, offset), offset + chunk.byteLength), 0);
    return whole.buffer;
  }

  async function download(file, url, request) {
    let response;
    try {
      response = await request;
    } catch (error) {
      fail(unreachable(file.path));
      throw error;
    }
    if (!response.ok) {
      const message = missing(file.path, `${response.status} ${response.statusText}`.trim());
      fail(message);
      throw new Error(message);
    }
    const check = async (body) => {
      if ((await sri(body)) === file.integrity) return body;
      failDamaged(file.path);
      throw new Error(damaged(file.path));
    };
    if (url.endsWith(".wasm")) {
      const verified = read(file, url, response.clone().body).then(check);
      verified.catch(() => {}); // reported by fail(); instantiateStreaming rejects with it
      checked.set(url, verified);
      return response;
    }
    const body = await check(await read(file, url, response.body));
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  }

  window.fetch = async (input, init) => {
    const url = absolute(input instanceof Request ? input.url : String(input));
    const file = files.get(url);
    if (!file || status !== "loading") return realFetch(input, init);
    const pending = early.get(url) || download(file, url, realFetch(input, init));
    early.delete(url);
    return pending;
  };

  const realInstantiate = WebAssembly.instantiateStreaming;
  WebAssembly.instantiateStreaming = async (source, imports) => {
    const response = await source;
    const url = absolute(response.url.split("?")[0]);
    const file = files.get(url);
    if (!file) return realInstantiate(source, imports);
    try {
      const [result] = await Promise.all([realInstantiate(response, imports), checked.get(url)]);
      return result;
    } catch (error) {
      // bytes that are not WebAssembly: the file is damaged (Pyodide itself only warns in the console)
      if (error instanceof WebAssembly.CompileError) failDamaged(file.path);
      throw error;
    }
  };

  // The WebAssembly goes around the service worker (?direct, which it leaves alone): Chromium reuses its
  // compiled code only for responses of the HTTP cache, not for ones a worker serves from Cache Storage
  // (tests/bench/bench_load.py --trace). Offline, that fetch fails and the worker's copy is used.
  const direct = (url) => realFetch(`${url}?direct`).then((r) => (r.ok ? r : Promise.reject(new Error(r.status))))
    .catch(() => realFetch(url));

  // The wheels' side modules (sitebuild/side_modules.py), each compiled from its own streamed, checked file, so
  // that V8 keeps the compiled code for the next visit. Pyodide instantiates the stub the wheel holds in a
  // module's place: that instantiation gets the compiled module, in the same import object.
  const sideModules = new Map(); // path -> promise of the compiled module
  const compileSide = (path) => {
    if (!sideModules.has(path)) {
      const url = absolute(path);
      const file = files.get(url) || { path, integrity: plan.integrity[path] };
      const compiled = download(file, url, direct(url))
        .then((response) => Promise.all([WebAssembly.compileStreaming(response), checked.get(url)]))
        .then(([module]) => module);
      compiled.catch(() => {}); // reported by fail(); the instantiation gets the rejection
      sideModules.set(path, compiled);
    }
    return sideModules.get(path);
  };
  const STUB = [..."explainer.module"].map((c) => c.charCodeAt(0));
  const stubPath = (source) => { // the path a stub names (its second section), else null
    const data = source instanceof Uint8Array ? source : new Uint8Array(source);
    if (data[0] !== 0 || data[1] !== 0x61 || data[8] !== 0) return null;
    let at = 9;
    const leb = () => { let value = 0, shift = 0, byte; do { byte = data[at++]; value += (byte & 127) * 2 ** shift; shift += 7; } while (byte & 128); return value; };
    const size = leb(); // of the dylink.0 section (not `at += leb()`: that adds to `at` as it was before)
    at += size;
    if (at >= data.length || data[at++] !== 0) return null;
    leb();
    if (leb() !== STUB.length || STUB.some((c, i) => data[at + i] !== c)) return null;
    return new TextDecoder().decode(data.subarray(at + STUB.length));
  };
  const realInstantiateBytes = WebAssembly.instantiate;
  WebAssembly.instantiate = async function (source, imports) {
    const path = source instanceof Uint8Array || source instanceof ArrayBuffer ? stubPath(source) : null;
    if (!path) return realInstantiateBytes.call(this, source, imports);
    const module = await compileSide(`${plan.runtimeDir}/${path}`); // a stub names a file beside the wheels
    return { module, instance: await realInstantiateBytes.call(this, module, imports) };
  };

  const sideModulePaths = new Set(plan.sideModules || []);
  for (const path of plan.prefetch || []) {
    const url = absolute(path);
    if (sideModulePaths.has(path)) {
      whenDom(() => compileSide(path)); // not before the page is in: they would share the connection with it
      continue;
    }
    const request = download(files.get(url), url, path.endsWith(".wasm") ? direct(url) : realFetch(url));
    request.catch(() => {}); // reported by fail(); the caller gets the rejection
    early.set(url, request);
  }

  // A file the browser refused or could not load by itself (a script, a module, a stylesheet): which of
  // these files is missing or damaged, checked by fetching them again; null if all are fine.
  async function diagnose(paths) {
    for (const path of paths) {
      let response;
      try {
        response = await realFetch(absolute(path));
      } catch {
        return null; // offline now says nothing about the files: the first message stands
      }
      if (!response.ok) return missing(path, response.status);
      if ((await sri(await response.arrayBuffer())) !== plan.integrity[path]) {
        return offline() && offline().repair(path) ? null : damaged(path);
      }
    }
    return null;
  }
  // the modules (a module graph reports its failure on its first script or on an import)
  const modules = Object.keys(plan.integrity)
    .filter((path) => /\.m?js$/.test(path) && !/^(bootstrap|intents|offline)\.([0-9a-f]+\.)?js$/.test(path));
  const pathOf = (url) => Object.keys(plan.integrity).find((path) => absolute(path) === url.split("?")[0]);

  // Files the page loads without fetch (scripts, modules): their completion, or their failure.
  if (window.PerformanceObserver) {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        if (!files.has(entry.name)) continue;
        if (entry.responseStatus >= 400) fail(missing(files.get(entry.name).path, entry.responseStatus));
        else arrived(entry.name, 0, true);
      }
    }).observe({ type: "resource", buffered: true });
  }

  addEventListener("error", (event) => {
    if (status !== "loading") return;
    const target = event.target;
    if (target && target !== window && (target.src || target.href)) {
      const path = pathOf(target.src || target.href);
      fail(`Could not load ${path || target.src || target.href}.`, path && diagnose([path, ...modules]));
    } else if (event.message) fail(`Python could not start: ${event.message.replace(/^Uncaught\s*/, "")}`);
  }, true);
  addEventListener("unhandledrejection", (event) => {
    if (status !== "loading") return; // a running page's rejections are not start-up failures: no diagnosis
    const reason = event.reason;
    const message = String((reason && reason.message) || reason);
    fail(`Python could not start: ${message}`, /import|module/i.test(message) ? diagnose(modules) : null);
  });
  addEventListener("py:progress", (event) => {
    lastSign = performance.now();
    history.push([Math.round(lastSign), "py", event.detail]);
    // PyScript fetches its "files" (pyapp, weights, examples) once the runtime and packages are in use
    if (event.detail === "Loading files") stage("model", "");
  });
  setInterval(() => {
    if (status === "loading" && performance.now() - lastSign > STALL_MS)
      fail("Loading stopped: nothing arrived for 90 seconds. Check your connection and reload.");
  }, 5000);
  if (typeof WebAssembly !== "object") fail("This browser cannot run WebAssembly, which Python in the page needs.");

  whenDom(() => {
    for (const button of document.querySelectorAll("#error .reload")) button.onclick = () => location.reload();
    draw();
  });

  // Python's own milestones (e.g. "python": main.py began), for tests and the benchmark.
  const mark = (name) => { timings[name] = Math.round(performance.now()); };

  // A same-origin file's bytes, synchronously, for pyapp/page/rest.py (an import cannot wait); null unless 200.
  // Turned into bytes here: in Python, decoding the text would need a codec that may itself be in a rest zip.
  const fetchSync = (url) => {
    const kept = offline() && offline().keptBytes(url); // offline: the worker's copy, read ahead (offline.js)
    if (kept) return kept;
    const request = new XMLHttpRequest();
    request.open("GET", url, false);
    request.overrideMimeType("text/plain; charset=x-user-defined"); // each byte as the low byte of a character
    request.send();
    if (request.status !== 200) return null;
    const text = request.responseText;
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
    return bytes;
  };

  // rest: the runtime's parts fetched on first import (pyapp/page/rest.py)
  window.explainer = { stage, ready, fail, mark, history, timings, status: () => status, percent, rest: plan.rest, fetchSync };
})();

// The page's own JavaScript, kept to what must happen before Python runs: the loading stages driven
// by the bytes that actually arrive, a clear message when start-up fails, and offline support.
// Python (pyapp.page) reports back through window.explainer: stage(), ready(), fail().
"use strict";
(() => {
  const plan = JSON.parse(document.getElementById("load-plan").textContent);
  const STALL_MS = 90000; // no byte and no event for this long while loading: give up with a message
  const absolute = (path) => new URL(path, document.baseURI).href;
  const started = performance.now();
  const history = []; // [ms since navigation, stage, state]: for tests and the benchmark
  const timings = {}; // ms since navigation: ready
  let status = "loading";
  let lastSign = started;

  // Every start-up file by absolute URL: its stage, size and the bytes seen so far.
  const files = new Map();
  for (const stage of plan.stages) {
    Object.assign(stage, { total: 0, loaded: 0, state: "waiting", text: "" });
    for (const [path, size] of stage.files) {
      files.set(absolute(path), { path, stage, size, seen: 0, done: false });
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
      showNote();
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

  function fail(message) {
    if (status !== "loading") return; // the first failure is the one to show; later ones are the app's
    status = "error";
    console.error("[explainer] start-up failed:", message);
    whenDom(() => {
      root().dataset.status = "error";
      document.getElementById("loading").hidden = true;
      const box = document.getElementById("error");
      box.querySelector(".error-message").textContent = message;
      box.hidden = false;
    });
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
    setTimeout(replay, 0); // once Python's first drawing is in and its listeners are on
    registerServiceWorker();
  }

  // What the visitor does while Python starts is not lost: a click (or Enter) on an example, a map or a
  // class (or its "Why?" button) of the first paint is acknowledged at once where it happened, and the last one
  // is carried out at ready, on the element Python drew in its place.
  const INTENT_TARGETS = [["data-example"], ["data-layer", "data-index"], ["data-class"], ["data-why"]];
  let intent = null;
  let note = null;

  function intentSelector(element) {
    for (const attributes of INTENT_TARGETS) {
      if (attributes.every((name) => element.hasAttribute(name)))
        return attributes.map((name) => `[${name}="${CSS.escape(element.getAttribute(name))}"]`).join("");
    }
    return null;
  }

  function percent() {
    const parts = plan.stages.map((s) => (s.state === "done" ? 1 : s.total ? (0.9 * s.loaded) / s.total : 0));
    return Math.min(99, Math.round((100 * parts.reduce((a, b) => a + b, 0)) / parts.length));
  }

  function showNote() {
    if (!note || note.hidden) return;
    note.textContent = `Python is starting (${percent()}%). This will open as soon as it is ready.`;
  }

  function remember(event) {
    if (status !== "loading" || !event.target.closest) return;
    if (event.type === "keydown" && event.key !== "Enter" && event.key !== " ") return;
    const element = event.target.closest(INTENT_TARGETS.map((a) => a.map((n) => `[${n}]`).join("")).join(","));
    const selector = element && intentSelector(element);
    if (!selector) return;
    event.preventDefault();
    document.querySelectorAll(".intent-pending").forEach((e) => e.classList.remove("intent-pending"));
    element.classList.add("intent-pending");
    intent = { type: event.type, key: event.key, selector };
    history.push([Math.round(performance.now()), "intent", selector]);
    if (!note) {
      note = document.createElement("div");
      note.id = "starting-note";
      note.setAttribute("role", "status");
      document.body.appendChild(note);
    }
    const box = element.getBoundingClientRect();
    const x = event.clientX || box.left + box.width / 2;
    const y = event.clientY || box.bottom;
    note.style.left = `${Math.max(8, Math.min(x - 20, innerWidth - 300))}px`;
    note.style.top = `${Math.min(y + 16, innerHeight - 60)}px`;
    note.hidden = false;
    showNote();
  }
  document.addEventListener("click", remember, true);
  document.addEventListener("keydown", remember, true);

  function replay() {
    if (note) note.hidden = true;
    const pending = intent;
    intent = null;
    if (!pending) return;
    const element = document.querySelector(pending.selector);
    history.push([Math.round(performance.now()), "replay", pending.selector]);
    if (!element) return;
    const init = { bubbles: true, cancelable: true, key: pending.key };
    if (pending.type === "keydown" && element.focus) element.focus();
    element.dispatchEvent(pending.type === "click" ? new MouseEvent("click", init) : new KeyboardEvent("keydown", init));
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

  // Count the bytes of start-up files as they stream in (on a copy: the caller gets the original
  // response, so the browser can still cache the compiled WebAssembly), and hand out early fetches.
  const realFetch = window.fetch.bind(window);
  const early = new Map();
  async function count(url, body) {
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return arrived(url, 0, true);
      arrived(url, value.byteLength, false);
    }
  }
  window.fetch = async (input, init) => {
    const url = absolute(input instanceof Request ? input.url : String(input));
    const file = files.get(url);
    if (!file || status !== "loading") return realFetch(input, init);
    let pending = early.get(url);
    if (pending) early.delete(url);
    else pending = realFetch(input, init);
    let response;
    try {
      response = await pending;
    } catch (error) {
      fail(`Could not download ${file.path}: ${error.message || error}. Check your connection.`);
      throw error;
    }
    if (!response.ok) {
      fail(`Could not download ${file.path} (the server answered ${response.status} ${response.statusText}).`);
    } else if (response.body && !file.done) {
      count(url, response.clone().body).catch(() => {});
    }
    return response;
  };
  // The WebAssembly goes around the service worker (?direct, which it leaves alone): Chromium reuses its
  // compiled code only for responses of the HTTP cache, not for ones a worker serves from Cache Storage
  // (tests/bench/bench_load.py --trace). Offline, that fetch fails and the worker's copy is used.
  const direct = (url) => realFetch(`${url}?direct`).then((r) => (r.ok ? r : Promise.reject(new Error(r.status))))
    .catch(() => realFetch(url));
  for (const [path, integrity] of plan.prefetch || []) {
    const request = path.endsWith(".wasm") ? direct(absolute(path)) : realFetch(absolute(path), integrity ? { integrity } : {});
    request.catch(() => {}); // its failure is reported when it is used
    early.set(absolute(path), request);
  }

  // Files the page loads without fetch (scripts, modules): their completion, or their failure.
  if (window.PerformanceObserver) {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        if (!files.has(entry.name)) continue;
        if (entry.responseStatus >= 400) fail(`Could not download ${files.get(entry.name).path} (the server answered ${entry.responseStatus}).`);
        else arrived(entry.name, 0, true);
      }
    }).observe({ type: "resource", buffered: true });
  }

  addEventListener("error", (event) => {
    if (status !== "loading") return;
    const target = event.target;
    if (target && target !== window && (target.src || target.href)) fail(`Could not load ${target.src || target.href}.`);
    else if (event.message) fail(`Python could not start: ${event.message.replace(/^Uncaught\s*/, "")}`);
  }, true);
  addEventListener("unhandledrejection", (event) => {
    const reason = event.reason;
    fail(`Python could not start: ${(reason && reason.message) || reason}`);
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

  // Offline: after the first visit the service worker serves every file of the build from its cache.
  function registerServiceWorker() {
    if (!("serviceWorker" in navigator) || !plan.serviceWorker) return;
    let reloading = false;
    navigator.serviceWorker.register(plan.serviceWorker).then((registration) => {
      const offer = () => {
        if (!registration.waiting || !navigator.serviceWorker.controller) return;
        const box = document.getElementById("update");
        box.hidden = false;
        box.querySelector(".reload").onclick = () => {
          reloading = true;
          registration.waiting.postMessage("skip-waiting");
        };
      };
      offer();
      registration.addEventListener("updatefound", () => {
        const worker = registration.installing;
        if (worker) worker.addEventListener("statechange", offer);
      });
    }).catch((error) => console.warn("[explainer] no offline support:", error));
    navigator.serviceWorker.addEventListener("controllerchange", () => {
      if (reloading) location.reload();
    });
  }

  whenDom(() => {
    for (const button of document.querySelectorAll("#error .reload")) button.onclick = () => location.reload();
    draw();
  });

  // Python's own milestones (e.g. "python": main.py began), for tests and the benchmark.
  const mark = (name) => { timings[name] = Math.round(performance.now()); };

  window.explainer = { stage, ready, fail, mark, history, timings, status: () => status };
})();

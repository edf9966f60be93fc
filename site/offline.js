// What the page keeps in the browser: PyScript's package cache (in memory where IndexedDB is refused), and the
// offline copy (sw.js): registering the worker, moving every open tab to a new version together, and repairing
// a file of the copy that fails its checksum. Runs after bootstrap.js, which calls in through explainer.offline:
// repair(path) when a start-up file is damaged, started(serviceWorker) when the start is over.
"use strict";
(() => {
  // PyScript keeps its package cache in IndexedDB, which a browser refuses to a third-party iframe when it
  // blocks third-party storage (an embed in a blog, in a private window); @webreflection/idb-map then
  // re-dispatches the trusted error event, throws, and Python never starts. There, an in-memory store.
  if (self.indexedDB) {
    const open = IDBFactory.prototype.open;
    IDBFactory.prototype.open = function (...args) {
      const request = open.apply(this, args);
      request.addEventListener("error", (event) => {
        event.stopImmediatePropagation(); // before the library's own onerror
        event.preventDefault();
        if (request.onsuccess) request.onsuccess({ target: { result: memoryDatabase() } });
      });
      return request;
    };
  }
  function memoryDatabase() {
    const entries = new Map();
    const answer = (value) => {
      const request = { result: value };
      queueMicrotask(() => request.onsuccess && request.onsuccess({ target: request }));
      return request;
    };
    const store = {
      count: () => answer(entries.size),
      clear: () => answer(entries.clear()),
      delete: (key) => answer(entries.delete(key) && undefined),
      get: (key) => answer(entries.get(key)),
      getKey: (key) => answer(entries.has(key) ? key : undefined),
      getAllKeys: () => answer([...entries.keys()]),
      put: (value, key) => answer(entries.set(key, value) && key),
    };
    return { transaction: () => ({ objectStore: () => store }), close() {} };
  }

  const explainer = window.explainer;
  if (!explainer) return; // bootstrap.js did not run: the page's own watchdog says so
  const PREFIX = "cnn-explainer-"; // sw.js's cache names
  const KEY = "explainer-repair"; // sessionStorage: the file dropped from the copy before this reload
  const storage = (() => {
    try {
      return window.sessionStorage; // refused in a third-party iframe whose storage is blocked
    } catch {
      return null;
    }
  })();
  const retried = storage && storage.getItem(KEY); // this load already is the one retry

  // A start-up file failed its checksum. When the worker served it, its copy may be what is damaged: drop that
  // file (and the page, which holds the checksums) from the copy and reload once; sw.js then fetches both from
  // the server, checks them against its manifest and keeps them. true: the reload is under way.
  function repair(path) {
    if (retried || !storage || !(navigator.serviceWorker && navigator.serviceWorker.controller)) return false;
    storage.setItem(KEY, path);
    explainer.history.push([Math.round(performance.now()), "repair", path]);
    console.warn(`[explainer] ${path} of the offline copy is damaged: downloading it again`);
    const title = document.querySelector("#loading .loading-title");
    if (title) title.textContent = "A file of the offline copy was damaged: downloading it again…";
    (async () => {
      for (const name of await caches.keys()) {
        if (!name.startsWith(PREFIX)) continue;
        const cache = await caches.open(name);
        await Promise.all([path, "./"].map((p) => cache.delete(new URL(p, document.baseURI).href)));
      }
    })().catch(() => {}).finally(() => location.reload());
    return true;
  }

  // The page started (or failed for good): the retry is spent either way; then offline support.
  function started(serviceWorker) {
    if (retried) {
      storage.removeItem(KEY);
      explainer.history.push([Math.round(performance.now()), "retried", retried]);
    }
    if (serviceWorker && explainer.status() === "ready") {
      register(serviceWorker);
      keepPython();
    }
    if (!navigator.onLine) keepRest();
    addEventListener("offline", keepRest);
  }

  // Python's memory snapshot for the next visit (snapshot.mjs): made once the worker keeps the site, so that every
  // file Python starts from comes from its checked copy, when the page is idle. Test pages opt out
  // (window.explainerKeepsPython = false): a second Python on the second core in every test.
  function keepPython() {
    const python = explainer.python;
    const workers = navigator.serviceWorker;
    if (!python || !workers || python.snapshot !== "none" || window.explainerKeepsPython === false) return;
    const idle = () => (window.requestIdleCallback || setTimeout)(() => python.keep());
    if (workers.controller) idle();
    else workers.addEventListener("controllerchange", idle, { once: true });
  }

  // The runtime's parts fetched on first import (pyapp/page/rest.py) come by a synchronous request, which
  // Chromium's service worker never answers: offline, it fails. So once offline, a page the worker controls
  // reads them all from the copy with ordinary fetches (which it answers) and fetchSync takes them from here.
  // Online, the synchronous request goes to the network as it should, and nothing is held in memory.
  const kept = new Map(); // absolute URL -> promise of its bytes (null: not in the copy)
  function keepRest() {
    if (!(navigator.serviceWorker && navigator.serviceWorker.controller)) return;
    for (const path of Object.keys(explainer.rest || {})) {
      const url = new URL(path, document.baseURI).href;
      if (kept.has(url)) continue;
      const bytes = { value: null };
      kept.set(url, bytes);
      fetch(url).then((r) => (r.ok ? r.arrayBuffer() : null)).then((b) => { bytes.value = b && new Uint8Array(b); })
        .catch(() => kept.delete(url));
    }
  }
  const keptBytes = (url) => (kept.get(new URL(url, document.baseURI).href) || {}).value || null;

  // One worker serves every tab of the site, so all of them move to a new version at once: whichever tab's
  // "Reload" is clicked lets the waiting worker take over, and every tab reloads when it does (an old page
  // would otherwise fetch its files from the new build's cache).
  function register(url) {
    const workers = navigator.serviceWorker;
    if (!workers) return;
    let controlled = Boolean(workers.controller); // the first visit's worker taking over is no new version
    workers.addEventListener("controllerchange", () => {
      if (controlled) location.reload();
      controlled = true;
    });
    workers.register(url).then((registration) => {
      const offer = () => {
        if (!registration.waiting || !workers.controller) return;
        const box = document.getElementById("update");
        box.hidden = false;
        box.querySelector(".reload").onclick = () => {
          // the waiting worker as it is now; none left: another tab's click made it take over already
          if (registration.waiting) registration.waiting.postMessage("skip-waiting");
          else location.reload();
        };
      };
      offer();
      registration.addEventListener("updatefound", () => {
        const worker = registration.installing;
        if (worker) worker.addEventListener("statechange", offer);
      });
    }).catch((error) => console.warn("[explainer] no offline support:", error));
  }

  explainer.offline = { repair, started, retried, keptBytes };
})();

// Offline support: precache every file of this build (checked against its content hash), serve
// same-origin requests cache-first (a file missing from the cache is fetched, checked and put back), and drop
// the caches of older builds once this one takes over.
// build.py writes the manifest in: {"build": hash, "files": {path: sha256}, "later": [path]}: the later files
// (the Train panel's photos) are not fetched at install but checked and kept when the page first asks for them.
"use strict";
const MANIFEST = __PRECACHE_MANIFEST__;
const PREFIX = "cnn-explainer-";
const CACHE = PREFIX + MANIFEST.build;
const scope = self.registration.scope;

// absolute URL -> the manifest's path for it
const PATHS = new Map(Object.keys(MANIFEST.files).map((path) => [new URL(path, scope).href, path]));

const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");

async function matches(response, sha256) {
  if (!response.ok) return false;
  const digest = await crypto.subtle.digest("SHA-256", await response.clone().arrayBuffer());
  return hex(digest) === sha256;
}

// A file of exactly this build: from the HTTP cache when that copy is current, else from the server.
async function fetchExact(path, sha256) {
  const url = new URL(path, scope).href;
  // the page fetched the WebAssembly as ?direct (bootstrap.js): that is the copy the HTTP cache holds
  let response = await fetch(path.endsWith(".wasm") ? `${url}?direct` : url);
  if (!(await matches(response, sha256))) response = await fetch(url, { cache: "reload" });
  if (!(await matches(response, sha256))) throw new Error(`${path} does not match build ${MANIFEST.build}`);
  return [url, response];
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    // all or nothing: a half-filled cache is never used, so old and new files never mix
    const later = new Set(MANIFEST.later || []);
    const entries = await Promise.all(Object.entries(MANIFEST.files).filter(([path]) => !later.has(path))
      .map(([path, sha]) => fetchExact(path, sha)));
    const cache = await caches.open(CACHE);
    await Promise.all(entries.map(([url, response]) => cache.put(url, response)));
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  // a page address may carry a query (?embed): the page itself is the same file
  const path = PATHS.get(new URL(url.pathname, url).href);
  // ?direct: the page asks for the network and HTTP cache (the WebAssembly, whose compiled code only they keep);
  // anything not of this build (an image by address) goes to the network untouched, cancellable by the page
  if (request.method !== "GET" || !path || url.searchParams.has("direct")) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const cached = await cache.match(new URL(path, scope).href);
    // A module script (Pyodide's, PyScript's) goes out as a response of its own: served from Cache Storage as it
    // is, V8 writes a module code cache of it on every visit (pyodide.asm.js: 1 MB, 30 to 70 ms of the main
    // thread) and never reads it. Classic scripts' code caches are read, so they go as they are.
    if (cached) {
      return request.destination === "script" && request.mode === "cors" ? new Response(cached.body, cached) : cached;
    }
    // missing from the copy (the page dropped it as damaged): fetched, checked and kept again
    try {
      const [exact, response] = await fetchExact(path, MANIFEST.files[path]);
      await cache.put(exact, response.clone());
      return response;
    } catch {
      return fetch(request); // the server's copy does not match either: the page names the file
    }
  })());
});

// Offline support: precache every file of this build (checked against its content hash), serve
// same-origin requests cache-first, and drop the caches of older builds once this one takes over.
// build.py writes the manifest in: {"build": hash, "files": {path: sha256}}.
"use strict";
const MANIFEST = __PRECACHE_MANIFEST__;
const PREFIX = "cnn-explainer-";
const CACHE = PREFIX + MANIFEST.build;
const scope = self.registration.scope;

const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");

async function matches(response, sha256) {
  if (!response.ok) return false;
  const digest = await crypto.subtle.digest("SHA-256", await response.clone().arrayBuffer());
  return hex(digest) === sha256;
}

// A file of exactly this build: from the HTTP cache when that copy is current, else from the server.
async function fetchExact(path, sha256) {
  const url = new URL(path, scope).href;
  let response = await fetch(url);
  if (!(await matches(response, sha256))) response = await fetch(url, { cache: "reload" });
  if (!(await matches(response, sha256))) throw new Error(`${path} does not match build ${MANIFEST.build}`);
  return [url, response];
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    // all or nothing: a half-filled cache is never used, so old and new files never mix
    const entries = await Promise.all(Object.entries(MANIFEST.files).map(([path, sha]) => fetchExact(path, sha)));
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
  // ?direct: the page asks for the network and HTTP cache (the WebAssembly, whose compiled code only they keep)
  if (request.method !== "GET" || url.origin !== location.origin || url.searchParams.has("direct")) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    // a page address may carry a query (?embed): the page itself is the same file
    const key = request.mode === "navigate" ? new URL(url.pathname, url) : request;
    return (await cache.match(key)) || fetch(request);
  })());
});

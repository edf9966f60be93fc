// Python's start from a memory snapshot: the interpreter PyScript loads (pyscript.json names this module, beside
// pyodide.mjs in the runtime folder). Starting Python (CPython's initialisation and Pyodide's own modules) takes
// most of a repeat visit; after a visit a worker starts Python alone, takes Pyodide's memory snapshot
// (loadPyodide's _makeSnapshot) and keeps it in Cache Storage, and the next visit starts from it (_loadSnapshot):
// NumPy and everything after load as before. Pyodide refuses a snapshot of another build; a snapshot it cannot
// start from is dropped and Python starts as usual.
import { loadPyodide as load, version } from "./pyodide.mjs";

export { version };

const CACHE = "cnn-explainer-python"; // sw.js drops it with the build's other caches when a new build takes over
const KEY = `${import.meta.url}?snapshot`; // this module's name holds its runtime folder's hash: one per build
const LIMIT = 256 * 2 ** 20; // bytes: more than any snapshot of this Python (about 21 MB), checked before reading

// A checksum of the snapshot (FNV-1a over 32-bit words, and their sum): any changed word changes it. By hand:
// SubtleCrypto's SHA-256 of the 21 MB takes 25 ms of the main thread on a repeat visit's way to ready, this 7.
function checksum(bytes) {
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2); // Pyodide's: 16-byte multiple
  let hash = 0x811c9dc5;
  let sum = 0;
  for (let i = 0; i < words.length; i++) {
    hash = Math.imul(hash ^ words[i], 16777619);
    sum = (sum + words[i]) | 0;
  }
  return `${bytes.byteLength}-${(hash >>> 0).toString(16)}-${(sum >>> 0).toString(16)}`;
}

// The stored snapshot, checked against the checksum it was stored with (a damaged disk must not become Python's
// memory); null when there is none, it fails its check, or storage is refused (an embed in a blog, a private
// window): Python then starts as usual.
async function stored() {
  let response;
  try {
    response = await caches.match(KEY, { cacheName: CACHE }); // (caches.open would make the cache)
  } catch {
    return null;
  }
  if (!response) return null;
  try {
    const blob = await response.blob();
    if (blob.size > LIMIT) throw new Error(`a snapshot of ${blob.size} bytes`);
    const bytes = new Uint8Array(await blob.arrayBuffer());
    if (checksum(bytes) !== response.headers.get("x-checksum")) throw new Error("a damaged snapshot");
    return bytes;
  } catch (error) {
    console.warn("[explainer] the stored Python snapshot is dropped:", error.message);
    await forget();
    return null;
  }
}

function forget() {
  return caches.open(CACHE).then((cache) => cache.delete(KEY)).catch(() => {}); // there is one: it was read
}

// The page: from the snapshot when there is one, else as usual; explainer.python says which, and keep() makes the
// snapshot for the next visit (offline.js calls it once the service worker keeps the site and the page is idle).
let reading = typeof document === "undefined" ? null : stored(); // while PyScript readies its own storage

export async function loadPyodide(options) {
  const python = { start: "full", snapshot: "none", keep };
  if (window.explainer) window.explainer.python = python;
  const snapshot = await reading;
  reading = null;
  if (snapshot) {
    try {
      const pyodide = await load({ ...options, _loadSnapshot: snapshot });
      if (pyodide._api && pyodide._api.config) pyodide._api.config._loadSnapshot = null; // not kept 21 MB more
      Object.assign(python, { start: "snapshot", snapshot: "stored" });
      return pyodide;
    } catch (error) {
      console.warn("[explainer] the stored Python snapshot did not start; starting Python as usual:", error);
      await forget();
    }
  }
  return load(options);

  function keep() {
    if (python.snapshot !== "none") return;
    python.snapshot = "making";
    const worker = new Worker(import.meta.url, { type: "module" });
    const done = (state) => {
      python.snapshot = state;
      worker.terminate();
    };
    worker.onmessage = ({ data }) => done(data.stored ? "stored" : "failed");
    worker.onerror = () => done("failed");
    worker.postMessage({ indexURL: options.indexURL });
  }
}

// The worker: Python started alone, as the page starts it but without packages (a snapshot holds no shared
// library), its memory kept under KEY. A failure costs nothing but the next visit's head start.
if (typeof document === "undefined") {
  addEventListener("message", async ({ data }) => {
    try {
      // as bootstrap.js runs the page, without JSPI: a snapshot made with it would not start without
      delete WebAssembly.Suspending;
      delete WebAssembly.promising;
      const pyodide = await load({ indexURL: data.indexURL, packages: [], _makeSnapshot: true });
      const snapshot = pyodide.makeMemorySnapshot();
      const cache = await caches.open(CACHE);
      const headers = { "content-type": "application/octet-stream", "x-checksum": checksum(snapshot) };
      await cache.put(KEY, new Response(snapshot, { headers }));
      postMessage({ stored: snapshot.length });
    } catch (error) {
      postMessage({ error: String(error) });
    }
  });
}

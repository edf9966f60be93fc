// Python's start from a memory snapshot: the interpreter PyScript loads (pyscript.json names this module, beside
// pyodide.mjs in the runtime folder). Starting Python (CPython's initialisation, Pyodide's own modules, importing
// NumPy and the app) takes most of a repeat visit; after a visit a worker starts Python alone, loads and imports
// the start-up packages and the app's modules the page had imported, takes Pyodide's memory snapshot
// (loadPyodide's _makeSnapshot) and keeps it in Cache Storage, and the next visit starts from it (_loadSnapshot).
// A snapshot holds the packages' shared libraries' memory but not their code: the next visit loads each library
// again into the very memory and table slots it had (libraries, below).
// Pyodide refuses a snapshot of another build; a snapshot it cannot start from is dropped and Python starts as usual.
import { loadPyodide as load, version } from "./pyodide.mjs";

export { version };

const CACHE = "cnn-explainer-python"; // sw.js drops it with the build's other caches when a new build takes over
// One per build of the runtime and of the app: this module's name holds its runtime folder's hash, and
// pyscript.json's name the app zip's (the snapshot holds pyapp's first module). The worker is told it.
const config = typeof document === "undefined" ? null : document.querySelector('script[type="py"][config]');
const KEY = config && `${import.meta.url}?snapshot=${encodeURIComponent(config.getAttribute("config"))}`;
const LIMIT = 256 * 2 ** 20; // bytes: more than any snapshot of this Python (about 36 MB), checked before reading

// A checksum of the snapshot and its libraries' record (FNV-1a over 32-bit words and characters, and their sum):
// any changed word changes it. By hand: SubtleCrypto's SHA-256 of 21 MB took 25 ms of the main thread, this 7.
function checksum(bytes, text) {
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2); // Pyodide's: 16-byte multiple
  let hash = 0x811c9dc5;
  let sum = 0;
  for (let i = 0; i < words.length; i++) {
    hash = Math.imul(hash ^ words[i], 16777619);
    sum = (sum + words[i]) | 0;
  }
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619);
  return `${bytes.byteLength}-${(hash >>> 0).toString(16)}-${(sum >>> 0).toString(16)}`;
}

// The stored snapshot, checked against the checksum it was stored with (a damaged disk must not become Python's
// memory); null when there is none, it fails its check, or storage is refused (an embed in a blog, a private
// window): Python then starts as usual.
async function stored() {
  if (!KEY) return null;
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
    const record = response.headers.get("x-libraries") || "";
    if (checksum(bytes, record) !== response.headers.get("x-checksum")) throw new Error("a damaged snapshot");
    return { bytes, ...JSON.parse(record) };
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
  if (snapshot && same(snapshot.packages, options.packages)) {
    try {
      // its packages are in the snapshot: their files and libraries come back here, not through loadPyodide
      const pyodide = await load({ ...options, packages: [], _loadSnapshot: snapshot.bytes });
      if (pyodide._api && pyodide._api.config) pyodide._api.config._loadSnapshot = null; // not kept 36 MB more
      await libraries(pyodide, options.packages, snapshot);
      Object.assign(python, { start: "snapshot", snapshot: "stored", imported: snapshot.packages,
        modules: snapshot.modules || [], leftOut: 0 });
      // The app's zip (PyScript's one archive: pyscript.json's files) without the bytecode of the modules the
      // snapshot holds imported, which Python would never read (pyapp/page/from_snapshot.py)
      const unpack = pyodide.unpackArchive;
      pyodide.unpackArchive = function (buffer, format, unpackOptions) {
        if (format !== "zip") return unpack.call(this, buffer, format, unpackOptions);
        const unread = pyodide.pyimport("pyapp.page.from_snapshot");
        try {
          python.leftOut += unread.unpack_unread(new Uint8Array(buffer), unpackOptions.extractDir);
        } finally {
          unread.destroy();
        }
      };
      return pyodide;
    } catch (error) {
      console.warn("[explainer] the stored Python snapshot did not start; starting Python as usual:", error);
      await forget();
    }
  }
  const started = await bare(options);
  await started.loadPackage(options.packages || [], { messageCallback: () => {} });
  return started;

  function keep() {
    if (python.snapshot !== "none") return;
    python.snapshot = "making";
    const worker = new Worker(import.meta.url, { type: "module" });
    const done = (state) => {
      python.snapshot = state;
      worker.terminate();
    };
    worker.onmessage = ({ data }) => {
      if (data.error) console.warn("[explainer] no Python snapshot for the next visit:", data.error);
      done(data.stored ? "stored" : "failed");
    };
    worker.onerror = () => done("failed");
    // what start-up imports first needs the app's zip (main.py installs pyapp.page.rest before anything) and
    // the load plan's rest table: the zip as pyscript.json names it
    if (!KEY) return done("failed");
    fetch(config.getAttribute("config")).then((response) => response.json()).then(({ files }) => {
      const app = Object.keys(files).find((name) => name.endsWith(".zip") && files[name] === "./*");
      const rest = started.pyimport("pyapp.page.rest");
      const modules = rest.app_modules();
      const indexURL = options.indexURL.replace(/\/?$/, "/"); // PyScript's has no "/": the folder, as Pyodide takes it
      worker.postMessage({ key: KEY, indexURL, packages: options.packages || [],
        app: new URL(app, document.baseURI).href, rest: window.explainer.rest, modules: modules.toJs() });
      modules.destroy();
      rest.destroy();
    }).catch(() => done("failed"));
  }
}

// Pyodide's loadPackage calls importlib.invalidate_caches, and CPython 3.12.7's PathFinder.invalidate_caches
// imports importlib.metadata (with email, csv, datetime...: 30 ms of a cold start) only to clear that module's
// own cache, which it cannot have before it is imported: until then it finds a stand-in, with nothing to clear.
const LIGHT_INVALIDATE = `
def _light():
    import importlib, sys, types
    full = importlib.invalidate_caches
    def invalidate_caches():
        if "importlib.metadata" in sys.modules:
            return full()
        stand_in = types.ModuleType("importlib.metadata")
        stand_in.MetadataPathFinder = type("MetadataPathFinder", (), {"invalidate_caches": staticmethod(lambda: None)})
        sys.modules["importlib.metadata"] = stand_in
        try:
            full()
        finally:
            if sys.modules.get("importlib.metadata") is stand_in:
                del sys.modules["importlib.metadata"]
    invalidate_caches.__doc__ = full.__doc__
    importlib.invalidate_caches = invalidate_caches
_light()
del _light
`;

// Pyodide without packages, LIGHT_INVALIDATE in, ready for loadPackage (the page's, or the worker's libraries()).
async function bare(options) {
  const pyodide = await load({ ...options, packages: [] });
  pyodide.runPython(LIGHT_INVALIDATE);
  return pyodide;
}

const same = (a, b) => JSON.stringify(a || []) === JSON.stringify(b || []);

// The packages' shared libraries, loaded again by Pyodide's loadPackage. Each goes where the snapshot's visit put
// it: its handle (in the snapshot's memory) holds its memory and table base, so emscripten reuses them; then its
// memory is put back as the snapshot holds it (instantiating wrote the library's initial data over it). Made
// (record, in the worker): every library's handle, base, size, and the table's length before it, which the
// next visit must find the same (the library's function pointers are slots of that table).
async function libraries(pyodide, packages, record) {
  const module = pyodide._module;
  const load = module.loadDynamicLibrary;
  const made = record ? null : [];
  const kept = new Map((record ? record.libraries : []).map((library) => [library.name, library]));
  const offset = record ? new Uint32Array(record.bytes.buffer, record.bytes.byteOffset, 4)[1] : 0; // the memory's
  module.loadDynamicLibrary = async function (name, flags, scope, handle) {
    if (handle !== undefined || module.LDSO.loadedLibsByName[name]) return load.call(this, name, flags, scope, handle);
    const again = kept.get(name);
    if (record && !again) throw new Error(`${name} is not in the snapshot`);
    if (again && module.wasmTable.length !== again.table) throw new Error(`${name}: the table moved`);
    const table = module.wasmTable.length;
    const own = again ? again.handle : module._calloc(1, 64); // emscripten's struct dso: its fields up to 36
    const result = await load.call(this, name, flags, scope, own);
    if (again) {
      module.HEAPU8.set(record.bytes.subarray(offset + again.base, offset + again.base + again.size), again.base);
    } else {
      const [base, size] = [module.HEAPU32[(own + 12) >> 2], module.HEAP32[(own + 16) >> 2]]; // as emscripten put them
      made.push({ name, handle: own, table, base, size });
    }
    return result;
  };
  // from the snapshot: the wheels too without the bytecode of the modules it holds imported
  const unread = record && pyodide.pyimport("pyapp.page.from_snapshot");
  const end = unread && unread.unpacking_wheels_unread();
  try {
    await pyodide.loadPackage(packages, { messageCallback: () => {} });
  } finally {
    module.loadDynamicLibrary = load;
    if (end) {
      end();
      end.destroy();
      unread.destroy();
    }
  }
  if (record && module.wasmTable.length !== record.table) throw new Error("the table differs from the snapshot's");
  return made && { libraries: made, table: module.wasmTable.length };
}

// A start-up package's library in the wheel is a stub naming its file (sitebuild/side_modules.py; the page's own
// stand-in is bootstrap.js's): in the worker, the file itself, from the service worker's checked copy.
function withLibraryFiles(indexURL) {
  const instantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = async function (source, imports) {
    const bytes = source instanceof Uint8Array || source instanceof ArrayBuffer;
    const [name] = bytes ? WebAssembly.Module.customSections(new WebAssembly.Module(source), "explainer.module") : [];
    if (!name) return instantiate.call(this, source, imports);
    const file = new URL(new TextDecoder().decode(name), indexURL);
    const module = await WebAssembly.compileStreaming(fetch(file));
    return { module, instance: await instantiate.call(this, module, imports) };
  };
}

// The worker: Python started alone, as the page starts it, with the start-up packages loaded and imported, its
// memory kept under the page's KEY. A failure costs nothing but the next visit's head start.
if (typeof document === "undefined") {
  addEventListener("message", async ({ data }) => {
    try {
      // as bootstrap.js runs the page, without JSPI: a snapshot made with it would not start without
      delete WebAssembly.Suspending;
      delete WebAssembly.promising;
      withLibraryFiles(data.indexURL);
      const pyodide = await bare({ indexURL: data.indexURL, _makeSnapshot: true }); // LIGHT_INVALIDATE in the snapshot
      const made = await libraries(pyodide, data.packages, null);
      const app = await fetch(data.app).then((response) => response.arrayBuffer());
      pyodide.unpackArchive(app, "zip", { extractDir: "/home/pyodide" }); // where PyScript puts it in the page
      // as main.py starts: the rest zips' finder first (numpy.linalg's library is a placeholder until used); the
      // page's rest.install() finds it there. And from_snapshot, which the next visit uses before any file is in
      const literal = (value) => JSON.stringify(JSON.stringify(value)); // a Python string literal of its JSON
      const imports = data.packages.map((name) => `import ${name}`);
      pyodide.runPython(["import json, sys", "from pyapp.page import from_snapshot, rest",
        `sys.meta_path.insert(0, rest.RestFinder(json.loads(${literal(data.rest)})))`, ...imports].join("\n"));
      // and the app's modules the page had imported (not pyapp/page's, which use the page): the next visit's
      // main.py finds them imported
      const imported = pyodide.runPython(`rest.import_quietly(sys.meta_path[0], json.loads(${literal(data.modules)}))`);
      const modules = imported.toJs();
      imported.destroy();
      // Pyodide's own record of the loaded packages (its JS table's slot 6, an empty object in a fresh Python)
      const expected = pyodide._api.getExpectedKeys;
      pyodide._api.getExpectedKeys = () => Object.assign(expected(), { 6: pyodide._module.__hiwire_get(6) });
      const snapshot = pyodide.makeMemorySnapshot();
      const record = JSON.stringify({ packages: data.packages, modules, ...made });
      const cache = await caches.open(CACHE);
      const headers = { "content-type": "application/octet-stream", "x-libraries": record,
        "x-checksum": checksum(snapshot, record) };
      await cache.put(data.key, new Response(snapshot, { headers }));
      postMessage({ stored: snapshot.length });
    } catch (error) {
      postMessage({ error: String(error) });
    }
  });
}

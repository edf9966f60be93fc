"""The runtime: Pyodide and PyScript from node_modules (``npm ci``), every file checked against the sha256
that pyodide-lock.json gives it."""
from __future__ import annotations

import json
import re
from pathlib import Path

from . import names
from .common import NODE_MODULES, ROOT, BuildError, Writer, sha256_file

PYODIDE_VERSION = "0.27.7"
PYSCRIPT_VERSION = "0.6.66"
# The core runtime the npm package ships; packages (wheels) are added from the lock file.
RUNTIME_FILES = ("pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
# PyScript plugins the page does not use; "error" is off because the page shows its own start-up errors.
DISABLED_PLUGINS = ("codemirror", "deprecations-manager", "donkey", "error", "py-editor", "py-game", "py-terminal")


def _package_version(name: str) -> str:
    manifest = NODE_MODULES / name / "package.json"
    if not manifest.is_file():
        raise BuildError(f"{manifest.relative_to(ROOT)} is missing: run `npm ci` first (or `make serve`)")
    return json.loads(manifest.read_text())["version"]


def check_node_modules() -> None:
    for name, wanted in (("pyodide", PYODIDE_VERSION), ("@pyscript/core", PYSCRIPT_VERSION)):
        found = _package_version(name)
        if found != wanted:
            raise BuildError(f"node_modules has {name} {found}, the site needs {wanted}: run `npm ci`")


def load_lock() -> dict:
    return json.loads((NODE_MODULES / "pyodide" / "pyodide-lock.json").read_text())


def lock_hashes(lock: dict) -> dict[str, str]:
    """file name -> sha256 for every file the lock lists."""
    return {p["file_name"]: p["sha256"] for p in lock["packages"].values() if p.get("sha256")}


def verify(path: Path, expected: str) -> None:
    found = sha256_file(path)
    if found != expected:
        raise BuildError(
            f"{path}: sha256 {found} does not match pyodide-lock.json ({expected}).\n"
            f"It is not the official Pyodide {PYODIDE_VERSION} file (damaged or replaced): "
            "delete it and build again.")


def pyscript_files() -> list[Path]:
    """PyScript's core module and the chunks it loads on a page with the plugins above disabled."""
    dist = NODE_MODULES / "@pyscript" / "core" / "dist"
    files, todo = [], [dist / "core.js"]
    todo += sorted(dist.glob("error-*.js"))  # loaded even when disabled, to switch its on-page banner off
    while todo:
        path = todo.pop()
        if path in files:
            continue
        files.append(path)
        todo += [dist / name for name in re.findall(r'from"\./([\w.-]+\.js)"', path.read_text())]
    return files



def verify_core(lock: dict) -> None:
    """Pyodide's own files (the wheels are checked where they are found)."""
    hashes = lock_hashes(lock)
    for name in RUNTIME_FILES:
        if name in hashes:
            verify(NODE_MODULES / "pyodide" / name, hashes[name])


def core_files(site_lock: dict, stdlib: Path) -> dict[str, Path | bytes]:
    """Pyodide's core by its name in the runtime folder: the npm files (edited: PYODIDE_EDITS), the compiled
    standard library and the lock file the site uses."""
    files = {name: (json.dumps(site_lock, separators=(",", ":")).encode() if name == "pyodide-lock.json"
                    else stdlib if name == "python_stdlib.zip" else NODE_MODULES / "pyodide" / name)
             for name in RUNTIME_FILES}
    files["pyodide.asm.js"] = edited(files["pyodide.asm.js"], PYODIDE_EDITS, f"Pyodide {PYODIDE_VERSION}")
    applied([files["pyodide.asm.js"]], PYODIDE_EDITS, f"Pyodide {PYODIDE_VERSION}")
    return files


def write_folder(write: Writer, name: str, files: dict[str, Path | bytes]) -> list[str]:
    """files (name -> source file or bytes) into the folder ``name-<hash of them all>`` (names.py); returns
    their paths in the site."""
    folder = names.of_folder(name, {n: f if isinstance(f, bytes) else f.read_bytes() for n, f in files.items()})
    for rel, source in files.items():
        (write.bytes if isinstance(source, bytes) else write.copy)(f"{folder}/{rel}", source)
    return [f"{folder}/{rel}" for rel in files]


# Edits to the runtime's JavaScript, each (what, old, new), each found exactly once or the build stops.
# PyScript's chunks: PyScript puts its own Python package (`pyscript`) before every script, about 33 KB of source
# that writes the package's files and imports it, 150 to 200 ms of every start on the main thread. The page never
# imports it.
PYSCRIPT_EDITS = (
    ("no pyscript package before main.py",
     'Bo(r,e,"codeBeforeRun",n),Bo(r,e,"codeBeforeRunAsync",n)',
     'Bo(r,e,"codeBeforeRun"),Bo(r,e,"codeBeforeRunAsync")'),
    # PyScript searches the whole page by XPath for py-* event attributes (as it starts, and as it defines its
    # script types: 20 to 45 ms of a start) and watches it for them and for script tags added later. The page has
    # neither, and no Python but its own may run (test_hardening.py). Its script tags are found once, at start.
    ("no watching the page for py-* attributes",
     'n=t=>(e.observe(t,{childList:!0,subtree:!0,attributes:!0}),t),{attachShadow:r}=Element.prototype;'
     'k(Element.prototype,{attachShadow(e){return n(r.call(this,e))}}),queueMicrotask(()=>{bs(n(document)),',
     'n=t=>t;queueMicrotask(()=>{'),
    ("no search of the page for py-* attributes when PyScript defines its script types",
     'n||bs(document),wn(r.join(",")).forEach(js)}', 'wn(r.join(",")).forEach(js)}'),
    # PyScript keeps a cache of package lock files in IndexedDB, which it opens (creates, on a first visit: 7 to
    # 15 ms before Pyodide starts) and clears when packages_cache is "passthrough", as here: its two copies of
    # that code (the page's and a worker's) open none then. And it opens a database for pyscript.fs (mounting a
    # local folder) as its module loads: opened on first use instead, which this page never makes.
    ("no IndexedDB for a cache that is passed through",
     'c=new h(`${l}@${t}`),p={indexURL:l},u="never"!==n.packages_cache;',
     'c="passthrough"===n.packages_cache?{sync(){},clear(){},close(){}}:new h(`${l}@${t}`),p={indexURL:l},'
     'u="never"!==n.packages_cache;'),
    ("no IndexedDB for a cache that is passed through (the other copy)",
     'l=new i(`${c}@${t}`),u={indexURL:c},p="never"!==n.packages_cache;',
     'l="passthrough"===n.packages_cache?{sync(){},clear(){},close(){}}:new i(`${c}@${t}`),u={indexURL:c},'
     'p="never"!==n.packages_cache;'),
    ("pyscript.fs's IndexedDB opened on first use", 'no=new y(eo)',
     'no=new Proxy({},{get:(t,k)=>{const m=t.m||=new y(eo),v=m[k];return"function"==typeof v?v.bind(m):v}})'),
)
# Pyodide's pyodide.asm.js: `import time` (CPython's start) has emscripten name the time zone with
# toLocaleTimeString, whose first call loads the browser's time zone names, 15 to 25 ms of every cold start on
# the main thread. The names become the UTC offset ("UTC-0100"): nothing of the site shows them.
PYODIDE_EDITS = (
    ("time zone names without Intl",
     'var extractZone=date=>date.toLocaleTimeString(undefined,{hour12:false,timeZoneName:"short"}).split(" ")[1];'
     'var winterName=extractZone(winter);var summerName=extractZone(summer);',
     'var extractZone=offset=>`UTC${offset>=0?"-":"+"}${String(Math.floor(Math.abs(offset)/60)).padStart(2,"0")}'
     '${String(Math.abs(offset)%60).padStart(2,"0")}`;'
     'var winterName=extractZone(winterOffset);var summerName=extractZone(summerOffset);'),
    # Loading a library puts each JavaScript function it takes the address of into the table, through a module
    # of one function compiled for it: the module depends on the signature alone, so one per signature.
    ("one wrapper module per signature",
     'var module=new WebAssembly.Module(new Uint8Array(bytes));var instance=new WebAssembly.Instance(module,',
     'var module=(convertJsFunctionToWasm.modules||={})[sig]||=new WebAssembly.Module(new Uint8Array(bytes));'
     'var instance=new WebAssembly.Instance(module,'),
)


def edited(path: Path, edits=PYSCRIPT_EDITS, owner: str = f"PyScript {PYSCRIPT_VERSION}") -> Path | bytes:
    """A runtime file as the site ships it: edits applied where they are found."""
    text = path.read_text()
    found = [edit for edit in edits if edit[1] in text]
    for what, old, new in found:
        if text.count(old) != 1:
            raise BuildError(f"{owner}'s {path.name} holds {what!r}'s text {text.count(old)} times")
        text = text.replace(old, new)
    return text.encode() if found else path


def applied(files, edits, owner: str) -> None:
    """Stops the build unless every edit is in the files as shipped (another version lacks its text)."""
    shipped = b"".join(f for f in files if isinstance(f, bytes))
    missing = [what for what, _, new in edits if new.encode() not in shipped]
    if missing:
        raise BuildError(f"{owner} no longer holds the text of: {', '.join(missing)}")


def write_pyscript(write: Writer) -> list[str]:
    """PyScript's module and its chunks (edited: PYSCRIPT_EDITS) in their own folder; returns their paths."""
    files = {path.name: edited(path) for path in pyscript_files()}
    applied(files.values(), PYSCRIPT_EDITS, f"PyScript {PYSCRIPT_VERSION}")
    return write_folder(write, "pyscript", files)

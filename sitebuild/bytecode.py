"""Python archives to CPython 3.12 bytecode, compiled by the very interpreter the site ships.

Pyodide 0.27.7 is CPython 3.12.7 (bytecode magic 3531) and the build machines have another Python, so
the compiling runs inside Pyodide under Node (the npm ``pyodide`` package, already pinned for the site),
like Pyodide's own ``pyodide py-compile``. Importing bytecode skips the parser and the compiler in the
page: that is most of Python's start-up there (see tests/bench/bench_load.py).

Two forms, per archive:
- ``sourceless``: each ``.py`` becomes a ``.pyc`` at the same place (zipimport and the wheels' installed
  folders read those; zipimport never looks in ``__pycache__``). Used for the standard library and wheels.
- ``cached``: each ``.py`` stays, and ``__pycache__/<name>.cpython-312.pyc`` is added beside it, so
  ``inspect.getsource`` (the show-the-code panel) and tracebacks keep the real source. Used for pyapp's engine,
  whose functions the panel shows (``source`` of the job: the folders kept so); pyapp's other modules are
  sourceless (a fifth of the app zip's bytes less: their tracebacks name the line, without its text).
The standard library is compiled with ``optimize=2`` (no docstrings, no asserts: a sixth of its bytes; nothing
in the page reads them). The wheels and pyapp keep ``optimize=0``: NumPy passes its functions' docstrings to a C
function that refuses None unless the interpreter itself runs with -OO, and pyapp's dataclasses would build a
docstring from their signature at import time. The wheels' docstrings are emptied instead (``""``, which that C
function takes: ``empty_docstrings``): a third of NumPy's start-up bytes, which nothing in the page reads.
Every ``.pyc`` is "unchecked hash" based: it is never compared with a source file, so the archive's
timestamps do not matter and the output is byte-for-byte reproducible.

The function ``compile_archives`` below runs inside Pyodide (plain standard library only);
``compile_with_pyodide`` is the CPython side that starts Node.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

# What the compiled files are named after in tracebacks: where Pyodide puts each archive's files.
STDLIB_PREFIX = "/lib/python312.zip/"
SITE_PACKAGES_PREFIX = "/lib/python3.12/site-packages/"

# Node loads Pyodide (and the wheels, for the probe), mounts the host's file system at /host and calls one
# function of this file with a JSON argument; the function's JSON result is the last line printed.
NODE_SCRIPT = r"""
import { loadPyodide } from %(pyodide_mjs)s;
import { readFileSync } from "node:fs";
globalThis.document = {};  // pyapp.page does `from js import document`: enough to import it, never used
const py = await loadPyodide({ indexURL: %(index_url)s });
const wheels = %(wheels)s;
if (wheels.length) await py.loadPackage(wheels, { messageCallback: () => {} });
py.FS.mkdir("/host");
py.FS.mount(py.FS.filesystems.NODEFS, { root: "/" }, "/host");
py.runPython(readFileSync(%(this_file)s, "utf8"));
console.log(py.globals.get(%(function)s)(%(argument)s));
"""


class BytecodeError(RuntimeError):
    """The compiler could not run (no Node, or Pyodide failed), with what it said."""


def empty_docstrings(data: bytes):
    """The module's syntax tree with every docstring (module, class, function) made "" (line numbers kept)."""
    import ast

    tree = ast.parse(data)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                first.value.value = ""
    return tree


def compile_archives(argument: str) -> str:
    """Inside Pyodide: compile each job's archive; returns a JSON list of per-archive counts."""
    import importlib.util
    import sys
    import zipfile
    from importlib._bootstrap_external import _code_to_hash_pyc

    results = []
    for job in json.loads(json.loads(argument)):
        src, dst, mode, prefix = "/host" + job["src"], "/host" + job["dst"], job["mode"], job["prefix"]
        only = set(job["only"]) if job.get("only") is not None else None
        optimize = job.get("optimize", 0)
        compiled = kept = 0
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout:
            for info in zin.infolist():
                data = zin.read(info)
                if not info.filename.endswith(".py") or (only is not None and info.filename not in only):
                    zout.writestr(info, data)
                    continue
                try:
                    source = empty_docstrings(data) if job.get("empty_docstrings") else data
                    code = compile(source, prefix + info.filename, "exec", dont_inherit=True, optimize=optimize)
                except (SyntaxError, ValueError):
                    zout.writestr(info, data)  # e.g. test data that is not Python: ship it as it was
                    kept += 1
                    continue
                pyc = bytes(_code_to_hash_pyc(code, importlib.util.source_hash(data), checked=False))
                if mode == "cached" and info.filename.startswith(tuple(job.get("source", ("",)))):
                    zout.writestr(info, data)
                    folder, _, name = info.filename.rpartition("/")
                    cache_name = f"{name[:-3]}.{sys.implementation.cache_tag}.pyc"
                    target = f"{folder}/__pycache__/{cache_name}" if folder else f"__pycache__/{cache_name}"
                else:
                    target = info.filename[:-3] + ".pyc"
                out = zipfile.ZipInfo(target, info.date_time)
                out.compress_type = zipfile.ZIP_DEFLATED
                out.external_attr = info.external_attr
                zout.writestr(out, pyc)
                compiled += 1
        results.append({"src": job["src"], "compiled": compiled, "kept": kept})
    return json.dumps(results)


def probe_imports(argument: str) -> str:
    """Inside Pyodide: import what the page imports at start-up; returns the files that came from the
    standard library zip and from site-packages, relative to each ({"stdlib": [...], "site": [...]})."""
    import importlib
    import io
    import pkgutil
    import sys

    app_path, extra = json.loads(argument)
    sys.path.insert(0, "/host" + app_path)  # pyapp's folder's parent, or the app zip itself
    import numpy  # noqa: F401
    import PIL.Image

    import pyapp

    failed = []  # a module that cannot be imported here (outside a page) is compiled in the page: say so
    names = [m.name for m in pkgutil.walk_packages(pyapp.__path__, "pyapp.") if not m.name.endswith("__main__")]
    for name in names + list(extra):
        try:
            importlib.import_module(name)
        except BaseException as error:  # noqa: BLE001 - SystemExit too: nothing may end the probe
            failed.append(f"{name}: {type(error).__name__}: {error}")
    from pyapp.images.preprocess import load_image

    # Pillow is not cut (it comes after ready, whole), nor what it imports from the standard library for any
    # photo a visitor may bring: each format's first Image.open imports its plugin (WebP's, fractions for EXIF)
    for kind in ("PNG", "JPEG", "GIF", "BMP", "WEBP", "TIFF"):
        photo = io.BytesIO()
        PIL.Image.new("RGB", (8, 8)).save(photo, kind)
        load_image(io.BytesIO(photo.getvalue()))
    found = {"stdlib": [], "site": []}
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None) or ""
        for key, prefix in (("stdlib", STDLIB_PREFIX), ("site", SITE_PACKAGES_PREFIX)):
            if path.startswith(prefix):
                found[key].append(path[len(prefix):])
    return json.dumps({**{key: sorted(paths) for key, paths in found.items()}, "failed": failed})


def run_in_pyodide(function: str, argument, node_modules: Path, wheels: list[Path] = ()):
    """Call ``function(json.dumps(argument))`` of this file inside Pyodide under Node; returns its JSON result."""
    node = shutil.which("node")
    if not node:
        raise BytecodeError("node is not installed: it runs Pyodide to compile Python to bytecode")
    pyodide = node_modules / "pyodide"
    script = NODE_SCRIPT % {
        "pyodide_mjs": json.dumps(str(pyodide / "pyodide.mjs")),
        "index_url": json.dumps(str(pyodide) + "/"),
        "this_file": json.dumps(str(Path(__file__).resolve())),
        "wheels": json.dumps([str(Path(w).resolve()) for w in wheels]),
        "function": json.dumps(function),
        "argument": json.dumps(json.dumps(argument)),
    }
    with tempfile.TemporaryDirectory() as tmp:
        entry = Path(tmp) / "run.mjs"
        entry.write_text(script)
        run = subprocess.run([node, str(entry)], capture_output=True, text=True,
                             env={**os.environ, "NODE_NO_WARNINGS": "1"})
    lines = run.stdout.strip().splitlines()
    if run.returncode != 0 or not lines:
        # Node quotes the minified line of pyodide.asm.js where it failed: leave it out, keep what says why
        lines = [line for line in (run.stderr or run.stdout).strip().splitlines() if len(line) < 400]
        said = "\n".join(lines[-40:])
        raise BytecodeError(f"Pyodide under Node failed in {function}:\n{said}")
    return json.loads(lines[-1])


def prepare(argument: str) -> str:
    """Inside Pyodide: probe the start-up imports with the app zip, then compile (see compile_site)."""
    options = json.loads(argument)
    found = json.loads(probe_imports(json.dumps([options["app"], options["extra"]])))
    jobs = [{"src": options["stdlib"], "dst": options["out"] + "/python_stdlib.zip", "mode": "sourceless",
             "prefix": STDLIB_PREFIX, "only": found["stdlib"], "optimize": 2},
            {"src": options["app"], "dst": options["out"] + "/app.zip", "mode": "cached",
             "prefix": options["app_prefix"], "only": None, "source": options["source"]}]
    jobs += [{"src": wheel, "dst": options["out"] + "/" + wheel.rpartition("/")[2], "mode": "sourceless",
              "prefix": SITE_PACKAGES_PREFIX, "only": found["site"], "empty_docstrings": True} for wheel in options["wheels"]]
    compiled = json.loads(compile_archives(json.dumps(json.dumps(jobs))))
    return json.dumps({"imported": found, "archives": compiled})


# Imported by PyScript and Pyodide in the page rather than by pyapp: compiled too.
PAGE_EXTRA_IMPORTS = ("asyncio", "html", "pyodide.ffi", "pyodide.webloop", "pyodide.code", "pyodide.http")
# The folders of the app zip whose source ships beside its bytecode: the show-the-code panel's functions.
SOURCE_SHOWN = ("pyapp/engine/",)
# Where PyScript unpacks the app zip: Python's home folder in Pyodide.
APP_PREFIX = "/home/pyodide/"


def compile_site(stdlib: Path, wheels: list[Path], app_zip: bytes, node_modules: Path, cache: Path) -> dict:
    """Bytecode for the page: the standard library zip and the wheels with what start-up imports compiled
    (the rest stays source: it is rarely imported, and source is smaller), and the app zip with a
    ``__pycache__`` beside every module. Cached by the inputs' hashes. Returns the paths (``stdlib``,
    ``wheels``, ``app``) and what was imported and compiled."""
    digest = hashlib.sha256(Path(__file__).read_bytes() + json.dumps(PAGE_EXTRA_IMPORTS).encode())  # SOURCE_SHOWN: in the file
    for path in [stdlib, *wheels]:
        digest.update(path.name.encode() + hashlib.sha256(path.read_bytes()).digest())
    digest.update(app_zip)
    folder = cache / digest.hexdigest()[:20]
    report_file = folder / "report.json"
    if not report_file.is_file():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        source_app = folder / "app-source.zip"
        source_app.write_bytes(app_zip)
        options = {"stdlib": str(stdlib.resolve()), "wheels": [str(w.resolve()) for w in wheels],
                   "app": str(source_app.resolve()), "app_prefix": APP_PREFIX,
                   "extra": list(PAGE_EXTRA_IMPORTS), "out": str(folder.resolve()), "source": list(SOURCE_SHOWN)}
        report = run_in_pyodide("prepare", options, node_modules, wheels)
        source_app.unlink()
        report_file.write_text(json.dumps(report, indent=1))
    report = json.loads(report_file.read_text())
    return {"stdlib": folder / "python_stdlib.zip", "wheels": [folder / w.name for w in wheels],
            "app": (folder / "app.zip").read_bytes(), "report": report}

"""The parts of the runtime that start-up does not load, fetched on their first import.

The build cuts the standard library and the wheels to what start-up imports (sitebuild/trim.py) and puts
the rest of each in a zip the load plan names, with its sha256 and the modules it holds. The first import of
one of those modules (numpy.random for a new network's weights, ...) fetches
that zip, checks it and unpacks it where Python looks, then imports as if it had always been there: the
import is synchronous, so the download is too (a synchronous request, which the service worker answers
offline). A shared library not loaded at start is such a part too, one file: written where the wheel had it,
then dlopen compiles it; one that start-up imports but only calls later (numpy.linalg's: `import numpy` imports
it) is a placeholder module until an attribute of it is first used.
"""
from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import importlib.util
import io
import sys
import types
import zipfile
from pathlib import Path, PurePosixPath


class RestMissing(ImportError):
    """A part of the runtime could not be fetched or did not match its sha256."""


def fetch_bytes(url: str) -> bytes:
    """The body of a same-origin file, synchronously (the import that needs it cannot wait): bootstrap.js's
    fetchSync, which makes the bytes in JavaScript (a codec here may itself be in a rest zip: utf-16 was)."""
    import js

    data = js.explainer.fetchSync(url)
    if data is None:
        raise RestMissing(f"{url}: the server did not send it")
    return data.to_bytes()


class RestFinder:
    """A meta path finder, first in line: a module of a rest zip not yet loaded loads its zip, then the normal
    path finder finds it there; any other name passes through untouched."""

    def __init__(self, plan: dict, fetch=fetch_bytes, report=None):
        self.zips = {path: dict(part) for path, part in plan.items()}
        self.owner = {name: path for path, part in plan.items() for name in part["modules"]}
        self.fetch, self.report = fetch, report

    def load(self, path: str) -> None:
        part = self.zips[path]
        if part.get("loaded"):
            return
        try:
            data = self.fetch(path)
        except RestMissing:
            raise
        except Exception as error:  # noqa: BLE001 - the connection, as JsException: an ImportError like any other
            print(f"[explainer] {path}: {type(error).__name__}: {error}", file=sys.stderr)  # the console
            raise RestMissing(f"{path} could not be downloaded ({type(error).__name__}); check the connection") from error
        if hashlib.sha256(data).hexdigest() != part["sha256"]:
            raise RestMissing(f"A file of the site is damaged or out of date ({path}): reload the page")
        if part.get("library"):
            Path(part["target"]).parent.mkdir(parents=True, exist_ok=True)
            Path(part["target"]).write_bytes(data)
        else:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                archive.extractall(part["target"])
        part["loaded"] = True
        importlib.invalidate_caches()
        if self.report:
            self.report(path)

    def find_spec(self, fullname, path=None, target=None):
        zip_path = self.owner.get(fullname)
        if zip_path is None or self.zips[zip_path].get("loaded"):
            return None
        if self.zips[zip_path].get("deferred"):
            return importlib.machinery.ModuleSpec(fullname, DeferredLoader(self, zip_path, path))
        self.load(zip_path)
        return importlib.machinery.PathFinder.find_spec(fullname, path)


class Deferred(types.ModuleType):
    """A shared library imported but not yet used: the first attribute asked for that it lacks loads it."""

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__") and name != "__pyx_capi__":
            raise AttributeError(name)  # introspection (copy, pickle, doctest...) needs no library
        real = self.__loader__.load_library(self)
        return getattr(real, name)


class DeferredLoader:
    """The loader of a Deferred module: its library is fetched and imported on first use, into the same module."""

    def __init__(self, finder: RestFinder, zip_path: str, path):
        self.finder, self.zip_path, self.path = finder, zip_path, path

    def create_module(self, spec):
        return Deferred(spec.name)

    def exec_module(self, module):
        pass  # nothing until it is used

    def load_library(self, module: Deferred):
        self.finder.load(self.zip_path)
        spec = importlib.machinery.PathFinder.find_spec(module.__name__, self.path)
        real = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(real)
        vars(module).update({k: v for k, v in vars(real).items() if k not in ("__spec__", "__loader__")})
        sys.modules[module.__name__] = real  # later imports get the library itself
        return real


def module_name(path: str) -> str | None:
    """The dotted module name a file of an archive defines (None for data files): the rest table's modules
    (sitebuild/trim.py), and the start from a snapshot's (from_snapshot.py)."""
    parts = PurePosixPath(path)
    if parts.suffix not in (".py", ".pyc", ".so") or any("." in p for p in parts.parts[:-1]):
        return None  # data, or a folder that is no package (dist-info)
    stem = parts.name.split(".")[0]
    names = list(parts.parts[:-1]) + ([] if stem == "__init__" else [stem])
    return ".".join(names) or None


def app_modules() -> list[str]:
    """The app's modules imported so far that touch no page (only pyapp/page uses js): a snapshot may hold them."""
    return sorted(name for name in sys.modules
                  if name.startswith("pyapp.") and name != "pyapp.page" and not name.startswith("pyapp.page."))


def import_quietly(finder: RestFinder, names) -> list[str]:
    """Imports names (site/snapshot.mjs's worker: what the page had imported) without fetching any rest zip, for
    its files would not be in the next visit's file system: a module that needs one is left out. Returns those
    imported."""
    fetch = finder.fetch

    def refuse(path):
        raise RestMissing(f"{path}: not in a snapshot")

    finder.fetch = refuse
    try:
        done = []
        for name in names:
            try:
                importlib.import_module(name)
                done.append(name)
            except Exception:  # noqa: BLE001 - a rest zip, Pillow (loaded later), a file: the page imports it itself
                pass
        return done
    finally:
        finder.fetch = fetch


def install() -> RestFinder | None:
    """Put the finder of the load plan's rest zips in front of Python's import path (once; a Python started from
    a snapshot has it already, made by site/snapshot.mjs's worker, and it reports to this page from now on)."""
    import js  # here, not above: the finder itself is tested in CPython
    from pyodide.ffi import to_js

    def report(path):  # each fetch goes into the loader's history, for tests and the benchmark
        js.explainer.history.push(to_js([round(js.performance.now()), "rest", path]))

    for finder in sys.meta_path:
        if isinstance(finder, RestFinder):
            finder.report = finder.report or report
            return finder
    plan = js.explainer.rest
    if not plan:
        return None
    finder = RestFinder(plan.to_py(), report=report)
    sys.meta_path.insert(0, finder)  # first: numpy/random/ is there for its shared libraries, not a namespace package
    return finder

"""The runtime's Python archives cut to what the page imports at start, the rest fetched on first import.

The import trace of the bytecode step (bytecode.probe_imports: every pyapp module, what PyScript and Pyodide
import, Pillow opening a photo of each format) says which files of the standard library zip and of each wheel
start-up imports. Those stay in the archive the page loads at start; what no visitor can import (tests, f2py, type
stubs, C headers and static libraries) is not shipped; everything else goes into one "rest" zip per archive,
which pyapp/page/rest.py fetches (checked against its sha256) and unpacks the first time anything in it is
imported, e.g. numpy.random when a network is initialised for training. Pillow, loaded after ready, is not cut.
Shared libraries work the same way, one file each: a library start-up imports stays in the wheel (Pyodide
compiles it, asynchronously, when it loads the package); one it does not import (numpy.random's, fft's) leaves
the wheel and is fetched on its first import, and dlopen compiles it then (synchronously, a few hundred ms for
the largest); one start-up imports but only calls later (DEFERRED) is imported as a placeholder that loads the
library on its first use. NumPy's test-only libraries are not shipped.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from pyapp.page.rest import module_name

# Never importable in the page (or only by tools that are not there): not shipped at all.
NEVER = re.compile(r"(^|/)(tests?|f2py|_pyinstaller|include)/|\.(pyi|pxd|h|c|a|lib|pc|typed)$"
                   r"|^numpy/_core/lib/|^numpy/random/lib/|/py\.typed$"
                   r"|^numpy/_core/_(rational|struct_ufunc|operand_flag|umath)_tests\.|^numpy/_core/_simd\.")
# Where each archive's files go in Pyodide's file system (Python's path has both).
STDLIB_TARGET = "/lib/python3.12"
SITE_TARGET = "/lib/python3.12/site-packages"
# Libraries `import numpy` imports whose functions only numpy.linalg's own functions call (the page never does):
# imported as a placeholder, loaded on first use (pyapp/page/rest.py).
DEFERRED = ("numpy/linalg/_umath_linalg.",)


@dataclass
class Split:
    """One archive cut in two: what is loaded at start, and the rest with the module names it holds."""

    start: bytes
    rest: bytes
    modules: list[str]
    dropped: int
    libraries: dict[str, bytes] = None  # the shared libraries fetched on first import, by their path in the archive
    deferred: tuple[str, ...] = ()  # of those, the ones start-up imports: placeholders until first used


def split(data: bytes, imported: set[str]) -> Split:
    """data (a zip): files whose source path is in imported, and the package metadata, stay; the rest is cut."""
    start, rest = io.BytesIO(), io.BytesIO()
    modules, dropped, libraries = set(), 0, {}
    with zipfile.ZipFile(io.BytesIO(data)) as zin, \
            zipfile.ZipFile(start, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zstart, \
            zipfile.ZipFile(rest, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zrest:
        for info in zin.infolist():
            name = info.filename
            source = name[:-1] if name.endswith(".pyc") else name
            if info.is_dir():
                continue
            if NEVER.search(name):
                dropped += 1
            elif name.endswith(".so") and (name not in imported or name.startswith(DEFERRED)):
                libraries[name] = zin.read(info)
            elif source in imported or ".dist-info/" in name:
                zstart.writestr(info, zin.read(info))
            else:
                zrest.writestr(info, zin.read(info))
                modules.add(module_name(name))
    kept = {module_name(n[:-1] if n.endswith(".pyc") else n) for n in imported}
    return Split(start.getvalue(), rest.getvalue(), sorted(m for m in modules - kept if m), dropped, libraries,
                 tuple(sorted(name for name in libraries if name in imported)))

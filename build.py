#!/usr/bin/env python3
"""Assemble the static site in dist/: Pyodide, PyScript, the NumPy and Pillow wheels, pyapp with the
weights, one example image per class, the first paint, the service worker and its precache manifest.

    python build.py                   build dist/
    python build.py serve [--port N]  build, then serve it on 127.0.0.1
    python build.py --model DIR       the site for another model folder (python -m training.train or pyapp import)

Where things come from:
- the runtime: node_modules (``npm ci``): pyodide 0.27.7 and @pyscript/core 0.6.66;
- the numpy and pillow wheels: ``--wheels DIR`` or $PYODIDE_WHEELS, else the user cache, else the
  official Pyodide 0.27.7 distribution (downloaded once into the user cache). Every runtime file that
  pyodide-lock.json lists is checked against its sha256 there; a mismatch stops the build;
- the examples: the validation images of ``--data DIR`` or $TINY_IMAGENET_DIR, else of the copy in the
  user cache (downloaded once from the official Tiny ImageNet archive, 10 classes kept). Without a
  dataset the site still builds and the page starts on "add your own image".
A rebuild only rewrites what changed, so after an edit to pyapp it takes a few seconds.

The work is done by the sitebuild package; this file is the entry point and the names the tests use.
"""
from __future__ import annotations

import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy: one forward pass is faster single-threaded

from sitebuild.common import NODE_MODULES, Build, BuildError, sha256_file  # noqa: E402
from sitebuild.cli import main  # noqa: E402
from sitebuild.examples import example_file  # noqa: E402
from sitebuild.page import sri  # noqa: E402
from sitebuild.runtime import PYODIDE_VERSION, PYSCRIPT_VERSION, RUNTIME_FILES, load_lock, lock_hashes  # noqa: E402
from sitebuild.server import SiteHandler, make_server  # noqa: E402
from sitebuild.steps import build  # noqa: E402
from sitebuild.wheels import find_wheels  # noqa: E402

__all__ = ["NODE_MODULES", "PYODIDE_VERSION", "PYSCRIPT_VERSION", "RUNTIME_FILES", "Build", "BuildError",
           "SiteHandler", "build", "example_file", "find_wheels", "load_lock", "lock_hashes", "main",
           "make_server", "sha256_file", "sri"]

if __name__ == "__main__":
    sys.exit(main())

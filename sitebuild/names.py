"""Content-hashed names for the files the page loads, so that a deploy is atomic.

A static host (GitHub Pages caches for ten minutes) may hand a visitor old and new files of the same name in
one load; with the content in the name, an index.html only ever names the files it was built with, and a file
is never replaced under the same name (so the SRI hash of bootstrap.js never meets a stale copy). Pyodide
finds its own files by fixed names beside pyodide.mjs (pyodide.asm.js, pyodide.asm.wasm, the stdlib zip, the
lock file and the wheels it names), PyScript its chunks beside core.js: those folders are named after all of
their content instead, ``pyodide-<hash>/`` and ``pyscript-<hash>/``. index.html, sw.js, the web manifest and
icons keep their names (the address, the worker's update check, the install prompt).
"""
from __future__ import annotations

import hashlib
from pathlib import PurePosixPath

DIGITS = 12


def of_file(rel: str, data: bytes) -> str:
    """rel with its content's hash before the extension: styles/base.css -> styles/base.<hash>.css."""
    path = PurePosixPath(rel)
    return str(path.with_name(f"{path.stem}.{hashlib.sha256(data).hexdigest()[:DIGITS]}{path.suffix}"))


def of_folder(name: str, files: dict[str, bytes]) -> str:
    """name-<hash> for a folder holding files (name in the folder -> content)."""
    digest = hashlib.sha256()
    for rel in sorted(files):
        digest.update(rel.encode() + b"\0" + hashlib.sha256(files[rel]).digest())
    return f"{name}-{digest.hexdigest()[:DIGITS]}"

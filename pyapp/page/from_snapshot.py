"""What a start from a memory snapshot writes (site/snapshot.mjs): Python comes with NumPy and the app's modules
already imported, and reads a module's bytecode only at its first import, so the app's zip and the start-up
wheels are unpacked without the bytecode of the modules the snapshot holds. Sources (the code panels read
them), data, shared libraries and every module not yet imported are written as usual.

The snapshot's worker imports this module, so a start from the snapshot has it before any file is written.
"""
from __future__ import annotations

import io
import shutil
import sys
import zipfile

from .rest import module_name


def unpack_unread(source, target: str) -> int:
    """The zip source (bytes, JavaScript's bytes, or a path) into target, but the bytecode of modules already
    imported. Returns how many files it left out."""
    if hasattr(source, "to_bytes"):
        source = source.to_bytes()
    with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as archive:
        members = archive.infolist()
        wanted = [member for member in members if sourceless_module(member.filename) not in sys.modules]
        archive.extractall(target, members=wanted)
    return len(members) - len(wanted)


def sourceless_module(path: str) -> str | None:
    """The module a zip path holds as bytecode alone (pyapp/x/__init__.pyc: pyapp.x; pyapp/x/y.pyc: pyapp.x.y),
    else None (a source, its __pycache__ copy, data)."""
    return module_name(path) if path.endswith(".pyc") and "__pycache__/" not in path else None


def unpacking_wheels_unread():
    """While the snapshot's packages are loaded again (Pyodide's loadPackage unpacks a wheel with
    shutil.unpack_archive): their wheels as unpack_unread writes them. Returns the function that ends it."""
    full = shutil.unpack_archive

    def unpack_archive(filename, extract_dir=None, format=None, **kwargs):
        if not str(filename).endswith(".whl"):
            return full(filename, extract_dir, format, **kwargs)
        unpack_unread(str(filename), str(extract_dir))
        return None

    def end():
        shutil.unpack_archive = full

    shutil.unpack_archive = unpack_archive
    return end

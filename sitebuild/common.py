"""What every step of the build shares: the folders, the error that stops a build, what a build produced,
the log, file hashes, downloads with a progress line, and the writer of the output folder."""
from __future__ import annotations

import hashlib
import os
import shutil
import sys
import urllib.request
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "site"
NODE_MODULES = ROOT / "node_modules"
WEIGHTS = ROOT / "weights"
DIST = ROOT / "dist"
BUILD_CACHE = ROOT / ".cache" / "build"
USER_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cnn-explainer-python"


class BuildError(Exception):
    """A problem that stops the build; the message says what to do."""


@dataclass
class Build:
    """What a build produced: the folder, its files with their sha256, and the choices it made."""

    out: Path
    files: dict[str, str] = field(default_factory=dict)  # relative path -> sha256 of every precached file
    examples: dict[str, str] = field(default_factory=dict)  # class name -> source image
    build_hash: str = ""
    seconds: float = 0.0
    runtime_dir: str = ""  # pyodide-<hash>
    served: dict[str, str] = field(default_factory=dict)  # a page file's own name -> its content-hashed name

    def path(self, rel: str) -> str:
        """Where a file is in the site by its own name: bootstrap.js, styles/base.css, pyodide/pyodide.asm.wasm."""
        if rel in self.served:
            return self.served[rel]
        if rel.startswith("pyodide/"):
            return self.runtime_dir + rel[len("pyodide"):]
        if rel.startswith("pyscript/"):
            return self.served["pyscript/core.js"].split("/")[0] + rel[len("pyscript"):]
        return rel


def log(message: str) -> None:
    print(f"build: {message}", file=sys.stderr, flush=True)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(partial(f.read, 1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download(url: str, dest: Path, label: str) -> None:
    """Stream url to dest with a progress line; partial files never keep dest's name."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    tty = sys.stderr.isatty()
    with urllib.request.urlopen(url, timeout=30) as response, open(part, "wb") as f:
        total = int(response.headers.get("Content-Length") or 0)
        done, shown = 0, -1
        for block in iter(partial(response.read, 1 << 16), b""):
            f.write(block)
            done += len(block)
            percent = int(100 * done / total) if total else 0
            if tty or percent // 10 != shown // 10:
                bar = "#" * (percent // 4)
                end = "\r" if tty else "\n"
                print(f"build: downloading {label} [{bar:<25}] {percent:3d}% {done / 1e6:.1f}/{total / 1e6:.1f} MB",
                      end=end, file=sys.stderr, flush=True)
                shown = percent
        if tty:
            print(file=sys.stderr)
    part.replace(dest)


class Writer:
    """Writes into the output folder only what changed, and remembers every file of this build."""

    def __init__(self, out: Path):
        self.out = out
        self.written: set[str] = set()

    def bytes(self, rel: str, data: bytes) -> None:
        path = self.out / rel
        self.written.add(rel)
        if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def text(self, rel: str, text: str) -> None:
        self.bytes(rel, text.encode())

    def copy(self, rel: str, src: Path) -> None:
        path = self.out / rel
        self.written.add(rel)
        stat = src.stat()
        if path.is_file() and path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns:
            return  # the same file as last time: the runtime's 15 MB are not copied again
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)  # the source may be read-only (a shared wheels folder): so is the copy
        shutil.copy2(src, path)
        path.chmod(0o644)

    def remove_stale(self) -> None:
        """Files of an earlier build that this one does not have (so no old file is ever served)."""
        for path in sorted(self.out.rglob("*"), reverse=True):
            rel = path.relative_to(self.out).as_posix()
            if path.is_file() and rel not in self.written:
                path.unlink()
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()


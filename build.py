#!/usr/bin/env python3
"""Assemble the static site in dist/: Pyodide, PyScript, the NumPy and Pillow wheels, pyapp with the
weights, one example image per class, the first paint, the service worker and its precache manifest.

    python build.py                   build dist/
    python build.py serve [--port N]  build, then serve it on 127.0.0.1
    python build.py --model DIR       the site for another model folder (weights/train.py or pyapp import)

Where things come from:
- the runtime: node_modules (``npm ci``): pyodide 0.27.7 and @pyscript/core 0.6.66;
- the numpy and pillow wheels: ``--wheels DIR`` or $PYODIDE_WHEELS, else the user cache, else the
  official Pyodide 0.27.7 distribution (downloaded once into the user cache). Every runtime file that
  pyodide-lock.json lists is checked against its sha256 there; a mismatch stops the build;
- the examples: the validation images of ``--data DIR`` or $TINY_IMAGENET_DIR, else of the copy in the
  user cache (downloaded once from the official Tiny ImageNet archive, 10 classes kept). Without a
  dataset the site still builds and the page starts on "add your own image".
A rebuild only rewrites what changed, so after an edit to pyapp it takes a few seconds.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import http.server
import importlib
import io
import json
import os
import re
import shutil
import sys
import time
import urllib.request
import zipfile
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import bytecode

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one forward pass is faster single-threaded on small machines

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # pyapp, when build.py is imported from elsewhere (tests, benchmarks)
SITE = ROOT / "site"
NODE_MODULES = ROOT / "node_modules"
WEIGHTS = ROOT / "weights"
DIST = ROOT / "dist"
BUILD_CACHE = ROOT / ".cache" / "build"
USER_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cnn-explainer-python"

PYODIDE_VERSION = "0.27.7"
PYSCRIPT_VERSION = "0.6.66"
PACKAGES = ("numpy", "pillow")
# What Python loads before the first screen; Pillow follows once the page is ready (pyapp/page/pillow.py).
STARTUP_PACKAGES = ("numpy",)
WHEELS_URL = f"https://cdn.jsdelivr.net/pyodide/v{PYODIDE_VERSION}/full/"
WHEELS_ENV = "PYODIDE_WHEELS"
DATASET_URL = "http://cs231n.stanford.edu/tiny-imagenet-200.zip"
DATA_ENV = "TINY_IMAGENET_DIR"
# The core runtime the npm package ships; packages (wheels) are added from the lock file.
RUNTIME_FILES = ("pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
# PyScript plugins the page does not use; "error" is off because the page shows its own start-up errors.
DISABLED_PLUGINS = ("codemirror", "deprecations-manager", "donkey", "error", "py-editor", "py-game", "py-terminal")
WEIGHT_FILES = ("tiny_vgg.json", "tiny_vgg.npz", "model_card.json", "MODEL_CARD.md")
STYLES = ("base.css", "overview.css", "detail.css")  # always linked, in this order; other sheets after them
ICON_SIZES = (192, 512)
ZIP_TIME = (2020, 1, 1, 0, 0, 0)  # fixed, so an unchanged pyapp gives a byte-identical zip
NO_DATASET = ("no dataset: the site has no example images and starts on \"add your own image\" "
              f"(give --data DIR or ${DATA_ENV})")


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


def log(message: str) -> None:
    print(f"build: {message}", file=sys.stderr, flush=True)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(partial(f.read, 1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# -- the runtime ----------------------------------------------------------------------------------

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


def wheel_names(lock: dict, roots: tuple[str, ...] = PACKAGES) -> list[str]:
    """The wheel files of roots (default PACKAGES) and everything they depend on, from the lock file."""
    packages, names, todo = lock["packages"], [], list(roots)
    while todo:
        name = todo.pop(0)
        entry = packages[name]
        if entry["file_name"] not in names:
            names.append(entry["file_name"])
            todo.extend(d for d in entry.get("depends", []) if packages[d]["file_name"] not in names)
    return names


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


def find_wheels(lock: dict, wheels_dir: str | None) -> list[Path]:
    """Each needed wheel, verified against the lock: from wheels_dir, else the user cache (filled from
    the official distribution when empty)."""
    hashes, found = lock_hashes(lock), []
    given = wheels_dir or os.environ.get(WHEELS_ENV)
    cache = USER_CACHE / f"pyodide-{PYODIDE_VERSION}"
    for name in wheel_names(lock):
        if given:
            path = Path(given).expanduser() / name
            if not path.is_file():
                raise BuildError(f"{path} is missing (from --wheels / ${WHEELS_ENV}): "
                                 f"put the official Pyodide {PYODIDE_VERSION} wheel there")
        else:
            path = cache / name
            if not path.is_file():
                try:
                    download(WHEELS_URL + name, path, name)
                except OSError as exc:
                    raise BuildError(
                        f"cannot download {name} ({exc}).\nWithout internet, give a folder with the "
                        f"Pyodide {PYODIDE_VERSION} wheels: --wheels DIR or ${WHEELS_ENV}") from None
        verify(path, hashes[name])
        found.append(path)
    return found


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


# -- the dataset and the examples -----------------------------------------------------------------

def _has_images(root: Path, classes) -> bool:
    from pyapp.data.dataset import DatasetError, labelled_images

    try:
        return bool(labelled_images(validation_dir(root), classes))
    except DatasetError:
        return False


def validation_dir(root: Path) -> Path:
    """The validation folder of a dataset root, or the root itself when it is one."""
    from pyapp.data.dataset import DatasetError, split_dirs

    try:
        return split_dirs(root)[1]
    except DatasetError:
        return root


def download_dataset(cache: Path) -> Path | None:
    """The official Tiny ImageNet archive into the user cache, keeping only the network's 10 classes."""
    from pyapp.data.dataset import WNIDS

    archive = cache / "tiny-imagenet-200.zip"
    try:
        if not archive.is_file():
            download(DATASET_URL, archive, "Tiny ImageNet (248 MB, once)")
        root = cache / "tiny-imagenet-200"
        with zipfile.ZipFile(archive) as z:
            labels = z.read("tiny-imagenet-200/val/val_annotations.txt").decode().splitlines()
            keep_val = {line.split("\t")[0] for line in labels if line.split("\t")[1:2] and line.split("\t")[1] in WNIDS}
            for info in z.infolist():
                parts = info.filename.split("/")
                wanted = (len(parts) > 3 and parts[1] == "train" and parts[2] in WNIDS) or \
                         (len(parts) == 4 and parts[1:3] == ["val", "images"] and parts[3] in keep_val)
                if wanted and not info.is_dir():
                    z.extract(info, cache)
            (root / "val" / "val_annotations.txt").write_text(
                "\n".join(line for line in labels if line.split("\t")[0] in keep_val) + "\n")
        archive.unlink()
        return root
    except (OSError, zipfile.BadZipFile, KeyError) as exc:
        log(f"warning: could not get Tiny ImageNet from {DATASET_URL} ({exc})")
        return None


def dataset_dir(given: str | None, allow_download: bool = True, classes=None) -> Path | None:
    """The dataset: --data, else $TINY_IMAGENET_DIR, else the user cache (downloaded when empty)."""
    from pyapp.data.dataset import CLASS_NAMES, dataset_root

    classes = CLASS_NAMES if classes is None else classes
    root = dataset_root(given)
    if root is not None:
        if not _has_images(root, classes):
            if not given and set(classes) != set(CLASS_NAMES):  # Tiny ImageNet from the environment, another model
                log(f"${DATA_ENV} has no images of this model's classes")
                return None
            raise BuildError(f"{root}: no validation images of the {len(classes)} classes "
                             f"({', '.join(classes)}) (from --data / ${DATA_ENV})")
        return root
    if set(classes) - set(CLASS_NAMES):
        return None  # the Tiny ImageNet download cannot have this model's classes
    cache = USER_CACHE / "tiny-imagenet"
    cached = cache / "tiny-imagenet-200"
    if cached.is_dir() and _has_images(cached, classes):
        return cached
    if allow_download:
        log(f"no --data or ${DATA_ENV}: fetching the dataset into {cache}")
        return download_dataset(cache)
    return None


def example_file(class_name: str) -> str:
    from pyapp.views.widgets.examples import example_path

    return example_path(class_name)


def choose_examples(root: Path, network) -> dict[str, Path]:
    """One validation image per class: the one the model gives its class the highest probability
    (so a correct, confident example where the model has one). Remembered per weights and dataset."""
    import numpy as np
    from pyapp.data.dataset import labelled_images
    from pyapp.images.preprocess import load_image

    samples = labelled_images(validation_dir(root), network.classes)
    key = hashlib.sha256(b"".join(a.tobytes() for a in network.weights().values())
                         + "\n".join(f"{s.path}:{s.path.stat().st_size}" for s in samples).encode()).hexdigest()[:16]
    remembered = BUILD_CACHE / f"examples-{key}.json"
    if remembered.is_file():
        choice = json.loads(remembered.read_text())
        log(f"examples: as chosen before ({remembered.relative_to(ROOT)})")
        return {name: Path(path) for name, path in choice.items()}
    probabilities = network.predict(np.stack([load_image(s.path) for s in samples]))
    labels = np.array([s.index for s in samples])
    choice = {}
    for index, name in enumerate(network.classes):
        mine = np.flatnonzero(labels == index)
        if not len(mine):
            continue
        correct = probabilities[mine].argmax(axis=1) == index
        # correct ones first, then the most confident; ties go to the first file name
        best = mine[np.lexsort((-probabilities[mine, index], ~correct))[0]]
        choice[name] = samples[best].path
        verdict = "correct" if probabilities[best].argmax() == index else "not classified correctly"
        log(f"example {name}: {samples[best].path.relative_to(root)} (p={probabilities[best, index]:.3f}, {verdict})")
    BUILD_CACHE.mkdir(parents=True, exist_ok=True)
    remembered.write_text(json.dumps({n: str(p) for n, p in choice.items()}, indent=1))
    return choice


# -- the page -------------------------------------------------------------------------------------

def render_first_paint(state, trace, network) -> str:
    """What #overview shows before Python starts in the browser: the overview of the default example,
    rendered here by the same view the page uses."""
    from pyapp.views.widgets import overview

    return overview.render(state, trace, network)


def render_article(network) -> str:
    """The article for #article: pyapp.views.article.article fills site/article.html's computed parts."""
    if not (SITE / "article.html").is_file():
        return ""
    try:
        view = importlib.import_module("pyapp.views.article.article")
    except ModuleNotFoundError as exc:
        if exc.name != "pyapp.views.article.article":
            raise
        return (SITE / "article.html").read_text()
    return view.render(network.description)


def render_page(load_plan: dict, styles: list[str], examples_html: str, first_paint: str, article: str,
                model_dir: Path = WEIGHTS) -> str:
    template = (SITE / "index.html").read_text()
    integrity = load_plan["integrity"]
    # the modules (PyScript's, and Pyodide's, which it imports itself) are checked through the import map
    import_map = json.dumps({"integrity": {f"./{rel}": value for rel, value in integrity.items()
                                           if rel.endswith((".js", ".mjs")) and rel != "bootstrap.js"}},
                            separators=(",", ":"))
    stages = "".join(
        f'<li data-stage="{s["id"]}" data-state="waiting"><span class="stage-label">{s["label"]}</span>'
        f'<progress max="1" value="0"></progress><span class="stage-amount"></span></li>'
        for s in load_plan["stages"])
    parts = {
        "load-plan": json.dumps(load_plan, separators=(",", ":")).replace("</", "<\\/"),
        "styles": "\n".join(f'<link rel="stylesheet" href="./styles/{name}">' for name in styles),
        "stages": stages,
        "examples": examples_html,
        "first-paint": first_paint,
        "article": article,
        "download-size": f"{sum(size for s in load_plan['stages'] for _, size in s['files']) / 1e6:.0f} MB",
        "model-card": ' <a href="./weights/MODEL_CARD.md">Model card</a>.' if (model_dir / "MODEL_CARD.md").is_file() else "",
        "mpy-config": json.dumps({"plugins": [f"!{p}" for p in DISABLED_PLUGINS]}),
        "import-map": import_map,
        "script-hashes": "'sha256-" + base64.b64encode(hashlib.sha256(import_map.encode()).digest()).decode() + "'",
    }
    for name, value in parts.items():
        marker = f"<!--@{name}-->"
        if marker not in template:
            raise BuildError(f"site/index.html has no {marker} placeholder")
        template = template.replace(marker, value)
    return with_integrity(template, integrity)


def with_integrity(html: str, integrity: dict[str, str]) -> str:
    """integrity="..." on each script, stylesheet and module preload of the page whose file is in integrity."""
    def tag(match: re.Match) -> str:
        text, path = match.group(0), match.group(1)
        if path not in integrity or 'type="py"' in text or (
                text.startswith("<link") and not re.search(r'rel="(stylesheet|modulepreload)"', text)):
            return text
        return f'{text[:-1]} integrity="{integrity[path]}">'

    return re.sub(r'<(?:script|link)\b[^>]*?\b(?:src|href)="\./([^"]+)"[^>]*>', tag, html)


def app_zip(network_files: list[Path]) -> bytes:
    """pyapp and the weights as one deterministic zip, unpacked by PyScript into Python's home folder."""
    buffer = io.BytesIO()
    pyapp = ROOT / "pyapp"
    entries = sorted(p for p in pyapp.rglob("*.py") if "__pycache__" not in p.parts)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for path in entries + network_files:
            name = f"weights/{path.name}" if path in network_files else path.relative_to(ROOT).as_posix()
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, path.read_bytes())
    return buffer.getvalue()


def icon_png(size: int) -> bytes:
    """The app icon: an input, two activation maps and the output bars, in the explainer's colours."""
    import numpy as np
    from PIL import Image, ImageDraw
    from pyapp.ui.colors import hex_color, to_rgb

    scale = size / 64
    im = Image.new("RGB", (size, size), "#ffffff")
    draw = ImageDraw.Draw(im)
    draw.rounded_rectangle([0, 0, size - 1, size - 1], radius=10 * scale, fill="#f6f8fa", outline="#d8dee4",
                           width=max(1, round(scale)))
    y, x = np.mgrid[-1:1:8j, -1:1:8j]
    ring = np.cos(3 * np.hypot(x, y))  # a blob and a ring, like a conv map of a round object
    maps = [1 - (ring + 1) / 2, -ring, np.maximum(ring, 0)]
    for column, values in enumerate(maps):
        kind = "greys" if column == 0 else "rdbu"
        low, high = (0, 1) if column == 0 else (-1, 1)
        pixels = to_rgb(values, low, high, kind, reverse=column > 0).astype(np.uint8)
        tile = Image.fromarray(pixels).resize((round(16 * scale),) * 2, Image.Resampling.NEAREST)
        left, top = round((3 + 18 * column) * scale), round(24 * scale)
        im.paste(tile, (left, top))
    for row, length in enumerate((2, 6, 3)):
        y0 = (24 + row * 6) * scale
        draw.rectangle([57 * scale, y0, (57 + length) * scale, y0 + 4 * scale],
                       fill=hex_color("oranges", 0.5 + 0.4 * (length == 6)))
    out = io.BytesIO()
    im.save(out, "PNG", optimize=True)
    return out.getvalue()


def web_manifest() -> str:
    return json.dumps({
        "name": "CNN Explainer in Python",
        "short_name": "CNN Explainer",
        "description": "Watch a real convolutional network classify a photo, layer by layer, in your browser.",
        "start_url": "./",
        "scope": "./",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#ffffff",
        "icons": [{"src": f"icons/icon-{s}.png", "sizes": f"{s}x{s}", "type": "image/png", "purpose": "any"}
                  for s in ICON_SIZES],
    }, indent=1)


# -- writing dist/ ----------------------------------------------------------------------------------

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


def sri(sha256_hex: str) -> str:
    return "sha256-" + base64.b64encode(bytes.fromhex(sha256_hex)).decode()


def copy_runtime(write: Writer, lock: dict, wheels: str | None, app: bytes) -> tuple[list[str], list[str], dict, bytes]:
    """Pyodide's core and the wheels side by side (as pyodide.mjs expects), PyScript in its own folder;
    the standard library, the wheels and the app zip as bytecode (bytecode.py), after every upstream file
    was checked against the lock. Returns the runtime's and the packages' paths in the site, the lock file
    the site uses (the compiled wheels' sha256) and the compiled app zip."""
    hashes = lock_hashes(lock)
    for name in RUNTIME_FILES:
        if name in hashes:
            verify(NODE_MODULES / "pyodide" / name, hashes[name])
    upstream_wheels = find_wheels(lock, wheels)
    try:
        compiled = bytecode.compile_site(NODE_MODULES / "pyodide" / "python_stdlib.zip", upstream_wheels, app,
                                         NODE_MODULES, BUILD_CACHE / "bytecode")
    except bytecode.BytecodeError as exc:
        raise BuildError(str(exc)) from None
    for problem in compiled["report"]["imported"].get("failed", []):
        log(f"bytecode: not importable outside a page, compiled there instead: {problem}")
    site_lock = json.loads(json.dumps(lock))
    for entry in site_lock["packages"].values():
        for path in compiled["wheels"]:
            if entry["file_name"] == path.name:
                entry["sha256"] = sha256_file(path)
    runtime = []
    for name in RUNTIME_FILES:
        if name == "pyodide-lock.json":
            write.text(f"pyodide/{name}", json.dumps(site_lock, separators=(",", ":")))
        else:
            write.copy(f"pyodide/{name}", compiled["stdlib"] if name == "python_stdlib.zip" else NODE_MODULES / "pyodide" / name)
        runtime.append(f"pyodide/{name}")
    packages = []
    for path in compiled["wheels"]:
        write.copy(f"pyodide/{path.name}", path)
        packages.append(f"pyodide/{path.name}")
    for path in pyscript_files():
        write.copy(f"pyscript/{path.name}", path)
        runtime.append(f"pyscript/{path.name}")
    return runtime, packages, site_lock, compiled["app"]


def write_examples(write: Writer, network, root: Path | None) -> dict[str, Path]:
    """The network's 64x64 picture of each chosen image, as PNG: decoded identically in CPython and Pyodide
    (JPEG decoders differ between the two), so the page's numbers equal the native ones."""
    import numpy as np
    from pyapp.images.preprocess import network_image
    from pyapp.images.png import png_bytes

    chosen = choose_examples(root, network) if root else {}
    if not chosen:
        log(NO_DATASET)
    for name, path in chosen.items():
        write.bytes(example_file(name), png_bytes(np.asarray(network_image(path))))
    write.text("examples.json", json.dumps(
        {name: {"file": example_file(name), "source": str(path.relative_to(root))} for name, path in chosen.items()},
        indent=1))
    return chosen


def load_plan(out: Path, runtime: list[str], packages: list[str], model: list[str], checked: list[str]) -> dict:
    """What bootstrap.js needs to show the loading stages, to fetch files early and to check every start-up
    file: integrity, the SRI hash of each (the stages' files and ``checked``, e.g. styles and scripts)."""

    def files(paths):
        return [[rel, (out / rel).stat().st_size] for rel in paths]

    return {
        "stages": [
            {"id": "runtime", "label": "Python runtime", "after": "starting Python…", "files": files(runtime)},
            {"id": "packages", "label": "NumPy", "after": "installing…", "files": files(packages)},
            {"id": "model", "label": "Tiny VGG", "after": "waiting for Python…", "files": files(model)},
        ],
        # fetched at once, in parallel, instead of one after the other as the runtime asks for them
        "prefetch": [f"pyodide/{name}" for name in ("pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")]
                    + packages + model,
        "integrity": {rel: sri(sha256_file(out / rel)) for rel in runtime + packages + model + checked},
        "serviceWorker": "sw.js",
    }


def write_service_worker(write: Writer) -> tuple[str, dict[str, str]]:
    """The precache manifest (every file written so far, with its sha256) and the service worker holding it;
    the build hash names the cache, so a new build installs beside the old one and replaces it whole."""
    listing = {rel: sha256_file(write.out / rel) for rel in sorted(write.written)}
    listing["./"] = listing["index.html"]  # the site's address itself is index.html
    build_hash = hashlib.sha256(json.dumps(listing, sort_keys=True).encode()).hexdigest()[:16]
    manifest = {"build": build_hash, "files": listing}
    write.text("precache-manifest.json", json.dumps(manifest, indent=1))
    worker = (SITE / "sw.js").read_text()
    write.text("sw.js", worker.replace("__PRECACHE_MANIFEST__", json.dumps(manifest, separators=(",", ":"))))
    return build_hash, {rel: sha for rel, sha in listing.items() if rel != "./"}


def build(out: Path = DIST, data: str | None = None, wheels: str | None = None,
          allow_download: bool = True, use_dataset: bool = True, model: str | Path | None = None) -> Build:
    """Build the site into out for the model folder ``model`` (default: weights/); use_dataset=False builds
    it without examples (as with no dataset)."""
    from pyapp.engine.network import NetworkError, load_network
    from pyapp.images.preprocess import load_image
    from pyapp.ui.state import State
    from pyapp.views.widgets import examples as examples_view

    started = time.perf_counter()
    model_dir = Path(model) if model else WEIGHTS
    try:
        network = load_network(model_dir)
    except NetworkError as exc:
        raise BuildError(f"--model {model_dir}: {exc}") from None
    if not 2 <= len(network.classes) <= 20:
        raise BuildError(f"--model {model_dir}: {len(network.classes)} classes; the explainer shows 2 to 20")
    check_node_modules()
    out = Path(out)
    if out.is_dir() and any(out.iterdir()) and not (out / "pyodide").is_dir():
        raise BuildError(f"{out} has files but is not an earlier build: choose an empty or new --out folder")
    out.mkdir(parents=True, exist_ok=True)
    write = Writer(out)
    # pyapp and the weights: one zip that PyScript unpacks into Python's home; the model card also as files
    network_files = [model_dir / name for name in WEIGHT_FILES if (model_dir / name).is_file()]
    runtime, packages, lock, zipped = copy_runtime(write, load_lock(), wheels, app_zip(network_files))
    zip_name = f"app-{hashlib.sha256(zipped).hexdigest()[:12]}.zip"
    write.bytes(zip_name, zipped)
    for path in network_files:
        if path.suffix in (".json", ".md", ".npz"):  # weights/ is a model folder: "Open a model..." takes it
            write.copy(f"weights/{path.name}", path)

    chosen = write_examples(write, network,
                            dataset_dir(data, allow_download, network.classes) if use_dataset else None)

    # the first paint of the default example and the example strip, drawn here by the page's own views
    state = State()
    if state.image not in chosen:
        state = state.with_(image=next(iter(chosen), "custom"))
    trace = network.forward(load_image(out / example_file(state.image))) if chosen else None
    first_paint = render_first_paint(state, trace, network) if trace is not None else ""
    examples_html = examples_view.render(state, trace, network, available=list(chosen))

    styles = list(STYLES) + sorted(p.name for p in (SITE / "styles").glob("*.css") if p.name not in STYLES)
    for name in styles:
        src = SITE / "styles" / name
        write.text(f"styles/{name}", src.read_text() if src.is_file() else "")
    write.copy("bootstrap.js", SITE / "bootstrap.js")
    write.copy("main.py", SITE / "main.py")
    for size in ICON_SIZES:
        write.bytes(f"icons/icon-{size}.png", icon_png(size))
    write.text("manifest.webmanifest", web_manifest())
    files = {zip_name: "./*"}
    files.update({f"./{example_file(n)}": f"./{example_file(n)}" for n in chosen})
    write.text("pyscript.json", json.dumps({
        "interpreter": "./pyodide/pyodide.mjs",
        "packages": list(STARTUP_PACKAGES),
        "packages_cache": "passthrough",
        "plugins": [f"!{p}" for p in DISABLED_PLUGINS],
        "files": files,
    }, indent=1))
    model = [zip_name, "main.py"] + [example_file(n) for n in chosen]
    startup = set(wheel_names(lock, STARTUP_PACKAGES))  # Pillow's wheel: fetched by Pyodide after ready
    plan = load_plan(out, runtime + ["pyscript.json"], [p for p in packages if Path(p).name in startup], model,
                     ["bootstrap.js"] + [f"styles/{name}" for name in styles])
    write.text("index.html", render_page(plan, styles, examples_html, first_paint, render_article(network),
                                          model_dir))

    build_hash, files_written = write_service_worker(write)
    write.text(".nojekyll", "")  # GitHub Pages: serve the folder as it is
    write.remove_stale()

    result = Build(out, files_written, {n: str(p) for n, p in chosen.items()}, build_hash,
                   time.perf_counter() - started)
    total = sum((out / rel).stat().st_size for rel in write.written)
    log(f"{out} ready: {len(write.written)} files, {total / 1e6:.1f} MB, build {build_hash}, "
        f"{len(chosen)} examples, {result.seconds:.1f} s")
    return result


# -- serving --------------------------------------------------------------------------------------

class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with the types browsers insist on (wasm, modules), revalidated on every load."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript",
                      ".webmanifest": "application/manifest+json", ".whl": "application/zip",
                      ".zip": "application/zip", ".py": "text/plain; charset=utf-8",
                      ".json": "application/json"}
    quiet = False
    cache_control = "no-cache"  # GitHub Pages sends max-age=600

    def end_headers(self):
        self.send_header("Cache-Control", self.cache_control)
        super().end_headers()

    def log_message(self, format, *args):
        if not self.quiet:
            super().log_message(format, *args)


def make_server(directory: Path, port: int = 0, quiet: bool = False,
                cache_control: str = SiteHandler.cache_control) -> http.server.ThreadingHTTPServer:
    """A server for directory on 127.0.0.1 (port 0: any free port); call serve_forever() on it."""
    handler = type("Handler", (SiteHandler,), {"quiet": quiet, "cache_control": cache_control})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), partial(handler, directory=str(directory)))
    server.daemon_threads = True
    return server


def serve(out: Path, port: int) -> None:
    try:
        server = make_server(out, port)
    except OSError:
        server = make_server(out, 0)
        log(f"port {port} is busy; using {server.server_address[1]} instead")
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    print(f"Serving {out} at {url}  (Ctrl+C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print()
    finally:
        server.server_close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the static site (and serve it).")
    parser.add_argument("command", nargs="?", choices=("build", "serve"), default="build")
    parser.add_argument("--out", type=Path, default=DIST, help="output folder (default: dist/)")
    parser.add_argument("--model", type=Path, help="model folder (tiny_vgg.json, tiny_vgg.npz) to explain "
                                                   "(default: weights/, the trained Tiny VGG)")
    parser.add_argument("--data", help="labelled folder for the examples, one class folder each (default: "
                                       f"${DATA_ENV})")
    parser.add_argument("--wheels", help=f"folder with the Pyodide numpy/pillow wheels (default: ${WHEELS_ENV})")
    parser.add_argument("--no-download", action="store_true", help="never download the dataset")
    parser.add_argument("--no-data", action="store_true", help="build without example images")
    parser.add_argument("--port", type=int, default=8000, help="port for serve (default 8000)")
    args = parser.parse_args(argv)
    try:
        build(args.out, args.data, args.wheels, allow_download=not args.no_download, use_dataset=not args.no_data,
              model=args.model)
    except BuildError as exc:
        print(f"build failed: {exc}", file=sys.stderr)
        return 1
    if args.command == "serve":
        serve(args.out, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())

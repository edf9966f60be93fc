"""The NumPy and Pillow wheels (from a folder, the user cache, or the official Pyodide distribution), each
checked against the lock file, and the bytecode the page imports instead of source (bytecode.py)."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from . import bytecode, common, side_modules, trim
from .common import BUILD_CACHE, NODE_MODULES, BuildError, download, log, sha256_file
from .runtime import PYODIDE_VERSION, lock_hashes, verify

PACKAGES = ("numpy", "pillow")
# What Python loads before the first screen; Pillow follows once the page is ready (pyapp/page/pillow.py).
STARTUP_PACKAGES = ("numpy",)
WHEELS_URL = f"https://cdn.jsdelivr.net/pyodide/v{PYODIDE_VERSION}/full/"
WHEELS_ENV = "PYODIDE_WHEELS"


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



def find_wheels(lock: dict, wheels_dir: str | None) -> list[Path]:
    """Each needed wheel, verified against the lock: from wheels_dir, else the user cache (filled from
    the official distribution when empty)."""
    hashes, found = lock_hashes(lock), []
    given = wheels_dir or os.environ.get(WHEELS_ENV)
    cache = common.USER_CACHE / f"pyodide-{PYODIDE_VERSION}"
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



@dataclass
class Compiled:
    """The bytecode build of the page's Python: archives in the build cache, and the lock file that
    names the compiled wheels' sha256."""

    stdlib: Path
    wheels: list[Path]
    app: bytes
    lock: dict
    rest: dict[str, dict] = None  # name of each rest zip -> {"data", "target", "modules"} (trim.py)
    side_modules: dict[str, bytes] = None  # file name -> the wheels' shared libraries (side_modules.py)


def compile_bytecode(lock: dict, wheels: list[Path], app: bytes) -> Compiled:
    """The standard library, the wheels and the app zip as bytecode (bytecode.py)."""
    try:
        compiled = bytecode.compile_site(NODE_MODULES / "pyodide" / "python_stdlib.zip", wheels, app,
                                         NODE_MODULES, BUILD_CACHE / "bytecode")
    except bytecode.BytecodeError as exc:
        raise BuildError(str(exc)) from None
    for problem in compiled["report"]["imported"].get("failed", []):
        log(f"bytecode: not importable outside a page, compiled there instead: {problem}")
    stdlib, wheels, rest = cut_to_start(compiled["stdlib"], compiled["wheels"], compiled["report"]["imported"])
    libraries = {}
    for path in wheels:
        stubbed, found = side_modules.split_wheel(path.read_bytes())
        path.write_bytes(stubbed)
        libraries.update(found)
    site_lock = json.loads(json.dumps(lock))
    for entry in site_lock["packages"].values():
        for path in wheels:
            if entry["file_name"] == path.name:
                entry["sha256"] = sha256_file(path)
    return Compiled(stdlib, wheels, compiled["app"], site_lock, rest, libraries)


def cut_to_start(stdlib: Path, wheels: list[Path], imported: dict) -> tuple[Path, list[Path], dict[str, dict]]:
    """The standard library and each wheel cut to what start-up imports (trim.py), beside the compiled ones in
    the build cache; returns their paths and the rest zips by their path in the site."""
    folder = stdlib.parent / "start"
    folder.mkdir(exist_ok=True)
    rest, cut = {}, []
    for path, target, key in [(stdlib, trim.STDLIB_TARGET, "stdlib")] + [(w, trim.SITE_TARGET, "site") for w in wheels]:
        label = "stdlib" if key == "stdlib" else path.name.split("-")[0]
        if label not in ("stdlib",) + STARTUP_PACKAGES:  # Pillow comes after ready, whole: any format a photo has
            (folder / path.name).write_bytes(path.read_bytes())  # a copy: the side modules step rewrites it
            cut.append(folder / path.name)
            continue
        part = trim.split(path.read_bytes(), set(imported[key]))
        (folder / path.name).write_bytes(part.start)
        cut.append(folder / path.name)
        if part.modules:
            rest[f"rest-{label}.zip"] = {"data": part.rest, "target": target, "modules": part.modules}
        for name, data in part.libraries.items():  # one file each, named as side_modules.py names them
            module = trim.module_name(name)
            rest[f"{side_modules.file_name(name)}"] = {"data": data, "target": f"{target}/{name}", "modules": [module],
                                                        "library": True, "deferred": name in part.deferred}
        log(f"start-up {label}: {len(part.start) / 1e6:.2f} MB at start, {len(part.rest) / 1e6:.2f} MB on first "
            f"import of one of {len(part.modules)} modules, {len(part.libraries)} libraries "
            f"({sum(map(len, part.libraries.values())) / 1e6:.2f} MB) on first import or use, {part.dropped} files not shipped")
    return cut[0], cut[1:], rest


def package_files(compiled: Compiled) -> dict[str, Path | bytes]:
    """The wheels, their side modules and the rest zips, by their name in the runtime folder (beside Pyodide's
    core, where pyodide.mjs looks for the wheels the lock file names)."""
    files = {path.name: path for path in compiled.wheels}
    files.update(compiled.side_modules)
    files.update({name: part["data"] for name, part in compiled.rest.items()})
    return files

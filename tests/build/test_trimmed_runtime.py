"""The runtime cut to what start-up imports (sitebuild/trim.py) and the rest fetched on first import
(pyapp/page/rest.py): start-up needs nothing of the rest, and every flow of the app still runs.

The flows run in Pyodide under Node on the very files of a build: its cut standard library and wheels, with
the finder reading the rest zips from the build folder instead of over HTTP.
"""
from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import sys
import zipfile
from pathlib import Path

import pytest

import build
from pyapp.page.later import later
from pyapp.page.from_snapshot import unpack_unread, unpacking_wheels_unread
from pyapp.page.rest import RestFinder, RestMissing, app_modules, import_quietly
from sitebuild import side_modules, trim
import os
import subprocess

ROOT = Path(__file__).resolve().parents[2]
TFJS_MODEL = ROOT.parent / "shared" / "models" / "cnn-explainer-tfjs" / "model.json"


def zip_of(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()


def test_split_keeps_what_start_up_imports_cuts_the_rest_and_ships_no_tests(monkeypatch):
    monkeypatch.setattr(trim, "DEFERRED", ("pkg/linalg/_lin.",))
    archive = zip_of({"pkg/__init__.pyc": b"", "pkg/core.so": b"core", "pkg/random/__init__.py": b"",
                      "pkg/random/_gen.so": b"gen", "pkg/linalg/_lin.so": b"lin", "pkg/tests/test_core.py": b"",
                      "pkg/core.pyi": b"", "pkg-1.0.dist-info/METADATA": b"m"})
    part = trim.split(archive, {"pkg/__init__.py", "pkg/core.so", "pkg/linalg/_lin.so"})
    start = zipfile.ZipFile(io.BytesIO(part.start)).namelist()
    rest = zipfile.ZipFile(io.BytesIO(part.rest)).namelist()
    assert sorted(start) == ["pkg-1.0.dist-info/METADATA", "pkg/__init__.pyc", "pkg/core.so"]
    assert sorted(rest) == ["pkg/random/__init__.py"]
    # a library start-up does not import, or imports but only calls later, is a file of its own, on demand
    assert part.libraries == {"pkg/random/_gen.so": b"gen", "pkg/linalg/_lin.so": b"lin"}
    assert part.deferred == ("pkg/linalg/_lin.so",)
    assert part.modules == ["pkg.random"] and part.dropped == 2


def test_finder_unpacks_the_rest_on_first_import_and_refuses_a_damaged_zip(tmp_path, monkeypatch):
    data = zip_of({"restdemo/__init__.py": b"VALUE = 41 + 1\n"})
    fetched = []

    def fetch(path):
        fetched.append(path)
        return data

    plan = {"rest.zip": {"sha256": hashlib.sha256(data).hexdigest(), "target": str(tmp_path), "modules": ["restdemo"]}}
    monkeypatch.syspath_prepend(str(tmp_path))
    finder = RestFinder(plan, fetch)
    monkeypatch.setattr(sys, "meta_path", sys.meta_path + [finder])
    import restdemo  # noqa: PLC0415 - the import under test

    assert restdemo.VALUE == 42 and fetched == ["rest.zip"]
    assert finder.find_spec("not_in_any_rest") is None and fetched == ["rest.zip"]

    damaged = {"other.zip": {**plan["rest.zip"], "modules": ["otherdemo"], "sha256": "0" * 64}}
    monkeypatch.setattr(sys, "meta_path", sys.meta_path + [RestFinder(damaged, fetch)])
    with pytest.raises(RestMissing, match="damaged or out of date"):
        import otherdemo  # noqa: F401, PLC0415


def test_a_snapshot_imports_what_it_can_without_a_rest_zip_whose_files_the_next_visit_would_lack(tmp_path, monkeypatch):
    """site/snapshot.mjs's worker imports the page's app modules this way: one that needs a rest zip is left out,
    the zip is not fetched, and the finder fetches it again afterwards (on the page)."""
    data = zip_of({"restneed/__init__.py": b"VALUE = 1\n"})
    (tmp_path / "plaindemo.py").write_text("VALUE = 2\n")
    (tmp_path / "needsrest.py").write_text("import restneed\n")
    fetched = []
    plan = {"rest.zip": {"sha256": hashlib.sha256(data).hexdigest(), "target": str(tmp_path), "modules": ["restneed"]}}
    finder = RestFinder(plan, lambda path: fetched.append(path) or data)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "meta_path", [finder] + sys.meta_path)
    for name in ("plaindemo", "needsrest", "restneed"):
        monkeypatch.delitem(sys.modules, name, raising=False)

    assert import_quietly(finder, ["needsrest", "plaindemo"]) == ["plaindemo"]
    assert fetched == [] and "needsrest" not in sys.modules and not finder.zips["rest.zip"].get("loaded")
    import needsrest  # noqa: F401, PLC0415 - the page's own import fetches it

    assert fetched == ["rest.zip"]
    for name in ("plaindemo", "needsrest", "restneed"):
        monkeypatch.delitem(sys.modules, name)


def test_the_app_modules_a_snapshot_may_hold_are_none_of_the_page_s(monkeypatch):
    for name in ("pyapp.page", "pyapp.page.boot", "pyapp.pages_demo", "pyapp.engine.demo"):
        monkeypatch.setitem(sys.modules, name, object())
    modules = app_modules()
    assert "pyapp.engine.demo" in modules and "pyapp.pages_demo" in modules
    assert not [name for name in modules if name == "pyapp.page" or name.startswith("pyapp.page.")]


def test_a_start_from_a_snapshot_unpacks_the_app_but_the_bytecode_of_modules_it_holds_imported(tmp_path, monkeypatch):
    """What the snapshot holds imported is never read again; every other module, every source (the code panels
    read them) and every data file is unpacked (test_snapshot.py imports from them in the page)."""
    for name in ("unpackdemo", "unpackdemo.held", "unpackdemo.engine"):
        monkeypatch.setitem(sys.modules, name, object())
    archive = zip_of({"unpackdemo/__init__.pyc": b"x", "unpackdemo/held.pyc": b"x", "unpackdemo/engine.py": b"",
                      "unpackdemo/__pycache__/engine.cpython-312.pyc": b"x", "weights/net.npz": b"w",
                      "unpackdemo/later/__init__.pyc": b"x", "unpackdemo/later/view.pyc": b"x"})
    assert unpack_unread(archive, str(tmp_path)) == 2
    found = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert found == ["unpackdemo/__pycache__/engine.cpython-312.pyc", "unpackdemo/engine.py",
                     "unpackdemo/later/__init__.pyc", "unpackdemo/later/view.pyc", "weights/net.npz"]


def test_a_start_from_a_snapshot_unpacks_its_wheels_so_too_and_other_archives_as_before(tmp_path, monkeypatch):
    """Pyodide's loadPackage unpacks a wheel with shutil.unpack_archive: while the snapshot's packages are loaded
    again, a wheel comes without the bytecode of modules already imported; any other archive, and any wheel once
    it is over, comes whole."""
    monkeypatch.setitem(sys.modules, "wheeldemo", object())
    wheel = tmp_path / "tmpabc-wheeldemo-1.0-py3-none-any.whl"
    wheel.write_bytes(zip_of({"wheeldemo/__init__.pyc": b"x", "wheeldemo/core.so": b"\0asm",
                              "wheeldemo/later.pyc": b"x", "wheeldemo-1.0.dist-info/RECORD": b""}))
    plain = tmp_path / "data.zip"
    plain.write_bytes(zip_of({"wheeldemo/__init__.pyc": b"x"}))
    end = unpacking_wheels_unread()
    try:
        shutil.unpack_archive(wheel, tmp_path / "site")
        shutil.unpack_archive(plain, tmp_path / "plain")
    finally:
        end()
    shutil.unpack_archive(wheel, tmp_path / "after", "zip")  # Pyodide registers .whl; CPython does not
    files = lambda folder: sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())  # noqa: E731
    assert files(tmp_path / "site") == ["wheeldemo-1.0.dist-info/RECORD", "wheeldemo/core.so", "wheeldemo/later.pyc"]
    assert files(tmp_path / "plain") == ["wheeldemo/__init__.pyc"]
    assert len(files(tmp_path / "after")) == 4


def test_a_module_for_later_runs_on_its_first_use_and_is_the_module_an_import_gives(tmp_path, monkeypatch):
    """pyapp.page.later: the detail views' modules are found at start and run when a view first uses them."""
    (tmp_path / "laterpkg").mkdir()
    (tmp_path / "laterpkg" / "__init__.py").write_text("")
    (tmp_path / "laterpkg" / "heavy.py").write_text("import sys\nsys.modules['laterpkg'].ran = True\nVALUE = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import laterpkg  # noqa: PLC0415

    heavy = later("laterpkg.heavy")
    assert not hasattr(laterpkg, "ran")
    assert heavy.VALUE == 42 and laterpkg.ran
    from laterpkg import heavy as imported  # noqa: PLC0415

    assert imported is heavy and later("laterpkg.heavy") is heavy and laterpkg.heavy is heavy
    for name in ("laterpkg", "laterpkg.heavy"):
        monkeypatch.delitem(sys.modules, name)


def test_a_library_start_up_imports_is_fetched_only_when_first_used(tmp_path, monkeypatch):
    # any file PathFinder loads stands in for the shared library here (CPython cannot load a WebAssembly one)
    data, fetched = b"VALUE = 42\n", []
    plan = {"lib.wasm": {"sha256": hashlib.sha256(data).hexdigest(), "target": str(tmp_path / "deferdemo.py"),
                         "modules": ["deferdemo"], "library": True, "deferred": True}}
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "meta_path", [RestFinder(plan, lambda path: fetched.append(path) or data)] + sys.meta_path)
    import deferdemo  # noqa: PLC0415 - the import under test

    assert fetched == [] and not (tmp_path / "deferdemo.py").exists()
    assert deferdemo.VALUE == 42 and fetched == ["lib.wasm"]
    assert sys.modules["deferdemo"].VALUE == 42 and fetched == ["lib.wasm"]
    monkeypatch.delitem(sys.modules, "deferdemo")


def test_a_stub_keeps_the_side_modules_dylink_section_and_names_its_own_file():
    wheels = sorted((ROOT.parent / "shared" / "pyodide-0.27.7").glob("numpy-*.whl"))
    if not wheels:
        pytest.skip("no Pyodide numpy wheel in ../shared")
    stubbed, modules = side_modules.split_wheel(wheels[0].read_bytes())
    path = "numpy._core._multiarray_umath.wasm"
    module = modules[path]
    with zipfile.ZipFile(io.BytesIO(stubbed)) as z:
        stub = z.read("numpy/_core/_multiarray_umath.cpython-312-wasm32-emscripten.so")
    dylink_end = len(stub) - len(path) - len(side_modules.STUB_SECTION) - 3
    assert stub[:dylink_end] == module[:dylink_end] and len(stub) < 20_000 < len(module)
    assert side_modules.stub_path(stub) == path and side_modules.stub_path(module) is None


# Runs in Pyodide (Node) with the build's cut archives: start-up, then each flow, noting the rest zips each fetched.
FLOWS = r'''
import io, json, pkgutil, sys
options = json.loads(ARGUMENT)
site = "/host" + options["site"]
sys.path.insert(0, "/home/pyodide")
sys.path.insert(0, site + "/pyodide-page")
__import__("os").chdir(site + "/pyodide-page")  # Python's home in the page: pyapp and weights/
from pyapp.page.rest import RestFinder
fetched = []
finder = RestFinder(options["plan"], lambda path: open(f"{site}/{path}", "rb").read(), report=fetched.append)
sys.meta_path.insert(0, finder)  # as pyapp.page.rest.install does

import numpy as np
import pyapp
from pyapp.engine.network import load_network
from pyapp.views.widgets import examples, overview
from pyapp.ui.state import State
for m in pkgutil.walk_packages(pyapp.__path__, "pyapp."):
    if not m.name.endswith("__main__") and not m.name.startswith("pyapp.cli"):
        __import__(m.name)
network = load_network()
trace = network.forward(examples.example_input("koala", __import__("pathlib").Path(site)))
overview.render(State(), trace, network)
import PIL.Image
from pyapp.images.preprocess import load_image
load_image(io.BytesIO(options["images"]["png"].encode("latin-1")))
needed = {"start": list(fetched)}

def flow(name, run):
    fetched.clear()
    run()
    needed[name] = list(fetched)

from pyapp.engine import explain
flow("why", lambda: [explain.explain(network, trace, 0, key) for key in explain.METHODS])
from pyapp.views.detail import registry
flow("views", lambda: [entry.view_class() for entry in registry.ENTRIES])
for kind, text in options["images"].items():
    flow(f"image {kind}", lambda text=text: load_image(io.BytesIO(text.encode("latin-1"))))
from pyapp.models import files
flow("open a model", lambda: files.open_files({name: open(f"{site}/weights/{name}", "rb").read()
                                               for name in ("tiny_vgg.json", "tiny_vgg.npz")}))
if options["tfjs"]:
    from pyapp.models.imports import import_tfjs
    from pathlib import Path
    flow("import a TF.js model", lambda: import_tfjs(Path("/host" + options["tfjs"])))
def train():
    from pyapp.learning import Trainer, with_classes
    model = with_classes(network, ["a", "b"], seed=1, init="he")
    trainer = Trainer(model, optimizer="adam", start="scratch", seed=0)
    images = np.random.default_rng(0).random((4, 64, 64, 3), dtype=np.float32)
    trainer.epoch(images, np.array([0, 1, 0, 1]), batch_size=2, augmentation=True)
flow("training", train)
flow("numpy at large", lambda: (np.fft.fft(np.ones(4)), np.linalg.inv(np.eye(2)), np.polynomial.Polynomial([1, 2])))
print(json.dumps(needed))
'''


def images() -> dict[str, str]:
    """One small photo in each format a visitor may bring, as latin-1 text (JSON carries it to Pyodide)."""
    from PIL import Image

    picture = Image.new("RGB", (40, 30), "#c83")
    out = {}
    for kind, save in {"png": {"format": "PNG"}, "jpeg": {"format": "JPEG"}, "gif": {"format": "GIF"},
                       "bmp": {"format": "BMP"}, "webp": {"format": "WEBP"}, "tiff": {"format": "TIFF"}}.items():
        buffer = io.BytesIO()
        picture.save(buffer, **save)
        out[kind] = buffer.getvalue().decode("latin-1")
    buffer = io.BytesIO()
    Image.new("I;16", (40, 30), 40000).save(buffer, "PNG")
    out["png 16-bit grey"] = buffer.getvalue().decode("latin-1")
    return out


def load_plan(out: Path) -> dict:
    html = (out / "index.html").read_text()
    return json.loads(re.search(r'id="load-plan">(.*?)</script>', html, re.S).group(1).replace("<\\/", "</"))


def test_start_up_needs_none_of_the_rest_and_every_flow_runs_on_the_cut_runtime(tmp_path):
    site = build.build(tmp_path / "dist", allow_download=False)
    plan = load_plan(site.out)
    assert plan["rest"], "the build cut nothing"
    for rel, part in plan["rest"].items():
        assert hashlib.sha256((site.out / rel).read_bytes()).hexdigest() == part["sha256"]
    runtime = site.out / site.runtime_dir
    lock = json.loads((runtime / "pyodide-lock.json").read_text())
    wheels = [str(runtime / lock["packages"][name]["file_name"]) for name in ("numpy", "pillow")]
    app = next(site.out.glob("app-*.zip"))
    with zipfile.ZipFile(app) as z:
        z.extractall(site.out / "pyodide-page")  # where PyScript unpacks it in the page
    needed = run_flows(site.out, site.runtime_dir, plan["rest"], wheels)
    assert needed.pop("start") == []
    print(json.dumps(needed, indent=1))
    assert needed["image webp"] == []  # Pillow is not cut: it comes after ready, whole
    assert f"{site.runtime_dir}/rest-numpy.zip" in needed["training"] + needed["numpy at large"]
    # NumPy's libraries: only the core is loaded at start; numpy.linalg's, imported by `import numpy`, on first use
    with zipfile.ZipFile(wheels[0]) as z:
        assert sorted(n for n in z.namelist() if n.endswith(".so")) == [
            "numpy/_core/_multiarray_tests.cpython-312-wasm32-emscripten.so",
            "numpy/_core/_multiarray_umath.cpython-312-wasm32-emscripten.so"]
    assert f"{site.runtime_dir}/numpy.linalg._umath_linalg.wasm" in needed["numpy at large"]
    assert f"{site.runtime_dir}/numpy.random._generator.wasm" in needed["training"]
    # NumPy's docstrings (a third of its start-up bytes, read by nothing in the page) are "" in its bytecode
    with zipfile.ZipFile(wheels[0]) as z:
        pyc = z.read("numpy/_core/fromnumeric.pyc")
    assert b"searchsorted" in pyc and b"Take elements from an array along an axis" not in pyc


NODE = """
import { loadPyodide } from %(mjs)s;
import { readFileSync } from "node:fs";
// the wheels hold stubs of their side modules (sitebuild/side_modules.py): as bootstrap.js does in the page,
// the instantiation of a stub gets the module compiled from its own file
const stubs = new Map(Object.entries(%(stubs)s));
const instantiate = WebAssembly.instantiate;
WebAssembly.instantiate = async (source, imports) => {
  const path = source instanceof Uint8Array && stubs.get(Buffer.from(source).toString("hex"));
  if (!path) return instantiate(source, imports);
  const module = await WebAssembly.compile(readFileSync(%(site)s + "/" + path));
  return { module, instance: await instantiate(module, imports) };
};
globalThis.document = {};  // pyapp.page does `from js import document`: enough to import it (as bytecode.py)
const py = await loadPyodide({ indexURL: %(index)s, stdLibURL: %(stdlib)s });
await py.loadPackage(%(wheels)s, { messageCallback: () => {} });
py.FS.mkdir("/host");
py.FS.mount(py.FS.filesystems.NODEFS, { root: "/" }, "/host");
py.runPython(readFileSync(%(script)s, "utf8"));
"""


def stubs(wheels: list[str]) -> dict[str, str]:
    """hex of each side module stub in the wheels -> the file it names."""
    found = {}
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as z:
            for name in z.namelist():
                if name.endswith(".so"):
                    data = z.read(name)
                    found[data.hex()] = side_modules.stub_path(data)
    return found


def run_flows(out: Path, runtime_dir: str, rest: dict, wheels: list[str]) -> dict:
    """FLOWS in Pyodide under Node, on the build's own standard library zip and wheels."""
    (out / "flows.json").write_text(json.dumps({
        "site": str(out), "plan": rest, "images": images(),
        "tfjs": str(TFJS_MODEL) if TFJS_MODEL.is_file() else None}))
    script = out / "flows.py"
    script.write_text(f"ARGUMENT = open('/host{out}/flows.json').read()\n" + FLOWS)
    pyodide = build.NODE_MODULES / "pyodide"
    entry = out / "flows.mjs"
    entry.write_text(NODE % {key: json.dumps(value) for key, value in {
        "mjs": str(pyodide / "pyodide.mjs"), "index": f"{pyodide}/", "wheels": wheels, "script": str(script),
        "site": str(out / runtime_dir), "stubs": stubs(wheels),
        "stdlib": str(out / runtime_dir / "python_stdlib.zip")}.items()})
    errors = out / "flows.err"  # a file, not a pipe: Node may exit before a pipe has taken the whole message
    with errors.open("w") as stderr:
        run = subprocess.run(["node", str(entry)], stdout=subprocess.PIPE, stderr=stderr, text=True,
                             env={**os.environ, "NODE_NO_WARNINGS": "1"})
    said = [line for line in errors.read_text().splitlines() if len(line) < 400]  # not the minified line Node quotes
    assert run.returncode == 0, "\n".join(said[-30:])
    return json.loads(run.stdout.strip().splitlines()[-1])

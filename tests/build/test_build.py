"""build.py without a browser: what lands in dist/, the checks that stop a bad build, rebuilds."""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import build
import sitebuild.app
import sitebuild.common
import sitebuild.examples
import sitebuild.names
import sitebuild.runtime
from pyapp.engine.network import load_network
from pyapp.images.preprocess import load_image

ROOT = Path(build.__file__).resolve().parent
needs_data = pytest.mark.skipif(not os.environ.get("TINY_IMAGENET_DIR"), reason="no dataset (TINY_IMAGENET_DIR)")
needs_wheels = pytest.mark.skipif(not os.environ.get("PYODIDE_WHEELS"), reason="no wheels folder (PYODIDE_WHEELS)")


def test_site_has_runtime_wheels_app_and_one_example_per_class(site):
    out, runtime = site.out, site.out / site.runtime_dir
    for name in ("pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"):
        assert (runtime / name).is_file(), name
    assert len(list(runtime.glob("numpy-2.0.2-*.whl"))) == 1
    assert len(list(runtime.glob("pillow-10.2.0-*.whl"))) == 1
    assert (out / site.path("pyscript/core.js")).is_file()
    config = json.loads((out / site.path("pyscript.json")).read_text())
    assert config["interpreter"] == f"./{site.runtime_dir}/snapshot.mjs" and config["packages_cache"] == "passthrough"
    zip_name = next(name for name, target in config["files"].items() if target == "./*")
    assert (out / zip_name).is_file()
    examples = json.loads((out / "examples.json").read_text())
    network = load_network()
    assert list(examples) == network.classes
    for name, entry in examples.items():
        # a validation image of its own class, shipped as the 64x64 picture the network sees
        assert entry["source"].startswith("val/") and load_image(out / entry["file"]).shape == (64, 64, 3)


def test_the_page_reads_each_example_without_pillow_as_the_very_numbers_pillow_gives(site):
    """The page starts before Pillow is loaded: its example pictures must still be the native input, bit for bit."""
    from pyapp.views.widgets.examples import example_input

    for name in json.loads((site.out / "examples.json").read_text()):
        assert np.array_equal(example_input(name, site.out), load_image(site.out / build.example_file(name))), name
    config = json.loads((site.out / site.path("pyscript.json")).read_text())
    assert config["packages"] == ["numpy"]  # Pillow comes after the first screen (pyapp/page/pillow.py)


def test_the_mistakes_are_held_out_photos_the_engine_gets_wrong_or_is_unsure_of(site):
    """Item 15: besides the confident examples, a few validation photos the shipped model really gets wrong
    (the most confident such answers) or right with the least confidence, each shipped with its true class."""
    from pyapp.views.widgets.examples import MISTAKES_FILE, example_input

    network = load_network()
    examples = json.loads((site.out / "examples.json").read_text())
    mistakes = json.loads((site.out / MISTAKES_FILE).read_text())
    assert list(mistakes) == [f"mistake-{i}" for i in range(1, sitebuild.examples.MISTAKES + 1)]
    sure_examples = min(network.forward(load_image(site.out / e["file"]))["probabilities"].max() for e in examples.values())
    wrong = 0
    for name, entry in mistakes.items():
        assert entry["source"].startswith("val/") and entry["source"] not in {e["source"] for e in examples.values()}
        image = load_image(site.out / build.example_file(name))
        assert np.array_equal(example_input(name, site.out), image)  # the page reads the same numbers
        p = network.forward(image)["probabilities"]
        top = network.classes[int(np.argmax(p))]
        wrong += top != entry["truth"]
        assert top != entry["truth"] or p.max() < sure_examples, (name, entry, p.max())
    assert wrong >= 1  # the network really makes mistakes, and the site shows one
    config = json.loads((site.out / site.path("pyscript.json")).read_text())
    assert {f"./{MISTAKES_FILE}", "./examples/mistake-1.png"} <= set(config["files"])  # in the page's own files


def test_precache_manifest_lists_every_file_with_its_hash(site):
    manifest = json.loads((site.out / "precache-manifest.json").read_text())
    on_disk = {p.relative_to(site.out).as_posix() for p in site.out.rglob("*") if p.is_file()}
    not_precached = {"sw.js", "precache-manifest.json", ".nojekyll"}
    assert set(manifest["files"]) - {"./"} == on_disk - not_precached
    for rel, sha in manifest["files"].items():
        assert build.sha256_file(site.out / ("index.html" if rel == "./" else rel)) == sha, rel
    worker = (site.out / "sw.js").read_text()
    assert manifest["build"] == site.build_hash and json.dumps(manifest, separators=(",", ":")) in worker


def test_first_paint_shows_the_default_example_classified(site):
    html = (site.out / "index.html").read_text()
    overview = html[html.index('id="overview"'):html.index('id="article"')]
    shown = dict(re.findall(r'data-class="([^"]+)"[^>]*?data-probability="([^"]+)"', overview))
    network = load_network()
    expected = network.forward(load_image(site.out / build.example_file("espresso")))["probabilities"]
    assert set(shown) == set(network.classes)
    for name, p in zip(network.classes, expected):
        assert float(shown[name]) == pytest.approx(float(p), abs=1e-6)
    assert html.count('data-example="') == 10


def test_page_makes_no_reference_to_other_origins(site):
    # every src/href the page loads by itself is relative (links the visitor may click are <a href>)
    html = (site.out / "index.html").read_text()
    loaded = re.findall(r'<(?:script|link|img|image|source)\b[^>]*?\b(?:src|href)="([^"]+)"', html)
    assert loaded and all(not re.match(r"^(https?:)?//", url) for url in loaded), loaded


def test_unchanged_tree_rebuilds_to_the_same_site_without_copying_the_runtime(site):
    wasm = site.out / site.runtime_dir / "pyodide.asm.wasm"
    before = wasm.stat().st_mtime_ns, wasm.stat().st_ino
    again = build.build(site.out, allow_download=False)
    assert again.build_hash == site.build_hash  # returning visitors download nothing new
    assert (wasm.stat().st_mtime_ns, wasm.stat().st_ino) == before


def test_pyapp_change_gives_new_app_zip_and_cache_but_keeps_runtime(site, monkeypatch):
    wasm = site.out / site.runtime_dir / "pyodide.asm.wasm"
    before = wasm.stat().st_mtime_ns, wasm.stat().st_ino
    original = sitebuild.app.app_zip
    monkeypatch.setattr(sitebuild.app, "app_zip", lambda files: original(files + [ROOT / "README.md"]))  # a different app
    changed = build.build(site.out, allow_download=False)
    assert changed.build_hash != site.build_hash
    assert (wasm.stat().st_mtime_ns, wasm.stat().st_ino) == before
    zips = list(site.out.glob("app-*.zip"))
    assert len(zips) == 1 and zips[0].name in changed.files  # the old zip is gone, not served next to the new
    monkeypatch.setattr(sitebuild.app, "app_zip", original)
    assert build.build(site.out, allow_download=False).build_hash == site.build_hash


@needs_wheels
def test_wheel_that_does_not_match_the_lock_stops_the_build(tmp_path):
    wheels = tmp_path / "wheels"
    shutil.copytree(os.environ["PYODIDE_WHEELS"], wheels)
    numpy_wheel = next(wheels.glob("numpy-*.whl"))
    data = bytearray(numpy_wheel.read_bytes())
    data[len(data) // 2] ^= 0xFF
    numpy_wheel.write_bytes(bytes(data))
    with pytest.raises(build.BuildError, match=r"numpy-.*sha256 .* does not match pyodide-lock.json"):
        build.build(tmp_path / "dist", wheels=str(wheels), use_dataset=False)
    assert not (tmp_path / "dist" / "index.html").exists()


@needs_wheels
def test_build_without_dataset_starts_on_add_your_own_image(tmp_path, capsys):
    result = build.build(tmp_path / "dist", use_dataset=False)
    html = (tmp_path / "dist" / "index.html").read_text()
    assert 'data-example="' not in html and "Add your own image" in html
    assert not result.examples and not (tmp_path / "dist" / "examples").exists()
    assert "no dataset" in capsys.readouterr().err


def test_missing_wheels_folder_is_a_clear_error(tmp_path):
    with pytest.raises(build.BuildError, match="numpy-2.0.2-.*is missing"):
        build.build(tmp_path / "dist", wheels=str(tmp_path / "nowhere"), use_dataset=False)


def test_build_refuses_to_overwrite_a_folder_that_is_not_a_build(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(build.BuildError, match="not an earlier build"):
        build.build(tmp_path, use_dataset=False)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_lock_file_records_no_download_addresses():
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert not [name for name, entry in lock["packages"].items() if "resolved" in entry]
    assert lock["packages"]["node_modules/pyodide"]["version"] == build.PYODIDE_VERSION
    assert lock["packages"]["node_modules/@pyscript/core"]["version"] == build.PYSCRIPT_VERSION


def _official_archive(path: Path) -> None:
    """A small archive in the official tiny-imagenet-200 layout: two of the network's classes and one other."""
    import io
    import zipfile

    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)

    def jpeg() -> bytes:
        out = io.BytesIO()
        Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(out, "JPEG")
        return out.getvalue()

    wnids = {"n01882714": "koala", "n03662601": "lifeboat", "n01443537": "goldfish"}
    path.parent.mkdir(parents=True)
    with zipfile.ZipFile(path, "w") as z:
        annotations = []
        for k, wnid in enumerate(wnids):
            z.writestr(f"tiny-imagenet-200/train/{wnid}/images/{wnid}_0.JPEG", jpeg())
            for j in range(2):
                name = f"val_{2 * k + j}.JPEG"
                z.writestr(f"tiny-imagenet-200/val/images/{name}", jpeg())
                annotations.append(f"{name}\t{wnid}\t0\t0\t63\t63")
        z.writestr("tiny-imagenet-200/val/val_annotations.txt", "\n".join(annotations) + "\n")
        z.writestr("tiny-imagenet-200/wnids.txt", "\n".join(wnids) + "\n")


@needs_wheels
def test_dataset_is_downloaded_once_keeping_only_the_networks_classes(tmp_path, monkeypatch, capsys):
    import threading

    _official_archive(tmp_path / "served" / "tiny-imagenet-200.zip")
    server = build.make_server(tmp_path / "served", quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(sitebuild.examples, "DATASET_URL", f"http://127.0.0.1:{server.server_address[1]}/tiny-imagenet-200.zip")
    monkeypatch.setattr(sitebuild.common, "USER_CACHE", tmp_path / "cache")
    monkeypatch.delenv("TINY_IMAGENET_DIR", raising=False)
    try:
        first = build.build(tmp_path / "dist")
    finally:
        server.shutdown()
        server.server_close()
    assert "downloading Tiny ImageNet" in capsys.readouterr().err  # with a progress line
    assert sorted(first.examples) == ["koala", "lifeboat"]
    kept = tmp_path / "cache" / "tiny-imagenet" / "tiny-imagenet-200"
    assert not list(kept.rglob("*n01443537*")) and len(list((kept / "val" / "images").iterdir())) == 4
    assert not list((tmp_path / "cache").rglob("*.zip"))  # the archive is not kept
    again = build.build(tmp_path / "dist")  # the server is gone: the cached copy is used
    assert again.examples == first.examples


@needs_wheels
def test_failed_dataset_download_is_a_warning_not_a_crash(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sitebuild.examples, "DATASET_URL", "http://127.0.0.1:9/tiny-imagenet-200.zip")  # nothing listens
    monkeypatch.setattr(sitebuild.common, "USER_CACHE", tmp_path / "cache")
    monkeypatch.delenv("TINY_IMAGENET_DIR", raising=False)
    result = build.build(tmp_path / "dist")
    err = capsys.readouterr().err
    assert "warning: could not get Tiny ImageNet" in err and "no dataset" in err
    assert not result.examples and (tmp_path / "dist" / "index.html").is_file()


def test_pyapp_ships_as_bytecode_with_the_engines_source_beside_it(site):
    """Python in the page reads bytecode (no compiling at start-up) and inspect still finds the source that the
    show-the-code panel shows (the engine's functions): the engine's modules are in the app zip as source with
    their CPython 3.12 .pyc beside, the others as .pyc only, and the command line not at all."""
    import zipfile

    (app_zip,) = site.out.glob("app-*.zip")
    names = set(zipfile.ZipFile(app_zip).namelist())
    engine = sorted(n for n in names if n.startswith("pyapp/engine/") and n.endswith(".py"))
    assert len(engine) >= 10 and "pyapp/engine/explain.py" in engine
    for module in engine:
        folder, _, name = module.rpartition("/")
        assert f"{folder}/__pycache__/{name[:-3]}.cpython-312.pyc" in names, module
    others = [n for n in names if n.startswith("pyapp/") and not n.startswith("pyapp/engine/")]
    assert not [n for n in others if n.endswith(".py")]
    assert {"pyapp/page/boot.pyc", "pyapp/views/detail/why.pyc", "pyapp/__init__.pyc"} <= names
    assert not [n for n in names if n.startswith("pyapp/cli/")]
    pyc = zipfile.ZipFile(app_zip).read("pyapp/engine/__pycache__/network.cpython-312.pyc")
    assert int.from_bytes(pyc[:2], "little") == 3531  # Python 3.12's bytecode magic number (Pyodide 0.27.7)


def test_the_sites_lock_file_holds_the_sha256_of_the_wheels_it_serves(site):
    """The wheels are compiled, so their hashes differ from upstream's: the page's lock file (which
    Pyodide checks every download against) has the new ones, and the upstream files were checked first."""
    lock = json.loads((site.out / site.runtime_dir / "pyodide-lock.json").read_text())
    upstream = build.lock_hashes(build.load_lock())
    wheels = sorted((site.out / site.runtime_dir).glob("*.whl"))
    assert {w.name for w in wheels} == {"numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl",
                                        "pillow-10.2.0-cp312-cp312-pyodide_2024_0_wasm32.whl"}
    served = build.lock_hashes(lock)
    for wheel in wheels:
        assert served[wheel.name] == build.sha256_file(wheel)
        assert served[wheel.name] != upstream[wheel.name]  # compiled: not the upstream file


def test_standard_library_and_wheels_ship_bytecode_for_what_start_up_imports(site):
    import zipfile

    stdlib = set(zipfile.ZipFile(site.out / site.runtime_dir / "python_stdlib.zip").namelist())
    for module in ("json/__init__", "asyncio/base_events", "dataclasses", "pathlib", "zipfile/__init__"):
        assert f"{module}.pyc" in stdlib and f"{module}.py" not in stdlib, module
    assert "pydoc.py" not in stdlib and "pydoc.pyc" not in stdlib  # never imported at start-up: in the rest
    rest = set(zipfile.ZipFile(site.out / site.runtime_dir / "rest-stdlib.zip").namelist())
    assert "pydoc.py" in rest  # source, which is smaller
    numpy = set(zipfile.ZipFile(site.out / site.runtime_dir / "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl").namelist())
    assert "numpy/__init__.pyc" in numpy and "numpy/_core/numeric.pyc" in numpy


def test_the_build_ships_the_shipped_model_s_atlas_as_a_small_sprite_outside_the_first_load(site):
    """What each unit looks for: the top nine over the training and validation images, for this very model."""
    from PIL import Image

    from pyapp.engine import atlas
    from pyapp.views.parts import patches

    network = load_network()
    document = json.loads((site.out / patches.DOCUMENT).read_text())
    data = Path(os.environ["TINY_IMAGENET_DIR"])
    assert document["model"] == atlas.fingerprint(network) and document["images"] == 5250  # 10 x (500 + 25)
    assert list(document["layers"]) == atlas.unit_layers(network)
    sprite_path = site.out / patches.FOLDER / document["sprite"]["file"]
    assert sprite_path.stat().st_size <= 1_000_000
    cell = document["sprite"]["cell"]
    sprite = np.asarray(Image.open(sprite_path).convert("RGB")).astype(int)
    assert sprite.shape == (80 * cell, atlas.TOP * cell, 3)
    sources = set()
    for layer, units in document["layers"].items():
        for unit, top in enumerate(units):
            assert len(top) == atlas.TOP and [p["activation"] for p in top] == sorted((p["activation"] for p in top),
                                                                                      reverse=True)
            sources.update(p["image"].split("/")[0] for p in top)
    assert sources == {"train", "val"}
    # a unit's strongest patch: its activation is the image's maximum there, and its cell shows that window
    for layer, unit in (("conv_1_1", 6), ("relu_2_2", 3)):
        best = document["layers"][layer][unit][0]
        image = load_image(data / best["image"])
        assert float(network.forward(image)[layer][unit].max()) == pytest.approx(best["activation"], rel=1e-5)
        row = document["sprite"]["rows"][layer] + unit
        shown = sprite[row * cell:(row + 1) * cell, :cell]
        assert np.abs(shown - atlas.cell_pixels(image, best["window"]).astype(int)).mean() < 8  # JPEG's loss
    # fetched when a unit view first opens: never part of the page's load plan, but in the offline copy
    page = (site.out / "index.html").read_text()
    assert "atlas/" not in page
    manifest = json.loads((site.out / "precache-manifest.json").read_text())["files"]
    assert {patches.DOCUMENT, f"{patches.FOLDER}/{document['sprite']['file']}"} <= set(manifest)


def test_every_file_the_page_loads_is_named_after_its_content(site):
    """A deploy is atomic (sitebuild/names.py): no name the page loads can hold another content, in another build."""
    html = (site.out / "index.html").read_text()
    plan = json.loads(re.search(r'id="load-plan">(.*?)</script>', html).group(1))
    folders = {}
    for rel in plan["integrity"]:
        head, _, name = rel.partition("/")
        if re.fullmatch(r"(pyodide|pyscript)-[0-9a-f]{12}", head):
            folders[head] = head
        elif rel.startswith("examples/"):
            continue  # data PyScript copies in by the names the hashed pyscript.json gives
        else:
            digest = re.search(r"[.-]([0-9a-f]{12})\.\w+$", rel)
            assert digest, f"{rel} is loaded by the page under a name that does not change with its content"
            assert hashlib.sha256((site.out / rel).read_bytes()).hexdigest().startswith(digest.group(1)), rel
    assert set(folders) == {site.runtime_dir, site.path("pyscript/core.js").split("/")[0]}
    for folder in folders:
        files = {p.name: p.read_bytes() for p in (site.out / folder).iterdir()}
        assert sitebuild.names.of_folder(folder.split("-")[0], files) == folder
    for own in ("bootstrap.js", "offline.js", "main.py", "pyscript.json", "styles/base.css"):
        assert not (site.out / own).exists() and f'"./{own}"' not in html


def test_a_pyscript_that_lacks_the_text_of_an_edit_stops_the_build(tmp_path, monkeypatch):
    """PyScript's chunks are shipped with sitebuild.runtime.PYSCRIPT_EDITS applied: a PyScript without an edit's
    text (another version) or with it twice stops the build, rather than ship a page that loads PyScript's package."""
    chunk = tmp_path / "core-x.js"
    monkeypatch.setattr(sitebuild.runtime, "pyscript_files", lambda: [chunk])
    what, old, _ = sitebuild.runtime.PYSCRIPT_EDITS[0]
    for text, problem in (("export const x = 1;", "no longer holds"), (old + ";" + old, "2 times")):
        chunk.write_text(text)
        with pytest.raises(build.BuildError, match=f"{problem}.*{what}|{what}.*{problem}"):
            sitebuild.runtime.write_pyscript(None)


def test_a_pyodide_that_lacks_the_text_of_an_edit_stops_the_build(tmp_path, monkeypatch, site):
    """pyodide.asm.js is shipped with sitebuild.runtime.PYODIDE_EDITS applied (a start without the browser's time
    zone names), and another Pyodide without an edit's text stops the build."""
    shipped = (site.out / site.path("pyodide/pyodide.asm.js")).read_text()
    for _, old, new in sitebuild.runtime.PYODIDE_EDITS:
        assert new in shipped and old not in shipped
    assert "toLocaleTimeString" not in shipped
    (tmp_path / "pyodide").mkdir()
    (tmp_path / "pyodide" / "pyodide.asm.js").write_text("var x = 1;")
    monkeypatch.setattr(sitebuild.runtime, "NODE_MODULES", tmp_path)
    with pytest.raises(build.BuildError, match=f"no longer holds.*{sitebuild.runtime.PYODIDE_EDITS[0][0]}"):
        sitebuild.runtime.core_files({}, tmp_path / "stdlib.zip")

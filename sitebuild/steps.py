"""The build as a list of named steps, each reading and filling one Context: the model, the runtime and the
wheels checked, Python compiled to bytecode, the examples, the first paint, the page, the service worker."""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from pyapp.engine.network import NetworkError, load_network
from pyapp.images.preprocess import load_image
from pyapp.ui.state import State
from pyapp.views.widgets import examples as examples_view

from . import app, atlas, examples, names, page, runtime, trainset
from . import wheels as wheel_files  # build()'s argument is called wheels
from .common import DIST, SITE, WEIGHTS, Build, BuildError, Writer, log


@dataclass
class Context:
    """What the steps were asked for, and what each leaves for the next."""

    out: Path
    model_dir: Path
    data: str | None = None
    wheels_dir: str | None = None
    allow_download: bool = True
    use_dataset: bool = True
    network: object = None
    write: Writer | None = None
    lock: dict = field(default_factory=dict)  # upstream pyodide-lock.json
    upstream_wheels: list[Path] = field(default_factory=list)
    compiled: wheel_files.Compiled | None = None
    runtime: list[str] = field(default_factory=list)  # paths in the site
    packages: list[str] = field(default_factory=list)
    zip_name: str = ""
    data_root: Path | None = None  # the dataset the examples and the atlas come from
    chosen: dict[str, Path] = field(default_factory=dict)  # class name -> source image
    mistakes: dict[str, str] = field(default_factory=dict)  # the mistakes' image names -> true class
    first_paint: str = ""
    examples_html: str = ""
    trainset: str | None = None  # "path sha256" of the Train panel's photos (None: no dataset)
    build_hash: str = ""
    files: dict[str, str] = field(default_factory=dict)  # relative path -> sha256 of every precached file
    runtime_dir: str = ""  # pyodide-<hash>: Pyodide, the wheels and their parts
    served: dict[str, str] = field(default_factory=dict)  # a page file's own name -> its content-hashed name

    @property
    def network_files(self) -> list[Path]:
        return [self.model_dir / name for name in app.WEIGHT_FILES if (self.model_dir / name).is_file()]


def load_model(c: Context) -> None:
    try:
        c.network = load_network(c.model_dir)
    except NetworkError as exc:
        raise BuildError(f"--model {c.model_dir}: {exc}") from None
    if not 2 <= len(c.network.classes) <= 20:
        raise BuildError(f"--model {c.model_dir}: {len(c.network.classes)} classes; the explainer shows 2 to 20")


def open_output(c: Context) -> None:
    if c.out.is_dir() and any(c.out.iterdir()) and not (c.out / "precache-manifest.json").is_file():
        raise BuildError(f"{c.out} has files but is not an earlier build: choose an empty or new --out folder")
    c.out.mkdir(parents=True, exist_ok=True)
    c.write = Writer(c.out)


def check_runtime(c: Context) -> None:
    """Every upstream file against the lock, before anything is compiled from it."""
    c.lock = runtime.load_lock()
    runtime.verify_core(c.lock)
    c.upstream_wheels = wheel_files.find_wheels(c.lock, c.wheels_dir)


def compile_python(c: Context) -> None:
    """pyapp and the model as one zip that PyScript unpacks into Python's home, the standard library and the
    wheels, all as bytecode, in the runtime folder named after its content (names.py); the model folder also
    as files ("Open a model..." takes weights/)."""
    c.compiled = wheel_files.compile_bytecode(c.lock, c.upstream_wheels, app.app_zip(c.network_files))
    core = runtime.core_files(c.compiled.lock, c.compiled.stdlib)
    core["snapshot.mjs"] = (SITE / "snapshot.mjs").read_bytes()  # PyScript's interpreter: Pyodide from a snapshot
    folder = runtime.write_folder(c.write, "pyodide", {**core, **wheel_files.package_files(c.compiled)})
    c.runtime_dir = folder[0].split("/")[0]
    c.runtime = [f"{c.runtime_dir}/{name}" for name in core] + runtime.write_pyscript(c.write)
    c.packages = [f"{c.runtime_dir}/{path.name}" for path in c.compiled.wheels]
    c.zip_name = f"app-{hashlib.sha256(c.compiled.app).hexdigest()[:12]}.zip"
    c.write.bytes(c.zip_name, c.compiled.app)
    for path in c.network_files:
        if path.suffix in (".json", ".md", ".npz"):
            c.write.copy(f"weights/{path.name}", path)


def write_examples(c: Context) -> None:
    c.data_root = examples.dataset_dir(c.data, c.allow_download, c.network.classes) if c.use_dataset else None
    c.chosen, c.mistakes = examples.write_examples(c.write, c.network, c.data_root)
    c.trainset = trainset.write_trainset(c.write, c.data_root, c.network.classes)


def write_atlas(c: Context) -> None:
    """What each unit looks for, over the dataset's training and validation images (fetched when used)."""
    atlas.write_atlas(c.write, c.network, c.data_root)


def draw_first_paint(c: Context) -> None:
    """The first paint of the default example and the example strip, drawn here by the page's own views."""
    state = State()
    if state.image not in c.chosen:
        state = state.with_(image=next(iter(c.chosen), "custom"))
    trace = c.network.forward(load_image(c.out / examples.example_file(state.image))) if c.chosen else None
    c.first_paint = page.render_first_paint(state, trace, c.network) if trace is not None else ""
    c.examples_html = examples_view.render(state, trace, c.network, available=list(c.chosen), mistakes=c.mistakes)


def write_page(c: Context) -> None:
    """The styles, scripts, icons and configuration under content-hashed names (names.py), then index.html with
    the load plan of them all."""
    write, example_files = c.write, [examples.example_file(n) for n in [*c.chosen, *c.mistakes]]
    example_files += [examples.MISTAKES_FILE] if c.mistakes else []
    served = c.served

    def put(rel: str, data: bytes) -> None:
        served[rel] = names.of_file(rel, data)
        write.bytes(served[rel], data)

    styles = list(page.STYLES) + sorted(p.name for p in (SITE / "styles").glob("*.css")
                                        if p.name not in page.STYLES + page.LAZY_STYLES)
    for name in styles + list(page.LAZY_STYLES):
        put(f"styles/{name}", (SITE / "styles" / name).read_bytes())
    for name in page.HEAD_SCRIPTS + ("main.py",):
        put(name, (SITE / name).read_bytes())
    for size in app.ICON_SIZES:
        write.bytes(f"icons/icon-{size}.png", app.icon_png(size))
    write.text("manifest.webmanifest", app.web_manifest())
    files = {c.zip_name: "./*"}
    files.update({f"./{name}": f"./{name}" for name in example_files})
    put("pyscript.json", json.dumps({
        "interpreter": f"./{c.runtime_dir}/snapshot.mjs",
        "packages": list(wheel_files.STARTUP_PACKAGES),
        "packages_cache": "passthrough",
        "plugins": [f"!{p}" for p in runtime.DISABLED_PLUGINS],
        "files": files,
    }, indent=1).encode())
    served.update({f"pyodide/{name}": f"{c.runtime_dir}/{name}"
                   for name in ("pyodide.mjs", "pyodide.asm.js", "snapshot.mjs")})
    served["pyscript/core.js"] = next(p for p in c.runtime if p.endswith("/core.js"))
    startup = set(wheel_files.wheel_names(c.lock, wheel_files.STARTUP_PACKAGES))  # Pillow's wheel: fetched by Pyodide after ready
    imports = {name for p in wheel_files.STARTUP_PACKAGES for name in c.lock["packages"][p].get("imports", [p])}
    libraries = [f"{c.runtime_dir}/{name}" for name in sorted(c.compiled.side_modules)]
    start_libraries = [p for p in libraries if p.split("/")[-1].split(".")[0] in imports]
    plan = page.load_plan(c.out, c.runtime_dir, c.runtime, served["pyscript.json"],
                          [p for p in c.packages if Path(p).name in startup],
                          [c.zip_name, served["main.py"]] + example_files,
                          [served[name] for name in page.HEAD_SCRIPTS] + [served[f"styles/{name}"] for name in styles]
                          + [p for p in libraries if p not in start_libraries],
                          {f"{c.runtime_dir}/{name}": part for name, part in c.compiled.rest.items()}, start_libraries,
                          app.write_companion(write, c.network) + [served[f"styles/{n}"] for n in page.LAZY_STYLES])
    plan["lazyStyles"] = {name: served[f"styles/{name}"] for name in page.LAZY_STYLES}  # own name -> served
    if c.trainset:  # fetched by the Train panel when first opened, checked against this sha256
        path, sha = c.trainset.split()
        plan["trainset"] = {"path": path, "sha256": sha}
    write.text("index.html", page.render_page(plan, [served[f"styles/{name}"] for name in styles], c.examples_html,
                                              c.first_paint, page.render_article(c.network), served, c.model_dir))


def write_service_worker(c: Context) -> None:
    """Last: the precache manifest lists every file written before it; then earlier builds' files go."""
    later = [c.trainset.split()[0]] if c.trainset else []  # listed and checked, cached when first asked for
    c.build_hash, c.files = app.write_service_worker(c.write, later)
    c.write.text(".nojekyll", "")  # GitHub Pages: serve the folder as it is
    c.write.remove_stale()


STEPS = (
    ("model", load_model),
    ("node_modules", lambda c: runtime.check_node_modules()),
    ("output folder", open_output),
    ("runtime and wheels", check_runtime),
    ("bytecode", compile_python),
    ("examples", write_examples),
    ("atlas", write_atlas),
    ("first paint", draw_first_paint),
    ("page", write_page),
    ("service worker", write_service_worker),
)


def build(out: Path = DIST, data: str | None = None, wheels: str | None = None,
          allow_download: bool = True, use_dataset: bool = True, model: str | Path | None = None) -> Build:
    """Build the site into out for the model folder ``model`` (default: weights/); use_dataset=False builds
    it without examples (as with no dataset)."""
    started = time.perf_counter()
    c = Context(Path(out), Path(model) if model else WEIGHTS, data, wheels, allow_download, use_dataset)
    for name, step in STEPS:
        try:
            step(c)
        except Exception as exc:  # a traceback then says which step it came from
            exc.add_note(f"in the build step {name!r}")
            raise
    result = Build(c.out, c.files, {n: str(p) for n, p in c.chosen.items()}, c.build_hash,
                   time.perf_counter() - started, c.runtime_dir, c.served)
    total = sum((c.out / rel).stat().st_size for rel in c.write.written)
    log(f"{c.out} ready: {len(c.write.written)} files, {total / 1e6:.1f} MB, build {c.build_hash}, "
        f"{len(c.chosen)} examples, {result.seconds:.1f} s")
    return result

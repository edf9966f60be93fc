"""Start-up in the browser: the network, the App, the controllers; then tell the loader we are ready.

Only what the first screen needs starts before ``ready`` (the examples, the overview and the detail views
it opens, the receptive-field toggle); the controllers of what sits below it (the embed button, the kernel
playground, the article's contents links and live figures) are imported and drawn one per idle moment
afterwards, and then Pillow is loaded (page/pillow.py: only the visitor's own images need it).
A click made while Python was starting is carried out at ``ready`` (bootstrap.js keeps it).
"""
from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import js
from pyodide.ffi import create_once_callable, create_proxy

from . import pillow
from ..engine.network import load_network
from ..ui.state import CUSTOM_IMAGE, DEFAULT_IMAGE, State, notice
from ..views.widgets.examples import MISTAKES_FILE, example_path
from .app import App, Change
from .model_open import stored_network

# Controllers in install order; each is pyapp/page/<name>.py (dots: folders) with install(app).
CONTROLLERS = ("examples", "overview", "result", "detail.host", "model_open", "article", "receptive_field", "playground",
               "train", "embed")
# Installed after ready, in this order, each in its own idle moment: nothing of theirs is on the first screen.
# With each, what of theirs is on the page before they are: a click there installs them at once (first use).
DEFERRED = {"embed": None, "playground": None, "article": "a[data-article-link]", "train": "a[href='#train']"}


def _install(name: str, app: App) -> None:
    importlib.import_module(f"{__package__}.{name}").install(app)


def shipped_mistakes(network) -> dict[str, str]:
    """The build's mistakes of the shipped model (image name -> true class); none for a model opened here."""
    path = Path(MISTAKES_FILE)
    if not path.is_file():
        return {}
    return {name: m["truth"] for name, m in json.loads(path.read_text()).items()
            if m["truth"] in network.classes and Path(example_path(name)).is_file()}


def initial_state(examples: list[str], classes) -> tuple[State, str | None, str | None]:
    """The address's state, on an image this copy has (the default example, else the first one), what
    of the address could not be read, in words, and the image_url to fetch (None: none asked for).
    examples: every image name this copy has (the class examples and the mistakes)."""
    state, dropped = State.parse(js.location.hash, [*classes, *examples])
    if state.image in examples:
        return state, notice(dropped), None
    wanted = state.image_url if state.image == CUSTOM_IMAGE else None
    fallback = DEFAULT_IMAGE if DEFAULT_IMAGE in examples else (examples[0] if examples else CUSTOM_IMAGE)
    return state.with_(image=fallback, image_url=None), notice(dropped), wanted


def start() -> App:
    js.explainer.stage("model", "Reading the weights")
    network, dropped = stored_network()  # a model opened with "Open a model..." in this tab, tried first
    opened = network is not None
    mistakes = {} if opened else None
    network = network or load_network()
    mistakes = shipped_mistakes(network) if mistakes is None else mistakes
    examples = [name for name in network.classes if Path(example_path(name)).is_file()]
    state, problem, wanted = initial_state(examples + list(mistakes), network.classes)
    problem = " ".join(filter(None, (dropped, problem))) or None
    app = App(network, examples, state, mistakes)
    app.first_paint_fits = not opened  # the build drew the first paint with the shipped model
    app.installed = set()
    for name in CONTROLLERS:
        if name not in DEFERRED:
            _install(name, app)
            app.installed.add(name)
    for name, selector in DEFERRED.items():
        if selector:
            _on_first_use(app, name, selector)
    js.explainer.stage("model", "Running the network")
    own_photo = State.parse(js.location.hash, [*network.classes, *mistakes])[0].image == CUSTOM_IMAGE  # before start rewrites it
    app.start(problem)
    if wanted:  # not awaited here: a slow site must not hold back the first interactive screen
        app.follow_link(wanted, said=problem)
    elif own_photo and app.state.image != CUSTOM_IMAGE:
        app.photo_not_in_link(problem)  # the sender's own photo: it never was in the link
    js.explainer.measure = create_proxy(app.measure_json)  # for tests/bench: forward and redraw times
    js.explainer.sourceModules = create_proxy(modules_from_source)  # for tests: what start-up did not get as bytecode
    js.explainer.modules = create_proxy(lambda: json.dumps(sorted(sys.modules)))  # for tests: what is imported
    js.explainer.ready()
    _install_when_idle(app, [name for name in CONTROLLERS if name in DEFERRED])
    return app


def _install_deferred(app: App, name: str) -> None:
    """Install a deferred controller (once) and draw it for the current state."""
    if name in app.installed:
        return
    app.installed.add(name)
    first_new = len(app.renderers)
    _install(name, app)
    if app.trace is not None:
        for renderer in app.renderers[first_new:]:
            renderer(app, Change(None, True))


def _on_first_use(app: App, name: str, selector: str) -> None:
    """A click on selector before name is installed installs it, then goes to it as a new click."""
    def first_use(event, element):
        if name in app.installed:
            return None  # installed: its own handlers, registered after this one, take the click
        event.preventDefault()  # e.g. a contents link must not write its section into the address
        _install_deferred(app, name)
        js.window.setTimeout(create_once_callable(lambda: element.dispatchEvent(
            js.MouseEvent.new("click", js.JSON.parse('{"bubbles": true, "cancelable": true}')))), 0)
        return True

    app.on("click", selector, first_use)


def modules_from_source() -> str:
    """JSON list of the loaded modules whose code was compiled here from source instead of read as bytecode
    (the build ships bytecode for start-up; PyScript's own package is not loaded: sitebuild.runtime)."""
    import importlib.util
    import sys

    found = []
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None) or ""
        spec = getattr(module, "__spec__", None)
        if not path.endswith(".py") or getattr(spec, "origin", None) == "frozen":
            continue  # a .pyc (standard library, wheels), a frozen, built-in or extension module
        cached = importlib.util.cache_from_source(path)
        if not Path(cached).is_file() or Path(cached).read_bytes()[:4] != importlib.util.MAGIC_NUMBER:
            found.append(f"{name} {path}")
    return json.dumps(sorted(found))


def _install_when_idle(app: App, names: list[str]) -> None:
    """The overview's canvases in place of a kept first paint, then the deferred controllers, one per idle
    callback, each drawn for the current state, then Pillow; ``settled`` marks the end, for tests and the benchmark."""
    steps = [app.controllers["overview"].take_over] + [lambda name=name: _install_deferred(app, name) for name in names]

    def next_one(*_):
        if not steps:  # last, Pillow (the visitor's own images); its failure is said when an image comes in
            pillow.start().add_done_callback(lambda _: js.explainer.mark("settled"))
            return
        try:
            steps.pop(0)()
        except Exception as error:  # noqa: BLE001 - one part that fails must not stop the rest
            app.report(error)
        schedule()

    proxy = create_proxy(next_one)
    app._proxies.append(proxy)

    def schedule():
        if hasattr(js.window, "requestIdleCallback"):
            js.window.requestIdleCallback(proxy, js.JSON.parse('{"timeout": 200}'))
        else:
            js.window.setTimeout(proxy, 0)

    schedule()

"""Start-up in the browser: the network, the App, the controllers; then tell the loader we are ready."""
from __future__ import annotations

import importlib
from pathlib import Path

import js
from pyodide.ffi import create_proxy

from ..network import load_network
from ..state import CUSTOM_IMAGE, DEFAULT_IMAGE, State
from ..views.examples import example_path
from . import plain
from .app import App
from .model_open import stored_network

# Controllers in install order; each is pyapp/page/<name>.py with install(app), and may not exist yet.
CONTROLLERS = ("examples", "overview", "detail", "article", "receptive_field", "playground", "embed", "model_open")


def _install(name: str, app: App) -> bool:
    try:
        module = importlib.import_module(f"{__package__}.{name}")
    except ModuleNotFoundError as error:
        if error.name == f"{__package__}.{name}":
            return False
        raise
    module.install(app)
    return True


def initial_state(examples: list[str], classes=None) -> State:
    """The address's state, on an image this copy has (the default example, else the first one)."""
    state = State.from_url(js.location.hash, classes)
    if state.image in examples:
        return state
    fallback = DEFAULT_IMAGE if DEFAULT_IMAGE in examples else (examples[0] if examples else CUSTOM_IMAGE)
    return state.with_(image=fallback, image_url=None)


def start() -> App:
    js.explainer.stage("model", "Reading the weights")
    network = stored_network() or load_network()  # a model opened with "Open a model..." in this tab
    examples = [name for name in network.classes if Path(example_path(name)).is_file()]
    app = App(network, examples, initial_state(examples, network.classes))
    installed = [name for name in CONTROLLERS if _install(name, app)]
    if "overview" not in installed:
        plain.install(app)
    js.explainer.stage("model", "Running the network")
    app.start()
    js.explainer.measure = create_proxy(app.measure_json)  # for tests/bench: forward and redraw times
    js.explainer.ready()
    return app

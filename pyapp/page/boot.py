"""Start-up in the browser: the network, the App, the controllers; then tell the loader we are ready."""
from __future__ import annotations

import importlib
from pathlib import Path

import js
from pyodide.ffi import create_proxy

from ..network import load_network
from ..state import CUSTOM_IMAGE, DEFAULT_IMAGE, State, notice
from ..views.examples import example_path
from .app import App

# Controllers in install order; each is pyapp/page/<name>.py with install(app).
CONTROLLERS = ("examples", "overview", "detail", "article", "receptive_field", "playground", "embed")


def _install(name: str, app: App) -> None:
    importlib.import_module(f"{__package__}.{name}").install(app)


def initial_state(examples: list[str], classes) -> tuple[State, str | None]:
    """The address's state, on an image this copy has (the default example, else the first one), and
    what of the address could not be read, in words."""
    state, dropped = State.parse(js.location.hash, classes)
    if state.image in examples:
        return state, notice(dropped)
    fallback = DEFAULT_IMAGE if DEFAULT_IMAGE in examples else (examples[0] if examples else CUSTOM_IMAGE)
    return state.with_(image=fallback, image_url=None), notice(dropped)


def start() -> App:
    js.explainer.stage("model", "Reading the weights")
    network = load_network()
    examples = [name for name in network.classes if Path(example_path(name)).is_file()]
    state, problem = initial_state(examples, network.classes)
    app = App(network, examples, state)
    for name in CONTROLLERS:
        _install(name, app)
    js.explainer.stage("model", "Running the network")
    app.start(problem)
    js.explainer.measure = create_proxy(app.measure_json)  # for tests/bench: forward and redraw times
    js.explainer.ready()
    return app

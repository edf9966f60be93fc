"""The kernel playground in the page: a panel right under the overview; every valid edit (or preset)
swaps one filter of the first convolution in a copy of the trained network, and the App reruns and redraws everything.

An edit lives only while the playground is open: closing the panel restores the trained weights, and the
address never carries an edit (a link always shows the model). While the network differs from the
model's own weights, ``#weights-note`` over the overview says so with the one restore action, and
``<html data-weights="edited">`` marks it.
"""
from __future__ import annotations

import js
import numpy as np
from pyodide.ffi import create_once_callable

from . import dom
from ..engine.roles import first_convolution
from ..views.widgets import playground as view

PANEL = "#playground"
NOTE = "#weights-note"


class PlaygroundController:
    def __init__(self, app):
        self.app = app
        self.trained = app.network  # the learned weights; every edit starts again from these
        self.neuron = 0
        self.edits = {}  # neuron -> (kernel (3, 3, 3), bias) that differ from the trained filter
        self._trained_trace = (None, None)  # (image, trace of the trained network) for the comparison line

    # -- drawing --------------------------------------------------------------------------------------
    def current(self) -> tuple[np.ndarray, float]:
        return self.edits.get(self.neuron) or view.preset(view.TRAINED, self.trained, self.neuron)

    def trained_trace(self):
        if not self.edits:
            return None
        image, trace = self._trained_trace
        if image is not self.app.image:
            trace = self.trained.forward(self.app.image)
            self._trained_trace = (self.app.image, trace)
        return trace

    def render(self, app, change) -> None:
        panel = dom.query(PANEL)
        if panel is None:
            kernel, bias = self.current()
            dom.query("#stage").insertAdjacentHTML("afterend", view.render(
                app.state, app.trace, app.network, self.neuron, kernel, bias, self.trained_trace(),
                tuple(sorted(self.edits))))
            app._listen(dom.query(PANEL), "toggle", self.toggled)  # "toggle" does not bubble to #app
            return
        previous = change.previous or app.state
        if change.trace_changed or previous.colors != app.state.colors:
            self.show_result()

    def show_edited(self, app=None, change=None) -> None:
        """Say over the overview whether the network on screen is the model's own (a renderer, after render)."""
        edited = tuple(sorted(self.edits))
        root = js.document.documentElement
        if edited:
            root.setAttribute("data-weights", "edited")
        else:
            root.removeAttribute("data-weights")
        note = dom.query(NOTE)
        if note is None and edited:  # made at the first edit: the page starts at its DOM budget (2,200 nodes)
            dom.query("#stage").insertAdjacentHTML("beforebegin", '<p id="weights-note" role="status" hidden></p>')
            js.setTimeout(create_once_callable(lambda: self.show_edited()), 0)  # a live region exists before its text
            return
        if note is not None:
            note.innerHTML = view.edited_note(edited, view.first_convolution(self.trained))
            note.hidden = not edited

    def show_result(self) -> None:
        app = self.app
        dom.set_html("#pg-result", view.result(app.state, app.trace, app.network, self.neuron,
                                               self.trained_trace(), tuple(sorted(self.edits))))

    def show_numbers(self) -> None:
        kernel, bias = self.current()
        dom.query(f"{PANEL} .pg-grid").outerHTML = view.grid(kernel, bias)
        self.show_message({})

    def show_message(self, errors: dict) -> None:
        box = dom.query("#pg-message")
        box.textContent = view.message(errors)
        box.hidden = not errors
        for field in dom.query_all(f"{PANEL} .pg-cell"):
            bad = field.getAttribute("data-cell") in errors
            if bad:
                field.setAttribute("aria-invalid", "true")
                field.setAttribute("aria-describedby", "pg-message")
            else:
                field.removeAttribute("aria-invalid")
                field.removeAttribute("aria-describedby")

    # -- changing the network ---------------------------------------------------------------------------
    def apply(self, kernel: np.ndarray, bias: float) -> None:
        trained_kernel, trained_bias = view.preset(view.TRAINED, self.trained, self.neuron)
        if np.array_equal(kernel, trained_kernel) and np.float32(bias) == np.float32(trained_bias):
            self.edits.pop(self.neuron, None)
        else:
            self.edits[self.neuron] = (kernel, float(bias))
        network = self.trained
        for neuron, (k, b) in sorted(self.edits.items()):
            network = network.with_kernel(first_convolution(network), neuron, k, b)
        self.app.set_network(network)  # reruns the image and calls every renderer (show_result among them)

    # -- events -----------------------------------------------------------------------------------------
    def choose(self, event, element) -> None:
        self.neuron = int(element.value)
        self.show_numbers()
        self.show_result()

    def preset(self, event, element) -> None:
        kernel, bias = view.preset(element.getAttribute("data-preset"), self.trained, self.neuron)
        self.apply(kernel, bias)
        self.show_numbers()

    def typed(self, event, element) -> None:
        cells = {field.getAttribute("data-cell"): field.value for field in dom.query_all(f"{PANEL} .pg-cell")}
        bias = cells.pop("bias", "")
        parsed = view.parse_form(cells, bias, self.trained.kernel(first_convolution(self.trained), self.neuron).shape)
        self.show_message(parsed.errors)
        if not parsed.errors:
            self.apply(parsed.kernel, parsed.bias)

    def restore(self, event=None, element=None) -> None:
        """The one "restore the trained weights" action (the note's, the panel's, closing the panel)."""
        if not self.edits:
            return
        self.edits = {}
        self.app.set_network(self.trained)  # the renderers hide the note
        self.show_numbers()

    def toggled(self, event) -> None:
        if not dom.query(PANEL).open:  # leaving the playground drops its edits
            self.restore()


def install(app) -> PlaygroundController:
    controller = PlaygroundController(app)
    app.renderers.append(controller.render)
    app.renderers.append(controller.show_edited)
    app.install("playground", controller, [
        ("change", "#pg-neuron", controller.choose),
        ("click", f"{PANEL} .pg-preset", controller.preset),
        ("input", f"{PANEL} .pg-cell", controller.typed),
        ("click", "[data-action='restore-weights']", controller.restore),
    ])
    return controller

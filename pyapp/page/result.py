"""``#result``: the network's answer above the overview on a narrow screen or in an embed, where the output
column sits off to the right in the sideways scroller. Created only there (the page's DOM stays within its
bound on a wide screen), and a tap opens the softmax sheet of the top class."""
from __future__ import annotations

import js

from . import dom
from ..views.detail import registry
from ..views.widgets import result as view

NARROW = "(max-width: 56rem)"  # overview.css's width where the overview scrolls sideways


class ResultController:
    def __init__(self, app):
        self.app = app
        self.narrow = js.matchMedia(NARROW)
        app._listen(self.narrow, "change", lambda event: self.render(app, None))

    def wanted(self, app) -> bool:
        return bool(self.narrow.matches or app.state.embed) and app.trace is not None

    def render(self, app, change) -> None:
        line = dom.query("#result")
        if not self.wanted(app):
            if line is not None:
                line.remove()
            return
        if line is None:
            dom.query("#stage").insertAdjacentHTML("beforebegin", '<p id="result"></p>')
            line = dom.query("#result")
        line.innerHTML = view.render(app.trace, app.network)

    def open(self, event, element) -> bool:
        output = registry.output_layer(self.app.network)
        k = int(element.getAttribute("data-index"))
        self.app.set_state(self.app.state.overview().with_(view="softmax", layer=output, neuron=k))
        return True


def install(app) -> ResultController:
    controller = ResultController(app)
    app.renderers.append(controller.render)
    app.install("result", controller, [("click", "#result .result-open", controller.open)])
    return controller

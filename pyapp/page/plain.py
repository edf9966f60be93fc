"""The plain result in #overview (the image and its 10 probabilities), used until an overview
controller (pyapp/page/overview.py) is installed."""
from __future__ import annotations

from ..views import probabilities
from . import dom


def install(app) -> None:
    app.renderers.append(render)


def render(app, change) -> None:
    if change.trace_changed:
        dom.set_html("#overview", probabilities.render(app.state, app.trace, app.network))

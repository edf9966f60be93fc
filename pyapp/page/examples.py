"""The input image: example thumbnails, and the visitor's own image from the strip's file input.

(The upload dialog, drag-and-drop and paste belong to pyapp/page/upload.py; the strip's file input
goes through the dialog's guarded path too: size limit, stale attempts dropped, messages in words.)
"""
from __future__ import annotations

from . import dom
from ..views.widgets import examples as view


def install(app) -> None:
    app.on("click", "[data-example]",
           lambda event, element: app.set_state(app.state.with_(image=element.dataset.example, image_url=None)))
    app.on("click", "[data-action='mistakes']", lambda event, element: toggle_mistakes(app))
    app.on("change", "#examples input[data-image-input]", lambda event, element: app.controllers["upload"].choose_file(event, element))
    app.renderers.append(render)


def toggle_mistakes(app) -> None:
    """Show or hide the mistakes' tiles (drawn only now); the toggle keeps the focus."""
    app.mistakes_shown = not (app.mistakes_shown or app.state.image in app.mistakes)
    draw(app)
    dom.focus(dom.query("#examples [data-action='mistakes']"), scroll=False)


def draw(app) -> None:
    dom.set_html("#examples", view.render(app.state, app.trace, app.network, app.examples, app.custom_image,
                                          app.mistakes, app.mistakes_shown))


def render(app, change) -> None:
    if change.previous is None or change.trace_changed or change.previous.image != app.state.image:
        app.mistakes_shown = app.mistakes_shown or app.state.image in app.mistakes
        draw(app)

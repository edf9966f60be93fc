"""Embedding in the page: "Copy embed code" and the embed's link to the full explainer.

The compact mode itself (``embed=1`` in the address) is set by bootstrap.js from the address before the
first paint, and on every change of the address, so it needs no Python.

The snippet goes to the clipboard; when the browser refuses (no permission, an insecure page, an old
browser) a small dialog shows it selected, to copy by hand.
"""
from __future__ import annotations

import asyncio

import js

from . import dom
from ..views.widgets import embed as view

CONFIRM_SECONDS = 4


class EmbedController:
    def __init__(self, app):
        self.app = app
        self.copied = None  # the last snippet offered (clipboard or dialog): tests read it
        self._clear = None

    def render(self, app, change) -> None:
        if dom.query("#share-bar") is None:
            dom.query("#stage").insertAdjacentHTML("afterend", view.share_bar(app.state))
        dom.set_attr("#embed-full", "href", view.full_address(js.location.href, app.address_state()))

    def copy(self, event, element) -> None:
        state = self.app.address_state()  # a link's image still downloading is part of what to embed
        text = view.snippet(js.location.href, state, mistake=state.image in self.app.mistakes)
        self.copied = text
        note = view.warning(state)
        try:
            promise = js.navigator.clipboard.writeText(text)  # called in the click itself: user activation
        except Exception:  # noqa: BLE001 - no clipboard API here (insecure page, old browser)
            self.show_dialog(text, note)
            return
        self.app.spawn(self._confirm(promise, text, note))

    async def _confirm(self, promise, text: str, note: str) -> None:
        try:
            await promise
        except Exception:  # noqa: BLE001 - permission refused: copy by hand instead
            self.show_dialog(text, note)
            return
        self.say("Embed code copied: paste it into your page." + (f" {note}" if note else ""))

    def say(self, message: str) -> None:
        dom.set_text("#embed-status", message)
        if self._clear is not None:
            self._clear.cancel()
        self._clear = asyncio.ensure_future(self._fade())

    async def _fade(self) -> None:
        await asyncio.sleep(CONFIRM_SECONDS)
        dom.set_text("#embed-status", "")

    def show_dialog(self, text: str, note: str) -> None:
        old = dom.query("#embed-dialog")
        if old is not None:
            old.remove()
        dom.query("#app").insertAdjacentHTML("beforeend", view.dialog(text, note))
        dom.query("#embed-dialog").showModal()
        area = dom.query("#embed-code")
        area.focus()
        area.select()
        self.say("The browser did not allow copying: the code is selected in the box.")


def install(app) -> EmbedController:
    controller = EmbedController(app)
    app.renderers.append(controller.render)
    app.install("embed", controller, [("click", "#embed-copy", controller.copy)])
    return controller

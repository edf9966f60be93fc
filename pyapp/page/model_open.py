""""Open a model...": a model chosen from disk replaces the built-in one, with no server.

The files are checked in Python (pyapp.models.files); a bad one gets a notice and the current model
stays. Each file's size is checked before it is read (pyapp.models.limits), and a model is tried (one
forward pass on the image on screen, every probability finite) before it is kept in the tab's
sessionStorage; the page then starts again on it, so every part (overview, details, examples, article,
playground) is built for it exactly as at start-up. A kept model that fails at start is dropped, with a
notice, and the page starts on the shipped one.
"""
from __future__ import annotations

import base64

import js

from . import dom
from ..engine.network import NetworkError
from ..images.png import input_pixels, png_bytes
from ..models.limits import MAX_MODEL_BYTES, size_text
from ..ui.state import CUSTOM_IMAGE
from ..views.widgets.columns import passed_through
from ..views.widgets.examples import plain_png_input
from .later import later

model_files = later("pyapp.models.files")  # its readers (Keras, ONNX, PyTorch, TF.js): 10 ms, on first use

KEY = "cnn-explainer-model"
IMAGE_KEY = "cnn-explainer-model-image"  # the picture on screen when the model changed: the new one runs on it
INPUT = "#model-file"


class _NoStorage:
    """Where the browser refuses the tab's storage (a third-party embed with storage blocked)."""

    def getItem(self, key):  # noqa: N802 - the Web Storage API's names
        return None

    def removeItem(self, key):  # noqa: N802
        return None

    def setItem(self, key, value):  # noqa: N802
        raise PermissionError("this browser keeps no storage for this page")


def _storage():
    """The tab's sessionStorage, or a stand-in that keeps nothing: reading the property itself throws a
    SecurityError in an iframe of another site when the browser blocks third-party storage."""
    try:
        return js.sessionStorage
    except Exception:  # noqa: BLE001 - JsException(SecurityError)
        return _NoStorage()


def stored_network():
    """(the model opened earlier in this tab, or None; why a kept one was dropped, in words, or None).
    A kept model is read and tried as a new one is; one that fails is forgotten, and the page says so."""
    text = _storage().getItem(KEY)
    if not text:
        return None, None
    try:
        return model_files.tried(model_files.from_text(text)), None
    except (NetworkError, model_files.ImportError_) as error:
        _storage().removeItem(KEY)
        return None, f"The model you opened could not start ({error}), so the built-in model is shown."


def opened() -> bool:
    """The explainer shows a model opened or trained in this tab, not the built-in one."""
    return _storage().getItem(KEY) is not None


def install(app) -> None:
    app.on("change", INPUT, lambda event, element: open_chosen(app, element))
    app.on("click", "[data-action='builtin-model']", lambda event, element: restart(app, None))
    _keep_image(app)
    count = len(app.network.classes)
    dom.set_text("#model-name", f"Model: {app.network.name} ({count} classes). {passed_through(app.network)}".strip())
    status = (f'Showing the model you opened ({len(app.network.classes)} classes). '
              '<button type="button" class="link-button" data-action="builtin-model">Back to the built-in '
              'model</button>') if opened() else ""
    dom.set_html("#model-status", status)
    if opened():  # the article was written for the built-in model's classes
        from ..views.article.article import class_texts  # the article's views load after the first screen (boot.DEFERRED)

        for name, text in class_texts(app.network.classes).items():
            for element in dom.query_all(f'[data-article-text="{name}"]'):
                element.textContent = text


def _keep_image(app) -> None:
    """Before the first render: the picture of the previous model, when the address has none for this one."""
    data = _storage().getItem(IMAGE_KEY)
    _storage().removeItem(IMAGE_KEY)
    if not data or app.has_image(app.state):
        return
    try:
        app.custom_image = plain_png_input(base64.b64decode(data))  # written by restart() below: no Pillow needed
    except ValueError:
        return
    app.state = app.state.with_(image=CUSTOM_IMAGE, image_url=None)


def restart(app, text: str | None) -> None:
    storage = _storage()
    if app.trace is not None:
        storage.setItem(IMAGE_KEY, base64.b64encode(png_bytes(input_pixels(app.trace))).decode())
    if text is None:
        storage.removeItem(KEY)
    else:
        storage.setItem(KEY, text)
    js.location.reload()


async def open_chosen(app, element) -> None:
    chosen = [element.files.item(i) for i in range(element.files.length)]
    element.value = ""  # the same files can be picked again after a fix
    too_large = [file for file in chosen if file.size > MAX_MODEL_BYTES]
    if too_large:  # said before a byte is read: a 200 MB file would otherwise fill the tab's memory
        file = too_large[0]
        app.notify(f"That model cannot be opened: {file.name} is {size_text(int(file.size))}; a model file may "
                   f"be {size_text(MAX_MODEL_BYTES)} at most. The current model stays.")
        return
    files = {file.name: (await file.arrayBuffer()).to_bytes() for file in chosen}
    if not files:
        return
    try:
        network = model_files.tried(model_files.open_files(files), app.image)
    except model_files.ImportError_ as error:
        app.notify(f"That model cannot be opened: {error}. The current model stays.")
        return
    keep(app, network)


def keep(app, network) -> None:
    """Show ``network`` from now on, in this tab, across reloads (a checked, tried model: opened or trained)."""
    try:
        restart(app, model_files.to_text(network))
    except PermissionError:
        app.notify("This browser keeps no storage for the explainer inside another site's page, so it cannot "
                   "switch models here: open the explainer in its own tab. The current model stays.")
    except Exception:  # noqa: BLE001 - the browser's storage is full or off: say so, keep the current model
        app.notify("That model is too large to keep in this browser tab; the current model stays.")

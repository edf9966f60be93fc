"""The shift view in the page, beyond its markup: dragging the picture, the arrow keys on it, the two sliders
and "Put it back" change the State's ``shift`` (so every position has an address), and the fully connected
network is fetched the first time the view opens (not part of the first load), checked against the sha256
the build wrote into the page's load plan (``lazy``), and kept for the tab."""
from __future__ import annotations

import base64
import hashlib
import json

import js

from ...ui.state import SHIFT_LIMIT
from .. import dom
from ..later import later
from .behaviour import Behaviour, route

# the view (with the code panel's grids: 19 ms) and the model readers: once the view first opens
view, model_files = later("pyapp.views.detail.shift"), later("pyapp.models.files")

MLP_FILES = ("weights/mlp/tiny_vgg.json", "weights/mlp/tiny_vgg.npz")
KEYS = {"ArrowLeft": (-1, 0), "ArrowRight": (1, 0), "ArrowUp": (0, -1), "ArrowDown": (0, 1)}
BIG_STEP = 4  # px per arrow key with Shift

_companion: dict = {}  # "network": the fully connected network once fetched, or "error": why it cannot be
_curves: dict = {}  # (id of the image, dy, id of the network) -> (answer, probabilities): one per network
# A drag outlives the box it started on (each new position draws the box again): (pointer x, y at the start,
# shift at the start, screen px per input px), or None.
_drag: list = [None]


class CompanionError(Exception):
    """The fully connected network cannot be used here: the message says why, in one line."""


async def _fetch_checked(path: str, expected: str | None) -> bytes:
    if expected is None:
        raise CompanionError("this copy of the explainer has no fully connected network for its classes")
    try:
        response = await js.fetch(path)
    except Exception:  # noqa: BLE001 - offline with no copy: say so
        raise CompanionError(f"{path} could not be downloaded (offline?)") from None
    if not response.ok:
        raise CompanionError(f"{path} is missing ({response.status})")
    data = (await response.arrayBuffer()).to_bytes()
    if "sha256-" + base64.b64encode(hashlib.sha256(data).digest()).decode() != expected:
        raise CompanionError(f"{path} is damaged or out of date (its sha256 does not match this build)")
    return data


async def companion(network):
    """The fully connected network for ``network``'s classes (fetched once), or CompanionError."""
    if "network" not in _companion and "error" not in _companion:
        try:
            lazy = json.loads(js.document.getElementById("load-plan").textContent).get("lazy", {})
            files = {path.rsplit("/", 1)[1]: await _fetch_checked(path, lazy.get(path)) for path in MLP_FILES}
            _companion["network"] = model_files.open_files(files)
        except CompanionError as exc:
            _companion["error"] = str(exc)
    if "error" in _companion:
        raise CompanionError(_companion["error"])
    mlp = _companion["network"]
    if mlp.classes != network.classes:
        raise CompanionError("the fully connected network knows other classes than this model")
    return mlp


def curve(network, image, dy: int):
    """The network's probability for its answer as the picture moves in x, cached per image and dy."""
    key = (id(image), dy, id(network))
    if key not in _curves:
        if len(_curves) > 8:
            _curves.clear()
        _curves[key] = view.curves(network, image, dy)
    return _curves[key]


class ShiftBox(Behaviour):
    def __init__(self, host, mounted):
        super().__init__(host, mounted)
        host.app.spawn(self._compare())

    async def _compare(self) -> None:
        app = self.host.app
        try:
            mlp = await companion(app.network)
        except CompanionError as exc:
            return self._comparison(f'<p class="shift-waiting">No comparison: {exc}.</p>')
        if self.host.behaviour is not self:  # another view (or position) was drawn meanwhile
            return
        image, (dx, dy) = app.source_image(), app.state.shift or (0, 0)
        html = view.comparison(app.network, mlp, image, (dx, dy), curve(app.network, image, dy), curve(mlp, image, dy))
        self._comparison(html)

    def _comparison(self, html: str) -> None:
        target = self.mounted.box.querySelector(view.COMPARISON) if self.mounted.box is not None else None
        if target is not None:
            target.innerHTML = html

    def move_to(self, dx: int, dy: int) -> None:
        dx, dy = (max(-SHIFT_LIMIT, min(SHIFT_LIMIT, int(v))) for v in (dx, dy))
        app = self.host.app
        if (dx, dy) != (app.state.shift or (0, 0)):
            app.set_state(app.state.with_(shift=(dx, dy) if (dx, dy) != (0, 0) else None), history="replace")

    def action(self, name: str, element) -> bool:
        if name != "shift-reset":
            return False
        self.move_to(0, 0)
        return True

    def key(self, event, element):
        if event.key not in KEYS:
            return None
        event.preventDefault()
        step = BIG_STEP if event.shiftKey else 1
        dx, dy = self.host.app.state.shift or (0, 0)
        self.move_to(dx + KEYS[event.key][0] * step, dy + KEYS[event.key][1] * step)
        return True

    def slide(self, event, element):
        output = element.parentElement.querySelector("output")
        if output is not None:
            output.textContent = f"{element.value} px"
        if event.type == "change":
            dx, dy = self.host.app.state.shift or (0, 0)
            value = int(element.value)
            self.move_to(value, dy) if element.getAttribute("data-shift-axis") == "x" else self.move_to(dx, value)
        return True

    def press(self, event, element):
        rect = element.getBoundingClientRect()
        _drag[0] = (event.clientX, event.clientY, self.host.app.state.shift or (0, 0),
                     rect.width / self.host.app.network.input_shape[1])
        event.preventDefault()
        return True

    def pointer(self, event, element):
        if _drag[0] is None or not event.buttons:
            _drag[0] = None
            return None
        x0, y0, (dx, dy), scale = _drag[0]
        self.move_to(dx + round((event.clientX - x0) / scale), dy + round((event.clientY - y0) / scale))
        return True

    def release(self, event, element):
        _drag[0] = None


def install(app, host) -> None:
    """The frame's drag and keys and the sliders go to the open ShiftBox, if any."""
    route(app, host, ShiftBox, "keydown", ".detail-box [data-shift-frame]", "key")
    route(app, host, ShiftBox, "input", ".detail-box [data-shift-axis]", "slide")
    route(app, host, ShiftBox, "change", ".detail-box [data-shift-axis]", "slide")
    route(app, host, ShiftBox, "pointerdown", ".detail-box [data-shift-frame]", "press")
    # the drag goes on wherever the pointer is (the box is drawn again at each new position)
    route(app, host, ShiftBox, "pointermove", lambda event: True, "pointer")
    route(app, host, ShiftBox, "pointerup", lambda event: True, "release")

"""The page's core: the network, the one State, the image being classified and its trace.

Controllers plug in with three hooks:
- ``app.install(name, controller, events)``: the controller, reachable as ``app.controllers[name]`` (by
  other controllers, tests and the console), and its events, (event_type, match, handler) for ``on``;
- ``app.on(event_type, selector_or_predicate, handler)``: one delegated listener per event type on
  #app calls ``handler(event, element)`` for the events that match;
- ``app.renderers``: functions ``renderer(app, change)`` called after every state or trace change.
``app.set_state(new)`` is the one way to change what is shown; it reruns the network only when the
image changed, and mirrors the state in the address hash (deep links, the browser's Back button).
The App alone turns an image into a trace: an example by name, the visitor's bytes (``use_image``),
or other weights (``set_network``) all end in the one commit path, ``_show``.
"""
from __future__ import annotations

import asyncio
import json
import time
import traceback
from dataclasses import dataclass
from typing import Callable

import js
import numpy as np
from pyodide.ffi import create_proxy

from . import dom
from ..engine.shift import shifted
from ..images.errors import ImageError
from ..ui.state import CUSTOM_IMAGE, State, notice
from ..views.widgets import upload as upload_words
from ..views.widgets.examples import NO_IMAGE, example_input
from .notice import Notice

ROOT = "#app"
# Delegated on #app; "paste" goes to the focused element (often <body>), so it is heard on the document.
EVENTS = ("click", "pointerover", "pointermove", "pointerout", "pointerdown", "pointerup", "focusin", "focusout",
          "keydown", "change", "input", "dragover", "drop")
DOCUMENT_EVENTS = ("paste",)
# A click right on these (not on anything drawn inside them) is a click on empty space: one level up.
EMPTY_SPACE = ("stage", "overview", "overview-svg")
# A change of these is a new place to go Back from; other changes replace the current history entry.
NAVIGATION_FIELDS = ("image", "image_url", "view", "layer", "neuron")


@dataclass(frozen=True)
class Change:
    """What a render follows: the state before (None on the first render) and whether the trace is new."""

    previous: State | None
    trace_changed: bool


Renderer = Callable[["App", Change], None]


class App:
    def __init__(self, network, examples: list[str], state: State, mistakes: dict[str, str] | None = None):
        self.network = network
        self.examples = list(examples)  # class names that have an example image, in output order
        self.mistakes = dict(mistakes or {})  # the build's mistakes: image name -> true class
        self.mistakes_shown = False  # the strip's mistakes opened by their toggle
        self.state = state
        self.image: np.ndarray | None = None  # (64, 64, 3) float32 in [0, 1]
        self.trace = None  # network.forward(image); None only while there is no image at all
        self.custom_image: np.ndarray | None = None
        self.first_paint_fits = False  # the build's first paint is of this network (the shipped one): boot.py
        self.custom_url: str | None = None  # the web address custom_image came from (None: a file, a photo)
        self.awaited_url: str | None = None  # a link's image_url still downloading: the address keeps it
        self.follow_link = None  # follow_link(image_url, said): fetch a link's image (the upload dialog sets it)
        self.renderers: list[Renderer] = []
        self.controllers: dict[str, object] = {}  # by name, see install
        self._handlers: dict[str, list] = {}
        self._example_images: dict[str, np.ndarray] = {}
        self._proxies = []  # JS keeps calling these: keep them alive
        self._tasks = set()
        self._rendered = False  # until the first render, a change has no previous state
        self.notice = Notice()
        self.on("click", "#notice-close", self.notice.hide)
        # one level up (formula -> elastic -> overview): Esc, or a click on empty space
        up = lambda event, element: self.set_state(self.state.back(self.network))  # noqa: E731
        self.on("keydown", lambda event: event.key == "Escape", up)
        self.on("click", lambda event: getattr(event.target, "id", None) in EMPTY_SPACE, up)

    # -- events -----------------------------------------------------------------------------------
    def install(self, name: str, controller, events=()) -> None:
        """Keep ``controller`` as ``controllers[name]`` and route its events: (event_type, match, handler)."""
        self.controllers[name] = controller
        for event_type, match, handler in events:
            self.on(event_type, match, handler)

    def on(self, event_type: str, match, handler) -> None:
        """Call ``handler(event, element)`` for events of event_type in the page whose target matches.

        match: a CSS selector (element = the target's closest match) or a predicate on the event
        (element = the target). Handlers run in the order registered; one returning True stops the
        rest. An async handler runs as a task; any exception becomes a notice, not a broken page.
        """
        if event_type not in EVENTS + DOCUMENT_EVENTS:
            raise ValueError(f"{event_type!r} is not delegated; known: {', '.join(EVENTS + DOCUMENT_EVENTS)}")
        self._handlers.setdefault(event_type, []).append((match, handler))

    def _dispatch(self, event) -> None:
        for match, handler in list(self._handlers.get(event.type, ())):
            try:
                element = self._matching(event, match)
                result = None if element is None else handler(event, element)
            except Exception as error:  # noqa: BLE001 - a failing handler must not take the page down
                self.report(error)
                continue
            if asyncio.iscoroutine(result):
                self.spawn(result)
            elif result is True:
                break

    @staticmethod
    def _matching(event, match):
        """The element a handler gets, or None when the event is not for it."""
        target = event.target
        if isinstance(match, str):
            return target.closest(match) if getattr(target, "closest", None) else None
        return target if match(event) else None

    def spawn(self, coroutine) -> asyncio.Task:
        """Run a coroutine in the background (the task, to cancel it); its exception, if any, becomes a notice."""
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)

        def finished(task):
            self._tasks.discard(task)
            if not task.cancelled() and task.exception() is not None:
                self.report(task.exception())

        task.add_done_callback(finished)
        return task

    def _listen(self, target, event_type: str, function) -> None:
        proxy = create_proxy(function)
        self._proxies.append(proxy)
        target.addEventListener(event_type, proxy)

    # -- state ------------------------------------------------------------------------------------
    def has_image(self, state: State) -> bool:
        if state.image == CUSTOM_IMAGE:
            return self.custom_image is not None and state.image_url in (None, self.custom_url)
        return state.image in self.examples or state.image in self.mistakes

    def set_state(self, new: State, history: str | None = "auto") -> None:
        """Show new: rerun the network if the image changed, re-render, update the address.

        history: "auto" (push when the image or view changes, else replace), "push", "replace",
        or None (leave the address alone: it is where the state came from).
        """
        self._show(new, history)

    def set_network(self, network) -> None:
        """Use other weights (the kernel playground): rerun the current image and redraw, same state."""
        self.network = network
        if self.image is not None:
            self._show(self.state, None, rerun=True)

    def use_image(self, data: bytes, image_url: str | None = None, history: str = "push") -> str | None:
        """Classify the visitor's own image (a file, a drop, a paste, a photo, a web address or a link's):
        None when it is shown, else why it cannot be used, in words (the image shown stays)."""
        from ..images.preprocess import SIZE, load_image, source_size  # Pillow: loaded after the first screen

        try:
            image = load_image(data)
        except ImageError as error:
            return str(error)
        self.use_picture(image, image_url, history)
        width, height = source_size(data)
        if min(width, height) < SIZE:  # the picture on screen is blurred by the enlargement: say why
            self.notify(upload_words.enlarged(width, height, SIZE))
        return None

    def use_picture(self, picture: np.ndarray, image_url: str | None = None, history: str = "push") -> None:
        """Classify a picture, (h, w, 3) floats in [0, 1]: an own image read, or one made in the page (a drawing)."""
        self.custom_image, self.custom_url = picture, image_url
        self._show(self.state.with_(image=CUSTOM_IMAGE, image_url=image_url), history, rerun=True)

    def link_failed(self, message: str) -> None:
        """A link's image_url could not be used: the address drops it (so Reload works) and the notice,
        which stays until closed, says why."""
        self.awaited_url = None
        self._write_address(self.state, "replace")
        self.notice.show(message, fades=False)

    def photo_not_in_link(self, said: str | None = None) -> None:
        """A link to the sender's own photo (``image=custom`` with no image_url) cannot show it: say so,
        with the upload button, until closed (``said``: a notice to keep)."""
        message = " ".join(filter(None, (said, upload_words.photo_not_in_link(self.state.image))))
        self.notice.show(message, fades=False, action=upload_words.UPLOAD_BUTTON)

    def _show(self, new: State, history: str | None, rerun: bool = False, said: str | None = None) -> None:
        """The one commit path: fit the state to the network, run the network when the image (or the
        network) changed, remember the state, write the address, draw, and say what a link lost
        (``said``: what the caller already knows was lost)."""
        asked, (new, problem) = new, new.checked(self.network)
        problem = " ".join(filter(None, (said, problem))) or None
        rewrite = bool(problem) or new != asked  # the address asked for what cannot be shown, or not so (a map's page)
        if rewrite and history is None:
            history = "replace"  # do not keep it there
        if new == self.state and self.trace is not None and not rerun:
            if rewrite:  # nothing to redraw, but the address still holds what was not shown
                self._write_address(self.state, "replace")
            if problem:
                self.notify(problem)
            return
        if not self.has_image(new):
            raise LookupError(f"there is no image {new.image!r} in this copy of the explainer")
        previous = self.state if self._rendered else None  # None: the first render
        image_changed = (new.image, new.image_url) != (self.state.image, self.state.image_url)
        trace_changed = self.trace is None or rerun or image_changed or new.shift != self.state.shift
        if image_changed:
            self.awaited_url = None  # another image was chosen: a link's image still on its way is dropped
        if trace_changed:
            self._run(self._image_for(new), new.shift)
        self._commit(new, previous, trace_changed, history)
        if problem:
            self.notify(problem)

    def source_image(self) -> np.ndarray:
        """The image on screen before any move of the shift view."""
        return self._image_for(self.state)

    def _image_for(self, state: State) -> np.ndarray:
        if state.image == CUSTOM_IMAGE:
            return self.custom_image
        if state.image not in self._example_images:
            self._example_images[state.image] = example_input(state.image)
        return self._example_images[state.image]

    def _run(self, image: np.ndarray, shift: tuple[int, int] | None = None) -> None:
        # the network sees the picture as the shift view moved it: every map slides with it
        self.image = shifted(image, *shift) if shift else image
        self.trace = self.network.forward(self.image)

    def _commit(self, new: State, previous: State | None, trace_changed: bool, history) -> None:
        self.state = new
        self._write_address(previous, history)
        self.notice.hide()
        self.render(Change(previous, trace_changed))

    def address_state(self) -> State:
        """The state the address holds: the one shown, or while a link's image downloads, that image."""
        if self.awaited_url is None:
            return self.state
        return self.state.with_(image=CUSTOM_IMAGE, image_url=self.awaited_url)

    def write_address(self) -> None:
        self._write_address(self.state, "replace")

    def _write_address(self, previous: State | None, history) -> None:
        if history is None:
            return
        text = self.address_state().to_url()
        if ("#" + text if text else "") == js.location.hash:
            return
        url = "#" + text if text else js.location.pathname + js.location.search
        moved = previous is not None and any(getattr(previous, f) != getattr(self.state, f) for f in NAVIGATION_FIELDS)
        if history == "push" or (history == "auto" and moved):
            js.history.pushState(None, "", url)
        else:
            js.history.replaceState(None, "", url)

    def read_address(self, text: str) -> tuple[State, str | None]:
        """The state a link asks for and what of it could not be read, in words (None: all of it)."""
        state, dropped = State.parse(text, [*self.network.classes, *self.mistakes])
        return state, notice(dropped)

    def _on_hashchange(self, event) -> None:
        new, problem = self.read_address(js.location.hash)
        wanted = new.image_url if new.image == CUSTOM_IMAGE and not self.has_image(new) else None
        lost = new.image == CUSTOM_IMAGE and not self.has_image(new) and not wanted
        if not self.has_image(new):
            new = new.with_(image=self.state.image, image_url=self.state.image_url)
        try:
            self._show(new, "replace" if problem or lost else None, said=problem)
            if wanted and self.follow_link is not None and wanted != self.awaited_url:
                self.follow_link(wanted, said=problem)
            elif lost:
                self.photo_not_in_link(problem)
        except Exception as error:  # noqa: BLE001
            self.report(error)

    # -- drawing ----------------------------------------------------------------------------------
    def render(self, change: Change) -> None:
        """Call every renderer; without any image yet, #overview asks for one instead."""
        self._rendered = True
        if self.trace is None:
            dom.set_html("#overview", NO_IMAGE)
            return
        for renderer in list(self.renderers):
            try:
                renderer(self, change)
            except Exception as error:  # noqa: BLE001 - one broken view must not blank the others
                self.report(error)

    def report(self, error: BaseException) -> None:
        """A problem after start-up: a short notice in the page, the details in the console."""
        if isinstance(error, ImageError):
            return self.notify(f"That image cannot be used: {error}")
        traceback.print_exception(error)
        self.notice.show(f"Something went wrong: {type(error).__name__}: {error}", fades=False)  # stays: a bug

    def notify(self, message: str) -> None:
        """A message about the visitor's input (a bad drop, an impossible link): it goes after a few seconds."""
        self.notice.show(message)

    # -- start and measure ------------------------------------------------------------------------
    def start(self, problem: str | None = None) -> None:
        """Listen, compute the first trace and draw (replacing the build-time first paint); ``problem``:
        what the address asked for that could not be read (a notice once the page is drawn)."""
        root = dom.query(ROOT)
        for event_type in EVENTS:
            self._listen(root, event_type, self._dispatch)
        for event_type in DOCUMENT_EVENTS:
            self._listen(js.document, event_type, self._dispatch)
        self._listen(js.window, "hashchange", self._on_hashchange)
        if self.has_image(self.state):
            self._show(self.state, "replace", rerun=True, said=problem)
        else:
            self.render(Change(None, True))
            if problem:
                self.notify(problem)

    def measure(self, repeat: int = 20) -> dict:
        """Median milliseconds of one forward pass, of one full redraw and of each explanation of the
        network's answer (the Why? view's methods), in this browser."""
        import statistics  # here: it imports fractions and decimal, 18 ms of start-up for a test hook

        from ..engine import explain

        def median_ms(function) -> float:
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                function()
                times.append((time.perf_counter() - start) * 1000)
            return round(statistics.median(times), 2)

        forward = median_ms(lambda: self.network.forward(self.image))
        redraw = median_ms(lambda: self.render(Change(self.state, True)))
        answer = int(self.trace.probabilities.argmax())
        explained = {f"{name}_ms": median_ms(lambda name=name: explain.explain(self.network, self.trace, answer, name))
                     for name in explain.METHODS}
        return {"forward_ms": forward, "render_ms": redraw, **explained, "repeat": repeat}

    def measure_json(self, repeat=20) -> str:
        return json.dumps(self.measure(int(repeat)))

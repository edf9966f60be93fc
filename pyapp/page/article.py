"""The article's live parts: the hyperparameter widget, contents links, and any slot the build left empty.

The widget's picture is ``pyapp.views.article.hyperparameters.render``: every change or animation step is one
Python call and one innerHTML. The animation runs only while the widget is on screen, and does not
start by itself when the visitor asks for reduced motion.
"""
from __future__ import annotations

import js
from pyodide.ffi import create_proxy

from . import dom
from ..views.article import article, hyperparameters

WIDGET = "#hp-widget"
STEP_MS = 900  # one kernel position per step: slow enough to follow with the eye
NAMES = tuple(hyperparameters.LIMITS)


class Widget:
    """The widget's own small state (not part of the page State: it is not a view of the network)."""

    def __init__(self, root):
        self.root = root
        self.values = dict(hyperparameters.DEFAULTS)
        self.step = 0
        self.notes: list[str] = []  # what clamping changed; kept until the next edit so animation steps keep it
        self.hovering = False
        self.visible = False
        self.playing = not dom.reduced_motion()
        self._timer = None
        self._tick_proxy = create_proxy(self.tick)

    @property
    def setting(self) -> hyperparameters.Hyperparameters:
        return hyperparameters.Hyperparameters(**self.values)

    # -- drawing --------------------------------------------------------------------------------
    def draw(self) -> None:
        hp = self.setting
        dom.set_html(dom.query(".hp-drawing", self.root), hyperparameters.render(**self.values, step=self.step))
        dom.set_text(dom.query(".hp-status", self.root), " ".join([*self.notes, hyperparameters.message(hp)]))
        dom.set_attr(self.root, "data-valid", "true" if hp.valid else "false")
        # the stride field is the one to blame when the kernel fits but the steps do not
        dom.set_attr(dom.query('input[type="number"][data-hp="stride"]', self.root), "aria-invalid",
                     "true" if hp.fits and not hp.valid else None)
        dom.set_attr(dom.query('input[type="number"][data-hp="kernel_size"]', self.root), "aria-invalid",
                     "true" if not hp.fits else None)

    def set_values(self, raw: dict, source=None) -> None:
        """Take new field values (clamped to the limits), mirror them in the twin controls, redraw."""
        hp, self.notes = hyperparameters.clamp({**self.values, **raw})
        self.values = {name: getattr(hp, name) for name in NAMES}
        self.step = 0
        for name in raw:
            for control in dom.query_all(f'[data-hp="{name}"]', self.root):
                if control != source or self.notes:
                    control.value = str(self.values[name])
        self.draw()

    # -- animation ------------------------------------------------------------------------------
    def tick(self, *_) -> None:
        if self.hovering or js.document.hidden or not self.setting.fits:
            return
        self.step = (self.step + 1) % max(self.setting.output_size ** 2, 1)
        self.draw()

    def _sync_timer(self) -> None:
        """Run the timer only while playing and on screen (a pinned window just skips ticks)."""
        running = self.playing and self.visible
        if running and self._timer is None:
            self._timer = js.setInterval(self._tick_proxy, STEP_MS)
        elif not running and self._timer is not None:
            js.clearInterval(self._timer)
            self._timer = None

    def set_playing(self, playing: bool) -> None:
        self.playing = playing
        button = dom.query('[data-hp-action="play"]', self.root)
        button.textContent = "Pause" if playing else "Play"
        self._sync_timer()

    def set_visible(self, visible: bool) -> None:
        self.visible = visible
        self._sync_timer()

    def next_step(self) -> None:
        self.set_playing(False)
        self.step = (self.step + 1) % max(self.setting.output_size ** 2, 1)
        self.draw()

    def pin(self, step: int) -> None:
        self.hovering = True
        if step != self.step:
            self.step = step
            self.draw()


def _fill_empty_slots(app) -> None:
    """Draw any slot the build did not fill (a page assembled without build.py's article hook)."""
    for slot in dom.query_all("[data-article-fill]"):
        if slot.childElementCount == 0:
            dom.set_html(slot, article.slot_content(slot.dataset.articleFill, app.network.description))


def _fill_lazy(app, details) -> None:
    """A folded part (counting the weights, the section on training) is drawn when first opened: the page starts
    with its summary only."""
    if details is not None and details.childElementCount <= 1:
        details.insertAdjacentHTML("beforeend", article.lazy_content(details.dataset.articleLazy,
                                                                     app.network.description))


def _scroll_to(app, event, element) -> None:
    """Contents links scroll without touching the address: the hash belongs to the explainer's state. A folded
    section opens."""
    event.preventDefault()
    target = dom.query("#" + element.dataset.articleLink)
    if target is not None and target.hasAttribute("data-article-lazy"):
        _fill_lazy(app, target)
        target.open = True
    if target is not None:
        target.scrollIntoView()  # instant: smooth scrolling would ignore prefers-reduced-motion


def _field_input(widget: Widget, event, element) -> None:
    name = element.dataset.hp
    text = element.value.strip()
    if element.type == "number":
        low, high = hyperparameters.LIMITS[name]
        try:
            value = int(text)
        except ValueError:
            return  # still typing; "change" settles it
        if not low <= value <= high:
            return
    widget.set_values({name: element.value}, source=element)


def install(app) -> None:
    js.document.documentElement.classList.add("article-in")  # article.css: every section laid out from now on
    root = dom.query(WIDGET)
    _fill_empty_slots(app)
    app.on("click", "a[data-article-link]", lambda event, element: _scroll_to(app, event, element))
    app.on("click", "details[data-article-lazy] > summary", lambda event, element: _fill_lazy(app, element.parentElement))
    for details in dom.query_all("details[data-article-lazy][open]"):  # opened before this controller came
        _fill_lazy(app, details)
    if root is None:
        return
    widget = Widget(root)
    app.install("article", widget, [
        ("input", "#hp-widget [data-hp]", lambda event, element: _field_input(widget, event, element)),
        ("change", "#hp-widget input[type=number][data-hp]",
         lambda event, element: widget.set_values({element.dataset.hp: element.value})),
        ("click", '#hp-widget [data-hp-action="play"]', lambda event, element: widget.set_playing(not widget.playing)),
        ("click", '#hp-widget [data-hp-action="step"]', lambda event, element: widget.next_step()),
        ("pointerover", "#hp-widget [data-step]", lambda event, element: widget.pin(int(element.getAttribute("data-step")))),
        ("pointerout", "#hp-widget .hp-drawing", lambda event, element: _unpin(widget, event, element)),
    ])

    def observed(entries, *_):
        widget.set_visible(any(entry.isIntersecting for entry in entries))

    observer_proxy = create_proxy(observed)
    app._proxies.append(observer_proxy)
    js.IntersectionObserver.new(observer_proxy).observe(root)
    dom.set_attr(dom.query("fieldset", root), "disabled", None)
    widget.set_playing(widget.playing)
    widget.draw()


def _unpin(widget: Widget, event, element) -> None:
    # pointerout also fires between cells inside the drawing: only leaving it unpins
    if event.relatedTarget is None or not element.contains(event.relatedTarget):
        widget.hovering = False

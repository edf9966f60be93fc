"""The explainer's whole UI state as one object, with one URL form (the address's hash).

Every view is a function of (State, the network's trace); deep links, the back step
and embedding all come from this one object. Any text whatsoever reads as a valid State
(``State.parse`` also says what it dropped); ``State.checked`` then fits it to a network.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from urllib.parse import parse_qsl, urlencode

from ..engine.roles import convolutions
from ..views.detail import registry

COLOR_MODES = ("unit", "module", "global")
VIEWS = registry.NAMES
CUSTOM_IMAGE = "custom"
MAX_PAGE = 63  # the overview's last page of maps (64 filters, one map a page, at most)
# The shipped model's preferred first example; a model without this class starts on its first example.
DEFAULT_IMAGE = "espresso"
# What a hash may hold: ASCII digits only ("²".isdigit() is True but int() refuses it), a few of them.
NUMBER = re.compile(r"[0-9]{1,6}")
LAYER_NAME = re.compile(r"[A-Za-z0-9_]{1,64}")
IMAGE_NAME = re.compile(r"[A-Za-z0-9 _-]{1,64}")
# The "Why?" view's heat-map methods: the keys of pyapp.engine.explain.METHODS (NumPy-free here; a test ties the two).
METHODS = ("saliency", "gradient-x-input", "gradcam", "occlusion")
DEFAULT_METHOD = "gradcam"
WHY_VIEW = "why"
SHIFT_VIEW = "shift"
SHIFT_LIMIT = 16  # px the shift view moves the picture, each way (its plot spans the same range in x)
SHIFT = re.compile(r"(-?[0-9]{1,2}),(-?[0-9]{1,2})")
# The Train panel's settings (pyapp.learning.session.Settings): address name -> allowed values (a tuple) or
# (lowest, highest) of a number; the starts and optimisers are pyapp.learning's START and OPTIMIZERS (a test ties them).
TRAIN_STARTS = ("weights", "scratch", "transfer")
OPTIMIZERS = ("sgd", "adam")
DECIMAL = re.compile(r"[0-9]{1,4}(\.[0-9]{1,8})?([eE]-?[0-9]{1,2})?")
CLASS_LIST = re.compile(r"[0-9]{1,2}(,[0-9]{1,2}){0,19}")
# The photos to train on: the built-in set, or classes the visitor makes (pyapp.learning.own; their photos never
# travel in a link, their names do). A name: letters of any script, digits, spaces, . ' ( ) - _; never a comma.
TRAIN_DATA = ("builtin", "own")
OWN_CLASSES = (2, 10)
OWN_NAME = re.compile(r"[\w .'()-]{1,32}")


@dataclass(frozen=True)
class State:
    image: str = DEFAULT_IMAGE  # an example's class name, a mistake's name ("mistake-1"), or "custom"
    image_url: str | None = None  # where a custom image came from, when it was a URL
    colors: str = "unit"  # colour range: per map's layer ("unit"), per block ("module"), whole network
    detail: bool = True  # "Show detail": (H, W, C) under the layer names, and the colour legends: on, they teach
    maps: int = 0  # the overview's page of maps, in columns with more than fit ("+ 48 more": ui/geometry.py)
    view: str = "overview"
    layer: str | None = None  # the layer the detail view is about, e.g. "conv_1_1"
    neuron: int | None = None  # map index in that layer (for the output layer: the class index)
    channel: int | None = None  # input channel of a conv neuron (conv-formula row)
    pixel: tuple[int, int] | None = None  # pinned output position (row, column)
    method: str = DEFAULT_METHOD  # the "Why?" view's heat map (its class is ``neuron`` on the output layer)
    compare: int | None = None  # the "Why?" view: a second class drawn beside it, on the same colour range
    cam: str | None = None  # the "Why?" view's Grad-CAM layer, any convolution (None: the last)
    shift: tuple[int, int] | None = None  # the shift view: the picture moved (x right, y down) in px; the
    # network sees the moved picture, so every map slides with it
    embed: bool = False  # compact embed mode
    train: bool = False  # the Train panel is open (#train)
    start: str = "weights"  # what training starts from: the shown weights, scratch, or transfer (last layer only)
    opt: str = "sgd"  # SGD with momentum 0.9, or Adam
    lr: float = 0.01  # learning rate
    batch: int = 32
    decay: float = 0.0  # weight decay
    augment: bool = True  # flips and crops of the training photos
    epochs: int = 5
    stop: bool = True  # early stopping on the held-out loss
    classes: tuple[int, ...] = (0, 1, 2)  # the built-in photo set's classes to train on
    data: str = "builtin"  # train on the built-in photos, or on the visitor's own classes ("own")
    names: tuple[str, ...] = ()  # the own classes' names (empty: "Class 1", "Class 2")

    def with_(self, **changes) -> "State":
        return replace(self, **changes)

    def overview(self) -> "State":
        """The same image and settings with no detail view open."""
        return replace(self, view="overview", layer=None, neuron=None, channel=None, pixel=None,
                       method=DEFAULT_METHOD, compare=None, cam=None, shift=None)

    def back(self, network=None) -> "State":
        """One level up (the registry's parent): formula view to elastic view to overview; the overview stays.
        With the network: past a parent that cannot draw its layer (the softmax of a net without a flatten view)."""
        if self.view == registry.OVERVIEW:
            return self
        parent = registry.parent(self.view)
        alone = network is not None and registry.drawn_root(self.view, network, self.layer) == self.view
        if parent == registry.OVERVIEW or alone:
            return self.overview()
        return replace(self, view=parent, channel=None, pixel=None)

    def to_url(self) -> str:
        """The hash part of the address, without '#': only what differs from the default."""
        default = State()
        pairs = []
        for f in fields(self):
            value = getattr(self, f.name)
            if value == getattr(default, f.name):
                continue
            if isinstance(value, bool):
                value = int(value)
            elif isinstance(value, float):
                value = f"{value:g}"
            elif isinstance(value, tuple):
                value = ",".join(str(v) for v in value)
            pairs.append((f.name, value))
        return urlencode(pairs)

    @classmethod
    def from_url(cls, text: str, images=None) -> "State":
        """Reads a hash written by ``to_url``; anything unknown or malformed falls back to the default."""
        return cls.parse(text, images)[0]

    @classmethod
    def parse(cls, text: str, images=None) -> tuple["State", list[str]]:
        """(the state of any text whatsoever, what of it was dropped, in words).

        images: the image names this copy knows (class examples and mistakes); None accepts any plain name.
        """
        try:
            pairs = parse_qsl(str(text).lstrip("#"), keep_blank_values=True)
        except ValueError:  # e.g. more fields than parse_qsl allows
            pairs = []
        raw = {k: v for k, v in pairs if v or k == "train"}  # "#train" alone opens the panel
        values, dropped = {}, []

        def take(name, value, ok):
            if name not in raw:
                return
            if ok:
                values[name] = value
            else:
                dropped.append(name)

        image = raw.get("image", "")
        known = image in images if images is not None else bool(IMAGE_NAME.fullmatch(image))
        # "custom" is the visitor's own image: from a web address (image_url), or from a file (no address).
        take("image", image, known or image == CUSTOM_IMAGE)
        if image == CUSTOM_IMAGE and raw.get("image_url"):
            values["image_url"] = raw["image_url"]
        take("colors", raw.get("colors"), raw.get("colors") in COLOR_MODES)
        for flag in ("detail", "embed", "augment", "stop"):
            take(flag, raw.get(flag) == "1", raw.get(flag) in ("0", "1"))
        take("train", raw.get("train") != "0", raw.get("train") in ("", "0", "1"))
        take("start", raw.get("start"), raw.get("start") in TRAIN_STARTS)
        take("opt", raw.get("opt"), raw.get("opt") in OPTIMIZERS)
        for name, low, high in (("lr", 1e-6, 100.0), ("decay", 0.0, 1.0)):
            number = float(raw[name]) if DECIMAL.fullmatch(raw.get(name, "")) else -1.0
            take(name, number, low <= number <= high)
        for name, low, high in (("batch", 1, 256), ("epochs", 1, 100), ("maps", 0, MAX_PAGE)):
            number = int(raw[name]) if NUMBER.fullmatch(raw.get(name, "")) else -1
            take(name, number, low <= number <= high)
        picked = tuple(dict.fromkeys(int(c) for c in raw.get("classes", "").split(","))) \
            if CLASS_LIST.fullmatch(raw.get("classes", "")) else ()
        take("classes", picked, len(picked) >= 2)
        take("data", raw.get("data"), raw.get("data") in TRAIN_DATA)
        names = tuple(raw.get("names", "").split(","))
        take("names", names, OWN_CLASSES[0] <= len(names) <= OWN_CLASSES[1] and len(set(names)) == len(names)
             and all(OWN_NAME.fullmatch(n) and n == " ".join(n.split()) and not n.isdigit() for n in names))
        take("view", raw.get("view"), raw.get("view") in VIEWS)
        take("layer", raw.get("layer"), bool(LAYER_NAME.fullmatch(raw.get("layer", ""))))
        take("method", raw.get("method"), raw.get("method") in METHODS)
        take("cam", raw.get("cam"), bool(LAYER_NAME.fullmatch(raw.get("cam", ""))))
        for name in ("neuron", "channel", "compare"):
            text_value = raw.get(name, "")
            take(name, int(text_value) if NUMBER.fullmatch(text_value) else None, bool(NUMBER.fullmatch(text_value)))
        pixel = raw.get("pixel", "").split(",")
        pixel_ok = len(pixel) == 2 and all(NUMBER.fullmatch(p) for p in pixel)
        take("pixel", (int(pixel[0]), int(pixel[1])) if pixel_ok else None, pixel_ok)
        moved = SHIFT.fullmatch(raw.get("shift", ""))
        moved_ok = moved is not None and all(abs(int(v)) <= SHIFT_LIMIT for v in moved.groups())
        take("shift", (int(moved.group(1)), int(moved.group(2))) if moved_ok else None, moved_ok)
        state = replace(cls(), **values)
        # A detail view without its layer cannot be drawn (a view of the whole network can): the overview instead.
        whole = state.view != registry.OVERVIEW and registry.entry(state.view).whole
        if whole and (state.layer is None) != (state.neuron is None):
            state, dropped = state.with_(layer=None, neuron=None), dropped + ["layer" if state.layer else "neuron"]
        if state.view != "overview" and not whole and (state.layer is None or state.neuron is None):
            state, dropped = state.overview(), dropped + ["view"]
        return state, dropped

    def checked(self, network) -> tuple["State", str | None]:
        """This state fitted to ``network``: a detail view it cannot show becomes the overview, a channel,
        pixel or class to compare outside the network is dropped; with the reason in words (None when
        nothing changed). ``method`` and ``compare`` belong to the "Why?" view: elsewhere they are reset."""
        if self.view != WHY_VIEW and (self.method, self.compare, self.cam) != (DEFAULT_METHOD, None, None):
            return self.with_(method=DEFAULT_METHOD, compare=None, cam=None).checked(network)
        if self.cam is not None and self.cam not in convolutions(network):
            return self.with_(cam=None).checked(network)[0], f"There is no convolution {self.cam!r} for Grad-CAM."
        if self.shift is not None and (self.view != SHIFT_VIEW or self.shift == (0, 0)):
            return self.with_(shift=None).checked(network)  # only the shift view moves the picture
        if self.view == registry.OVERVIEW:
            return self, None
        entry = registry.entry(self.view)
        if entry.whole and self.layer is None:
            return self, None
        try:
            layer = network.layer(self.layer)
        except KeyError:
            return self.overview(), f"There is no layer called {self.layer!r} in this network."
        if not registry.can_show(entry, network, layer.name):
            return self.overview(), f"{self.layer} is not a layer the {self.view} view can show."
        reason = registry.misfit(entry, network, self.layer)
        if reason:
            return self.overview(), reason
        count = network.shapes[self.layer][0]
        if not 0 <= self.neuron < count:
            return self.overview(), f"{self.layer} has {count} maps; there is no map {self.neuron + 1}."
        state, problems = self, []
        from . import geometry  # here, not above: the state stays free of NumPy until a network is checked

        page = geometry.page_showing(network, self.layer, self.neuron, self.maps)
        if page != self.maps:  # the map is in sight while its view is open (its page of the overview)
            state = state.with_(maps=page)
        channels = getattr(layer, "in_channels", None)
        if self.channel is not None and (channels is None or self.channel >= channels):
            state = state.back() if self.view == "conv-formula" else state.with_(channel=None)
            problems.append(f"{self.layer} has no input channel {self.channel + 1}.")
        if self.compare is not None and (self.compare >= count or self.compare == self.neuron):
            state = state.with_(compare=None)  # the class itself: nothing to compare
            if self.compare >= count:
                problems.append(f"There is no class {self.compare + 1} to compare with.")
        shape = network.shapes[self.layer][1:]
        if self.pixel is not None and (len(shape) != 2 or not all(p < n for p, n in zip(self.pixel, shape))):
            state = state.with_(pixel=None)
            problems.append(f"{self.layer} has no pixel {self.pixel}.")
        return state, " ".join(problems) or None

def notice(dropped: list[str]) -> str | None:
    """What the visitor reads when a link held something the explainer cannot show."""
    if not dropped:
        return None
    return f"Part of this link could not be read and was left out: {', '.join(dict.fromkeys(dropped))}."

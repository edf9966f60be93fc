"""The explainer's whole UI state as one object, with one URL form (the address's hash).

Every view is a function of (State, the network's trace); deep links, the back step
and embedding all come from this one object.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from urllib.parse import parse_qsl, urlencode

COLOR_MODES = ("unit", "module", "global")
VIEWS = ("overview", "conv-elastic", "conv-formula", "relu", "pool", "flatten", "softmax")
# One level up from each view: Esc or a click on empty space goes there.
PARENT_VIEW = {
    "conv-formula": "conv-elastic",
    "conv-elastic": "overview",
    "relu": "overview",
    "pool": "overview",
    "softmax": "flatten",
    "flatten": "overview",
    "overview": "overview",
}
CUSTOM_IMAGE = "custom"
# The shipped model's preferred first example; a model without this class starts on its first example.
DEFAULT_IMAGE = "espresso"


@dataclass(frozen=True)
class State:
    image: str = DEFAULT_IMAGE  # an example's class name, or "custom"
    image_url: str | None = None  # where a custom image came from, when it was a URL
    colors: str = "unit"  # colour range: per map's layer ("unit"), per block ("module"), whole network
    detail: bool = False  # "Show detail": (H, W, C) in layer names, and colour legends
    view: str = "overview"
    layer: str | None = None  # the layer the detail view is about, e.g. "conv_1_1"
    neuron: int | None = None  # map index in that layer (for the output layer: the class index)
    channel: int | None = None  # input channel of a conv neuron (conv-formula row)
    pixel: tuple[int, int] | None = None  # pinned output position (row, column)
    embed: bool = False  # compact embed mode

    def with_(self, **changes) -> "State":
        return replace(self, **changes)

    def back(self) -> "State":
        """One level up: formula view to elastic view to overview; the overview stays."""
        parent = PARENT_VIEW[self.view]
        if parent == self.view:
            return self
        if parent == "overview":
            return replace(self, view="overview", layer=None, neuron=None, channel=None, pixel=None)
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
            elif isinstance(value, tuple):
                value = ",".join(str(v) for v in value)
            pairs.append((f.name, value))
        return urlencode(pairs)

    @classmethod
    def from_url(cls, text: str, classes=None) -> "State":
        """Reads a hash written by ``to_url``; anything unknown or out of range falls back to the default.

        ``classes``: the network's classes, the only example names accepted (None: any plain name)."""
        raw = dict(parse_qsl(text.lstrip("#"), keep_blank_values=False))
        default = cls()
        values = {}
        image = raw.get("image")
        known = image in classes if classes is not None else bool(image) and image.replace(" ", "").isalnum()
        if (known and image != CUSTOM_IMAGE) or (image == CUSTOM_IMAGE and raw.get("image_url")):
            values["image"] = image
            if image == CUSTOM_IMAGE:
                values["image_url"] = raw["image_url"]
        if raw.get("colors") in COLOR_MODES:
            values["colors"] = raw["colors"]
        for flag in ("detail", "embed"):
            if raw.get(flag) in ("0", "1"):
                values[flag] = raw[flag] == "1"
        if raw.get("view") in VIEWS:
            values["view"] = raw["view"]
        if raw.get("layer", "").replace("_", "").isalnum():
            values["layer"] = raw["layer"]
        for name in ("neuron", "channel"):
            if raw.get(name, "").isdigit():
                values[name] = int(raw[name])
        pixel = raw.get("pixel", "").split(",")
        if len(pixel) == 2 and all(p.isdigit() for p in pixel):
            values["pixel"] = (int(pixel[0]), int(pixel[1]))
        state = replace(default, **values)
        # A detail view without its layer cannot be drawn: start on the overview instead.
        if state.view != "overview" and (state.layer is None or state.neuron is None):
            state = replace(state, view="overview", layer=None, neuron=None, channel=None, pixel=None)
        return state

"""The one table of detail views: what opens each, what it goes back to, its article section and its class.

``State`` (valid views, ``back()``, link checks), the page (what a click opens, how a view is hosted),
the info buttons and the overview's article links all read this table; adding a view is one module
with a class implementing pyapp.views.detail.base.DetailView plus one entry here.
Plain data: the classes are named, not imported, so ``pyapp.ui.state`` stays free of NumPy.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass

OVERVIEW = "overview"


@dataclass(frozen=True)
class ViewEntry:
    name: str  # the state's ``view`` and the markup's ``data-view``
    layer_type: str  # the type of ``state.layer`` the view explains (a map of this type opens it)
    parent: str  # one level up: Esc, the close button, a click on empty space
    section: str  # the article's section about it: #article-<section>
    step_ms: int | None  # its window steps every step_ms while playing; None: it does not step
    cls: str  # "module:Class" under pyapp.views.detail

    def view_class(self):
        module, name = self.cls.split(":")
        return getattr(importlib.import_module(f"{__package__}.{module}"), name)


ENTRIES = (
    ViewEntry("conv-elastic", "conv2d", OVERVIEW, "convolution", None, "conv_elastic:ElasticView"),
    ViewEntry("conv-formula", "conv2d", "conv-elastic", "convolution", 250, "conv_formula:ConvFormulaView"),
    ViewEntry("relu", "relu", OVERVIEW, "relu", 250, "relu:ReluView"),
    ViewEntry("pool", "max_pool2d", OVERVIEW, "pooling", 1000, "pool:PoolView"),  # fewer windows: slower
    ViewEntry("flatten", "dense", OVERVIEW, "flatten", None, "flatten:FlattenView"),
    ViewEntry("softmax", "dense", "flatten", "softmax", None, "softmax:SoftmaxView"),
    # after flatten: a click on an output class opens the flatten view, its "Why?" control this one
    ViewEntry("why", "dense", OVERVIEW, "why", None, "why:WhyView"),
    # opened from the output layer's box ("Move the picture"); its class is the network's answer
    ViewEntry("shift", "dense", OVERVIEW, "parameters", None, "shift:ShiftView"),
)
VIEWS = {entry.name: entry for entry in ENTRIES}
NAMES = (OVERVIEW,) + tuple(VIEWS)


def entry(name: str) -> ViewEntry:
    return VIEWS[name]


def parent(name: str) -> str:
    return VIEWS[name].parent if name in VIEWS else OVERVIEW


def root(name: str) -> str:
    """The view's ancestor that the overview opens (it owns what is drawn over the overview)."""
    while parent(name) != OVERVIEW:
        name = parent(name)
    return name


def opened_by(layer_type: str) -> ViewEntry | None:
    """The view a click on a map (or output class) of a layer of ``layer_type`` opens from the overview."""
    return next((e for e in ENTRIES if e.layer_type == layer_type and e.parent == OVERVIEW), None)


def deepest(name: str) -> ViewEntry:
    """The last view down the chain from ``name`` (the convolution's formula, the softmax)."""
    children = [e for e in ENTRIES if e.parent == name]
    return deepest(children[-1].name) if children else VIEWS[name]


def section(layer_type: str) -> str | None:
    """The article section a layer label of this type leads to: the one of its most detailed view."""
    first = opened_by(layer_type)
    return deepest(first.name).section if first else None


# The overview's output rows are the units of the network's last layer of this type.
OUTPUT_LAYER_TYPE = "dense"

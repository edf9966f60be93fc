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
    # the types of ``state.layer`` the view explains (a map of one of them opens it, unless ``linked``)
    layer_type: str | tuple[str, ...]
    parent: str  # one level up: Esc, the close button, a click on empty space
    section: str  # the article's section about it: #article-<section>
    step_ms: int | None  # its window steps every step_ms while playing; None: it does not step
    cls: str  # "module:Class" under pyapp.views.detail
    whole: bool = False  # about the whole network: a layer and unit are optional (the unit to show first)
    linked: bool = False  # no map opens it: it is reached by a link
    hidden: bool = False  # of the dense views, it draws a hidden dense layer's units too, not only the classes

    def shows(self, layer_type: str) -> bool:
        """Whether the view can show a layer of this type."""
        kinds = self.layer_type if isinstance(self.layer_type, tuple) else (self.layer_type,)
        return layer_type in kinds

    def view_class(self):
        module, name = self.cls.split(":")
        return getattr(importlib.import_module(f"{__package__}.{module}"), name)


ACTIVATION_TYPES = ("relu", "leaky_relu", "sigmoid", "tanh")
POOL_TYPES = ("max_pool2d", "avg_pool2d", "global_avg_pool")
UNIT_TYPES = ("conv2d", "relu")  # the layers whose maps are units (pyapp.engine.atlas.UNIT_TYPES, tested)

ENTRIES = (
    ViewEntry("conv-elastic", "conv2d", OVERVIEW, "convolution", None, "conv_elastic:ElasticView"),
    ViewEntry("conv-formula", "conv2d", "conv-elastic", "convolution", 250, "conv_formula:ConvFormulaView"),
    # the activation view (its name stays "relu": addresses already shared keep opening it)
    ViewEntry("relu", ACTIVATION_TYPES, OVERVIEW, "relu", 250, "activation:ActivationView"),
    ViewEntry("pool", POOL_TYPES, OVERVIEW, "pooling", 1000, "pool:PoolView"),  # fewer windows: slower
    ViewEntry("batch-norm", "batch_norm", OVERVIEW, "layers", 250, "batch_norm:BatchNormView"),
    ViewEntry("dropout", "dropout", OVERVIEW, "layers", 250, "dropout:DropoutView"),
    ViewEntry("flatten", "dense", OVERVIEW, "flatten", None, "flatten:FlattenView"),
    ViewEntry("softmax", "dense", "flatten", "softmax", None, "softmax:SoftmaxView"),
    # after flatten: a click on an output class opens the flatten view, its "Why?" control this one
    ViewEntry("why", "dense", OVERVIEW, "why", None, "why:WhyView"),
    # opened from the output layer's box ("Move the picture"); its class is the network's answer
    ViewEntry("shift", "dense", OVERVIEW, "parameters", None, "shift:ShiftView"),
    # what a unit looks for: linked from the maps' read-out and their views, and from the atlas of every unit
    ViewEntry("unit", UNIT_TYPES, OVERVIEW, "units", None, "unit:UnitView", linked=True),
    ViewEntry("atlas", UNIT_TYPES, OVERVIEW, "units", None, "atlas:AtlasView", whole=True, linked=True),
    # one unit of any dense layer as its weighted sum: what a click on a hidden dense unit opens (last: the
    # output layer's classes open the flatten view or Why? first)
    ViewEntry("dense", "dense", OVERVIEW, "flatten", 250, "dense:DenseView", hidden=True),
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


def opened_by(layer_type: str, network=None, layer: str | None = None) -> ViewEntry | None:
    """The view a click on a map (or output class) of a layer of ``layer_type`` opens from the overview (the
    first that can draw ``layer`` of ``network`` when given: a model without a flatten step gets Why?)."""
    return next((e for e in ENTRIES if e.shows(layer_type) and e.parent == OVERVIEW and not e.linked
                 and (network is None or misfit(e, network, layer) is None)), None)


def drawn_root(name: str, network, layer: str | None) -> str:
    """The view drawn under ``name`` on the overview: its root, unless the root cannot draw this layer of this
    network; then ``name`` alone (the softmax of a net whose flatten view cannot draw its classes)."""
    top = root(name)
    return top if misfit(VIEWS[top], network, layer) is None else name


def output_layer(network) -> str:
    """The layer of the classes' scores, the one the softmax reads: a dense layer, or the global average pooling
    of one map per class of a net without one."""
    last = network.layers[-1]
    return network.sources[last.name] if last.type == "softmax" else last.name


def can_show(entry: ViewEntry, network, layer: str) -> bool:
    """Whether the entry's view is one for ``layer``'s kind: by its type, and the output layer's views (Why?, the
    softmax, ...) for the output layer whatever it is."""
    output_view = entry.layer_type == OUTPUT_LAYER_TYPE and not entry.hidden
    return entry.shows(network.layer(layer).type) or (output_view and layer == output_layer(network))


def misfit(entry: ViewEntry, network, layer: str | None) -> str | None:
    """Why the view cannot draw this layer of this network, in words; None when it can. The map views need
    maps (a ReLU or dropout between dense layers holds numbers), and the flatten view maps flattened into the
    output layer (not global average pooling, not hidden dense layers: the softmax is drawn alone there)."""
    if layer is None:
        return None
    dense = [item.name for item in network.layers if item.type == OUTPUT_LAYER_TYPE]
    if entry.layer_type == OUTPUT_LAYER_TYPE and layer != output_layer(network) and not entry.hidden:
        return f"{layer} is a hidden dense layer: the {entry.name} view is about the output layer's classes."
    if entry.name == "flatten":  # it draws the flattened maps straight into the output's classes
        flattens = [item.name for item in network.layers if item.type == "flatten"]
        if len(dense) > 1 or not any(len(network.shapes.get(network.sources[name], ())) == 3 for name in flattens):
            return (f"The {entry.name} view shows maps flattened straight into the classes; this network has "
                    + ("dense layers between them" if len(dense) > 1 else "no flatten step from maps")
                    + ", so Why? explains its classes.")
        return None
    maps = [len(network.shapes.get(name, ())) == 3 for name in (layer, network.sources.get(layer))]
    if entry.layer_type != OUTPUT_LAYER_TYPE and not any(maps):  # global pooling: maps in, numbers out
        return f"{layer} holds single numbers, not maps: the {entry.name} view shows maps."
    return None


def unit_source(network, layer: str) -> str:
    """The layer a click on ``layer`` opens: the dense layer before it for the activation of hidden dense units (its
    numbers are no maps; the dense view shows the sum and the activation together), else ``layer`` itself."""
    source = network.sources.get(layer)
    if network.layer(layer).type in ACTIVATION_TYPES and source and network.layer(source).type == OUTPUT_LAYER_TYPE:
        return source
    return layer


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

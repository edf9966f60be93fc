"""The article's table of learned parameters, layer by layer, computed from the model description alone.

A conv layer learns one k x k kernel per (input channel, filter) pair and one bias per filter:
(k*k*c_in + 1) * c_out numbers. A dense layer learns (n_in + 1) * n_out. ReLU, pooling, flatten
and softmax learn nothing.
"""
from __future__ import annotations

from ...engine.layers import output_size
from ...ui import svg

KIND_NAMES = {"conv2d": "convolution", "relu": "ReLU", "max_pool2d": "max pooling", "flatten": "flatten",
              "dense": "dense", "softmax": "softmax"}
TIMES, DOT = "\u00d7", "\u00b7"


def _size(shape: tuple[int, ...]) -> str:
    """(C, H, W) as the overview writes it, H x W x C; a vector as its length."""
    if len(shape) == 3:
        c, h, w = shape
        return f"{h}{TIMES}{w}{TIMES}{c}"
    return str(shape[0])


def layer_parameters(description: dict) -> list[dict]:
    """One row per layer: name, kind, output shape (C, H, W), weight and bias shapes, formula, count."""
    h, w, c = description["input_shape"]
    shape = (int(c), int(h), int(w))
    rows = [{"name": "input", "type": "input", "shape": shape, "weight": None, "bias": None,
             "formula": "", "count": 0}]
    for spec in description["layers"]:
        kind, weight, bias, formula = spec["type"], None, None, ""
        if kind == "conv2d":
            k, filters = int(spec["kernel_size"]), int(spec["filters"])
            stride, padding = int(spec.get("stride", 1)), int(spec.get("padding", 0))
            c_in = shape[0]
            weight, bias = (filters, c_in, k, k), (filters,)
            formula = f"({k}{DOT}{k}{DOT}{c_in} + 1){DOT}{filters}"
            shape = (filters, output_size(shape[1], k, stride, padding), output_size(shape[2], k, stride, padding))
        elif kind == "max_pool2d":
            pool = int(spec.get("pool_size", 2))
            stride = int(spec.get("stride") or pool)
            shape = (shape[0], output_size(shape[1], pool, stride), output_size(shape[2], pool, stride))
        elif kind == "flatten":
            shape = (shape[0] * shape[1] * shape[2],) if len(shape) == 3 else shape
        elif kind == "dense":
            units, n_in = int(spec["units"]), shape[0]
            weight, bias = (units, n_in), (units,)
            formula = f"({n_in} + 1){DOT}{units}"
            shape = (units,)
        elif kind not in KIND_NAMES:
            raise ValueError(f"layer {spec.get('name')!r}: unknown type {kind!r}")
        count = 0
        if weight is not None:
            count = _product(weight) + _product(bias)
        rows.append({"name": spec["name"], "type": kind, "shape": shape, "weight": weight, "bias": bias,
                     "formula": formula, "count": count})
    return rows


def _product(shape: tuple[int, ...]) -> int:
    total = 1
    for n in shape:
        total *= n
    return total


def total(description: dict) -> int:
    return sum(row["count"] for row in layer_parameters(description))


def render(description: dict) -> str:
    """The table as an HTML fragment; its last row is the network's total."""
    rows = layer_parameters(description)
    body = []
    for row in rows:
        learned = row["weight"] is not None
        cells = [
            svg.element("th", svg.element("code", svg.escape(row["name"])), scope="row"),
            svg.element("td", svg.escape(KIND_NAMES.get(row["type"], row["type"]))),
            svg.element("td", _size(row["shape"]), class_="num"),
            svg.element("td", f"{TIMES.join(map(str, row['weight']))} + {row['bias'][0]}" if learned else "\u2013",
                        class_="num"),
            svg.element("td", svg.escape(row["formula"]) if learned else "\u2013", class_="formula"),
            svg.element("td", f"{row['count']:,}", class_="num"),
        ]
        body.append(svg.element("tr", cells, data_param_layer=row["name"], data_parameters=str(row["count"]),
                                class_=None if learned else "no-parameters"))
    grand = sum(row["count"] for row in rows)
    head = svg.element("tr", [svg.element("th", label, scope="col") for label in
                              ("Layer", "Type", "Output", "Weights + biases", "Formula", "Parameters")])
    foot = svg.element("tr", [svg.element("th", "Total", scope="row", colspan="5"),
                              svg.element("td", f"{grand:,}", class_="num")])
    caption = svg.element("caption", "Learned numbers in each layer of Tiny VGG, counted by Python from the "
                          "model description (weights/tiny_vgg.json).")
    return svg.element("table", [caption, svg.element("thead", head), svg.element("tbody", body),
                                 svg.element("tfoot", foot)],
                       class_="parameter-table", data_total=str(grand))


# -- count the weights: each layer beside a fully connected layer with the same outputs --------------
PHOTO_SIDE = 224  # the textbooks' example photo: 224 x 224 x 3


def _values(shape: tuple[int, ...]) -> int:
    return _product(shape)


def weight_sharing(description: dict, side: int = PHOTO_SIDE) -> list[dict]:
    """For each layer with weights: its parameters and what a fully connected layer with the same number of
    outputs would need reading the same input, on the model's own input and on a ``side`` x ``side`` photo
    (the same layers; a convolution's count does not change, it shares its kernels across positions)."""
    photo = {**description, "input_shape": [side, side, description["input_shape"][2]]}
    rows = []
    for here, there in zip(_pairs(layer_parameters(description)), _pairs(layer_parameters(photo))):
        (before, row), (photo_before, photo_row) = here, there
        if row["weight"] is None:
            continue
        inputs, outputs = _values(before["shape"]), _values(row["shape"])
        photo_inputs, photo_outputs = _values(photo_before["shape"]), _values(photo_row["shape"])
        rows.append({"name": row["name"], "type": row["type"], "formula": row["formula"], "count": row["count"],
                     "inputs": inputs, "outputs": outputs, "dense": (inputs + 1) * outputs,
                     "dense_formula": f"({inputs:,} + 1){DOT}{outputs:,}",
                     "photo_count": photo_row["count"], "photo_inputs": photo_inputs, "photo_outputs": photo_outputs,
                     "photo_dense": (photo_inputs + 1) * photo_outputs})
    return rows


def _pairs(rows: list[dict]):
    return zip(rows, rows[1:])


def _big(n: int) -> str:
    """A count as digits, or over a billion as 1.23 x 10^12 (the digits would not fit a phone)."""
    if n < 10**9:
        return f"{n:,}"
    exponent = len(str(n)) - 1
    return f"{n / 10**exponent:.2f}{TIMES}10<sup>{exponent}</sup>"


def sharing_figure(description: dict, side: int = PHOTO_SIDE) -> str:
    """The live figure: a table of ``weight_sharing`` with the formulas, and what it says in one sentence."""
    rows = weight_sharing(description, side)
    h, w, c = description["input_shape"]
    body = []
    for row in rows:
        body.append(svg.element("tr", [
            svg.element("th", svg.element("code", svg.escape(row["name"])), scope="row"),
            svg.element("td", f"{svg.escape(row['formula'])} = {row['count']:,}"),
            svg.element("td", f"{row['dense_formula']} = {_big(row['dense'])}"),
            svg.element("td", f"{row['photo_count']:,}"),
            svg.element("td", _big(row["photo_dense"])),
        ], data_weights_layer=row["name"], data_count=str(row["count"]), data_dense=str(row["dense"]),
            data_photo_dense=str(row["photo_dense"])))
    head = svg.element("tr", [svg.element("th", label, scope="col") for label in (
        "Layer", f"Its weights on {h}{TIMES}{w}{TIMES}{c}", "Fully connected, same outputs",
        f"Its weights on {side}{TIMES}{side}{TIMES}{c}", "Fully connected there")])
    caption = svg.element("caption", "Each layer with weights beside a fully connected layer that reads the same "
                          "input and gives as many outputs, counted by Python from this model's description.")
    table = svg.element("table", [caption, svg.element("thead", head), svg.element("tbody", body)],
                        class_="parameter-table weight-sharing-table")
    own, dense = sum(r["count"] for r in rows), sum(r["dense"] for r in rows)
    convs = sum(r["count"] for r in rows if r["type"] == "conv2d")
    where = (f"The convolutions hold {convs:,} of them, the dense layers {own - convs:,}: sharing each kernel "
             "across every position keeps a convolution small. " if convs else "")
    said = (where + f"This network learns {own:,} numbers; fully connected layers with the same outputs would need "
            f"{_big(dense)}. A fully connected neuron on a {side}{TIMES}{side}{TIMES}{c} photo reads "
            f"{side * side * c:,} inputs, so it needs that many weights; a convolution's neuron needs "
            f"k{TIMES}k{TIMES}c<sub>in</sub> wherever it looks, so its count is the same on any photo.")
    return (f'<div class="parameter-table-wrap weight-sharing" data-total="{own}" data-dense="{dense}">'
            f'{table}<p class="weight-sharing-text">{said}</p></div>')


SHARING_SUMMARY = "Count the weights: beside fully connected layers"


def sharing_details(description: dict) -> str:
    """The figure folded under its summary (the output layer's view; the article fills its own when opened),
    and the button that opens the shift view: what sharing the weights does when the picture moves."""
    return (f'<details class="weight-sharing-details"><summary>{SHARING_SUMMARY}</summary>'
            f'{sharing_figure(description)}</details>'
            '<p class="shift-open"><button type="button" data-action="shift">Move the picture</button> and compare '
            'with a fully connected network</p>')

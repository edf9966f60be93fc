"""The article's table of learned parameters, layer by layer, computed from the model description alone.

A conv layer learns one k x k kernel per (input channel, filter) pair and one bias per filter:
(k*k*c_in + 1) * c_out numbers. A dense layer learns (n_in + 1) * n_out; batch normalisation a scale and a
shift per channel (its running statistics are measured, not learned). Activations, pooling, dropout, flatten
and softmax learn nothing. The shapes are pyapp.models.limits.check_layer's, the one place they are reckoned.
"""
from __future__ import annotations

from ...models.limits import check_layer
from ...ui import svg

KIND_NAMES = {"conv2d": "convolution", "relu": "ReLU", "leaky_relu": "leaky ReLU", "sigmoid": "sigmoid",
              "tanh": "tanh", "max_pool2d": "max pooling", "avg_pool2d": "average pooling",
              "global_avg_pool": "global average pooling", "batch_norm": "batch normalisation", "dropout": "dropout",
              "flatten": "flatten", "dense": "dense", "softmax": "softmax"}
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
    for index, spec in enumerate(description["layers"]):
        kind, weight, bias, formula = spec["type"], None, None, ""
        if kind not in KIND_NAMES:
            raise ValueError(f"layer {spec.get('name')!r}: unknown type {kind!r}")
        out = check_layer(spec, index, shape)
        if kind == "conv2d":
            k, filters, c_in = int(spec["kernel_size"]), int(spec["filters"]), shape[0]
            weight, bias = (filters, c_in, k, k), (filters,)
            formula = f"({k}{DOT}{k}{DOT}{c_in} + 1){DOT}{filters}"
        elif kind == "dense":
            units, n_in = int(spec["units"]), shape[0]
            weight, bias = (units, n_in), (units,)
            formula = f"({n_in} + 1){DOT}{units}"
        elif kind == "batch_norm":
            weight, bias = (shape[0],), (shape[0],)
            formula = f"2{DOT}{shape[0]}"
        shape = out
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

"""The pictures of a training run, each a function of the session: loss and accuracy curves (training batches
and held-out looks, epochs marked), the first layer's kernels as small pictures, per-class accuracy with the
held-out confusion matrix, and a strip of held-out photos with the network's current answer."""
from __future__ import annotations

import numpy as np

from ....engine.roles import first_convolution
from ....ui import svg

WIDTH, HEIGHT, PAD = 320, 130, 28
STRIP = 12  # held-out photos in the strip, spread over the classes


def _path(points, x_max: float, y_max: float) -> str:
    if not points:
        return ""
    xs = PAD + np.asarray([p[0] for p in points], float) / max(x_max, 1) * (WIDTH - PAD - 6)
    ys = HEIGHT - PAD + 8 - np.clip(np.asarray([p[1] for p in points], float) / y_max, 0, 1) * (HEIGHT - PAD - 6)
    return "M" + " L".join(f"{svg.num(x, 1)},{svg.num(y, 1)}" for x, y in zip(xs, ys))


def chart(title: str, series, x_max: float, y_max: float, epochs, kind: str) -> str:
    """One chart: each series (label, [(step, value)], css class) as a line, epochs as dashed marks."""
    base = HEIGHT - PAD + 8
    marks = [svg.element("line", None, x1=x, x2=x, y1=4, y2=base, class_="tr-epoch")
             for x in (PAD + s / max(x_max, 1) * (WIDTH - PAD - 6) for s in epochs)]
    lines = [svg.element("path", None, d=_path(points, x_max, y_max), class_=f"tr-line {cls}", data_series=cls)
             for _, points, cls in series if points]
    axes = [svg.element("line", None, x1=PAD, x2=WIDTH - 4, y1=base, y2=base, class_="tr-axis"),
            svg.element("line", None, x1=PAD, x2=PAD, y1=4, y2=base, class_="tr-axis"),
            svg.text(f"{y_max:g}", x=PAD - 4, y=12, class_="tr-tick", text_anchor="end"),
            svg.text("0", x=PAD - 4, y=base, class_="tr-tick", text_anchor="end"),
            svg.text(f"steps (epochs dashed)", x=WIDTH - 4, y=HEIGHT - 4, class_="tr-tick", text_anchor="end")]
    legend = svg.element("p", " ".join(svg.element("span", svg.escape(label), class_=f"tr-key {cls}")
                                       for label, _, cls in series), class_="tr-legend")
    picture = svg.element("svg", axes + marks + lines, viewBox=f"0 0 {WIDTH} {HEIGHT}", class_="tr-chart",
                          role="img", aria_label=title, data_chart=kind)
    return svg.element("figure", [svg.element("figcaption", svg.escape(title)), picture, legend], class_="tr-figure")


def curves(session) -> str:
    """The loss and the accuracy, training batches against held-out photos."""
    history = session.history
    x_max = max(session.total_steps, 1)
    train_loss = [(s, l) for s, l, _ in history.train]
    held_loss = [(s, l) for s, l, _ in history.heldout]
    top = max([l for _, l in train_loss + held_loss if np.isfinite(l)] + [np.log(len(session.classes))])
    loss = chart("Loss (lower is better)", [("training batches", train_loss, "tr-train"),
                                            ("held-out photos", held_loss, "tr-held")],
                 x_max, float(f"{top * 1.1:.2g}"), history.epochs, "loss")
    accuracy = chart("Accuracy", [("training batches", [(s, a) for s, _, a in history.train], "tr-train"),
                                  ("held-out photos", [(s, a) for s, _, a in history.heldout], "tr-held")],
                     x_max, 1.0, history.epochs, "accuracy")
    return loss + accuracy


def kernels(network) -> str:
    """The first convolution's filters as small colour pictures (the layer's range: a change shows)."""
    layer = first_convolution(network)
    weights = network.layer(layer).weight  # (out, in, k, k)
    if weights.shape[1] not in (1, 3):
        return ""
    limit = float(np.abs(weights).max()) or 1.0
    pixels = np.clip((weights / limit + 1) * 127.5, 0, 255).astype(np.uint8).transpose(0, 2, 3, 1)
    pictures = [svg.element("img", None, src=svg.png_data_url(p if p.shape[2] == 3 else p[:, :, 0]),
                            alt=f"filter {i + 1}", class_="tr-kernel", width=30, height=30, data_kernel=i)
                for i, p in enumerate(pixels)]
    return svg.element("figure", [svg.element("figcaption", f"{layer}'s {len(pictures)} kernels (grey is 0)"),
                                  svg.element("div", pictures, class_="tr-kernels")], class_="tr-figure")


def classes(session) -> str:
    """Per class: the share of its held-out photos answered right, and the confusion matrix behind it."""
    counts = session.confusion()
    if not counts.sum():
        return ""
    names = session.classes
    totals = counts.sum(axis=1)
    head = svg.element("tr", [svg.element("th", "true \\ answer", scope="col")]
                       + [svg.element("th", svg.escape(n), scope="col") for n in names]
                       + [svg.element("th", "right", scope="col")])
    rows = []
    for i, name in enumerate(names):
        share = counts[i, i] / totals[i] if totals[i] else 0.0
        cells = [svg.element("td", str(c), class_="tr-hit" if i == j else ("tr-miss" if c else None),
                             style=f"--share:{c / max(totals[i], 1):.2f}") for j, c in enumerate(counts[i])]
        rows.append(svg.element("tr", [svg.element("th", svg.escape(name), scope="row")] + cells
                                + [svg.element("td", f"{share:.0%}", data_class_accuracy=name)]))
    table = svg.element("table", [svg.element("caption", "Held-out photos: the true class (rows) against the "
                                                         "network's answer (columns)"), head] + rows,
                        class_="tr-confusion")
    return svg.element("figure", table, class_="tr-figure")


def strip_photos(session) -> list[int]:
    """Which held-out photos the strip shows: a few of each class, in turn."""
    per_class = [np.flatnonzero(session.heldout_y == k) for k in range(len(session.classes))]
    picked = []
    for round_ in range(STRIP):
        for indices in per_class:
            if round_ < len(indices) and len(picked) < STRIP:
                picked.append(int(indices[round_]))
    return picked


def strip(session, urls: dict) -> str:
    """The held-out photos with the network's current top class; a wrong answer is marked. ``urls``: index ->
    the photo's data URL (made once per run)."""
    figures = []
    for index in strip_photos(session):
        guess = int(session.predictions[index])
        truth = int(session.heldout_y[index])
        answer = session.classes[guess] if guess >= 0 else "?"
        wrong = guess >= 0 and guess != truth
        caption = svg.escape(answer) + (svg.element("span", " ✗ wrong", class_="tr-wrong-mark") if wrong else "")
        figures.append(svg.element("figure", [
            svg.element("img", None, src=urls[index], alt=f"a held-out photo of {session.classes[truth]}", width=64,
                        height=64), svg.element("figcaption", caption)],
            class_="tr-photo" + (" tr-wrong" if wrong else ""), data_heldout=index, data_answer=answer))
    return svg.element("figure", [svg.element("figcaption", "Held-out photos and the network's answer now"),
                                  svg.element("div", figures, class_="tr-strip")], class_="tr-figure")

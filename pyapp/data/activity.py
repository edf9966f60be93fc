"""How much a network's activation maps say on labelled images: per ReLU layer, the share of zero pixels,
of all-zero maps and of units that stay zero on every image, and the accuracy.

One computation for ``python -m pyapp stats DIR`` and for the training script's report and model card,
so the figures a teacher checks are the ones training wrote.
"""
from __future__ import annotations

import numpy as np

BATCH = 64  # images per forward pass: the trace of 64 images is about 25 MB


def relu_layers(network) -> list[str]:
    """The ReLU layers with maps (C, H, W); a fully connected network's ReLU has none."""
    return [layer.name for layer in network.layers if layer.type == "relu" and len(network.shapes[layer.name]) == 3]


def activity(network, images, labels, batch: int = BATCH) -> dict:
    """Figures for (N, H, W, C) images and their (N,) labels (see :func:`activity_of_batches`)."""
    images, labels = np.asarray(images), np.asarray(labels)
    return activity_of_batches(network, ((images[i:i + batch], labels[i:i + batch])
                                         for i in range(0, len(images), batch)))


def activity_of_batches(network, batches) -> dict:
    """Figures for an iterable of (images (n, H, W, C), labels (n,)) batches:

    ``{"images", "accuracy", "layers": [{"layer", "zero_pixels", "zero_maps", "dead_units", "units"}]}``,
    where a zero pixel is an activation equal to 0, an all-zero map is one image's map with no
    pixel above 0, and a dead unit is a map that is all zero on every one of the images.
    """
    names = relu_layers(network)
    zero_pixels = dict.fromkeys(names, 0)
    zero_maps = dict.fromkeys(names, 0)
    ever_on = {name: 0 for name in names}
    pixels, maps, correct, count = dict.fromkeys(names, 0), dict.fromkeys(names, 0), 0, 0
    for images, labels in batches:
        trace = network.forward(images)
        correct += int((trace.probabilities.argmax(axis=1) == np.asarray(labels)).sum())
        count += len(labels)
        for name in names:
            a = trace[name]  # (n, C, H, W)
            zero_pixels[name] += int((a <= 0).sum())
            pixels[name] += a.size
            peak = a.max(axis=(2, 3))  # (n, C): a map is all zero when its largest pixel is
            zero_maps[name] += int((peak <= 0).sum())
            maps[name] += peak.size
            ever_on[name] = ever_on[name] | (peak > 0).any(axis=0)
    return {
        "images": count,
        "accuracy": correct / count if count else 0.0,
        "layers": [
            {
                "layer": name,
                "zero_pixels": zero_pixels[name] / max(1, pixels[name]),
                "zero_maps": zero_maps[name] / max(1, maps[name]),
                "dead_units": int(np.size(ever_on[name]) - np.sum(ever_on[name])) if count else 0,
                "units": int(network.shapes[name][0]),
            }
            for name in names
        ],
    }


def meets(stats: dict, accuracy: float, zero_maps: float, zero_pixels: float) -> bool:
    """Whether the figures reach targets: accuracy at least, and in every ReLU layer shares at most."""
    return stats["accuracy"] >= accuracy and all(
        row["zero_maps"] <= zero_maps and row["zero_pixels"] <= zero_pixels for row in stats["layers"])


def table_lines(stats: dict) -> list[str]:
    """The figures as a plain-text table, then the accuracy line."""
    width = max([len("layer")] + [len(row["layer"]) for row in stats["layers"]])
    lines = [f"{'layer':<{width}}  zero pixels  all-zero maps  dead units"]
    for row in stats["layers"]:
        lines.append(f"{row['layer']:<{width}}  {row['zero_pixels']:>11.1%}  {row['zero_maps']:>13.1%}  "
                     f"{row['dead_units']:>3} of {row['units']}")
    lines.append(f"accuracy: {stats['accuracy']:.1%} ({stats['images']} images)")
    return lines


def markdown_table(stats: dict) -> str:
    """The same figures as a Markdown table (for MODEL_CARD.md)."""
    rows = [
        f"| {row['layer']} | {row['zero_pixels']:.1%} | {row['zero_maps']:.1%} | {row['dead_units']} of {row['units']} |"
        for row in stats["layers"]
    ]
    return "\n".join(["| ReLU layer | zero pixels | all-zero maps | dead units |", "|---|---|---|---|", *rows])

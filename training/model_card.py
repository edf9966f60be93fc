"""What training writes next to the weights: the model description (tiny_vgg.json) and the model card
(model_card.json and MODEL_CARD.md), for the 10 Tiny ImageNet classes or any folder's classes."""
from __future__ import annotations

import json
import platform
from pathlib import Path

import numpy as np

from pyapp.data import dataset
from pyapp.data.activity import markdown_table

TINY_IMAGENET_LICENCE = (
    "Trained on Tiny ImageNet (Stanford CS231n), a subset of ImageNet; the photos belong to their authors "
    "and may be used for non-commercial research and teaching only. The dataset is not distributed here."
)
OWN_IMAGES_LICENCE = "Trained on the user's own images; they are not distributed with the weights."
ARCHITECTURE = ("CNN Explainer's Tiny VGG: 4 conv 3x3 (10 filters, stride 1, no padding) with ReLU, "
                "max-pool 2x2 after every second conv, dense 1690 -> {classes}, softmax")
OPTIMIZER = ("AdamW (no weight decay on biases), linear warm-up then cosine decay, cross-entropy "
             "with label smoothing; the epoch with the best validation accuracy is kept")


def description(classes=dataset.CLASS_NAMES) -> dict:
    """The model description of docs/architecture.md, with one output per class."""
    layers: list[dict] = []
    for block, (a, b) in enumerate((("conv_1_1", "conv_1_2"), ("conv_2_1", "conv_2_2")), start=1):
        for conv in (a, b):
            layers.append({"name": conv, "type": "conv2d", "filters": 10, "kernel_size": 3, "stride": 1, "padding": 0})
            layers.append({"name": conv.replace("conv", "relu"), "type": "relu"})
        layers.append({"name": f"max_pool_{block}", "type": "max_pool2d", "pool_size": 2, "stride": 2})
    layers += [
        {"name": "flatten", "type": "flatten"},
        {"name": "logits", "type": "dense", "units": len(classes)},
        {"name": "probabilities", "type": "softmax"},
    ]
    return {"name": "tiny_vgg", "input_shape": [64, 64, 3], "classes": list(classes), "layers": layers}


def description_text(classes=dataset.CLASS_NAMES) -> str:
    """tiny_vgg.json laid out as in docs/architecture.md (one layer per line); ``classes`` may be a whole
    description (another architecture's)."""
    d = classes if isinstance(classes, dict) else description(classes)
    rows = ",\n".join("    " + json.dumps(layer) for layer in d["layers"])
    return (
        "{\n"
        f'  "name": {json.dumps(d["name"])},\n'
        f'  "input_shape": {json.dumps(d["input_shape"])},\n'
        f'  "classes": {json.dumps(d["classes"])},\n'
        f'  "layers": [\n{rows}\n  ]\n'
        "}\n"
    )


def versions() -> dict:
    import torch

    return {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__}


def card(figures: dict, hyperparameters: dict, seed: int, command: str, sha: str) -> dict:
    """model_card.json's contents; ``figures`` come from training (see train.train)."""
    tiny_imagenet = figures["wnids"] is not None
    return {
        "model": figures.get("model", "tiny_vgg"),
        "architecture": figures.get("architecture") or ARCHITECTURE.format(classes=len(figures["classes"])),
        "parameters": figures["parameters"],
        "input": "64x64 RGB, pixels scaled to [0, 1], no mean/std normalisation",
        "classes": list(figures["classes"]),
        "wnids": figures["wnids"],
        **{k: figures[k] for k in ("train_accuracy", "val_accuracy", "val_per_class", "val_loss", "best_epoch",
                                   "epochs_run", "train_images", "val_images", "val_source", "skipped_images",
                                   "training_seconds", "teacher", "activity")},
        "seed": seed,
        "hyperparameters": hyperparameters,
        "optimizer": OPTIMIZER,
        "versions": versions(),
        "npz_sha256": sha,
        "command": command,
        "dataset_licence": TINY_IMAGENET_LICENCE if tiny_imagenet else OWN_IMAGES_LICENCE,
    }


def write(out: Path, card_data: dict) -> None:
    (out / "model_card.json").write_text(json.dumps(card_data, indent=2) + "\n")
    (out / "MODEL_CARD.md").write_text(markdown(card_data))


def _teacher_text(teacher: dict | None) -> str:
    if teacher is None:
        return "No teacher: trained on the labels alone."
    return (f"Knowledge distillation from a teacher trained by the same script on the same images: "
            f"{teacher['architecture']}, {teacher['parameters']:,} parameters, "
            f"{teacher['val_accuracy']:.1%} validation accuracy. The exported network is exactly Tiny VGG.")


def _kept_alive(hp: dict) -> str:
    """What kept the activation maps alive during training, as a sentence (empty when nothing did)."""
    remedies = [text for on, text in (
        (hp.get("init", "pytorch") != "pytorch", f"conv initialisation `{hp.get('init')}`"),
        (hp.get("map_penalty"), f"a penalty of {hp.get('map_penalty')} on maps blank on an image"),
        (hp.get("pixel_penalty"), f"a penalty of {hp.get('pixel_penalty')} on maps mostly below zero"),
    ) if on]
    return (" Kept alive during training by " + ", ".join(remedies) + " (training/liveness.py)."
            if remedies else "")


def markdown(card: dict) -> str:
    hp = "\n".join(f"| `{k}` | {v} |" for k, v in card["hyperparameters"].items())
    wnids = card["wnids"] or [None] * len(card["classes"])
    classes = "\n".join(f"{i}. {c}" + (f" (`{w}`)" if w else "") for i, (c, w) in enumerate(zip(card["classes"], wnids)))
    per_class = ", ".join(f"{name} {acc:.0%}" for name, acc in card["val_per_class"].items())
    teacher_text = _teacher_text(card["teacher"])
    reference = (" For comparison, the reference CNN Explainer model scores 68.8% on the official validation "
                 "images of these classes." if card["wnids"] else "")
    skipped = f" {card['skipped_images']} unreadable image(s) were left out." if card["skipped_images"] else ""
    activity = card["activity"]
    maps = "" if not activity["layers"] else f"""## Activation maps
How much the maps say on the {activity['images']} validation images (as `python -m pyapp stats` prints it):
the share of pixels that are zero after each ReLU, the share of maps that are entirely zero (a blank
square in the explainer), and the units that are zero on every one of these images.{_kept_alive(card["hyperparameters"])}

{markdown_table(activity)}

"""
    v = card["versions"]
    title = {"tiny_vgg": "Tiny VGG", "mlp": "MLP (fully connected)"}.get(card["model"], card["model"])
    return f"""# Model card: {title}

{card['architecture']}; {card['parameters']:,} parameters. Input: {card['input']}.

## Results
| | images | top-1 accuracy |
|---|---|---|
| training (no augmentation) | {card['train_images']:,} | {card['train_accuracy']:.1%} |
| validation | {card['val_images']:,} | {card['val_accuracy']:.1%} |

Validation images: {card['val_source']}. They chose the kept epoch ({card['best_epoch']} of
{card['epochs_run']} run) and the hyper-parameters, so their accuracy is slightly optimistic.{reference}{skipped}

Validation accuracy per class: {per_class}.

{maps}## Classes (output order)
{classes}

## Training
{card['optimizer']}. {teacher_text}

Seed {card['seed']}; training time {card['training_seconds']:.0f} s on CPU.

| hyper-parameter | value |
|---|---|
{hp}

Versions: Python {v['python']}, PyTorch {v['torch']}, NumPy {v['numpy']}.

Reproduce:

```
{card['command']}
```

`tiny_vgg.npz` sha256: `{card['npz_sha256']}`

## Data licence
{card['dataset_licence']}
"""

"""Train Tiny VGG (CNN Explainer's 19,920-parameter network) with PyTorch and export it for the NumPy engine.

    python weights/train.py --data /path/to/tiny-imagenet-10 --out weights/

Reads ``train/`` and ``val/`` of a Tiny ImageNet copy (the 10-class copy or the official tiny-imagenet-200;
see pyapp/dataset.py), decodes every image once into memory, trains with on-the-fly augmentation, keeps the
epoch with the best validation accuracy and writes ``tiny_vgg.npz``, ``tiny_vgg.json``, ``model_card.json``
and ``MODEL_CARD.md`` to ``--out``. Optionally a wider teacher CNN is trained first on the same images and
the student learns from its softened outputs too (knowledge distillation); the exported network is always
exactly Tiny VGG.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import platform
import shlex
import sys
import time
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script: make pyapp importable
    sys.path.insert(0, str(REPO))

from pyapp import dataset, preprocess  # noqa: E402

PARAMETER_COUNT = 19_920  # the reference Tiny VGG's trainable parameters
CONV_LAYERS = ("conv_1_1", "conv_1_2", "conv_2_1", "conv_2_2")
LICENCE_NOTE = (
    "Trained on Tiny ImageNet (Stanford CS231n), a subset of ImageNet; the photos belong to their authors "
    "and may be used for non-commercial research and teaching only. The dataset is not distributed here."
)


@dataclass
class Settings:
    """Every hyper-parameter of a run; the model card records them all.

    The defaults are the shipped model's settings. Stronger augmentation (crop area down to 0.55, shift 0.1,
    jitter 0.2, no weight averaging) reached about 72% validation accuracy at epoch 38 of 120 and learnt slowly:
    a 20k-parameter network underfits when the augmentation is too strong.
    """

    seed: int = 0
    epochs: int = 120
    batch_size: int = 64
    lr: float = 4e-3
    weight_decay: float = 5e-4
    warmup_epochs: int = 3
    label_smoothing: float = 0.1
    # augmentation: random resized crop (area fraction and aspect range), shift, flip, colour jitter
    crop_scale_min: float = 0.7
    aspect_max: float = 1.25
    shift: float = 0.05  # extra translation as a fraction of the image (reflection fills the border)
    flip: bool = True
    brightness: float = 0.1
    contrast: float = 0.1
    saturation: float = 0.1
    # distillation from a wider teacher trained on the same images (0 teacher epochs = off)
    teacher_epochs: int = 0
    teacher_width: int = 48
    kd_alpha: float = 0.7  # weight of the distillation term
    kd_temperature: float = 4.0
    # exponential moving average of the weights (0 = off); the averaged weights are evaluated and exported
    ema_decay: float = 0.998
    limit_per_class: int = 0  # use only the first N images of each class (smoke tests); 0 = all
    threads: int = 1  # results are bit-identical only for the same thread count


# ----------------------------------------------------------------------------------------------- model


class TinyVGG(nn.Module):
    """The reference architecture; attribute names are the layer names so state_dict keys match the npz."""

    def __init__(self) -> None:
        super().__init__()
        self.conv_1_1 = nn.Conv2d(3, 10, 3)
        self.conv_1_2 = nn.Conv2d(10, 10, 3)
        self.conv_2_1 = nn.Conv2d(10, 10, 3)
        self.conv_2_2 = nn.Conv2d(10, 10, 3)
        self.logits = nn.Linear(10 * 13 * 13, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.conv_1_1(x))
        x = F.max_pool2d(F.relu(self.conv_1_2(x)), 2, 2)
        x = F.relu(self.conv_2_1(x))
        x = F.max_pool2d(F.relu(self.conv_2_2(x)), 2, 2)
        return self.logits(torch.flatten(x, 1))  # (N, C, H, W) -> channels-first flatten, as the engine does


class Teacher(nn.Module):
    """A wider VGG-style CNN used only as a distillation teacher; never exported."""

    def __init__(self, width: int = 48) -> None:
        super().__init__()

        def block(cin: int, cout: int) -> list[nn.Module]:
            return [
                nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                nn.MaxPool2d(2),
            ]

        w = width
        self.features = nn.Sequential(*block(3, w), *block(w, 2 * w), *block(2 * w, 4 * w))
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), nn.Linear(4 * w, 10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def model_from_arrays(arrays: dict[str, np.ndarray]) -> TinyVGG:
    """A TinyVGG holding exported weights (``<layer>.weight`` / ``<layer>.bias``)."""
    model = TinyVGG()
    model.load_state_dict({k: torch.from_numpy(np.asarray(v, np.float32)) for k, v in arrays.items()})
    return model.eval()


# ------------------------------------------------------------------------------------------------ data


def load_image(path: Path) -> np.ndarray:
    """One image as (64, 64, 3) float32 in [0, 1], through the project's own preprocessing (as in the page)."""
    return np.asarray(preprocess.load_image(path), np.float32)


def load_split(folder: Path, limit_per_class: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """All labelled images of a folder decoded once: (N, 3, 64, 64) float32 and (N,) int64 labels."""
    samples = dataset.labelled_images(folder)
    if limit_per_class:
        kept: dict[int, int] = {}
        chosen = []
        for s in samples:
            if kept.get(s.index, 0) < limit_per_class:
                kept[s.index] = kept.get(s.index, 0) + 1
                chosen.append(s)
        samples = chosen
    images = np.stack([load_image(s.path) for s in samples]).transpose(0, 3, 1, 2)
    labels = np.array([s.index for s in samples], np.int64)
    return np.ascontiguousarray(images, np.float32), labels


def augment(x: torch.Tensor, s: Settings, gen: torch.Generator) -> torch.Tensor:
    """Random resized crop + shift + flip (one affine resample per batch) and colour jitter, vectorised."""
    n = x.shape[0]

    def uniform(lo: float, hi: float) -> torch.Tensor:
        return lo + (hi - lo) * torch.rand(n, generator=gen)

    area = uniform(s.crop_scale_min, 1.0)
    log_ratio = uniform(-math.log(s.aspect_max), math.log(s.aspect_max))
    ratio = torch.exp(log_ratio)
    sx = torch.sqrt(area * ratio).clamp(max=1.0)  # fraction of the width sampled
    sy = torch.sqrt(area / ratio).clamp(max=1.0)
    tx = (1 - sx) * uniform(-1, 1) + s.shift * uniform(-1, 1) * 2
    ty = (1 - sy) * uniform(-1, 1) + s.shift * uniform(-1, 1) * 2
    flip = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0) if s.flip else torch.ones(n)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = sx * flip
    theta[:, 0, 2] = tx
    theta[:, 1, 1] = sy
    theta[:, 1, 2] = ty
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)

    b = uniform(1 - s.brightness, 1 + s.brightness).view(n, 1, 1, 1)
    c = uniform(1 - s.contrast, 1 + s.contrast).view(n, 1, 1, 1)
    sat = uniform(1 - s.saturation, 1 + s.saturation).view(n, 1, 1, 1)
    x = x * b
    grey = (0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3])
    x = grey + (x - grey) * sat
    mean = grey.mean(dim=(2, 3), keepdim=True)
    x = mean + (x - mean) * c
    return x.clamp(0.0, 1.0)


# -------------------------------------------------------------------------------------------- training


def lr_at(step: int, total: int, warmup: int, peak: float) -> float:
    """Linear warm-up then cosine decay to zero."""
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return peak * 0.5 * (1 + math.cos(math.pi * progress))


@torch.no_grad()
def predict(model: nn.Module, images: np.ndarray, batch: int = 500) -> torch.Tensor:
    model.eval()
    return torch.cat([model(torch.from_numpy(images[i:i + batch])) for i in range(0, len(images), batch)])


def accuracy(logits: torch.Tensor, labels: np.ndarray) -> float:
    return float((logits.argmax(1).numpy() == labels).mean())


def per_class_accuracy(logits: torch.Tensor, labels: np.ndarray) -> dict[str, float]:
    predicted = logits.argmax(1).numpy()
    return {
        name: float((predicted[labels == c] == c).mean())
        for c, name in enumerate(dataset.CLASS_NAMES) if (labels == c).any()
    }


def fit(
    model: nn.Module,
    train: tuple[np.ndarray, np.ndarray],
    val: tuple[np.ndarray, np.ndarray],
    s: Settings,
    epochs: int,
    name: str,
    teacher: nn.Module | None = None,
    log=print,
) -> tuple[dict[str, torch.Tensor], dict]:
    """Train ``model``; return the state of the epoch with the best validation accuracy and its figures."""
    gen = torch.Generator().manual_seed(s.seed + 1)
    x_all, y_all = torch.from_numpy(train[0]), torch.from_numpy(train[1])
    n = len(y_all)
    steps_per_epoch = math.ceil(n / s.batch_size)
    total = steps_per_epoch * epochs
    decay_params = [p for p in model.parameters() if p.ndim > 1]
    other_params = [p for p in model.parameters() if p.ndim <= 1]
    opt = torch.optim.AdamW(
        [{"params": decay_params, "weight_decay": s.weight_decay}, {"params": other_params, "weight_decay": 0.0}],
        lr=s.lr,
    )
    ema = {k: v.detach().clone() for k, v in model.state_dict().items()} if s.ema_decay else None
    best_state, best = None, {"val_accuracy": -1.0, "val_loss": float("inf"), "epoch": 0}
    step = 0
    start = time.time()
    for epoch in range(1, epochs + 1):
        model.train()
        order = torch.randperm(n, generator=gen)
        loss_sum, correct = 0.0, 0
        for i in range(0, n, s.batch_size):
            idx = order[i:i + s.batch_size]
            xb = augment(x_all[idx], s, gen)
            yb = y_all[idx]
            for group in opt.param_groups:
                group["lr"] = lr_at(step, total, s.warmup_epochs * steps_per_epoch, s.lr)
            out = model(xb)
            loss = F.cross_entropy(out, yb, label_smoothing=s.label_smoothing)
            if teacher is not None:
                # the teacher sees the same augmented batch; its outputs are computed on the fly
                with torch.no_grad():
                    t = teacher(xb)
                temp = s.kd_temperature
                kd = F.kl_div(F.log_softmax(out / temp, 1), F.softmax(t / temp, 1), reduction="batchmean") * temp**2
                loss = (1 - s.kd_alpha) * loss + s.kd_alpha * kd
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            if ema is not None:
                with torch.no_grad():
                    for k, v in model.state_dict().items():
                        if v.dtype.is_floating_point:
                            ema[k].mul_(s.ema_decay).add_(v.detach(), alpha=1 - s.ema_decay)
                        else:  # batch-norm counters
                            ema[k].copy_(v)
            loss_sum += loss.item() * len(idx)
            correct += int((out.argmax(1) == yb).sum())
        if ema is not None:
            live = {k: v.detach().clone() for k, v in model.state_dict().items()}
            model.load_state_dict(ema)
        val_logits = predict(model, val[0])
        val_acc = accuracy(val_logits, val[1])
        val_loss = float(F.cross_entropy(val_logits, torch.from_numpy(val[1])))
        if (val_acc, -val_loss) > (best["val_accuracy"], -best["val_loss"]):
            best = {"val_accuracy": val_acc, "val_loss": val_loss, "epoch": epoch}
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        if ema is not None:
            model.load_state_dict(live)
        log(
            f"{name} epoch {epoch:3d}/{epochs}  loss {loss_sum / n:.4f}  train-aug acc {correct / n:.3f}  "
            f"val acc {val_acc:.3f}  val loss {val_loss:.4f}  best {best['val_accuracy']:.3f}@{best['epoch']}  "
            f"{time.time() - start:6.0f}s",
        )
    return best_state, best


def train(data: Path, s: Settings, log=print) -> tuple[TinyVGG, dict]:
    """Train Tiny VGG on ``data``; returns the best model and the figures for the model card."""
    torch.set_num_threads(s.threads)
    torch.manual_seed(s.seed)
    np.random.seed(s.seed)
    torch.use_deterministic_algorithms(True)
    train_dir, val_dir = dataset.split_dirs(data)
    t0 = time.time()
    train_set = load_split(train_dir, s.limit_per_class)
    val_set = load_split(val_dir, s.limit_per_class)
    log(f"decoded {len(train_set[1])} training and {len(val_set[1])} validation images in {time.time() - t0:.1f}s")

    teacher_info = None
    teacher = None
    if s.teacher_epochs:
        torch.manual_seed(s.seed + 100)
        teacher = Teacher(s.teacher_width)
        state, teacher_info = fit(teacher, train_set, val_set, s, s.teacher_epochs, "teacher", log=log)
        teacher.load_state_dict(state)
        teacher.eval()
        log(f"teacher: best val acc {teacher_info['val_accuracy']:.3f} at epoch {teacher_info['epoch']}")

    torch.manual_seed(s.seed)
    model = TinyVGG()
    n_params = count_parameters(model)
    assert n_params == PARAMETER_COUNT, f"Tiny VGG must have {PARAMETER_COUNT} parameters, not {n_params}"
    state, best = fit(model, train_set, val_set, s, s.epochs, "tiny_vgg", teacher=teacher, log=log)
    model.load_state_dict(state)
    model.eval()
    figures = {
        "train_accuracy": accuracy(predict(model, train_set[0]), train_set[1]),
        "val_accuracy": accuracy(predict(model, val_set[0]), val_set[1]),
        "val_per_class": per_class_accuracy(predict(model, val_set[0]), val_set[1]),
        "val_loss": best["val_loss"],
        "best_epoch": best["epoch"],
        "train_images": int(len(train_set[1])),
        "val_images": int(len(val_set[1])),
        "training_seconds": round(time.time() - t0, 1),
        "teacher": None if teacher_info is None else {
            "architecture": f"VGG-style CNN, widths {s.teacher_width}/{2 * s.teacher_width}/{4 * s.teacher_width}, "
                            "batch norm, global average pooling (training only, not exported)",
            "parameters": count_parameters(teacher),
            "val_accuracy": teacher_info["val_accuracy"],
            "best_epoch": teacher_info["epoch"],
        },
    }
    return model, figures


# ---------------------------------------------------------------------------------------------- export


def model_arrays(model: TinyVGG) -> dict[str, np.ndarray]:
    """The npz contents: ``<layer>.weight`` / ``<layer>.bias`` float32, PyTorch's layouts."""
    return {k: v.detach().cpu().numpy().astype(np.float32) for k, v in model.state_dict().items()}


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> str:
    """np.savez-compatible file with fixed zip timestamps, so the same weights give the same bytes; its sha256."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        for name in sorted(arrays):
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            zf.writestr(zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0)), member.getvalue())
    data = buffer.getvalue()
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def description() -> dict:
    """The model description of docs/architecture.md."""
    layers: list[dict] = []
    for block, (a, b) in enumerate((("conv_1_1", "conv_1_2"), ("conv_2_1", "conv_2_2")), start=1):
        for conv in (a, b):
            layers.append({"name": conv, "type": "conv2d", "filters": 10, "kernel_size": 3, "stride": 1, "padding": 0})
            layers.append({"name": conv.replace("conv", "relu"), "type": "relu"})
        layers.append({"name": f"max_pool_{block}", "type": "max_pool2d", "pool_size": 2, "stride": 2})
    layers += [
        {"name": "flatten", "type": "flatten"},
        {"name": "logits", "type": "dense", "units": 10},
        {"name": "probabilities", "type": "softmax"},
    ]
    return {"name": "tiny_vgg", "input_shape": [64, 64, 3], "classes": list(dataset.CLASS_NAMES), "layers": layers}


def description_text() -> str:
    """tiny_vgg.json laid out as in docs/architecture.md (one layer per line)."""
    d = description()
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
    return {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__}


def write_outputs(out: Path, model: TinyVGG, figures: dict, s: Settings, command: str) -> dict:
    """tiny_vgg.npz, tiny_vgg.json, model_card.json and MODEL_CARD.md in ``out``; returns the card."""
    out.mkdir(parents=True, exist_ok=True)
    sha = write_npz(out / "tiny_vgg.npz", model_arrays(model))
    (out / "tiny_vgg.json").write_text(description_text())
    card = {
        "model": "tiny_vgg",
        "architecture": "CNN Explainer's Tiny VGG: 4 conv 3x3 (10 filters, stride 1, no padding) with ReLU, "
                        "max-pool 2x2 after every second conv, dense 1690 -> 10, softmax",
        "parameters": PARAMETER_COUNT,
        "input": "64x64 RGB, pixels scaled to [0, 1], no mean/std normalisation",
        "classes": list(dataset.CLASS_NAMES),
        "wnids": list(dataset.WNIDS),
        **{k: figures[k] for k in ("train_accuracy", "val_accuracy", "val_per_class", "val_loss", "best_epoch",
                                   "train_images", "val_images", "training_seconds", "teacher")},
        "seed": s.seed,
        "hyperparameters": {k: v for k, v in asdict(s).items() if k != "seed"},
        "optimizer": "AdamW (no weight decay on biases), linear warm-up then cosine decay, cross-entropy "
                     "with label smoothing; the epoch with the best validation accuracy is kept",
        "versions": versions(),
        "npz_sha256": sha,
        "command": command,
        "dataset_licence": LICENCE_NOTE,
    }
    (out / "model_card.json").write_text(json.dumps(card, indent=2) + "\n")
    (out / "MODEL_CARD.md").write_text(card_markdown(card))
    return card


def card_markdown(card: dict) -> str:
    hp = "\n".join(f"| `{k}` | {v} |" for k, v in card["hyperparameters"].items())
    classes = "\n".join(f"{i}. {c} (`{w}`)" for i, (c, w) in enumerate(zip(card["classes"], card["wnids"])))
    teacher = card["teacher"]
    per_class = ", ".join(f"{name} {acc:.0%}" for name, acc in card["val_per_class"].items())
    teacher_text = (
        "No teacher: trained on the labels alone."
        if teacher is None else
        f"Knowledge distillation from a teacher trained by the same script on the same images: "
        f"{teacher['architecture']}, {teacher['parameters']:,} parameters, "
        f"{teacher['val_accuracy']:.1%} validation accuracy. The exported network is exactly Tiny VGG."
    )
    v = card["versions"]
    return f"""# Model card: Tiny VGG

{card['architecture']}; {card['parameters']:,} parameters. Input: {card['input']}.

## Results
| | images | top-1 accuracy |
|---|---|---|
| training (no augmentation) | {card['train_images']:,} | {card['train_accuracy']:.1%} |
| validation | {card['val_images']:,} | {card['val_accuracy']:.1%} |

Validation images are the 10-class copy's `val/` (25 per class); they chose the kept epoch
({card['best_epoch']}) and the hyper-parameters, so their accuracy is slightly optimistic.
For comparison, the reference CNN Explainer model scores 68.8% on the official validation images of these classes.

Validation accuracy per class: {per_class}.

## Classes (output order)
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


# ------------------------------------------------------------------------------------------------- CLI


def parse_args(argv: list[str] | None = None) -> tuple[argparse.Namespace, Settings]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help=f"dataset directory with train/ and val/ (default: ${dataset.ENV_VAR})")
    parser.add_argument("--out", default=str(REPO / "weights"), help="output directory (default: weights/)")
    for f in Settings.__dataclass_fields__.values():
        default = f.default
        flag = "--" + f.name.replace("_", "-")
        if isinstance(default, bool):
            parser.add_argument(flag, type=lambda t: t.lower() in ("1", "true", "yes"), default=default,
                                metavar="BOOL")
        else:
            parser.add_argument(flag, type=type(default), default=default)
    args = parser.parse_args(argv)
    settings = Settings(**{k: getattr(args, k) for k in Settings.__dataclass_fields__})
    return args, settings


def reproduce_command(args: argparse.Namespace, s: Settings) -> str:
    """The command line that redoes this run, every setting spelled out (the dataset path as a variable)."""
    parts = ["python", "weights/train.py", "--data", f"${dataset.ENV_VAR}"]
    for k, v in asdict(s).items():
        parts += ["--" + k.replace("_", "-"), str(v)]
    return " ".join(shlex.quote(p) if not p.startswith("$") else p for p in parts)


def main(argv: list[str] | None = None) -> int:
    args, settings = parse_args(argv)
    data = dataset.dataset_root(args.data)
    if data is None:
        print(f"error: give --data or set {dataset.ENV_VAR} to a Tiny ImageNet directory", file=sys.stderr)
        return 2
    try:
        model, figures = train(data, settings, log=lambda m: print(m, flush=True))
    except dataset.DatasetError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    card = write_outputs(Path(args.out), model, figures, settings, reproduce_command(args, settings))
    print(
        f"train acc {card['train_accuracy']:.3f}  val acc {card['val_accuracy']:.3f} "
        f"(epoch {card['best_epoch']})  {card['training_seconds']:.0f}s  -> {args.out}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

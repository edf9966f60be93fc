"""Train Tiny VGG (CNN Explainer's 19,920-parameter network) with PyTorch and export it for the NumPy engine.

    python -m training.train --data /path/to/tiny-imagenet-10 --out weights/
    python -m training.train --data my-photos/ --out my-model/     # my-photos/<class name>/*.jpg, 2 to 20 classes

Reads a Tiny ImageNet copy or a folder of class folders (see data.py), decodes every image once into
memory, trains with on-the-fly augmentation, keeps the epoch with the best validation accuracy and writes
``tiny_vgg.npz``, ``tiny_vgg.json``, ``model_card.json`` and ``MODEL_CARD.md`` to ``--out``; the card and the
last lines printed hold the accuracy and how alive the activation maps are (pyapp/data/activity.py). Optionally a
wider teacher CNN is trained first and the student also learns from its softened outputs (distillation); the
exported network is always exactly Tiny VGG. With ``--resume FILE`` a checkpoint is written after every epoch
and a run that finds one continues from it, so ``--time-limit`` can split a long training into short chunks.
"""
from __future__ import annotations

import argparse
import math
import shlex
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from pyapp.data import activity, dataset
from pyapp.engine.network import network_from

from . import model_card
from .architectures import ARCHITECTURES
from .augment import augment
from .checkpoint import Checkpoint, CheckpointError
from .data import TrainingData, load_training_data
from .liveness import activity_penalty, summary
from .tiny_vgg_torch import (INITS, Teacher, TinyVGG, count_parameters, initialise, model_arrays,
                             write_npz)

REPO = Path(__file__).resolve().parent.parent
PAUSED = 3  # exit status of a run stopped by --time-limit: run the same command again to continue
description, description_text = model_card.description, model_card.description_text


@dataclass
class Settings:
    """Every hyper-parameter of a run; the model card records them all. The defaults are the shipped model's.

    Stronger augmentation (crop area down to 0.55, shift 0.1, jitter 0.2, no weight averaging) reached about
    72% validation accuracy at epoch 38 of 120 and learnt slowly: a 20k-parameter network underfits when the
    augmentation is too strong.
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
    # live activation maps (liveness.py): conv initialisation, penalties on blank and mostly-negative maps
    init: str = "zero-bias"
    map_penalty: float = 0.1
    map_margin: float = 0.1
    pixel_penalty: float = 1.0
    patience: int = 0  # stop when validation accuracy has not improved for this many epochs (0 = never)
    val_fraction: float = 0.2  # held out of each class when the data has no val/ folder
    limit_per_class: int = 0  # use only the first N images of each class (smoke tests); 0 = all
    threads: int = 1  # results are bit-identical only for the same thread count


# -------------------------------------------------------------------------------------------- training


def lr_at(step: int, total: int, warmup: int, peak: float) -> float:
    """Linear warm-up then cosine decay to zero."""
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return peak * 0.5 * (1 + math.cos(math.pi * progress))


@torch.no_grad()
def predict(model: torch.nn.Module, images: np.ndarray, batch: int = 500) -> torch.Tensor:
    model.eval()
    return torch.cat([model(torch.from_numpy(images[i:i + batch])) for i in range(0, len(images), batch)])


def accuracy(logits: torch.Tensor, labels: np.ndarray) -> float:
    return float((logits.argmax(1).numpy() == labels).mean())


def per_class_accuracy(logits: torch.Tensor, labels: np.ndarray, classes: list[str]) -> dict[str, float]:
    predicted = logits.argmax(1).numpy()
    return {name: float((predicted[labels == c] == c).mean()) for c, name in enumerate(classes) if (labels == c).any()}


def map_activity(model, data: TrainingData, arch: str = "tiny_vgg") -> dict:
    """pyapp.data.activity's figures for the validation images, computed by the NumPy engine on the exported weights."""
    network = network_from(ARCHITECTURES[arch].description(data.classes), model_arrays(model))
    return activity.activity(network, data.val.hwc(), data.val.labels)


def _optimizer(model, s: Settings) -> torch.optim.AdamW:
    """AdamW with weight decay on the weights only (not on biases and batch-norm parameters)."""
    decay_params = [p for p in model.parameters() if p.ndim > 1]
    other_params = [p for p in model.parameters() if p.ndim <= 1]
    return torch.optim.AdamW(
        [{"params": decay_params, "weight_decay": s.weight_decay}, {"params": other_params, "weight_decay": 0.0}],
        lr=s.lr,
    )


def _batch_loss(model, xb, yb, s: Settings, teacher, live_maps: bool):
    """One batch's outputs and loss: cross-entropy, the teacher's share, the penalty that keeps maps alive."""
    if live_maps:
        out, preactivations = model.forward_with_preactivations(xb)
    else:
        out, preactivations = model(xb), []
    loss = F.cross_entropy(out, yb, label_smoothing=s.label_smoothing)
    if teacher is not None:
        # the teacher sees the same augmented batch; its outputs are computed on the fly
        with torch.no_grad():
            t = teacher(xb)
        temp = s.kd_temperature
        kd = F.kl_div(F.log_softmax(out / temp, 1), F.softmax(t / temp, 1), reduction="batchmean") * temp**2
        loss = (1 - s.kd_alpha) * loss + s.kd_alpha * kd
    if preactivations:
        loss = loss + activity_penalty(preactivations, s.map_penalty, s.pixel_penalty, s.map_margin)
    return out, loss


def _update_ema(ema: dict, model, decay: float) -> None:
    with torch.no_grad():
        for k, v in model.state_dict().items():
            if v.dtype.is_floating_point:
                ema[k].mul_(decay).add_(v.detach(), alpha=1 - decay)
            else:  # batch-norm counters
                ema[k].copy_(v)


def _validate(model, data: TrainingData, ema: dict | None, run: dict, epoch: int) -> tuple[float, float, str]:
    """The epoch's validation accuracy, loss and map activity (with the EMA weights when kept); a better
    epoch than the best so far becomes run["best"], its weights run["best_state"]."""
    if ema is not None:
        live = {k: v.detach().clone() for k, v in model.state_dict().items()}
        model.load_state_dict(ema)
    val_logits = predict(model, data.val.images)
    val_acc = accuracy(val_logits, data.val.labels)
    val_loss = float(F.cross_entropy(val_logits, torch.from_numpy(data.val.labels)))
    best = run["best"]
    if (val_acc, -val_loss) > (best["val_accuracy"], -best["val_loss"]):
        run["best"] = {"val_accuracy": val_acc, "val_loss": val_loss, "epoch": epoch}
        run["best_state"] = {k: v.detach().clone() for k, v in model.state_dict().items()}
    maps = f"  {summary(map_activity(model, data))}" if isinstance(model, TinyVGG) else ""
    if ema is not None:
        model.load_state_dict(live)
    return val_acc, val_loss, maps


def fit(model, data: TrainingData, s: Settings, epochs: int, name: str, teacher=None, log=print,
        checkpoint: Checkpoint | None = None, deadline: float | None = None) -> dict | None:
    """Train ``model``; return the state and figures of the epoch with the best validation accuracy, or None
    when ``deadline`` (a time.time()) passed first (the checkpoint then holds everything to continue)."""
    gen = torch.Generator().manual_seed(s.seed + 1)
    x_all, y_all = torch.from_numpy(data.train.images), torch.from_numpy(data.train.labels)
    n = len(y_all)
    steps_per_epoch = math.ceil(n / s.batch_size)
    total = steps_per_epoch * epochs
    opt = _optimizer(model, s)
    ema = {k: v.detach().clone() for k, v in model.state_dict().items()} if s.ema_decay else None
    run = {"epoch": 0, "step": 0, "seconds": 0.0, "best": {"val_accuracy": -1.0, "val_loss": float("inf"), "epoch": 0},
           "best_state": None, "stopped": False}
    if checkpoint is not None and checkpoint.exists():
        run = checkpoint.restore(model, opt, ema, gen)
        log(f"{name}: resumed from {checkpoint.path} after epoch {run['epoch']}")
    best, start = run["best"], time.time() - run["seconds"]
    live_maps = isinstance(model, TinyVGG) and (s.map_penalty or s.pixel_penalty)
    for epoch in range(run["epoch"] + 1, epochs + 1):
        if run["stopped"]:
            break
        model.train()
        order = torch.randperm(n, generator=gen)
        loss_sum, correct = 0.0, 0
        for i in range(0, n, s.batch_size):
            idx = order[i:i + s.batch_size]
            xb = augment(x_all[idx], s, gen)
            yb = y_all[idx]
            for group in opt.param_groups:
                group["lr"] = lr_at(run["step"], total, s.warmup_epochs * steps_per_epoch, s.lr)
            out, loss = _batch_loss(model, xb, yb, s, teacher, live_maps)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            run["step"] += 1
            if ema is not None:
                _update_ema(ema, model, s.ema_decay)
            loss_sum += loss.item() * len(idx)
            correct += int((out.argmax(1) == yb).sum())
        val_acc, val_loss, maps = _validate(model, data, ema, run, epoch)
        best = run["best"]
        log(
            f"{name} epoch {epoch:3d}/{epochs}  loss {loss_sum / n:.4f}  train-aug acc {correct / n:.3f}  "
            f"val acc {val_acc:.3f}  val loss {val_loss:.4f}  best {best['val_accuracy']:.3f}@{best['epoch']}"
            f"{maps}  {time.time() - start:6.0f}s",
        )
        run["epoch"], run["seconds"] = epoch, time.time() - start
        if s.patience and epoch - best["epoch"] >= s.patience and epoch < epochs:
            log(f"{name}: no better validation accuracy for {s.patience} epochs: stopping early at epoch {epoch}")
            run["stopped"] = True
        if checkpoint is not None:
            checkpoint.save(model, opt, ema, gen, run)
        if deadline is not None and time.time() > deadline and epoch < epochs and not run["stopped"]:
            return None
    return {**best, "state": run["best_state"], "epochs_run": run["epoch"], "seconds": run["seconds"]}


def train(data: TrainingData, s: Settings, log=print, checkpoint: Checkpoint | None = None,
          deadline: float | None = None, arch: str = "tiny_vgg") -> tuple[torch.nn.Module, dict] | None:
    """Train ``arch`` (Tiny VGG) on ``data``; the best model and the figures for the model card (None: paused)."""
    torch.set_num_threads(s.threads)
    torch.manual_seed(s.seed)
    np.random.seed(s.seed)
    torch.use_deterministic_algorithms(True)
    classes = len(data.classes)
    teacher_info = None
    teacher = None
    if s.teacher_epochs:
        torch.manual_seed(s.seed + 100)
        teacher = Teacher(s.teacher_width, classes)
        teacher_info = fit(teacher, data, s, s.teacher_epochs, "teacher", log=log)
        teacher.load_state_dict(teacher_info["state"])
        teacher.eval()
        log(f"teacher: best val acc {teacher_info['val_accuracy']:.3f} at epoch {teacher_info['epoch']}")

    torch.manual_seed(s.seed)
    architecture = ARCHITECTURES[arch]
    model = architecture.model(classes)
    if isinstance(model, TinyVGG):
        initialise(model, s.init)
    n_params = count_parameters(model)
    assert n_params == architecture.parameters(classes), f"{arch} must have {architecture.parameters(classes)} parameters"
    best = fit(model, data, s, s.epochs, arch, teacher=teacher, log=log, checkpoint=checkpoint,
               deadline=deadline)
    if best is None:
        return None
    model.load_state_dict(best["state"])
    model.eval()
    val_logits = predict(model, data.val.images)
    figures = {
        "model": arch,
        "architecture": architecture.text(classes),
        "classes": data.classes,
        "wnids": data.wnids,
        "parameters": n_params,
        "train_accuracy": accuracy(predict(model, data.train.images), data.train.labels),
        "val_accuracy": accuracy(val_logits, data.val.labels),
        "val_per_class": per_class_accuracy(val_logits, data.val.labels, data.classes),
        "val_loss": best["val_loss"],
        "best_epoch": best["epoch"],
        "epochs_run": best["epochs_run"],
        "train_images": len(data.train),
        "val_images": len(data.val),
        "val_source": data.source,
        "skipped_images": data.skipped,
        "training_seconds": round(best["seconds"], 1),
        "activity": map_activity(model, data, arch),
        "teacher": None if teacher_info is None else {
            "architecture": f"VGG-style CNN, widths {s.teacher_width}/{2 * s.teacher_width}/{4 * s.teacher_width}, "
                            "batch norm, global average pooling (training only, not exported)",
            "parameters": count_parameters(teacher),
            "val_accuracy": teacher_info["val_accuracy"],
            "best_epoch": teacher_info["epoch"],
        },
    }
    return model, figures


def write_outputs(out: Path, model, figures: dict, s: Settings, command: str) -> dict:
    """tiny_vgg.npz, tiny_vgg.json, model_card.json and MODEL_CARD.md in ``out``; returns the card."""
    out.mkdir(parents=True, exist_ok=True)
    sha = write_npz(out / "tiny_vgg.npz", model_arrays(model))
    (out / "tiny_vgg.json").write_text(description_text(ARCHITECTURES[figures["model"]].description(figures["classes"])))
    card = model_card.card(figures, {k: v for k, v in asdict(s).items() if k != "seed"}, s.seed, command, sha)
    model_card.write(out, card)
    return card


# ------------------------------------------------------------------------------------------------- CLI


def parse_args(argv: list[str] | None = None) -> tuple[argparse.Namespace, Settings]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="a Tiny ImageNet copy (train/ and val/) or a folder of class folders "
                                       f"(default: ${dataset.ENV_VAR})")
    parser.add_argument("--arch", choices=tuple(ARCHITECTURES), default="tiny_vgg",
                        help="the network: tiny_vgg (the explainer's CNN) or mlp (the fully connected network of "
                             "the shift view)")
    parser.add_argument("--out", help="output directory (default: weights/, for --arch mlp weights/mlp/)")
    parser.add_argument("--resume", metavar="FILE", help="write a checkpoint here after every epoch, and continue "
                                                         "from it when it exists (same settings only)")
    parser.add_argument("--time-limit", type=float, metavar="MINUTES",
                        help=f"with --resume: stop after the epoch that passes this time (exit status {PAUSED}); "
                             "run the same command again to continue")
    for f in Settings.__dataclass_fields__.values():
        default = f.default
        flag = "--" + f.name.replace("_", "-")
        if isinstance(default, bool):
            parser.add_argument(flag, type=lambda t: t.lower() in ("1", "true", "yes"), default=default,
                                metavar="BOOL")
        elif f.name == "init":
            parser.add_argument(flag, choices=INITS, default=default)
        else:
            parser.add_argument(flag, type=type(default), default=default)
    parser.set_defaults(**ARCHITECTURES[parser.parse_known_args(argv)[0].arch].settings)  # e.g. the MLP's rate
    args = parser.parse_args(argv)
    settings = Settings(**{k: getattr(args, k) for k in Settings.__dataclass_fields__})
    return args, settings


def reproduce_command(s: Settings, arch: str = "tiny_vgg") -> str:
    """The command line that redoes this run, every setting spelled out (the dataset path as a variable)."""
    parts = ["python", "-m", "training.train", "--data", f"${dataset.ENV_VAR}"] + (["--arch", arch] if arch != "tiny_vgg" else [])
    for k, v in asdict(s).items():
        parts += ["--" + k.replace("_", "-"), str(v)]
    return " ".join(shlex.quote(p) if not p.startswith("$") else p for p in parts)


def main(argv: list[str] | None = None) -> int:
    args, settings = parse_args(argv)
    data_root = dataset.dataset_root(args.data)
    if data_root is None:
        print(f"error: give --data or set {dataset.ENV_VAR} to a Tiny ImageNet directory or a folder of class "
              "folders", file=sys.stderr)
        return 2
    if args.time_limit is not None and not args.resume:
        print("error: --time-limit needs --resume FILE (where the run is kept until it continues)", file=sys.stderr)
        return 2
    if args.resume and settings.teacher_epochs:
        print("error: --resume does not keep a distillation teacher; train without --teacher-epochs", file=sys.stderr)
        return 2
    log = lambda m: print(m, flush=True)  # noqa: E731
    deadline = None if args.time_limit is None else time.time() + 60 * args.time_limit
    try:
        t0 = time.time()
        data = load_training_data(data_root, settings.val_fraction, settings.seed, settings.limit_per_class, log)
        skipped = f" ({data.skipped} unreadable left out)" if data.skipped else ""
        log(f"decoded {len(data.train)} training and {len(data.val)} validation images of {len(data.classes)} "
            f"classes in {time.time() - t0:.1f}s{skipped}")
        checkpoint = Checkpoint(Path(args.resume), asdict(settings), data.classes) if args.resume else None
        result = train(data, settings, log=log, checkpoint=checkpoint, deadline=deadline, arch=args.arch)
    except (dataset.DatasetError, CheckpointError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if result is None:
        log(f"paused: {args.resume} holds the run; run the same command again to continue")
        return PAUSED
    model, figures = result
    out = Path(args.out) if args.out else REPO / ARCHITECTURES[args.arch].out
    card = write_outputs(out, model, figures, settings, reproduce_command(settings, args.arch))
    for line in activity.table_lines(card["activity"]):
        log(line)
    log(f"train acc {card['train_accuracy']:.3f}  val acc {card['val_accuracy']:.3f} "
        f"(epoch {card['best_epoch']})  {card['training_seconds']:.0f}s  -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

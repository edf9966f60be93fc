"""A trained network as a model folder in one zip (tiny_vgg.json, tiny_vgg.npz and a short model card with the
settings and curves): what the Train panel's "Download" gives, and what ``--model`` and "Open a model..." take."""
from __future__ import annotations

import io
import json
import zipfile

import numpy as np

FOLDER = "trained-model"


def model_card(session) -> str:
    """The training settings and where the curves ended, in Markdown."""
    s, history = session.settings, session.history
    lines = [f"# {session.network.name}, trained in the page", "",
             f"Classes: {', '.join(session.classes)}.", "",
             f"Started from {s.start}; optimiser {s.optimizer}, learning rate {s.lr:g}, batch {s.batch}, "
             f"weight decay {s.decay:g}, augmentation {'on' if s.augment else 'off'}, {s.epochs} epochs, "
             f"early stopping {'on' if s.early_stop else 'off'}, seed {s.seed}.", "",
             f"{session.step} steps, {session.images} training images seen. {session.message}", "",
             "| step | training loss | training accuracy |", "| --- | --- | --- |"]
    lines += [f"| {step} | {loss:.4f} | {acc:.3f} |" for step, loss, acc in history.train]
    lines += ["", "| step | held-out loss | held-out accuracy |", "| --- | --- | --- |"]
    lines += [f"| {step} | {loss:.4f} | {acc:.3f} |" for step, loss, acc in history.heldout]
    return "\n".join(lines) + "\n"


def model_zip(network, card: str) -> bytes:
    """``trained-model/`` with the description, the float32 weights and the card, zipped."""
    weights = io.BytesIO()
    np.savez(weights, **{k: np.asarray(v, dtype=np.float32) for k, v in network.weights().items()})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{FOLDER}/tiny_vgg.json", json.dumps(network.description, indent=2) + "\n")
        z.writestr(f"{FOLDER}/tiny_vgg.npz", weights.getvalue())
        z.writestr(f"{FOLDER}/MODEL_CARD.md", card)
    return buffer.getvalue()

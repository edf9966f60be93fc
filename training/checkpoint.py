"""A training run saved after every epoch, so a long training can go in short chunks (``--resume FILE``).

It holds the model, the optimiser, the weight average, the random generator and the best epoch so far, so a
run continued from it gives the same weights, bit for bit, as one that never stopped. Every part is a tensor
or a plain value (dict, list, number, string), so it is read with ``torch.load(weights_only=True)``: a file
holding any other Python object is refused, never unpickled into code.
"""
from __future__ import annotations

import os
from pathlib import Path

import torch


class CheckpointError(Exception):
    """A checkpoint that belongs to another run (other settings or classes) or cannot be read."""


class Checkpoint:
    def __init__(self, path: Path, settings: dict, classes: list[str]):
        self.path = Path(path)
        self.settings = settings
        self.classes = list(classes)

    def exists(self) -> bool:
        return self.path.is_file()

    def save(self, model, opt, ema, gen: torch.Generator, run: dict) -> None:
        state = {"settings": self.settings, "classes": self.classes, "model": model.state_dict(),
                 "opt": opt.state_dict(), "ema": ema, "gen": gen.get_state(), "run": run}
        partial = self.path.with_name(self.path.name + ".partial")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(state, partial)
        os.replace(partial, self.path)  # a run killed while saving keeps the previous epoch's checkpoint

    def restore(self, model, opt, ema, gen: torch.Generator) -> dict:
        """Load the saved state into the given objects; returns the run's progress."""
        try:  # tensors and plain values only: a checkpoint someone sends must never run code (save() writes no other)
            state = torch.load(self.path, map_location="cpu", weights_only=True)
        except Exception as exc:  # torch raises many kinds for a damaged file
            if "Weights only load failed" in str(exc):
                raise CheckpointError(f"{self.path}: refused, it holds Python objects beyond tensors and plain values "
                                      "(a checkpoint written by train.py never does); nothing in it was run") from None
            first = (str(exc).splitlines() or [""])[0][:160]
            raise CheckpointError(f"{self.path}: cannot read the checkpoint ({first})") from None
        if not isinstance(state, dict) or not {"model", "opt", "gen", "run"} <= set(state):
            raise CheckpointError(f"{self.path}: not a checkpoint written by train.py --resume")
        if state.get("settings") != self.settings or state.get("classes") != self.classes:
            changed = sorted(k for k in self.settings if state.get("settings", {}).get(k) != self.settings[k])
            what = f"settings {', '.join(changed)}" if changed else "classes"
            raise CheckpointError(f"{self.path} is another run's checkpoint (different {what}); "
                                  "give another --resume file or delete it")
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        if ema is not None:
            for k, v in state["ema"].items():
                ema[k].copy_(v)
        gen.set_state(state["gen"])
        return state["run"]

"""training/checkpoint.py reads with torch.load(weights_only=True): a real checkpoint round-trips, a crafted
pickle that would run code is refused in one line and its code never runs."""
from __future__ import annotations

import pickle

import pytest

torch = pytest.importorskip("torch")

from training import checkpoint  # noqa: E402 - it imports torch


def _run_parts(seed: int):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.Flatten(), torch.nn.LazyLinear(2))
    model(torch.zeros(1, 3, 8, 8))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model(torch.rand(2, 3, 8, 8)).sum().backward()
    opt.step()
    ema = {k: v.detach().clone() for k, v in model.state_dict().items()}
    return model, opt, ema, torch.Generator().manual_seed(seed)


def test_a_checkpoint_round_trips_with_weights_only(tmp_path):
    settings, classes = {"lr": 0.001, "flip": True, "epochs": 3}, ["cat", "dog"]
    model, opt, ema, gen = _run_parts(1)
    run = {"epoch": 2, "step": 7, "seconds": 1.5, "stopped": False,
           "best": {"val_accuracy": 0.5, "val_loss": float("inf"), "epoch": 1}, "best_state": dict(ema)}
    saved = checkpoint.Checkpoint(tmp_path / "run.pt", settings, classes)
    saved.save(model, opt, ema, gen, run)
    other = _run_parts(2)
    restored = saved.restore(*other)
    assert restored["epoch"] == 2 and restored["step"] == 7 and restored["best"]["val_loss"] == float("inf")
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), other[0].state_dict().values()))
    assert other[1].state_dict()["state"][0]["step"] == opt.state_dict()["state"][0]["step"]
    assert torch.equal(other[3].get_state(), gen.get_state())


class _RunsCode:
    """A pickle that calls a function of its choosing when loaded (here: it writes a file)."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_crafted_pickle_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "evil.pt"
    torch.save({"settings": {}, "classes": [], "model": {}, "opt": {}, "gen": _RunsCode(marker), "run": {}}, path)
    with open(tmp_path / "plain.pkl", "wb") as f:  # a plain pickle, not torch.save's zip: refused the same way
        pickle.dump(_RunsCode(marker), f, protocol=2)
    for file in (path, tmp_path / "plain.pkl"):
        with pytest.raises(checkpoint.CheckpointError, match="refused, it holds Python objects") as caught:
            checkpoint.Checkpoint(file, {}, []).restore(*_run_parts(0))
        assert len(str(caught.value).splitlines()) == 1
    assert not marker.exists()  # the code in the file never ran

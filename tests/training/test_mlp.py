"""`python -m training.train --arch mlp`: the fully connected network of the shift view learns on generated
pictures in a few seconds, and the model folder it writes is one the NumPy engine runs with PyTorch's numbers."""
from __future__ import annotations

import json

import numpy as np
import pytest

from pyapp.engine.network import load_network

torch = pytest.importorskip("torch")
from training import train  # noqa: E402
from training.mlp_torch import MLP, parameter_count  # noqa: E402

PLACES = {"top": (4, 24), "middle": (24, 24), "bottom": (44, 24)}  # where each class's bright block sits

FAST = ["--epochs", "15", "--warmup-epochs", "1", "--batch-size", "8", "--lr", "0.001", "--ema-decay", "0"]


def _write_blocks(root, per_class=30):
    """Noisy pictures with a bright block whose place (with a little jitter) is the class: what a fully
    connected network sees well, since each of its weights belongs to one position."""
    from PIL import Image

    rng = np.random.default_rng(0)
    for name, (y, x) in PLACES.items():
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            pixels = rng.integers(0, 120, (64, 64, 3), dtype=np.uint8)
            dy, dx = rng.integers(-2, 3, 2)
            pixels[y + dy:y + dy + 16, x + dx:x + dx + 16] = rng.integers(180, 256, 3)
            Image.fromarray(pixels).save(root / name / f"{name}_{i}.png")
    return root


def test_the_mlp_learns_the_shapes_and_the_engine_runs_it_as_pytorch_does(tmp_path, capsys):
    data = _write_blocks(tmp_path / "blocks")
    out = tmp_path / "mlp"
    assert train.main(["--arch", "mlp", "--data", str(data), "--out", str(out), *FAST]) == 0
    network = load_network(out)
    assert [layer.type for layer in network.layers] == ["flatten", "dense", "relu", "dense", "softmax"]
    assert network.parameter_count == parameter_count(3) == 64 * 64 * 3 * 8 + 8 + 8 * 3 + 3
    card = json.loads((out / "model_card.json").read_text())
    assert card["model"] == "mlp" and "--arch mlp" in card["command"] and card["activity"]["layers"] == []
    assert "# Model card: MLP" in (out / "MODEL_CARD.md").read_text()
    # it learnt: far above chance (1/3) on the held-out pictures, as the engine computes it
    assert card["val_accuracy"] >= 0.6, card["val_accuracy"]
    assert card["activity"]["accuracy"] == pytest.approx(card["val_accuracy"])
    # the engine's logits are PyTorch's on the exported weights (flatten order included)
    model = MLP(classes=3)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in np.load(out / "tiny_vgg.npz").items()})
    images = np.random.default_rng(0).random((4, 64, 64, 3), dtype=np.float32)
    with torch.no_grad():
        expected = model(torch.from_numpy(images.transpose(0, 3, 1, 2))).numpy()
    np.testing.assert_allclose(network.forward(images)["logits"], expected, atol=1e-5)

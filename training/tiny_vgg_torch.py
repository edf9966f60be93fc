"""Tiny VGG in PyTorch (the training twin of pyapp's NumPy engine), its initialisations and its export.

Attribute names are the layer names, so ``state_dict`` keys are the npz keys of docs/architecture.md.
"""
from __future__ import annotations

import hashlib
import io
import zipfile

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

PARAMETER_COUNT = 19_920  # the reference Tiny VGG's trainable parameters (10 classes)
CONV_LAYERS = ("conv_1_1", "conv_1_2", "conv_2_1", "conv_2_2")
RELU_LAYERS = tuple(c.replace("conv", "relu") for c in CONV_LAYERS)
FLAT = 10 * 13 * 13  # the flattened max_pool_2 maps
# pytorch: nn.Conv2d's own (weights and biases uniform in +-1/sqrt(fan_in));
# zero-bias: the same weights, biases 0; he: He-normal weights (ReLU gain), biases 0.
INITS = ("pytorch", "zero-bias", "he")


def parameter_count(classes: int) -> int:
    """Tiny VGG's parameters for a number of classes (only the dense layer depends on it)."""
    return PARAMETER_COUNT + (classes - 10) * (FLAT + 1)


class TinyVGG(nn.Module):
    """The reference architecture, with one output per class."""

    def __init__(self, classes: int = 10) -> None:
        super().__init__()
        self.conv_1_1 = nn.Conv2d(3, 10, 3)
        self.conv_1_2 = nn.Conv2d(10, 10, 3)
        self.conv_2_1 = nn.Conv2d(10, 10, 3)
        self.conv_2_2 = nn.Conv2d(10, 10, 3)
        self.logits = nn.Linear(FLAT, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_with_preactivations(x)[0]

    def forward_with_preactivations(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """The logits and the four conv outputs before their ReLU (what the activity penalties look at)."""
        z11 = self.conv_1_1(x)
        z12 = self.conv_1_2(F.relu(z11))
        z21 = self.conv_2_1(F.max_pool2d(F.relu(z12), 2, 2))
        z22 = self.conv_2_2(F.relu(z21))
        x = F.max_pool2d(F.relu(z22), 2, 2)
        return self.logits(torch.flatten(x, 1)), [z11, z12, z21, z22]  # channels-first flatten, as the engine


def initialise(model: TinyVGG, scheme: str) -> None:
    """Re-initialise the conv layers in place (see INITS); the dense layer keeps PyTorch's init."""
    if scheme not in INITS:
        raise ValueError(f"unknown init {scheme!r} (known: {', '.join(INITS)})")
    if scheme == "pytorch":
        return
    with torch.no_grad():
        for name in CONV_LAYERS:
            conv = getattr(model, name)
            if scheme == "he":
                nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")
            conv.bias.zero_()


class Teacher(nn.Module):
    """A wider VGG-style CNN used only as a distillation teacher; never exported."""

    def __init__(self, width: int = 48, classes: int = 10) -> None:
        super().__init__()

        def block(cin: int, cout: int) -> list[nn.Module]:
            return [
                nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                nn.MaxPool2d(2),
            ]

        w = width
        self.features = nn.Sequential(*block(3, w), *block(w, 2 * w), *block(2 * w, 4 * w))
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), nn.Linear(4 * w, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def model_from_arrays(arrays: dict[str, np.ndarray]) -> TinyVGG:
    """A TinyVGG holding exported weights (``<layer>.weight`` / ``<layer>.bias``)."""
    model = TinyVGG(classes=int(np.asarray(arrays["logits.bias"]).shape[0]))
    model.load_state_dict({k: torch.from_numpy(np.asarray(v, np.float32)) for k, v in arrays.items()})
    return model.eval()


def model_arrays(model: TinyVGG) -> dict[str, np.ndarray]:
    """The npz contents: ``<layer>.weight`` / ``<layer>.bias`` float32, PyTorch's layouts."""
    return {k: v.detach().cpu().numpy().astype(np.float32) for k, v in model.state_dict().items()}


def write_npz(path, arrays: dict[str, np.ndarray]) -> str:
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

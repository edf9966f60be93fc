"""Arrays by layer name, in the network's order: what a forward Trace and a backward Gradients share."""
from __future__ import annotations

import numpy as np


class LayerArrays:
    """``arrays["conv_1_1"]`` is that layer's array; ``arrays.names`` lists the names in order."""

    missing = "no layer named {name!r}; layers are {names}"  # the KeyError's text, per subclass

    def __init__(self, names, arrays: dict[str, np.ndarray]):
        self.names = list(names)
        self._arrays = arrays

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self._arrays[name]
        except KeyError:
            raise KeyError(self.missing.format(name=name, names=", ".join(self.names))) from None

    def __contains__(self, name: object) -> bool:
        return name in self._arrays

    def __iter__(self):
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(" + ", ".join(f"{n} {tuple(self._arrays[n].shape)}" for n in self.names) + ")"

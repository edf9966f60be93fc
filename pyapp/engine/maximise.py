"""An image made by the network for one unit: activation maximisation (Erhan et al. 2009; Olah et al. 2017).

Gradient ascent on the input, from seeded grey noise, on the mean of the positive part of the unit's map (the
pattern it responds to, repeated wherever it fits: the made image is a texture of it), with the engine's own
backward pass (:func:`gradients.chain` from the unit's map down to the input). Three regularisers keep the
picture readable instead of high-frequency noise: the image is shifted by a few random pixels before each
step (jitter: a pattern must work wherever it lies), blurred every few steps, and pulled towards grey
(an L2 penalty). :func:`ascend` yields after every step, so the page can draw progress and let the browser
breathe; :func:`made_image` runs it to the end.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .gradients import chain
from .layers import ReLU
from .network import INPUT

GREY, NOISE = 0.5, 0.05  # the start: mid grey with a little seeded noise (so no symmetry to break)
STEPS = 48  # enough for a clear picture in Tiny VGG; each step is one forward and backward pass
STEP_SIZE = 0.03  # per step, in units of the mean absolute gradient (so every layer ascends at one pace)
JITTER = 2  # px: the largest random shift before each step
BLUR_EVERY = 4  # steps between two blurs
DECAY = 0.01  # the L2 pull towards grey, per step
LEAK = 0.1  # the objective's slope where the unit is below 0


@dataclass(frozen=True)
class Step:
    number: int  # 1..steps
    steps: int
    image: np.ndarray  # (H, W, C) float32 in [0, 1], as the network's input
    activation: float  # the unit's strongest response on this image (its map's maximum), as the atlas ranks patches


def objective_layer(network, layer: str) -> str:
    """The layer whose map is pushed up: a ReLU's input (ReLU passes no gradient below 0, and grey noise may
    start there; it is monotone, so raising its input raises it), else the layer itself."""
    return network.sources[layer] if isinstance(network.layer(layer), ReLU) else layer


def forward_to(network, x: np.ndarray, top: str) -> dict[str, np.ndarray]:
    """Every activation from the input (N, C, H, W) up to layer ``top`` only: the rest is not needed."""
    acts = {INPUT: x}
    for layer in network.layers:
        x = acts[layer.name] = layer(acts[network.sources[layer.name]])
        if layer.name == top:
            break
    return acts


def unit_activation(network, image: np.ndarray, layer: str, unit: int) -> float:
    """Unit ``unit`` of ``layer``'s strongest response (its map's maximum) to an (H, W, C) image."""
    acts = forward_to(network, image.transpose(2, 0, 1)[None].astype(np.float32), layer)
    return float(acts[layer][0, unit].max())


def blur(x: np.ndarray) -> np.ndarray:
    """A 3x3 binomial blur of (N, C, H, W), edges repeated: two shifted averages per axis, no pixel loops."""
    for axis in (2, 3):
        pad = [(0, 0)] * 4
        pad[axis] = (1, 1)
        p = np.pad(x, pad, mode="edge")
        n = x.shape[axis]
        take = lambda start: np.take(p, np.arange(start, start + n), axis=axis)  # noqa: E731
        x = 0.25 * take(0) + 0.5 * take(1) + 0.25 * take(2)
    return x.astype(np.float32)


def ascend(network, layer: str, unit: int, seed: int = 0, steps: int = STEPS):
    """Yields a :class:`Step` after each step of the ascent (the last one is the made image)."""
    c, h, w = network.shapes[INPUT]
    rng = np.random.default_rng(seed)
    x = (GREY + NOISE * rng.standard_normal((1, c, h, w))).astype(np.float32)
    top = objective_layer(network, layer)
    _, mh, mw = network.shapes[top]
    grad_top = np.zeros((1, *network.shapes[top]), dtype=np.float32)
    for number in range(1, steps + 1):
        dy, dx = (int(v) for v in rng.integers(-JITTER, JITTER + 1, size=2))
        shifted = np.roll(x, (dy, dx), axis=(2, 3))
        acts = forward_to(network, shifted, layer)  # up to the unit's own layer, which follows ``top``
        # d(objective)/d(map): the mean of the map's positive part (a leak below 0 so no start is stuck); a plain
        # mean would favour one flat colour (a first-layer edge detector's sum over the image), not the pattern
        grad_top[0, unit] = np.where(acts[top][0, unit] > 0, 1.0, LEAK) / (mh * mw)
        grads, _ = chain(network, acts, top, grad_top, parameters=False)
        g = np.roll(grads[INPUT], (-dy, -dx), axis=(2, 3))
        x = x + STEP_SIZE * g / (np.abs(g).mean() + 1e-8)
        x = GREY + (1 - DECAY) * (x - GREY)
        if number % BLUR_EVERY == 0:
            x = blur(x)
        x = np.clip(x, 0, 1).astype(np.float32)
        image = x[0].transpose(1, 2, 0)
        # progress reads the jittered pass's value (no extra pass); the last step measures the image itself
        value = unit_activation(network, image, layer, unit) if number == steps else float(acts[layer][0, unit].max())
        yield Step(number, steps, image, value)


def start_image(network, seed: int = 0) -> np.ndarray:
    """The grey noise the ascent starts from, (H, W, C) (the same draw as :func:`ascend`'s first)."""
    c, h, w = network.shapes[INPUT]
    noise = np.random.default_rng(seed).standard_normal((1, c, h, w))
    return (GREY + NOISE * noise).astype(np.float32)[0].transpose(1, 2, 0)


def made_image(network, layer: str, unit: int, seed: int = 0, steps: int = STEPS) -> Step:
    """The last step of :func:`ascend`: the image the network makes for the unit."""
    last = None
    for last in ascend(network, layer, unit, seed, steps):
        pass
    return last

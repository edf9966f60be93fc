"""Why did the network say that? Heat maps of the input for one class, from the engine's own gradients.

Every method is a function of (network, trace, class) returning a NumPy array; the "Why?" view, the
command line (``python -m pyapp explain``) and the benchmarks call these same functions.

- :func:`saliency`: the size of the class score's gradient at each pixel (Simonyan et al. 2013).
- :func:`gradient_x_input`: the gradient times the pixel, summed over colours (signed).
- :func:`gradcam`: the maps of a conv layer weighted by their average gradient (Selvaraju et al. 2017).
- :func:`occlusion`: the drop in the class probability when a grey patch hides each place (Zeiler and Fergus 2014).
- :func:`map_contributions`: one number per activation map of every layer (gradient x activation, summed).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .layers import Conv2D, ReLU, windows
from .network import INPUT, Network, Trace
from .roles import last_convolution

PATCH, PATCH_STRIDE, GREY = 16, 4, 0.5  # 13 x 13 positions of a 16-pixel grey square on a 64-pixel image
CHUNK = 64  # occluded images per pass of the whole-map layers: bounds their memory


def class_index(network: Network, target) -> int:
    """A class given by index or name, checked."""
    if isinstance(target, str):
        if target not in network.classes:
            raise ValueError(f"unknown class {target!r}; the classes are {', '.join(network.classes)}")
        return network.classes.index(target)
    index = int(target)
    if not 0 <= index < len(network.classes):
        raise ValueError(f"class index {index} is outside 0..{len(network.classes) - 1}")
    return index


# -- from a layer's grid to the input's pixels ------------------------------------------------------

def interpolation_matrix(centres: np.ndarray, size: int) -> np.ndarray:
    """(size, len(centres)): row p linearly interpolates the values at ``centres`` (increasing) at pixel
    centre p + 0.5, and holds the first or last value beyond them."""
    count = len(centres)
    out = np.zeros((size, count), dtype=np.float32)
    if count == 1:
        out[:] = 1.0
        return out
    points = np.clip(np.arange(size) + 0.5, centres[0], centres[-1])
    left = np.clip(np.searchsorted(centres, points, side="right") - 1, 0, count - 2)  # the centre at or before
    t = (points - centres[left]) / (centres[left + 1] - centres[left])
    rows = np.arange(size)
    out[rows, left] = 1 - t
    out[rows, left + 1] += t
    return out


def layer_centres(network: Network, layer: str) -> tuple[np.ndarray, np.ndarray]:
    """The input coordinates of the centre of each row's and column's receptive field in ``layer``."""
    _, h, w = network.shapes[layer]
    mid_y, mid_x = h // 2, w // 2
    # the fields step evenly, so two neighbours away from the (clipped) border give the whole line
    here = network.receptive_field(layer, mid_y, mid_x)[INPUT]
    there = network.receptive_field(layer, min(mid_y + 1, h - 1), min(mid_x + 1, w - 1))[INPUT]
    lines = []
    for axis, count, mid in ((0, h, mid_y), (1, w, mid_x)):
        c0, c1 = sum(here[axis]) / 2, sum(there[axis]) / 2
        lines.append(c0 + (np.arange(count) - mid) * (c1 - c0))
    return lines[0], lines[1]


def to_input(values: np.ndarray, centres_y: np.ndarray, centres_x: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A (h, w) grid whose cells sit at the given input coordinates, interpolated to every input pixel."""
    rows, cols = interpolation_matrix(centres_y, size[0]), interpolation_matrix(centres_x, size[1])
    return (rows @ np.asarray(values, dtype=np.float32) @ cols.T).astype(np.float32)


# -- gradient methods ---------------------------------------------------------------------------------

def input_gradient(network: Network, trace: Trace, target, score: str = "logit") -> np.ndarray:
    """(C, H, W): d(class score)/d(input pixel)."""
    return network.backward(trace, class_index(network, target), score, parameters=False)[INPUT]


def saliency(network: Network, trace: Trace, target, score: str = "logit") -> np.ndarray:
    """(H, W) >= 0: the largest |d score / d pixel| over the colour channels (Simonyan et al. 2013)."""
    return np.abs(input_gradient(network, trace, target, score)).max(axis=0)


def gradient_x_input(network: Network, trace: Trace, target, score: str = "logit") -> np.ndarray:
    """(H, W), signed: sum over colours of gradient x pixel, a first-order share of the score per pixel."""
    return (input_gradient(network, trace, target, score) * trace[INPUT]).sum(axis=0)


def rectified(network: Network, layer: str) -> str:
    """The ReLU right after a conv layer when there is one: Grad-CAM reads the maps the network passes on."""
    following = [name for name, source in network.sources.items() if source == layer]
    if following and isinstance(network.layer(following[0]), ReLU):
        return following[0]
    return layer


def gradcam(network: Network, trace: Trace, target, layer: str | None = None, upsample: bool = True) -> np.ndarray:
    """ReLU(sum_k alpha_k A_k), alpha_k = mean of d(class logit)/d A_k (Selvaraju et al. 2017); >= 0.

    ``A`` is the conv layer's rectified output. With ``upsample`` the (h, w) map is interpolated from each
    cell's receptive-field centre to the (H, W) input, otherwise it is returned at the layer's size.
    """
    layer = layer or last_convolution(network)  # by role: an imported model names its layers its own way
    if layer is None:
        raise ValueError("Grad-CAM needs a conv layer; this network has none")
    if not isinstance(network.layer(layer), Conv2D):
        raise ValueError(f"Grad-CAM needs a conv layer; {layer} is a {network.layer(layer).type} layer")
    maps = rectified(network, layer)
    grads = network.backward(trace, class_index(network, target), parameters=False)
    weights = grads[maps].mean(axis=(1, 2))  # alpha_k: how much map k matters, on average
    cam = np.maximum(np.tensordot(weights, trace[maps], axes=1), 0).astype(np.float32)
    if not upsample:
        return cam
    return to_input(cam, *layer_centres(network, maps), network.input_shape[:2])


def map_contributions(network: Network, trace: Trace, target) -> dict[str, np.ndarray]:
    """{layer: (C,)} for every layer with maps: sum over the map of activation x d(class logit)/d activation.

    A first-order estimate of how much the logit would fall if that map were all zeros (the overview's bars).
    """
    grads = network.backward(trace, class_index(network, target), parameters=False)
    return {name: (trace[name] * grads[name]).sum(axis=(1, 2)).astype(np.float32)
            for name in network.names[1:] if len(network.shapes[name]) == 3}


# -- occlusion ----------------------------------------------------------------------------------------

def patch_corners(size: int, patch: int, stride: int) -> np.ndarray:
    """The top (or left) edge of every patch position along one axis."""
    return np.arange(0, size - patch + 1, stride)


def overhang(ys: np.ndarray, xs: np.ndarray, size: int, height: int, width: int) -> int:
    """How far any ``size`` square at corners (ys, xs) reaches outside a height x width map."""
    return int(max(0, -ys.min(), -xs.min(), ys.max() + size - height, xs.max() + size - width))


def gather(clean: np.ndarray, ys: np.ndarray, xs: np.ndarray, size: int) -> np.ndarray:
    """(N, C, size, size): the windows of one (C, H, W) map at top-left corners (ys, xs), zeros outside it."""
    pad = overhang(ys, xs, size, *clean.shape[1:])
    padded = np.pad(clean, ((0, 0), (pad, pad), (pad, pad))) if pad else clean
    return np.ascontiguousarray(windows(padded, size)[:, ys + pad, xs + pad].transpose(1, 0, 2, 3))


def occluded_forward(network: Network, clean: Trace, corners_y, corners_x, patch: int, fill: float) -> np.ndarray:
    """The probabilities (len(ys) * len(xs), classes) of the traced image with a grey patch at each corner pair.

    One batched pass that only recomputes what the patch changes: each image is a crop around the patch
    (with the context its next layer reads, taken from the clean pass) for as long as the layers act
    locally; then the crops are pasted into the clean maps and the rest runs on whole maps.
    """
    ys, xs = np.repeat(corners_y, len(corners_x)), np.tile(corners_x, len(corners_y))
    n, size, name = len(ys), patch, INPUT
    crops = np.full((n, network.shapes[INPUT][0], patch, patch), fill, dtype=np.float32)  # what changes: the patch
    rest = list(network.layers)
    while rest:
        context = rest[0].crop_context(ys, xs, size)
        if context is None:
            break
        before, after = context
        if before or after:  # the crop with its context from the clean maps around it
            ctx = gather(clean[name], ys - before, xs - before, size + before + after)
            ctx[:, :, before:before + size, before:before + size] = crops
            crops, ys, xs = ctx, ys - before, xs - before
        layer = rest.pop(0)
        crops, name = layer(crops), layer.name
        ys, xs = ys // layer.stride, xs // layer.stride  # the crops' corners in the layer's output
        size = crops.shape[-1]
    # paste the changed crops into copies of the clean maps (their parts outside the map are cut off)
    c, h, w = clean[name].shape
    pad = overhang(ys, xs, size, h, w)
    maps = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=np.float32)
    maps[:, :, pad:pad + h, pad:pad + w] = clean[name]
    rows, cols = (ys + pad)[:, None] + np.arange(size), (xs + pad)[:, None] + np.arange(size)
    maps[np.arange(n)[:, None, None], :, rows[:, :, None], cols[:, None, :]] = crops.transpose(0, 2, 3, 1)
    acts = maps[:, :, pad:pad + h, pad:pad + w]
    out = []
    for start in range(0, n, CHUNK):
        a = acts[start:start + CHUNK]
        for layer in rest:
            a = layer(a)
        out.append(a)
    return np.concatenate(out)


def occlusion(network: Network, trace: Trace, target, patch: int = PATCH, stride: int = PATCH_STRIDE,
              fill: float = GREY, upsample: bool = True) -> np.ndarray:
    """The drop in the class probability when a grey ``patch`` square covers each position (Zeiler and Fergus 2014).

    Positive: hiding that place lowers the probability (the network used it); negative: hiding it helps.
    A (positions_y, positions_x) grid, or with ``upsample`` interpolated from the patch centres to every pixel.
    """
    k = class_index(network, target)
    height, width = network.input_shape[:2]
    if not 0 < patch <= min(height, width) or stride < 1:
        raise ValueError(f"the patch ({patch}) must fit in the image and the stride ({stride}) be at least 1")
    cy, cx = patch_corners(height, patch, stride), patch_corners(width, patch, stride)
    probs = occluded_forward(network, trace, cy, cx, patch, fill)[:, k]
    drop = (trace.probabilities[k] - probs).reshape(len(cy), len(cx)).astype(np.float32)
    if not upsample:
        return drop
    return to_input(drop, cy + patch / 2, cx + patch / 2, (height, width))


# -- the table of methods -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Method:
    key: str
    label: str
    compute: Callable  # (network, trace, target) -> (H, W)
    signed: bool  # whether negative values mean something (draw on a scale centred on 0)
    citation: str


METHODS = {m.key: m for m in (
    Method("saliency", "Saliency", saliency, False, "Simonyan, Vedaldi and Zisserman 2013"),
    Method("gradient-x-input", "Gradient \u00d7 input", gradient_x_input, True, "Shrikumar et al. 2016"),
    Method("gradcam", "Grad-CAM", gradcam, False, "Selvaraju et al. 2017"),
    Method("occlusion", "Occlusion", occlusion, True, "Zeiler and Fergus 2014"),
)}
DEFAULT_METHOD = "gradcam"


def explain(network: Network, trace: Trace, target, method: str = DEFAULT_METHOD, layer: str | None = None) -> np.ndarray:
    """The (H, W) heat map of one method (a key of METHODS) for one class; ``layer``: Grad-CAM's convolution
    (None: the last; the other methods have no layer)."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; the methods are {', '.join(METHODS)}")
    if method == "gradcam":
        return gradcam(network, trace, class_index(network, target), layer)
    return METHODS[method].compute(network, trace, class_index(network, target))

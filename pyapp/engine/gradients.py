"""The backward pass of the Tiny VGG engine: each layer's gradient, beside the forward maths of layers.py.

Every function takes ``grad_y``, the gradient of a score with respect to a layer's output (batched,
``(N, ...)``), and returns the gradient with respect to the layer's input (or its parameters). All are
vectorised: the only Python loops run over the k*k offsets of a kernel or pooling window (and a convolution's
input gradient over chunks of a few images), never over pixels.
Each layer class (layers.py) calls its own from ``input_gradient`` and ``parameter_gradients``; :func:`chain`
runs those from any gradient at the top down to the input, :func:`backward` from a class score
(``network.backward`` calls it) and the training engine from the loss.
"""
from __future__ import annotations

import sys

import numpy as np

from .im2col import columns, pad_pair, windows
from .layer_arrays import LayerArrays
from .stepwise import run_through

SCORES = ("logit", "probability")


# ---------------------------------------------------------------------------
# One layer at a time: d(score)/d(input) from d(score)/d(output).
# ---------------------------------------------------------------------------

# NumPy in the page (Pyodide) has no BLAS: there einsum's vectorised loops make the weight gradient 2x faster than
# matmul's plain ones (measured under Node); with BLAS (CPython) matmul is 2x faster than einsum.
EINSUM_WEIGHT_GRADIENT = sys.platform == "emscripten"
CHUNK = 4  # images per col2im pass: their columns (~5 MB at 62x62) stay in the cache between the matmul and the adds


def _add_windows(out: np.ndarray, cols: np.ndarray, stride: int) -> None:
    """Adds each window's values ``cols`` (N, C, k, k, H', W') onto the padded ``out`` (N, C, H, W), in place."""
    _, _, k, _, oh, ow = cols.shape
    for u in range(k):  # one strided add per kernel offset (k*k of them), each covering every pixel
        for v in range(k):
            out[:, :, u:u + stride * (oh - 1) + 1:stride, v:v + stride * (ow - 1) + 1:stride] += cols[:, :, u, v]


def _padded_zeros(shape, padding) -> tuple[np.ndarray, tuple[slice, slice]]:
    """A float32 zero map (N, C, H, W) with ``padding`` around, and the slices of its unpadded part."""
    n, c, h, w = shape
    before, after = pad_pair(padding)
    out = np.zeros((n, c, h + before + after, w + before + after), dtype=np.float32)
    return out, (slice(before, before + h), slice(before, before + w))


def add_windows_back(cols: np.ndarray, shape: tuple[int, ...], stride: int, padding=0) -> np.ndarray:
    """col2im, the adjoint of ``windows``: add each window's values (N, C, k, k, H', W') back onto (N, C, H, W)."""
    n, c = cols.shape[:2]
    out, (rows, columns_) = _padded_zeros((n, c, *shape[-2:]), padding)
    _add_windows(out, cols, stride)
    return out[:, :, rows, columns_]


def conv2d_input_gradient(grad_y, weight, input_shape, stride=1, padding=0):
    """dL/dx of ``y[o] = b[o] + sum_i x[i] (*) W[o, i]``: every output gradient sent back through its kernel.

    ``W^T @ grad_y`` gives each window's share (the transpose of the forward im2col matmul); col2im adds them up,
    a few images at a time (1.7x faster than the whole batch's 40 MB of columns at once, the same sums).
    """
    n, o, oh, ow = grad_y.shape
    _, c, k, _ = weight.shape
    out, (rows, columns_) = _padded_zeros((n, c, *input_shape[-2:]), padding)
    if stride == 1:  # rows as wide as the padded input, for _add_runs (the extra columns send back 0)
        grad_y = np.pad(grad_y, ((0, 0), (0, 0), (0, 0), (0, out.shape[-1] - ow)))
    matrix, flat = weight.reshape(o, c * k * k).T, grad_y.reshape(n, o, -1)
    buffer = np.empty((min(CHUNK, n), c * k * k, flat.shape[-1]), dtype=np.float32)
    for at in range(0, n, CHUNK):
        part = flat[at:at + CHUNK]
        cols = np.matmul(matrix, part, out=buffer[:len(part)])
        if stride == 1:
            _add_runs(out[at:at + CHUNK], cols.reshape(len(part), c, k * k, -1), k)
        else:
            _add_windows(out[at:at + CHUNK], cols.reshape(len(part), c, k, k, oh, ow), stride)
    return out[:, :, rows, columns_]


def _add_runs(out: np.ndarray, cols: np.ndarray, k: int) -> None:
    """``_add_windows`` at stride 1 for shares (N, C, k*k, H'*W) computed on rows as wide as ``out`` (N, C, H, W):
    each kernel offset's shares are then one run of the flat map, added at once, not a strided add per row of 62
    pixels (conv_1_2's input gradient in 0.86x the time in the page, 0.88x natively)."""
    n, c, h, w = out.shape
    flat = out.reshape(n, c, h * w)  # a view: out is a whole block of images
    for u in range(k):
        for v in range(k):
            start = u * w + v
            span = min(cols.shape[-1], h * w - start)  # past the end: the last row's extra columns, all 0
            flat[:, :, start:start + span] += cols[:, :, u * k + v, :span]


def conv2d_parameter_gradients(grad_y, x, kernel_size, stride=1, padding=0, cols=None):
    """dL/dW[o, i, u, v] = sum over batch and pixels of grad_y[o] times the input under offset (u, v); dL/db = sum grad_y.

    With the input's im2col columns (``cols``, when the forward pass kept them) that is one matrix product
    per image, ``grad_y @ cols^T``, summed.
    """
    n, o, oh, ow = grad_y.shape
    c = x.shape[1]
    if cols is None:
        cols = columns(x, kernel_size, stride, padding)  # (N, C*k*k, H'*W')
    flat = grad_y.reshape(n, o, oh * ow)
    if EINSUM_WEIGHT_GRADIENT:
        grad_w = np.einsum("nop,nkp->ok", flat, cols)  # (O, C*k*k)
    else:
        grad_w = np.matmul(flat, cols.transpose(0, 2, 1)).sum(axis=0)
    return grad_w.reshape(o, c, kernel_size, kernel_size), grad_y.sum(axis=(0, 2, 3))


def relu_gradient(grad_y, x):
    """dL/dx of ``y = max(x, 0)``: the gradient passes where x > 0 and stops elsewhere (0 at x = 0, as PyTorch)."""
    return np.where(x > 0, grad_y, np.float32(0))  # 3x faster in the page than grad_y * (x > 0): no cast of the mask


def max_pool2d_gradient(grad_y, x, pool_size, stride, padding=0, y=None):
    """dL/dx of ``y = max(window)``: each window's gradient goes to its maximum (the first one on ties, as PyTorch).
    ``y``: the forward pass's output, when there is one (not computed again)."""
    if stride == pool_size and pad_pair(padding) == (0, 0):  # the layer passes its padding as a pair
        return _tiled_max_pool_gradient(grad_y, x, pool_size, y)
    n, c, oh, ow = grad_y.shape
    win = windows(x, pool_size, stride, padding, -np.inf)[..., :oh, :ow, :, :]  # (N, C, H', W', p, p)
    winner = win.reshape(n, c, oh, ow, pool_size * pool_size).argmax(axis=-1)
    offsets = np.arange(pool_size * pool_size).reshape(pool_size, pool_size, 1, 1)
    # (N, C, p, p, H', W'): the output gradient at the window's winning offset, 0 at the others
    cols = np.where(winner[:, :, None, None] == offsets, grad_y[:, :, None, None], np.float32(0))
    return add_windows_back(cols.astype(np.float32, copy=False), x.shape, stride, padding)


def _tiled_max_pool_gradient(grad_y, x, p, top=None):
    """The same when the windows tile the map (stride = size, no padding), offset by offset on strided views: the
    pixels at an offset take the gradient where they are their window's maximum and no earlier offset was (the
    first on ties). No window copy, no argmax: 3x faster than the general path."""
    n, c, oh, ow = grad_y.shape
    parts = [x[:, :, u:oh * p:p, v:ow * p:p] for u in range(p) for v in range(p)]
    if top is None:  # each window's maximum, as the forward pass found it
        top = parts[0].copy()
        for part in parts[1:]:
            np.maximum(top, part, out=top)
    out = np.zeros(x.shape, dtype=np.float32)  # rows and columns past the last whole window get nothing
    free = np.ones(top.shape, dtype=bool)
    for index, part in enumerate(parts):
        hit = np.equal(part, top)
        hit &= free
        u, v = divmod(index, p)
        out[:, :, u:oh * p:p, v:ow * p:p] = np.where(hit, grad_y, np.float32(0))  # no cast of the mask (as relu's)
        free &= ~hit
    return out


def avg_pool2d_gradient(grad_y, input_shape, pool_size, stride, padding=0):
    """dL/dx of ``y = mean(window)`` (padding zeros counted, as PyTorch's default): each input gets 1/p² of the
    gradient of every window it is in."""
    n, c, oh, ow = grad_y.shape
    share = np.broadcast_to((grad_y / np.float32(pool_size * pool_size))[:, :, None, None],
                            (n, c, pool_size, pool_size, oh, ow))
    return add_windows_back(share, input_shape, stride, padding)


def global_avg_pool_gradient(grad_y, input_shape):
    """dL/dx of ``y[c] = mean of map c``: every pixel of map c gets grad_y[c] / (H W)."""
    h, w = input_shape[-2:]
    return np.broadcast_to((grad_y / np.float32(h * w))[:, :, None, None], input_shape).astype(np.float32)


def leaky_relu_gradient(grad_y, x, slope):
    """dL/dx of ``y = x if x > 0 else slope x``."""
    return grad_y * np.where(x > 0, np.float32(1), np.float32(slope))


def sigmoid_gradient(grad_y, y):
    """dL/dx of ``y = 1 / (1 + e^-x)``: ``grad_y y (1 - y)``."""
    return grad_y * y * (1 - y)


def tanh_gradient(grad_y, y):
    """dL/dx of ``y = tanh(x)``: ``grad_y (1 - y²)``."""
    return grad_y * (1 - y * y)


def _per_channel(v, ndim):
    """A (C,) array shaped to broadcast over (N, C, ...) of ``ndim`` axes."""
    return np.reshape(v, (1, -1) + (1,) * (ndim - 2))


def batch_norm_gradients(grad_y, x, gamma, mean, var, eps, batch_statistics):
    """(dL/dx, dL/dgamma, dL/dbeta) of ``y = (x - mean) / sqrt(var + eps) * gamma + beta``.

    With the running statistics (inference) mean and var are constants; with the batch's own (training) they
    depend on x, which adds the two terms of Ioffe and Szegedy's backward pass (var is the biased one, as torch)."""
    axes = (0,) + tuple(range(2, x.ndim))
    inv = 1 / np.sqrt(var + np.float32(eps))
    x_hat = (x - _per_channel(mean, x.ndim)) * _per_channel(inv, x.ndim)
    grad_gamma = (grad_y * x_hat).sum(axis=axes)
    grad_beta = grad_y.sum(axis=axes)
    scale = _per_channel(gamma * inv, x.ndim)
    if not batch_statistics:
        return grad_y * scale, grad_gamma, grad_beta
    count = x.size // x.shape[1]
    grad_x = scale * (grad_y - _per_channel(grad_beta / count, x.ndim) - x_hat * _per_channel(grad_gamma / count, x.ndim))
    return grad_x, grad_gamma, grad_beta


def dropout_gradient(grad_y, mask):
    """dL/dx of ``y = x * mask`` (mask: 0 where dropped, 1 / (1 - rate) where kept; None: the identity)."""
    return grad_y if mask is None else grad_y * mask


def flatten_gradient(grad_y, input_shape):
    """dL/dx of the channels-first unrolling: the same numbers, folded back into maps."""
    return grad_y.reshape(grad_y.shape[0], *input_shape[1:])


def dense_input_gradient(grad_y, weight):
    """dL/dx of ``y = W x + b``: ``W^T grad_y`` (row form: grad_y @ W)."""
    return grad_y @ weight


def dense_parameter_gradients(grad_y, x):
    """dL/dW = grad_y x^T summed over the batch (an outer product per example); dL/db = sum grad_y."""
    return grad_y.T @ x, grad_y.sum(axis=0)


def softmax_gradient(grad_y, y):
    """dL/dx of ``y = softmax(x)``: ``y * (grad_y - sum_j grad_y[j] y[j])`` (the Jacobian diag(y) - y y^T, applied)."""
    return y * (grad_y - np.sum(grad_y * y, axis=-1, keepdims=True))



# ---------------------------------------------------------------------------
# The whole network.
# ---------------------------------------------------------------------------

class Gradients(LayerArrays):
    """d(score)/d(every layer's output and the input), by layer name, and d(score)/d(parameters).

    ``grads["conv_2_2"]`` has the shape of ``trace["conv_2_2"]``; ``grads.parameters["logits.weight"]`` the
    shape of the weight. ``grads.names`` lists the layers that have a gradient (for a logit score the
    softmax output has none: the logit does not depend on it).
    """

    missing = "no gradient for {name!r}; there is one for {names}"

    def __init__(self, names, arrays, parameters, target, score):
        super().__init__(names, arrays)
        self.parameters = parameters
        self.target = target
        self.score = score


def score_layer(network, score: str) -> str:
    """The layer whose output holds the score: the logits (before a final softmax) or the probabilities."""
    if score not in SCORES:
        raise ValueError(f"score must be one of {', '.join(SCORES)}, not {score!r}")
    last = network.layers[-1]
    if score == "logit" and last.probabilities:
        return network.sources[last.name]
    return last.name


def chain(network, acts, top: str, grad: np.ndarray, parameters=True, stop_at: str | None = None):
    """The chain rule, layer by layer from ``top`` (whose output has gradient ``grad``) down to ``stop_at``.

    ``acts`` holds every activation, batched. ``parameters`` is True, False or the names of the layers whose
    parameter gradients are wanted. Returns ``({name: gradient}, {"<layer>.<suffix>": parameter gradient})``;
    nothing below layer ``stop_at`` is computed (Grad-CAM needs no more; training stops at its lowest layer).
    """
    return run_through(chain_stepwise(network, acts, top, grad, parameters, stop_at))


def chain_stepwise(network, acts, top: str, grad: np.ndarray, parameters=True, stop_at: str | None = None):
    """:func:`chain` a piece at a time: yields ``(what, layer, images)`` before each gradient it computes (the
    page's training answers a click there, and knows how long that piece took last time); returns ``chain``'s."""
    grads, params = {top: grad}, {}
    for layer in reversed(network.layers[:network.layers.index(network.layer(top)) + 1]):
        source = network.sources[layer.name]
        x, g = acts[source], grads[layer.name]
        if parameters is True or (parameters and layer.name in parameters):
            yield "parameter gradients", layer.name, len(g)
            params.update({f"{layer.name}.{k}": v for k, v in layer.parameter_gradients(x, g).items()})
        if layer.name == stop_at:
            break
        yield "input gradient", layer.name, len(g)
        grads[source] = layer.input_gradient(x, acts[layer.name], g).astype(np.float32, copy=False)
    return grads, params


def backward(network, trace, target, score: str = "logit", parameters: bool = True,
             stop_at: str | None = None) -> Gradients:
    """The gradient of class ``target``'s score (its logit, or its probability) for one trace or a batch.

    ``target`` is a class index or name (or one per image of a batched trace). ``parameters=False`` skips the
    weight gradients; ``stop_at`` ends the pass at that layer (its gradient known, nothing below it).
    """
    single = trace[network.names[0]].ndim == len(network.shapes[network.names[0]])
    acts = {name: (trace[name][None] if single else trace[name]) for name in trace.names}
    count = acts[network.names[0]].shape[0]
    top = score_layer(network, score)
    classes = len(network.classes)
    indices = np.array([network.classes.index(t) if isinstance(t, str) else int(t)
                        for t in np.atleast_1d(np.asarray(target, dtype=object))])
    if len(indices) not in (1, count) or indices.min() < 0 or indices.max() >= classes:
        raise ValueError(f"target must be one class (0..{classes - 1} or a name) or one per image, got {target!r}")
    grad = np.zeros((count, classes), dtype=np.float32)
    grad[np.arange(count), np.broadcast_to(indices, (count,))] = 1.0  # d(score)/d(score layer): one-hot
    grads, params = chain(network, acts, top, grad, parameters, stop_at)
    if single:
        grads = {name: g[0] for name, g in grads.items()}
    return Gradients([n for n in network.names if n in grads], grads, params,
                     indices[0] if len(indices) == 1 else indices, score)

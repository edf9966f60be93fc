"""Winograd's F(2x2, 3x3) (Lavin and Gray, 2016): a 3x3 convolution's 2x2 block of outputs from its 4x4 tile of
input in 16 multiplies instead of 36, for training in the page, where NumPy has no BLAS.

There matmul multiplies at scalar speed, so 2.25x fewer multiplies pay for the additions of the transforms: measured
under Node on conv_1_2 (10 to 10 channels, 62x62, 3 images), the forward pass in 0.63x the time of im2col and one
matmul, the input gradient in 0.68x, the weight gradient in 0.62x. With a BLAS (CPython) im2col's one product is
2.3x faster; with 3 channels in, or on maps under 24x24, the transforms' many small NumPy calls cost what the
multiplies save: ``pays``. On the second block's 28x28 and 26x26 maps it pays (under Node, on slices of 16 images,
a whole step in 0.93x the time). F(4x4, 3x3), with 36 products for 16 outputs, measured slower still in the page:
its transforms cost more than its products save.
"""
from __future__ import annotations

import sys

import numpy as np

NO_BLAS = sys.platform == "emscripten"  # NumPy in Pyodide is built without one
MIN_CHANNELS, MIN_PIXELS = 8, 24 * 24  # below either, im2col is as fast or faster in the page

# G g G^T turns a 3x3 kernel into the 4x4 factors of the tile's 16 products
G = np.array([[1, 0, 0], [.5, .5, .5], [.5, -.5, .5], [0, 0, 1]], dtype=np.float32)
# F(3x3, 2x2) on the same B^T, for the kernel gradient (each tile's 2x2 of grad_y against its 4x4 of input)
A2_T = np.array([[1, 1, 1, 0], [0, 1, -1, 0], [0, 1, 1, -1]], dtype=np.float32)


def pays(kernel: int, stride: int, channels: int, out_pixels: int) -> bool:
    """Whether a convolution (``channels`` in, ``out_pixels`` out per map) is faster here by Winograd. Only
    training takes it (Conv2D.forward(keep=True)): the explainer's own passes stay CPython's sums, bit for bit."""
    return NO_BLAS and kernel == 3 and stride == 1 and channels >= MIN_CHANNELS and out_pixels >= MIN_PIXELS


def _data(parts, out=(None,) * 4):
    """B^T along one axis: the four rows (or columns) of a tile into the four of its transform."""
    return (np.subtract(parts[0], parts[2], out=out[0]), np.add(parts[1], parts[2], out=out[1]),
            np.subtract(parts[2], parts[1], out=out[2]), np.subtract(parts[1], parts[3], out=out[3]))


def _spread(parts, out=(None,) * 4):
    """G2 along one axis: a 2x2 block's two rows (or columns) of grad_y into four (G2 = [1 0; .5 .5; .5 -.5; 0 1])."""
    first, second = parts
    half = np.multiply(first, np.float32(0.5), out=out[1])
    half += second * np.float32(0.5)  # (g0 + g1) / 2
    other = np.subtract(half, second, out=out[2])  # (g0 - g1) / 2
    if out[0] is None:
        return first, half, other, second
    np.copyto(out[0], first)
    np.copyto(out[3], second)
    return out


def _output(parts):
    """A^T along one axis: the four products' rows (or columns) into the tile's two outputs."""
    first = parts[0] + parts[1]
    first += parts[2]
    second = parts[1] - parts[2]
    second -= parts[3]
    return first, second


def _phases(x: np.ndarray, rows: int, across: int, extra: int = 0, border: int = 0) -> list:
    """The four phases of ``x`` (N, C, H, W) with ``border`` zeros before its rows and columns, even or odd rows by
    even or odd columns, each as (N*C, flat map) with ``rows`` x ``across`` pixels (zeros past the map) and ``extra``
    zeros after: the pixels a tile takes from a phase are then one flat run, and each step of the transforms one
    operation with long inner loops (strided ones, 30 pixels at a time, ran at 3-4 ns an element in the page).
    The border is placed here, not by a padded copy of ``x`` first."""
    n, c = x.shape[:2]
    out = []
    for r in range(2):
        for s in range(2):
            phase = np.zeros((n * c, rows * across + extra), dtype=np.float32)
            part = x[:, :, (r - border) % 2::2, (s - border) % 2::2]  # padded row 2i + r is row 2i + r - border of x
            top, left = (border - r + 1) // 2, (border - s + 1) // 2
            grid = phase[:, :rows * across].reshape(n, c, rows, across)
            grid[:, :, top:top + part.shape[2], left:left + part.shape[3]] = part
            out.append(phase)
    return out


def tiles(x: np.ndarray, padding=(0, 0)) -> np.ndarray:
    """B^T d B of every 4x4 tile (stride 2) of ``x`` (N, C, H, W) with ``padding`` (before, after) zeros around:
    (4, 4, N, C, tiles down, tiles across + 1), each of the 16 positions' products then one matmul. The last tile
    of each row is not one (its products go unused); an odd map's last tile takes a row or column of zeros."""
    n, c = x.shape[:2]
    h, w = x.shape[2] + sum(padding), x.shape[3] + sum(padding)
    th, tw = -(-(h - 2) // 2), -(-(w - 2) // 2)
    wide, size = tw + 1, (th + 1) * (tw + 1)  # a phase's width, and its pixels: tile (i, j) starts at i * wide + j
    phases = _phases(x, th + 1, wide, extra=1, border=padding[0])
    across = []  # B^T along the rows of each row phase: a tile's columns 0-3 are its phases (r, 0), (r, 1), then +1
    for even, odd in (phases[:2], phases[2:]):
        across.append(_data([even[:, :size], odd[:, :size], even[:, 1:size + 1], odd[:, 1:size + 1]]))
    out = np.empty((4, 4, n * c, th * wide), dtype=np.float32)
    for b in range(4):  # B^T down: a tile's rows 0-3 are row phases 0, 1, then 0, 1 a row further down
        runs = [across[k % 2][b][:, (k // 2) * wide:(k // 2 + th) * wide] for k in range(4)]
        _data(runs, [out[a, b] for a in range(4)])
    return out.reshape(4, 4, n, c, th, wide)


def correlate(x: np.ndarray, weight: np.ndarray, padding=(0, 0), transformed: np.ndarray | None = None) -> np.ndarray:
    """The cross-correlation of ``x`` (N, C, H, W), with ``padding`` (before, after) zeros around, and 3x3 kernels
    ``weight`` (O, C, 3, 3): (N, O, H', W'), what im2col and one matmul give, within float32 rounding.
    ``transformed``: ``tiles(x, padding)``, when already made. Loops run over the 4x4 tile positions, never pixels."""
    n, c = x.shape[:2]
    h, w = x.shape[2] + sum(padding), x.shape[3] + sum(padding)
    o = weight.shape[0]
    data = tiles(x, padding) if transformed is None else transformed
    th, wide = data.shape[-2:]
    kernels = np.einsum("au,ocuv,bv->aboc", G, weight, G).reshape(16, 1, o, c)
    products = np.matmul(kernels, data.reshape(16, n, c, -1)).reshape(4, 4, n, o, th, wide)
    # A^T m A on whole rows (long inner loops), then each of a tile's four outputs copied to its place in the map
    out = np.empty((n, o, th, 2, wide - 1, 2), dtype=np.float32)
    for i, rows in enumerate(_output(products)):
        for j, values in enumerate(_output(rows)):
            out[:, :, :, i, :, j] = values[..., :-1]
    out = out.reshape(n, o, 2 * th, 2 * wide - 2)
    return out if out.shape[-2:] == (h - 2, w - 2) else out[:, :, :h - 2, :w - 2]


def kernel_gradient(transformed: np.ndarray, grad_y: np.ndarray) -> np.ndarray:
    """dL/dW (O, C, 3, 3) of ``correlate`` from the input's ``tiles`` and ``grad_y`` (N, O, H-2, W-2): each tile's
    3x3 correlation of its 4x4 input with its 2x2 of grad_y by F(3x3, 2x2), whose data transform is the same B^T
    (16 multiplies instead of 36), summed over tiles and images before the output transform."""
    n, o = grad_y.shape[:2]
    th, wide = transformed.shape[-2:]
    phases = _phases(grad_y, th, wide)  # zeros in each row's last column: the extra tile adds nothing
    across = [_spread(phases[:2]), _spread(phases[2:])]  # G2 along the rows of each row phase
    spread = np.empty((4, 4, n * o, th * wide), dtype=np.float32)  # G2 g G2^T of every 2x2 of grad_y
    for b in range(4):
        _spread([across[0][b], across[1][b]], [spread[a, b] for a in range(4)])
    sums = np.einsum("znot,znct->zoc", spread.reshape(16, n, o, -1), transformed.reshape(16, n, -1, th * wide))
    return np.einsum("iu,uvoc,jv->ocij", A2_T, sums.reshape(4, 4, o, -1), A2_T)


def input_gradient(grad_y: np.ndarray, weight: np.ndarray, input_shape, padding: tuple[int, int]) -> np.ndarray:
    """dL/dx of ``correlate`` on ``x`` padded by ``padding`` (before, after): the full correlation of ``grad_y``
    with the kernels turned half round and channels swapped, the padding cut off."""
    before = padding[0]
    turned = weight[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)
    full = correlate(grad_y, turned, (2, 2))
    return full[:, :, before:before + input_shape[-2], before:before + input_shape[-1]]

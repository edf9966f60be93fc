"""The pointing game (Zhang et al. 2016): does each heat map's maximum fall inside the object's box?

    .venv/bin/python tests/bench/bench_pointing.py [--data DIR] [--weights DIR]

For every validation image of the 10-class Tiny ImageNet copy (boxes: annotations/val_annotations.txt, in
the original 64x64 pixels, inclusive), each method explains the TRUE class; a hit is a maximum whose pixel
centre lies inside the box once mapped through the preprocessing (centre square, resize to 64x64). The
baselines: always pointing at the image centre, and the chance that a random pixel hits (the box's share
of the image). "Small boxes" are those covering under half of the image, where the centre is no sure bet.
A benchmark, not a test: it prints figures, it asserts nothing.
"""
import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from PIL import Image  # noqa: E402

from pyapp import WEIGHTS_DIR
from pyapp.data import dataset
from pyapp.engine import explain
from pyapp.images import preprocess  # noqa: E402
from pyapp.engine.network import load_network  # noqa: E402

SIZE = 64
SMALL = 0.5  # boxes under this share of the image


def boxes(data: Path) -> dict[str, tuple[int, int, int, int]]:
    """file name -> (x0, y0, x1, y1) in the original image's pixels, inclusive."""
    out = {}
    for line in (data / "annotations" / "val_annotations.txt").read_text().splitlines():
        parts = line.split("\t")
        if len(parts) >= 6:
            out[parts[0]] = tuple(int(v) for v in parts[2:6])
    return out


def box_mask(box, width: int, height: int) -> np.ndarray:
    """(64, 64) bool: the network pixels whose centre, mapped back through the preprocessing, is in the box."""
    left, top, right, _ = preprocess.centre_square(width, height)
    scale = SIZE / (right - left)  # network pixels per original pixel
    centres = (np.arange(SIZE) + 0.5) / scale  # in original pixels, from the square's corner
    x0, y0, x1, y1 = box
    inside_x = (centres + left >= x0) & (centres + left < x1 + 1)
    inside_y = (centres + top >= y0) & (centres + top < y1 + 1)
    return inside_y[:, None] & inside_x[None, :]


def hit(heat: np.ndarray, mask: np.ndarray) -> bool:
    """Whether the (first) maximum of the map is inside the box."""
    return bool(mask.flat[int(np.argmax(heat))])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help=f"the 10-class copy (default: ${dataset.ENV_VAR} or ../shared)")
    parser.add_argument("--weights", default=WEIGHTS_DIR)
    args = parser.parse_args()
    data = dataset.dataset_root(args.data) or ROOT.parent / "shared" / "data" / "tiny-imagenet-10"
    net = load_network(args.weights)
    known = boxes(data)
    samples = [s for s in dataset.labelled_images(data / "val") if s.path.name in known]
    methods = list(explain.METHODS)
    hits = {m: [] for m in methods + ["centre"]}
    areas, correct, seconds = [], [], {m: 0.0 for m in methods}
    centre = np.zeros((SIZE, SIZE))
    centre[SIZE // 2, SIZE // 2] = 1.0  # the centre baseline's "heat map"
    for s in samples:
        with Image.open(s.path) as im:
            width, height = im.size
        mask = box_mask(known[s.path.name], width, height)
        trace = net.forward(preprocess.load_image(s.path))
        correct.append(int(trace.probabilities.argmax()) == s.index)
        areas.append(mask.mean())
        for m in methods:
            start = time.perf_counter()
            heat = explain.explain(net, trace, s.index, m)
            seconds[m] += time.perf_counter() - start
            hits[m].append(hit(heat, mask))
        hits["centre"].append(hit(centre, mask))
    areas, correct = np.array(areas), np.array(correct)
    small = areas < SMALL
    print(f"pointing game on {len(samples)} validation images ({correct.mean():.1%} classified right), "
          f"true class; {small.sum()} have a box under {SMALL:.0%} of the image")
    print(f"{'method':<28}{'all':>8}{'small boxes':>13}{'right':>8}{'wrong':>8}{'ms/image':>10}")
    rows = [(explain.METHODS[m].label, m) for m in methods] + [("centre of the image", "centre")]
    for label, key in rows:
        h = np.array(hits[key])
        ms = f"{1000 * seconds[key] / len(samples):.1f}" if key in seconds else ""
        print(f"{label:<28}{h.mean():8.1%}{h[small].mean():13.1%}{h[correct].mean():8.1%}{h[~correct].mean():8.1%}"
              f"{ms:>10}")
    print(f"{'random pixel (box share)':<28}{areas.mean():8.1%}{areas[small].mean():13.1%}"
          f"{areas[correct].mean():8.1%}{areas[~correct].mean():8.1%}")


if __name__ == "__main__":
    main()

"""Native time of the explanations, as multiples of one forward pass measured in the same run.

    .venv/bin/python tests/bench/bench_explain.py [--runs 50] [--weights DIR]

The issue's targets are for the browser (saliency and Grad-CAM under 30 ms, occlusion under 300 ms);
native CPython runs this engine 4-5x faster than Pyodide, so the native aims are 5 ms and 60 ms.
BLAS is limited to one thread, as `python -m pyapp` does.
"""
import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "bench")]

from bench_forward import median_ms, network  # noqa: E402
from pyapp import WEIGHTS_DIR
from pyapp.engine import explain  # noqa: E402

NATIVE_AIM_MS = {"saliency": 5, "gradient-x-input": 5, "gradcam": 5, "occlusion": 60}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--weights", default=WEIGHTS_DIR)
    args = parser.parse_args()
    net, source = network(args.weights)
    image = np.random.default_rng(0).random((64, 64, 3), dtype=np.float32)
    trace = net.forward(image)
    target = int(trace.probabilities.argmax())

    forward = median_ms(lambda: net.forward(image), args.runs)
    print(f"numpy {np.__version__}, weights: {source}, median of {args.runs} runs")
    print(f"baseline: one forward pass {forward:.3f} ms")
    print(f"{'':<28}{'ms':>9}{'x forward':>11}{'native aim':>12}")
    timed = {key: (lambda m=m: m.compute(net, trace, target)) for key, m in explain.METHODS.items()}
    timed["backward (all gradients)"] = lambda: net.backward(trace, target)
    timed["map_contributions"] = lambda: explain.map_contributions(net, trace, target)
    corners = explain.patch_corners(64, explain.PATCH, explain.PATCH_STRIDE)
    plain = np.repeat(image[None], len(corners) ** 2, axis=0)
    timed[f"occlusion, plain batch of {len(plain)}"] = lambda: net.predict(plain)
    for name, fn in timed.items():
        runs = args.runs if "occlusion" not in name else max(5, args.runs // 5)
        ms = median_ms(fn, runs)
        aim = f"< {NATIVE_AIM_MS[name]} ms" if name in NATIVE_AIM_MS else ""
        print(f"{name:<28}{ms:9.2f}{ms / forward:11.1f}{aim:>12}")


if __name__ == "__main__":
    main()

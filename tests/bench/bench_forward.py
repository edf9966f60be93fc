"""Native Tiny VGG forward-pass time: the whole pass and each layer (median of many runs).

    .venv/bin/python tests/bench/bench_forward.py [--runs 200] [--weights DIR] [--batch 250]

Uses the trained weights when they exist, otherwise an untrained network (the time is the same).
BLAS is limited to one thread, as `python -m pyapp` does: these matrices are too small to gain from threads,
and on a busy machine the threads make a pass 30x slower.
"""
import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import io  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from pyapp import WEIGHTS_DIR  # noqa: E402
from pyapp.engine.network import NetworkError, load_network  # noqa: E402


def median_ms(fn, runs):
    fn()  # warm up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def network(weights):
    try:
        return load_network(weights), str(weights)
    except NetworkError:
        from engine_fixtures import random_network

        return random_network(tempfile.mkdtemp()), "untrained (no weights found)"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--weights", default=WEIGHTS_DIR)
    parser.add_argument("--batch", type=int, default=250, help="batch size for the batched figure")
    args = parser.parse_args()
    net, source = network(args.weights)
    image = np.random.default_rng(0).random((64, 64, 3), dtype=np.float32)

    print(f"numpy {np.__version__}, weights: {source}, median of {args.runs} runs")
    print(f"forward pass, one image: {median_ms(lambda: net.forward(image), args.runs):.3f} ms")
    batch = np.repeat(image[None], args.batch, axis=0)
    per_image = median_ms(lambda: net.predict(batch), max(5, args.runs // 20)) / args.batch
    print(f"batched ({args.batch} images), per image: {per_image:.3f} ms")

    print("per layer (one image):")
    x = net.forward(image)["input"]
    total = 0.0
    for layer in net.layers:
        ms = median_ms(lambda: layer(x), args.runs)
        total += ms
        x = layer(x)
        print(f"  {layer.name:<14} {ms:7.3f} ms  -> {tuple(x.shape)}")
    print(f"  {'sum':<14} {total:7.3f} ms")

    extras = {
        "conv_intermediates(conv_1_2)": lambda t: net.conv_intermediates(t, "conv_1_2", 0),
        "pool_argmax(max_pool_1)": lambda t: net.pool_argmax(t, "max_pool_1"),
        "receptive_field(max_pool_2)": lambda t: net.receptive_field("max_pool_2", 6, 6),
    }
    trace = net.forward(image)
    print("explanations:")
    for name, fn in extras.items():
        print(f"  {name:<30} {median_ms(lambda: fn(trace), args.runs):7.3f} ms")

    from PIL import Image

    from pyapp.images.preprocess import load_image

    photo = Image.linear_gradient("L").resize((4000, 3000)).convert("RGB")
    buf = io.BytesIO()
    photo.save(buf, "JPEG", quality=90)
    data = buf.getvalue()
    print(f"preprocess a 4000x3000 JPEG ({len(data) // 1000} kB): "
          f"{median_ms(lambda: load_image(data), 7):.1f} ms (median of 7)")


if __name__ == "__main__":
    main()

"""Peak memory of preprocessing big images: pixels, not file bytes, decide it.

    .venv/bin/python tests/bench/bench_memory.py [--code DIR]

Makes the test images in a temporary folder (small files, many pixels: nothing big is committed),
then decodes each with pyapp.images.preprocess.load_image in a fresh Python process and prints that
process's peak resident memory (VmHWM), what decoding added to it, and NumPy's own peak
(tracemalloc), each as a ratio against decoding a normal 500x375 JPEG in the same run.
--code DIR measures the pyapp of another checkout (e.g. the main branch, for a before/after).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
BASELINE = "500x375 JPEG (baseline)"

# One decode in a fresh interpreter: Pillow's plugins and NumPy are loaded first, so only the decode counts.
CHILD = r"""
import io, json, sys, tracemalloc
sys.path.insert(0, sys.argv[1])
from PIL import Image
from pyapp.images.preprocess import ImageError, load_image
Image.init()
warm = io.BytesIO()
Image.new("RGB", (8, 8)).save(warm, "PNG")
load_image(warm.getvalue())  # the first decode loads code: not the image's memory
def status(field):  # kB in /proc/self/status (ru_maxrss would carry over the parent's peak through exec)
    return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith(field + ":")) * 1024
data = open(sys.argv[2], "rb").read()
with open("/proc/self/clear_refs", "w") as refs:
    refs.write("5")  # restart the peak (VmHWM) from here
before = status("VmRSS")
tracemalloc.start()
try:
    load_image(data)
    outcome = "ok"
except ImageError as error:
    outcome = str(error)
numpy_peak = tracemalloc.get_traced_memory()[1]
print(json.dumps({"peak": status("VmHWM"), "before": before, "numpy": numpy_peak, "outcome": outcome}))
"""


def make_images(folder: Path) -> dict[str, Path]:
    """name -> file; the big ones compress to little (gradients), as a screenshot or a scan might."""
    rng = np.random.default_rng(0)
    files = {}

    def save(name, im, filename, **options):
        files[name] = folder / filename
        im.save(files[name], **options)

    save(BASELINE, Image.fromarray(rng.integers(0, 256, (375, 500, 3), dtype=np.uint8)), "normal.jpg", quality=90)
    y, x = np.ogrid[:6320, :6320]
    pattern = (x * 7 + y * 3) % 65536
    save("16-bit PNG 6320x6320 (40 MP)", Image.fromarray(pattern.astype(np.uint16), "I;16"), "deep.png")
    save("float TIFF 6320x6320 (40 MP)", Image.fromarray((pattern / 65535).astype(np.float32), "F"), "float.tif",
         compression="tiff_adobe_deflate")
    del pattern
    photo = Image.linear_gradient("L").resize((8064, 6048)).convert("RGB")
    save("48 MP phone JPEG 8064x6048", photo, "phone.jpg", quality=90)
    save("48 MP RGB PNG 8064x6048", photo, "phone.png", compress_level=1)
    del photo
    return files


def measure(code: Path, file: Path) -> dict:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    result = subprocess.run([sys.executable, "-c", CHILD, str(code), str(file)], capture_output=True, text=True,
                            env=env, timeout=600)
    if result.returncode:
        return {"error": result.stderr.strip().splitlines()[-1]}
    return json.loads(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose pyapp is measured")
    args = parser.parse_args()
    mb = 1 / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        files = make_images(Path(tmp))
        results = {name: measure(args.code.resolve(), file) for name, file in files.items()}
        sizes = {name: file.stat().st_size for name, file in files.items()}
    base = results[BASELINE]
    base_added = max(base["peak"] - base["before"], 1)
    print(f"pyapp from {args.code.resolve()}; each decode in a fresh process; ratios against the {BASELINE}")
    print(f"{'image':<30} {'file':>9} {'peak RSS':>9} {'ratio':>6} {'added':>9} {'ratio':>7} "
          f"{'NumPy peak':>10} {'ratio':>7}  result")
    for name, r in results.items():
        if "error" in r:
            print(f"{name:<30} failed: {r['error']}")
            continue
        added = r["peak"] - r["before"]
        print(f"{name:<30} {sizes[name] * mb:>7.1f}MB {r['peak'] * mb:>7.0f}MB {r['peak'] / base['peak']:>5.1f}x "
              f"{added * mb:>7.0f}MB {added / base_added:>6.0f}x {r['numpy'] * mb:>8.1f}MB "
              f"{r['numpy'] / max(base['numpy'], 1):>6.0f}x  {r['outcome'][:60]}")


if __name__ == "__main__":
    main()

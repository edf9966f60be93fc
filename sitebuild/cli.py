"""The command line of build.py: build, or build and serve."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import DIST, BuildError
from .examples import DATA_ENV
from .server import serve
from .steps import build
from .wheels import WHEELS_ENV


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the static site (and serve it).")
    parser.add_argument("command", nargs="?", choices=("build", "serve"), default="build")
    parser.add_argument("--out", type=Path, default=DIST, help="output folder (default: dist/)")
    parser.add_argument("--model", type=Path, help="model folder (tiny_vgg.json, tiny_vgg.npz) to explain "
                                                   "(default: weights/, the trained Tiny VGG)")
    parser.add_argument("--data", help="labelled folder for the examples, one class folder each (default: "
                                       f"${DATA_ENV})")
    parser.add_argument("--wheels", help=f"folder with the Pyodide numpy/pillow wheels (default: ${WHEELS_ENV})")
    parser.add_argument("--no-download", action="store_true", help="never download the dataset")
    parser.add_argument("--no-data", action="store_true", help="build without example images")
    parser.add_argument("--port", type=int, default=8000, help="port for serve (default 8000)")
    args = parser.parse_args(argv)
    try:
        build(args.out, args.data, args.wheels, allow_download=not args.no_download, use_dataset=not args.no_data,
              model=args.model)
    except BuildError as exc:
        print(f"build failed: {exc}", file=sys.stderr)
        return 1
    if args.command == "serve":
        serve(args.out, args.port)
    return 0

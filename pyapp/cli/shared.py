"""What the commands of ``python -m pyapp`` share: the one-line error, stderr, loading the network, reading
images (one by one, from standard input, or as the labelled batches of a folder)."""
from __future__ import annotations

import sys
from pathlib import Path

from .. import WEIGHTS_DIR

BATCH = 128  # images per forward pass: big enough to be fast, small enough for little memory


class CliError(Exception):
    """A problem that stops the whole command (no network, no such folder): one line on stderr."""

    code = 1


class ModelRefused(CliError):
    """A model file refused as it is (outside pyapp.models.limits, damaged, not a model): exit code 2."""

    code = 2


def stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def model(weights: str | None):
    """The network of a model folder (default: the shipped weights), or a one-line CliError."""
    from ..engine.network import NetworkError, load_network

    directory = Path(weights) if weights else WEIGHTS_DIR
    try:
        return load_network(directory)
    except NetworkError as exc:
        raise ModelRefused(f"cannot load the network: {exc}") from None


def percent(p: float) -> str:
    return f"{100 * p:.1f}%"


def chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


STDIN = "-"  # as an image name: read the image from standard input (e.g. curl ... | classify -)


def source(path):
    """What load_image reads for a command-line name: standard input's bytes for "-", else the path."""
    if str(path) != STDIN:
        return path
    if sys.stdin is None or sys.stdin.isatty():  # reading would wait for keystrokes, not an image
        raise CliError('"-" reads an image from standard input: pipe one in (classify - < photo.jpg)')
    return sys.stdin.buffer


def check_stdin_once(names) -> None:
    if sum(str(name) == STDIN for name in names) > 1:
        raise CliError('"-" (standard input) can be given only once')


def load_all(paths, size: int = 64):
    """(loaded [(path, array)], failed count); a bad file is reported on stderr, the others go on."""
    from ..images.preprocess import ImageError, load_image

    loaded, failed = [], 0
    for path in paths:
        try:
            loaded.append((path, load_image(source(path), size)))
        except ImageError as exc:
            stderr(f"{path}: {exc}")
            failed += 1
    return loaded, failed


class LabelledBatches:
    """The readable images of a labelled folder in batches of (images, labels); counts the unreadable."""

    def __init__(self, directory, classes):
        from ..data.dataset import DatasetError, UnreadableError, labelled_images

        try:
            self.samples = labelled_images(directory, classes)
        except UnreadableError:
            raise  # main() says it in one line, exit status 2
        except DatasetError as exc:
            raise CliError(str(exc)) from None
        self.failures = 0

    def __iter__(self):
        import numpy as np

        for chunk in chunks(self.samples, BATCH):
            loaded, failed = load_all([s.path for s in chunk])
            self.failures += failed
            if loaded:
                index_of = {s.path: s.index for s in chunk}
                yield np.stack([a for _, a in loaded]), np.array([index_of[p] for p, _ in loaded])

    def report_failures(self) -> None:
        if self.failures:
            stderr(f"{self.failures} image(s) could not be read and are left out")

"""What every command of ``python -m pyapp`` shares: the one-line error, stderr, loading the network."""
from __future__ import annotations

import sys
from pathlib import Path

from . import WEIGHTS_DIR


class CliError(Exception):
    """A problem that stops the whole command (no network, no such folder): one line on stderr."""

    code = 1


class ModelRefused(CliError):
    """A model file refused as it is (outside pyapp.model_limits, damaged, not a model): exit code 2."""

    code = 2


def stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def model(weights: str | None):
    """The network of a model folder (default: the shipped weights), or a one-line CliError."""
    from .network import NetworkError, load_network

    directory = Path(weights) if weights else WEIGHTS_DIR
    try:
        return load_network(directory)
    except NetworkError as exc:
        raise ModelRefused(f"cannot load the network: {exc}") from None


def percent(p: float) -> str:
    return f"{100 * p:.1f}%"

"""Work done a piece at a time: a generator yields between pieces (where the page lets the browser answer a
click) and returns its result; ``run_through`` runs one to its end where nothing needs to wait between pieces."""
from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any


def run_through(work: Generator, each: Callable[[Any], None] | None = None):
    """The value ``work`` returns, after every piece (``each`` gets what each piece yields)."""
    while True:
        try:
            done = next(work)
        except StopIteration as finished:
            return finished.value
        if each is not None:
            each(done)

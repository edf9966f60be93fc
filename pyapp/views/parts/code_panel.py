"""The "show the code" panel: the engine's own function behind the number on screen, and the call.

The source text is read from the engine's module with ``inspect.getsource`` (never retyped here), and
the call shown is the call made: the panel runs the function on the operands it names, so the value
it prints is the value that function returns (the tests check it against the network's trace).
"""
from __future__ import annotations

import inspect
import textwrap
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np

from ...ui import svg
from .frames import Frame, dynamic, exact


@lru_cache(maxsize=None)
def source(func: Callable) -> str:
    """The function's source as it is in the engine's file."""
    return textwrap.dedent(inspect.getsource(func)).rstrip()


def describe(value) -> str:
    """What an operand is: an array's dtype and shape, or a number with its digits."""
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return f"{value.dtype} array, shape {value.shape}"
    return str(np.float32(value)) if isinstance(value, (float, np.floating)) else str(value)


def result_text(value) -> str:
    """The returned number as NumPy prints a float32 (every digit that float32 holds)."""
    return str(np.float32(value))


@dataclass(frozen=True)
class Operand:
    name: str  # the function's parameter
    expr: str  # where the value comes from, in the trace's and network's names
    value: object


@dataclass(frozen=True)
class Call:
    """One call of an engine function on the numbers of the current window."""

    key: str  # prefix of this call's data-u keys
    func: Callable
    operands: tuple[Operand, ...]
    caption: str  # what the call computes, in words
    check: str  # the trace entry holding the same number, e.g. "conv_1_1[4, 12, 40]"

    def run(self):
        return self.func(*[o.value for o in self.operands])

    def frame(self) -> Frame:
        out: Frame = {}
        for o in self.operands:
            out[f"{self.key}-{o.name}"] = {"text": o.expr}
            out[f"{self.key}-{o.name}-d"] = {"text": describe(o.value)}
        value = self.run()
        out[f"{self.key}-out"] = {"text": result_text(value), "data-value": exact(value)}
        out[f"{self.key}-check"] = {"text": self.check}
        return out


def frame(calls: list[Call]) -> Frame:
    out: Frame = {}
    for call in calls:
        out.update(call.frame())
    return out


def _call_markup(call: Call, values: Frame) -> str:
    name = call.func.__name__
    width = max(len(o.name) for o in call.operands)
    lines = [f"{svg.escape(name)}("]
    for o in call.operands:
        lines.append(f"    {o.name}{' ' * (width - len(o.name))} = "
                     + dynamic("span", f"{call.key}-{o.name}", values, class_="code-expr") + ","
                     + '  <span class="code-comment"># '
                     + dynamic("span", f"{call.key}-{o.name}-d", values) + "</span>")
    lines.append(") \u2192 " + dynamic("span", f"{call.key}-out", values, class_="code-value")
                 + '  <span class="code-comment"># = '
                 + dynamic("span", f"{call.key}-check", values) + "</span>")
    return (f'<p class="code-caption">{svg.escape(call.caption)}</p>'
            f'<pre class="code-call"><code>{chr(10).join(lines)}</code></pre>')


def panel(calls: list[Call], values: Frame, open_: bool = False) -> str:
    """The collapsible panel: each distinct function's source once, then every call with its value (none: no
    panel, for a view that computes nothing)."""
    if not calls:
        return ""
    shown, parts = set(), []
    for call in calls:
        if call.func not in shown:
            shown.add(call.func)
            module = call.func.__module__
            parts.append(f'<p class="code-caption">The engine computes it with '
                         f'<code>{svg.escape(module)}.{svg.escape(call.func.__name__)}</code>:</p>'
                         f'<pre class="code-source"><code>{svg.escape(source(call.func))}</code></pre>')
    parts.extend(_call_markup(call, values) for call in calls)
    parts.append('<p class="code-note">A layer name stands for its array in the trace '
                 '(<code>trace["relu_1_1"]</code>) or, before <code>.weight</code> / <code>.bias</code>, '
                 'for the layer (<code>network.layer("conv_1_2")</code>).</p>')
    return collapsible("".join(parts), open_)


def collapsible(body: str, open_: bool = False) -> str:
    """The <details> around a panel's markup; its body scrolls, so it takes the keyboard focus too."""
    return (f'<details class="code-panel" data-role="code"{" open" if open_ else ""}>'
            f'<summary>Show the code</summary><div class="code-body" tabindex="0">{body}</div></details>')

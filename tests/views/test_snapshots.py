"""Every view's markup for one fixed image and state, compared picture by picture with tests/snapshots/.

A view is a function from (state, trace, network) to SVG/HTML text, so a refactoring that keeps the
pictures keeps these files. Numbers are rounded to 3 decimals (float noise from another summation
order must not fail a test) and each PNG data URL is replaced by a digest of its decoded pixels and
its size (zlib's bytes are not the picture). On a mismatch the test prints a unified diff and writes
``tests/snapshots/<name>-changed.<ext>`` beside the committed file.
To accept new pictures on purpose: ``UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/views/test_snapshots.py``.
"""
from __future__ import annotations

import base64
import difflib
import hashlib
import io
import json
import os
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pyapp.ui.state import State
from pyapp.views.article import figures, hyperparameters
from pyapp import WEIGHTS_DIR
from pyapp.engine.network import load_network
from pyapp.views.detail import conv_elastic, flatten, shift, softmax, why
from pyapp.views.detail.base import build
from pyapp.views.widgets import examples, overview, playground, receptive_field

SNAPSHOTS = Path(__file__).resolve().parents[1] / "snapshots"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"
# A decimal (path data too: "M1.5"; at the end of a sentence too: "0.25."), never a digit run inside a name
# ("conv_1_1", "w3.org"), a hex colour or a version ("0.27.7"): a decimal point needs a digit after it.
NUMBER = re.compile(r"(?<![0-9_.#-])-?(?:(?:\d+\.\d+|\.\d+)(?:[eE][-+]?\d+)?|\d+[eE]-\d+)(?!\d|\.\d)")
DATA_URL = re.compile(r"data:image/png;base64,([A-Za-z0-9+/=]+)")
# The code panel (source text of engine functions): snapshotted apart, so a comment edit keeps the picture.
CODE_PANEL = re.compile(r'<details class="code-panel".*?</details>', re.S)


def _round(match: re.Match) -> str:
    text = f"{round(float(match.group(0)), 3):.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _digest(match: re.Match) -> str:
    picture = Image.open(io.BytesIO(base64.b64decode(match.group(1))))
    pixels = np.asarray(picture)
    return f"png:{picture.width}x{picture.height}:{hashlib.sha256(pixels.tobytes()).hexdigest()[:16]}"


def normalise(text: str) -> str:
    """Stable text: PNGs as pixel digests, numbers rounded, one tag per line (readable diffs)."""
    text = DATA_URL.sub(_digest, text)
    text = NUMBER.sub(_round, text)
    return text.replace("><", ">\n<").rstrip("\n") + "\n"


@pytest.fixture(scope="module")
def trace(network, synthetic_photo):
    return network.forward(synthetic_photo)


BASE = State()


def _frames(view, pixels) -> str:
    """A steppable view's frames at a few pixels, as JSON (what the page writes while it steps)."""
    return json.dumps({f"{y},{x}": view.frame((y, x)) for y, x in pixels}, indent=0, sort_keys=True)


# name -> (file extension, function of (trace, network) -> text). One entry per picture.
CASES = {
    "overview": ("svg", lambda t, n: overview.standalone_svg(BASE, t, n)),
    "overview-page": ("html", lambda t, n: overview.render(BASE.with_(colors="module", detail=True), t, n,
                                                           canvas=True)),
    "overview-legends-global": ("svg", lambda t, n: overview.legends(BASE.with_(colors="global"), t, n)),
    "conv-elastic": ("svg", lambda t, n: conv_elastic.render(BASE.with_(view="conv-elastic", layer="conv_1_2",
                                                                        neuron=3), t, n)),
    "conv-elastic-style": ("css", lambda t, n: conv_elastic.slide_css(
        BASE.with_(view="conv-elastic", layer="conv_1_2", neuron=3), n)),
    "conv-formula": ("html", lambda t, n: build(
        BASE.with_(view="conv-formula", layer="conv_2_1", neuron=4, channel=2, pixel=(5, 7)), t, n).markup()),
    "conv-formula-frames": ("json", lambda t, n: _frames(build(
        BASE.with_(view="conv-formula", layer="conv_2_1", neuron=4, channel=2), t, n), [(0, 0), (27, 27)])),
    "relu": ("html", lambda t, n: build(BASE.with_(view="relu", layer="relu_1_1", neuron=2), t, n).markup()),
    "relu-frames": ("json", lambda t, n: _frames(build(BASE.with_(view="relu", layer="relu_2_2", neuron=9),
                                                              t, n), [(0, 0), (12, 25)])),
    "pool": ("html", lambda t, n: build(BASE.with_(view="pool", layer="max_pool_2", neuron=6, pixel=(3, 4)),
                                              t, n).markup()),
    "pool-frames": ("json", lambda t, n: _frames(build(BASE.with_(view="pool", layer="max_pool_1", neuron=0),
                                                              t, n), [(0, 0), (29, 1)])),
    "flatten": ("svg", lambda t, n: build(BASE.with_(view="flatten", layer="logits", neuron=5), t, n).overlay()),
    "flatten-code": ("html", lambda t, n: build(BASE.with_(view="flatten", layer="logits", neuron=5),
                                                          t, n).code_box()),
    "flatten-hover": ("json", lambda t, n: json.dumps(
        [build(BASE.with_(view="flatten", layer="logits", neuron=5), t, n).hover_frame(i)
         for i in (None, 0, 1689)], indent=0, sort_keys=True)),
    "flatten-style": ("css", lambda t, n: flatten.slide_css(BASE.with_(view="flatten", layer="logits", neuron=5), n)),
    "softmax": ("html", lambda t, n: softmax.render(BASE.with_(view="softmax", layer="logits", neuron=1), t, n)),
    "why": ("html", lambda t, n: why.WhyView(BASE.with_(view="why", layer="logits", neuron=5, method="saliency",
                                                         compare=7), t, n).markup()),
    "why-overlay": ("svg", lambda t, n: why.WhyView(BASE.with_(view="why", layer="logits", neuron=5), t, n).overlay()),
    "why-style": ("css", lambda t, n: why.WhyView(BASE.with_(view="why", layer="logits", neuron=5), t, n).overview_css()),
    "shift": ("html", lambda t, n: build(BASE.with_(view="shift", layer="logits", neuron=5, shift=(4, -2)), t, n).markup()),
    "shift-comparison": ("html", lambda t, n: shift.comparison(
        n, load_network(WEIGHTS_DIR / "mlp"), np.moveaxis(t["input"], 0, -1), (4, -2))),
    "hyperparameters": ("svg", lambda t, n: hyperparameters.render(7, 1, 3, 2, step=4)),
    "playground": ("html", lambda t, n: playground.render(BASE, t, n, neuron=1)),
    "receptive-field": ("svg", lambda t, n: receptive_field.render(
        BASE, t, n, receptive_field.Pick("conv_2_2", 3, 7, 10))),
    "examples": ("html", lambda t, n: examples.render(BASE.with_(image="custom"), t, n, ["koala", "pizza"])),
    **{f"article-{name}": ("svg", lambda t, n, name=name: figures.render(name, n.classes))
       for name in figures.FIGURES},
}


def split_code(name: str, text: str) -> dict[str, str]:
    """The picture, and its code panels as ``<name>-code`` (a "-code" case is all code: kept whole)."""
    panels = CODE_PANEL.findall(text)
    if not panels or name.endswith("-code"):
        return {name: text}
    return {name: CODE_PANEL.sub(f"<details class=\"code-panel\">(in {name}-code.html)</details>", text),
            f"{name}-code": "".join(panels)}


def mismatch(name: str, ext: str, actual: str) -> str | None:
    """None when ``actual`` is the committed snapshot (or UPDATE wrote it); else what differs."""
    path = SNAPSHOTS / f"{name}.{ext}"
    changed = SNAPSHOTS / f"{name}-changed.{ext}"
    if UPDATE or not path.exists():
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(actual)
        changed.unlink(missing_ok=True)
        return None if UPDATE else f"no snapshot {path.name} yet: written now; check it and commit it"
    expected = path.read_text()
    if actual == expected:
        changed.unlink(missing_ok=True)
        return None
    changed.write_text(actual)
    diff = "".join(list(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), str(path),
                                             str(changed), n=2))[:80])
    return (f"{name} differs from its snapshot (new picture written to {changed}; "
            f"UPDATE_SNAPSHOTS=1 accepts it):\n{diff}")


@pytest.mark.parametrize("name", sorted(CASES))
def test_view_matches_its_snapshot(name, trace, network):
    ext, draw = CASES[name]
    parts = split_code(name, normalise(draw(trace, network)))
    problems = [p for part, text in parts.items() if (p := mismatch(part, "html" if part != name else ext, text))]
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def test_code_panels_are_snapshotted_apart_from_the_picture():
    text = '<div><svg/><details class="code-panel" data-role="code"><pre>x</pre></details></div>'
    assert split_code("why", text) == {"why": '<div><svg/><details class="code-panel">(in why-code.html)</details></div>',
                                       "why-code": '<details class="code-panel" data-role="code"><pre>x</pre></details>'}
    assert split_code("flatten-code", text) == {"flatten-code": text}


def test_normalise_rounds_numbers_and_keeps_names():
    text = normalise('<rect x="1.23456" y="-0.0001" class="conv_1_1" fill="#0a1b2c" d="M1.5,2.25"/>'
                     '<text>1e-05 and 12.5</text>')
    assert text == ('<rect x="1.235" y="0" class="conv_1_1" fill="#0a1b2c" d="M1.5,2.25"/>\n'
                    '<text>0 and 12.5</text>\n')


def test_normalise_leaves_text_alone():
    text = '<svg xmlns="http://www.w3.org/2000/svg"><text>Pyodide 0.27.7, figure 3. See w3.org.</text></svg>'
    assert normalise(text) == text.replace("><", ">\n<") + "\n"
    assert normalise("<text>p = 0.12345.</text>") == "<text>p = 0.123.</text>\n"

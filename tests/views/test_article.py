"""The article: its sections, formulas, figures, parameter table and hyperparameter widget (no browser)."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy.signal import correlate2d

from pyapp import WEIGHTS_DIR
from pyapp.views.article import article, figures, hyperparameters, parameters
from pyapp.views.article.hyperparameters import Hyperparameters

ARTICLE = Path(__file__).resolve().parents[2] / "site" / "article.html"
MATHML = "{http://www.w3.org/1998/Math/MathML}"
SVG = "{http://www.w3.org/2000/svg}"
# Other parts of the page link to these sections (layer labels, info buttons).
SECTION_IDS = ("article-what", "article-input", "article-convolution", "article-hyperparameters", "article-relu",
               "article-softmax", "article-pooling", "article-flatten", "article-interactive", "article-built",
               "article-credits")


@pytest.fixture(scope="module")
def description() -> dict:
    return json.loads((WEIGHTS_DIR / "tiny_vgg.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def rendered(description) -> ET.Element:
    """The finished fragment (slots filled) parsed as XML: fails if any part is not well-formed."""
    return ET.fromstring(article.render(description))


# -- the hyperparameter widget -------------------------------------------------------------------

def kernel_starts(hp: Hyperparameters) -> range:
    """Independent count: every start of the window along one axis, by walking it."""
    return range(0, hp.padded_size - hp.kernel_size + 1, hp.stride)


@pytest.mark.parametrize("setting, size, valid", [
    ((5, 1, 3, 1), 5, True),    # padding 1 keeps a 3x3 convolution's size
    ((64, 0, 3, 1), 62, True),  # Tiny VGG's first layer
    ((7, 0, 3, 2), 3, True),
    ((6, 0, 3, 2), 2, False),   # (6 - 3) / 2 is not whole: the last column is never reached
    ((5, 0, 2, 2), 2, False),
    ((7, 0, 3, 3), 2, False),
    ((3, 0, 5, 1), 0, False),   # kernel bigger than the input
    ((3, 1, 5, 1), 1, True),    # ... until padding makes room
])
def test_output_size_and_validity(setting, size, valid):
    hp = Hyperparameters(*setting)
    assert hp.output_size == size
    assert hp.valid is valid


@settings(max_examples=150, deadline=None)
@given(*(st.integers(*hyperparameters.LIMITS[name]) for name in ("input_size", "padding", "kernel_size", "stride")))
def test_widget_matches_walking_the_kernel(w, p, k, s):
    hp = Hyperparameters(w, p, k, s)
    starts = kernel_starts(hp)
    assert hp.output_size == len(starts)
    assert hp.valid == (len(starts) > 0 and starts[-1] + k == hp.padded_size)
    picture = ET.fromstring(hyperparameters.render(w, p, k, s))
    assert picture.get("data-valid") == ("true" if hp.valid else "false")
    cells = [e for e in picture.iter(f"{SVG}rect") if e.get("class") == "hp-output-cell"]
    assert len(cells) == len(starts) ** 2
    flagged = [e for e in picture.iter(f"{SVG}text") if e.get("class") == "hp-error"]
    assert bool(flagged) == (not hp.valid)


def test_invalid_stride_is_flagged_in_words():
    picture = hyperparameters.render(6, 0, 3, 2)
    assert "the windows do not fit: the output would be 2.5 cells wide" in picture.lower()
    assert "the output would be 2.5 cells wide" in hyperparameters.message(Hyperparameters(6, 0, 3, 2))
    assert "is not a whole number" not in picture + hyperparameters.message(Hyperparameters(6, 0, 3, 2))
    assert "does not fit" in hyperparameters.message(Hyperparameters(3, 0, 5, 1))
    assert "do not fit" not in hyperparameters.render(7, 0, 3, 2)


def test_window_steps_across_every_output_position():
    hp = Hyperparameters(7, 0, 3, 2)  # 3x3 output: windows start at 0, 2, 4
    corners = [hp.window(step) for step in range(9)]
    assert corners == [(r, c) for r in (0, 2, 4) for c in (0, 2, 4)]
    assert hp.window(9) == (0, 0)  # the animation wraps round
    picture = ET.fromstring(hyperparameters.render(7, 0, 3, 2, step=5))
    window = next(e for e in picture.iter(f"{SVG}rect") if e.get("class") == "hp-window")
    cell = float(window.get("width")) / 3
    x0 = min(float(e.get("x")) for e in picture.iter(f"{SVG}rect"))
    assert (float(window.get("x")) - x0) / cell == pytest.approx(4)  # step 5 = row 1, column 2 -> column 4


def test_clamp_keeps_fields_in_range_and_says_so():
    hp, notes = hyperparameters.clamp({"input_size": "20", "padding": "1", "kernel_size": "abc", "stride": "2.0"})
    assert hp == Hyperparameters(12, 1, hyperparameters.DEFAULTS["kernel_size"], 2)
    assert any("Input size" in note and "12" in note for note in notes)
    assert any("Kernel size" in note and "whole number" in note for note in notes)
    assert hyperparameters.clamp(hyperparameters.DEFAULTS) == (Hyperparameters(**hyperparameters.DEFAULTS), [])


# -- the parameter table --------------------------------------------------------------------------

def test_parameter_table_totals_19920_and_matches_the_weights(description):
    rows = {row["name"]: row for row in parameters.layer_parameters(description)}
    assert parameters.total(description) == 19_920
    with np.load(WEIGHTS_DIR / "tiny_vgg.npz") as npz:
        learned = {key.split(".")[0] for key in npz.files}
        for name, row in rows.items():
            if name in learned:
                assert row["weight"] == npz[f"{name}.weight"].shape
                assert row["bias"] == npz[f"{name}.bias"].shape
                assert row["count"] == npz[f"{name}.weight"].size + npz[f"{name}.bias"].size
            else:
                assert row["count"] == 0
    assert rows["conv_1_1"]["count"] == (3 * 3 * 3 + 1) * 10
    assert rows["flatten"]["shape"] == (1690,)


def test_parameter_table_html(description):
    table = ET.fromstring(parameters.render(description))
    assert table.get("data-total") == "19920"
    counts = [int(tr.get("data-parameters")) for tr in table.iter("tr") if tr.get("data-parameters")]
    assert sum(counts) == 19_920
    total_cell = table.find("tfoot/tr/td")
    assert total_cell.text == "19,920"
    conv = next(tr for tr in table.iter("tr") if tr.get("data-param-layer") == "conv_1_2")
    assert "(3\u00b73\u00b710 + 1)\u00b710" in ET.tostring(conv, encoding="unicode")


def test_parameter_table_follows_the_description(description):
    wider = json.loads(json.dumps(description))
    wider["layers"][0]["filters"] = 16  # conv_1_1 with 16 filters feeds conv_1_2 16 channels
    rows = {row["name"]: row for row in parameters.layer_parameters(wider)}
    assert rows["conv_1_1"]["count"] == (3 * 3 * 3 + 1) * 16
    assert rows["conv_1_2"]["count"] == (3 * 3 * 16 + 1) * 10


# -- the article -------------------------------------------------------------------------------

def test_every_section_other_parts_link_to_is_there(rendered):
    ids = [e.get("id") for e in rendered.iter() if e.get("id")]
    assert len(ids) == len(set(ids)), "ids must be unique"
    for section in SECTION_IDS:
        assert section in ids
    links = [e.get("data-article-link") for e in rendered.iter("a") if e.get("data-article-link")]
    assert set(links) <= set(ids)


def test_every_slot_is_filled(rendered, description):
    text = article.render(description)
    assert "<!--fill-->" not in text
    slots = {e.get("data-article-fill"): e for e in rendered.iter() if e.get("data-article-fill")}
    assert {"parameters", "hyperparameters", "figure-convolution", "figure-relu", "figure-pooling",
            "figure-flatten", "figure-softmax"} <= set(slots)
    for name, slot in slots.items():
        assert len(slot) > 0, f"slot {name} is empty"
    with pytest.raises(KeyError):
        article.slot_content("figure-gif", description)


def test_formulas_are_well_formed_mathml():
    source = ARTICLE.read_text(encoding="utf-8")
    formulas = re.findall(r"<math\b.*?</math>", source, flags=re.S)
    assert len(formulas) >= 5
    names = set()
    for formula in formulas:
        math = ET.fromstring(formula)
        assert math.tag == f"{MATHML}math"
        names.add(math.get("data-formula"))
        assert any(child.tag.startswith(MATHML) for child in math.iter() if child is not math)
    assert {"output-size", "cross-correlation", "relu", "softmax", "parameters"} <= names


def test_output_size_formula_reads_w_minus_k_plus_2p_over_s_plus_1():
    source = ARTICLE.read_text(encoding="utf-8")
    formula = re.search(r'<math[^>]*data-formula="output-size".*?</math>', source, flags=re.S).group(0)
    frac = ET.fromstring(formula).find(f".//{MATHML}mfrac")
    numerator, denominator = list(frac)
    assert [token.text for token in numerator] == ["W", "\u2212", "K", "+", "2", "P"]
    assert "".join(denominator.itertext()).strip() == "S"


def test_article_asks_for_nothing_from_the_network(rendered):
    """No scripts, no external images, fonts or styles: links to other sites are the only URLs."""
    for element in rendered.iter():
        tag = element.tag.split("}")[-1]
        assert tag not in ("script", "link", "iframe", "img", "style")
        for attribute in ("src", "href"):
            value = element.get(attribute) or ""
            if tag != "a":
                assert not value.startswith(("http:", "https:", "//")), (tag, value)


# -- the figures --------------------------------------------------------------------------------

def test_convolution_figure_agrees_with_scipy():
    inter, output = figures.convolution_numbers()
    for channel in range(3):
        expected = correlate2d(figures.CONV_INPUT[channel], figures.CONV_KERNELS[channel],
                               mode="valid")
        np.testing.assert_allclose(inter[channel], expected)
    np.testing.assert_allclose(output, inter.sum(axis=0) + figures.CONV_BIAS)
    figure = figures.render("convolution")
    assert f"= {int(output[0, 0])}" in figure  # the worked top-left value is the computed one


def test_pooling_figure_keeps_each_window_maximum():
    figure = ET.fromstring(figures.render("pooling"))
    bold = [e.text for e in figure.iter(f"{SVG}text") if e.get("font-weight") == "bold"]
    blocks = figures.POOL_INPUT[0].reshape(2, 2, 2, 2).max(axis=(1, 3))
    expected = [str(int(v)) for v in blocks.ravel()]
    assert sorted(bold[:4]) == sorted(expected)  # the winners in the input (in reading order) ...
    assert bold[4:] == expected  # ... and the output, window by window


def test_every_figure_is_an_accessible_svg():
    for name in figures.FIGURES:
        figure = ET.fromstring(figures.render(name))
        assert figure.tag == f"{SVG}svg"
        assert figure.get("role") == "img" and len(figure.get("aria-label")) > 20
        assert figure.get("viewBox")


# -- the section on training (folded; drawn when opened) -------------------------------------------

def _training_text(description) -> str:
    body = ET.fromstring(f"<div>{article.lazy_content('training', description)}</div>")
    return " ".join("".join(body.itertext()).split())


def test_training_section_is_folded_in_the_page_and_listed_in_the_contents(rendered):
    """The page starts with its summary only (the DOM is at its bound); the contents link opens it."""
    section = next(e for e in rendered.iter() if e.get("id") == "article-training")
    assert section.tag == "details" and section.get("data-article-lazy") == "training"
    assert [child.tag for child in section] == ["summary"]
    assert "training" in "".join(section.itertext()).lower()
    links = [e.get("data-article-link") for e in rendered.iter("a")]
    assert "article-training" in links
    lazy = {e.get("data-article-lazy") for e in rendered.iter() if e.get("data-article-lazy")}
    assert lazy == set(article.LAZY)  # every folded part has something to draw, and nothing is drawn for none


def test_training_section_teaches_what_the_panel_does(description):
    text = _training_text(description).lower()
    for idea in ("loss", "gradient", "step", "batch", "epoch", "learning rate", "overfitting", "held-out",
                 "augmentation", "weight decay", "early stopping", "momentum", "adam", "transfer", "from scratch"):
        assert idea in text, idea


def test_training_section_figures_are_the_training_code_s(description):
    """Its numbers are read from pyapp.learning and the model, so they stay true when a default changes."""
    from pyapp.learning import data, session
    text = _training_text(description)
    settings_ = session.Settings()
    classes = len(description["classes"])
    assert f"ln {classes} = {np.log(classes):.2f}" in text
    assert f"{parameters.total(description):,} weights" in text
    assert f"({settings_.batch} unless you choose otherwise)" in text
    assert f"momentum ({settings_.optimizer_settings()['momentum']:g})" in text
    assert f"every {session.EVAL_EVERY} steps" in text
    assert f"up to {data.CROP_PADDING} pixels" in text
    assert f"not fallen for {session.PATIENCE} epochs" in text


def test_training_section_links_to_the_panel_set_to_overfit(description):
    """The link opens the Train panel from scratch, without augmentation or early stopping: the curves part."""
    from pyapp.ui.state import State
    body = ET.fromstring(f"<div>{article.lazy_content('training', description)}</div>")
    [link] = [a.get("href") for a in body.iter("a")]
    state, dropped = State.parse(link.lstrip("#"))
    assert not dropped and state.train
    assert (state.start, state.augment, state.stop) == ("scratch", False, False)

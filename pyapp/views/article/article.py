"""The article under the network: site/article.html with its Python-drawn parts filled in.

The fragment marks each computed part with an empty slot, ``<div data-article-fill="NAME"><!--fill--></div>``;
``render()`` fills every slot (teaching figures, parameter table, the widget's first picture) so the
page shows them before Python starts in the browser. The page controller fills any slot left empty.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from . import figures, hyperparameters, parameters, training, why
from ... import WEIGHTS_DIR

TEMPLATE = Path(__file__).resolve().parents[3] / "site" / "article.html"
SLOT = re.compile(r'(data-article-fill="([\w-]+)"[^>]*>)<!--fill-->')
FIGURE_PREFIX = "figure-"
COUNT_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
               "sixteen seventeen eighteen nineteen twenty").split()


def class_texts(classes: list[str]) -> dict[str, str]:
    """The article's mentions of the classes (marker ``<!--class-list-->`` ...), from the model description."""
    listing = classes[0] if len(classes) == 1 else ", ".join(classes[:-1]) + " and " + classes[-1]
    count = COUNT_WORDS[len(classes)] if len(classes) < len(COUNT_WORDS) else str(len(classes))
    return {"class-list": listing, "class-count": count, "class-number": str(len(classes))}


def class_span(name: str, text: str) -> str:
    # a span, so the page can rename the classes when it opens another model (pyapp/page/model_open.py)
    from ...ui.svg import element, escape

    return element("span", escape(text), data_article_text=name)


def slot_content(name: str, description: dict) -> str:
    """The markup for one slot: ``figure-<name>``, ``parameters``, ``hyperparameters`` or ``why``."""
    if name.startswith(FIGURE_PREFIX):
        return figures.render(name[len(FIGURE_PREFIX):], description["classes"])
    if name == "parameters":
        return parameters.render(description)
    if name == "hyperparameters":
        return hyperparameters.render(**hyperparameters.DEFAULTS)
    if name == "why":
        return why.section(description["classes"])
    raise KeyError(f"the article has a slot {name!r} that nothing fills")


# What a folded part (<details data-article-lazy="NAME">) holds, drawn when it is first opened.
LAZY = {"weight-sharing": parameters.sharing_figure, "training": training.body}


def lazy_content(name: str, description: dict) -> str:
    """The markup of the folded part ``name`` (a key of ``LAZY``)."""
    return LAZY[name](description)


def load_description(directory: str | Path = WEIGHTS_DIR) -> dict:
    return json.loads((Path(directory) / "tiny_vgg.json").read_text(encoding="utf-8"))


def render(description: dict | None = None, template: str | None = None) -> str:
    """The finished article fragment: ``template`` (default site/article.html) with every slot filled."""
    description = load_description() if description is None else description
    text = TEMPLATE.read_text(encoding="utf-8") if template is None else template
    for name, value in class_texts(description["classes"]).items():
        text = text.replace(f"<!--{name}-->", class_span(name, value))
    return SLOT.sub(lambda m: m.group(1) + slot_content(m.group(2), description), text)

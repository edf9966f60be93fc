"""The small words the views write: around a class name ("a koala", "an espresso": the name comes from a
model), and "Hover over" or "Tap" by the visitor's input."""
from __future__ import annotations

import re

VOWEL_LETTER = re.compile(r"[aeiou]", re.IGNORECASE)
# A vowel letter said as a consonant ("a unicorn", "a European robin", "a one-way sign") ...
CONSONANT_SOUND = re.compile(r"(uni|use|usu|ute|eu|ewe|one\b|once)", re.IGNORECASE)
# ... and a consonant letter said as a vowel (a silent h: "an hourglass")
VOWEL_SOUND = re.compile(r"(hour|honest|honou?r|heir)", re.IGNORECASE)
VOWEL_NAMED_LETTERS = set("AEFHILMNORSX")  # an acronym is spelled out: "an SUV", "an MRI machine", "a GPU"


def indefinite(name: str) -> str:
    """``name`` after its indefinite article, by how the first word is said."""
    word = name.strip().split(" ", 1)[0]
    if len(word) > 1 and word.isupper():
        vowel = word[0] in VOWEL_NAMED_LETTERS
    else:
        vowel = (bool(VOWEL_LETTER.match(word)) and not CONSONANT_SOUND.match(word)) or bool(VOWEL_SOUND.match(word))
    return f"{'an' if vowel else 'a'} {name}"


def hover_or_tap(tag: str = "span") -> str:
    """"Hover over " for a mouse, "Tap " on a screen without hover: both, as ``tag`` elements, and
    detail.css shows one by the media query (hover: none), what matchMedia('(hover: none)') tells the
    page; the hidden one is display:none, so a screen reader does not read it either."""
    return f'<{tag} class="on-hover">Hover over </{tag}><{tag} class="on-touch">Tap </{tag}>'

"""The Train panel's "Your own classes" part (#train-own), from the visitor's classes (pyapp.learning.own) and
the data URLs of their thumbnails: made only when that mode is opened, so the first page stays small.

Hooks (docs/architecture.md): the root's ``data-ready`` and ``data-heldout`` (photos held out in all); each
class ``.tr-own-class[data-own-class][data-photos][data-heldout][data-need]``; buttons ``data-own-action`` =
add-class, camera, snap, clear, remove-class, remove-photo; the file inputs ``.tr-own-file[data-own-class]``."""
from __future__ import annotations

from ....learning.own import HELDOUT, MAX_CLASSES, MAX_PHOTOS, MIN_CLASSES, MIN_PHOTOS, NAME_LENGTH
from ....ui import svg

STRIP = 10  # thumbnails shown a class: its latest photos (the rest are counted)
INTRO = (f"Name {MIN_CLASSES} to {MAX_CLASSES} classes and give each at least {MIN_PHOTOS} photos (at most "
         f"{MAX_PHOTOS}): choose files, drop them on a class, click a class and paste (Ctrl+V), or take them with "
         f"the camera. A seeded {HELDOUT:.0%} of each class is held out, never trained on. The photos stay in this "
         "tab: a link keeps the class names and the settings, never the photos.")


def output_note(count: int, was: int, start: str) -> str:
    """What a new set of classes does to the network, and what the chosen start trains."""
    head = (f"New output layer: {count} classes (was {was}) — its weights start from scratch (seeded). ")
    return head + {
        "transfer": "Transfer: the convolution blocks keep what they learned and only this dense layer is trained, "
                    "so a step runs them forward only — fast, and enough for a few photos.",
        "weights": "Fine-tune: every layer trains, starting from the shown weights (slower than transfer).",
        "scratch": "Scratch: every layer starts from seeded random weights; a few photos are far too few for "
                   "that, so expect the held-out accuracy to lag (transfer is the better start here).",
    }.get(start, "")


def _button(text: str, action: str, index: int | None = None, **values) -> str:
    return svg.element("button", text, type="button", class_="tr-button", data_own_action=action,
                       data_own_class=index, **values)


def _strip(own, index: int, thumbs) -> str:
    photos = own.photos[index]
    shown = range(max(0, len(photos) - STRIP), len(photos))
    name = own.names[index]  # attributes are escaped by svg.attrs
    items = [svg.element("button", svg.element("img", None, src=thumbs(photos[j]), alt="", width=32, height=32),
                         type="button", class_="tr-own-photo", data_own_action="remove-photo", data_own_class=index,
                         data_photo=j, title="Remove this photo", aria_label=f"Remove photo {j + 1} of {name}")
             for j in shown]
    if len(photos) > STRIP:
        items.insert(0, svg.element("span", f"+{len(photos) - STRIP}", class_="tr-own-more"))
    return svg.element("div", items, class_="tr-own-strip")


def class_card(own, index: int, thumbs, heldout: int, camera_on: bool) -> str:
    name = own.names[index]  # attributes are escaped by svg.attrs
    tools = [
        svg.element("label", ["Add photos", svg.element("input", None, type="file", accept="image/*", multiple=True,
                                                        class_="tr-own-file", data_own_class=index)],
                    class_="tr-button tr-own-add"),
        _button("Take a photo" if camera_on else "Camera", "snap", index,
                title="A frame of the camera into this class"),
        _button("Clear", "clear", index, disabled=not own.photos[index]),
        _button("Remove class", "remove-class", index, disabled=len(own.names) <= MIN_CLASSES),
    ]
    need = own.need(index)
    return svg.element("div", [
        svg.element("input", None, type="text", class_="tr-own-name", value=name, maxlength=NAME_LENGTH,
                    data_own_class=index, aria_label=f"Name of class {index + 1}", spellcheck="false"),
        svg.element("p", svg.escape(own.status(index)), class_="tr-own-need" + (" tr-short" if need else "")),
        svg.element("div", tools, class_="tr-own-tools"),
        _strip(own, index, thumbs)],
        class_="tr-own-class", tabindex="-1", role="group", aria_label=f"Class {name}", data_own_class=index,
        data_photos=len(own.photos[index]), data_heldout=heldout, data_need=need)


def classes_list(own, thumbs, camera_on: bool) -> str:
    held = own.heldout_counts()
    cards = [class_card(own, i, thumbs, held[i], camera_on) for i in range(len(own.names))]
    add = _button("Add a class", "add-class", disabled=len(own.names) >= MAX_CLASSES)
    return svg.element("div", cards + [add], id="train-own-list", class_="tr-own-list")


def render(own, thumbs, note: str, camera_on: bool = False) -> str:
    """The whole part; ``thumbs(photo) -> data URL``; ``note``: output_note's words."""
    camera = svg.element("div", [
        _button("Stop the camera" if camera_on else "Start the camera", "camera"),
        svg.element("video", "", id="train-own-video", muted=True, playsinline=True, hidden=not camera_on,
                    aria_label="The camera's picture")], class_="tr-own-camera")
    return svg.element("section", [
        svg.element("h3", "Your own classes"),
        svg.element("p", INTRO, class_="tr-intro"),
        svg.element("p", svg.escape(note), id="train-own-output", class_="tr-own-output"),
        camera,
        classes_list(own, thumbs, camera_on),
        svg.element("p", svg.escape(own.summary()), id="train-own-said", class_="tr-own-said", aria_live="polite")],
        id="train-own", class_="tr-own", data_drop_here=True, aria_label="Your own classes",
        data_ready=int(own.ready), data_heldout=sum(own.heldout_counts()))

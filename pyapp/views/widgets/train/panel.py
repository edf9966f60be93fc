"""The Train panel's markup from the State (its settings) and, once a run exists, its figures.

The root carries the test hooks (docs/architecture.md): data-state and the figures of the run; its buttons
``data-train-action``. Every setting is a form field named after its State field (one URL form)."""
from __future__ import annotations

from ....ui import svg

ACTIONS = (("start", "Play"), ("pause", "Pause"), ("step", "One step"), ("reset", "Reset"))
STARTS = (("weights", "the shown weights (fine-tune)"), ("scratch", "scratch (seeded random weights)"),
          ("transfer", "transfer: retrain only the last layer"))
DATA = (("builtin", "the built-in classes"), ("own", "your own classes"))
OPTIMIZER_LABELS = (("sgd", "SGD with momentum 0.9"), ("adam", "Adam"))
TRANSFER_WHY = ("Transfer is fast: the convolutions keep what they learned, so a step runs them forward only and "
                "the backward pass stops at the dense layer (about 3 times fewer operations).")


def _select(name: str, label: str, options, value) -> str:
    choices = [svg.element("option", svg.escape(text), value=key, selected=key == value) for key, text in options]
    return svg.element("label", [svg.element("span", label), svg.element("select", choices, name=name)],
                       class_="tr-field")


def _number(name: str, label: str, value, step: str, low, high) -> str:
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return svg.element("label", [svg.element("span", label), svg.element(
        "input", None, type="number", name=name, value=text, step=step, min=low, max=high, inputmode="decimal")],
        class_="tr-field")


def _check(name: str, label: str, value: bool) -> str:
    return svg.element("label", [svg.element("input", None, type="checkbox", name=name, checked=value),
                                 svg.element("span", label)], class_="tr-check")


def settings_form(state, classes) -> str:
    """Every setting of the State as a form field; ``classes``: the photo set's class names (None: not loaded)."""
    fields = [
        _select("data", "Photos", DATA, state.data),
        _select("start", "Start from", STARTS, state.start),
        _select("opt", "Optimiser", OPTIMIZER_LABELS, state.opt),
        _number("lr", "Learning rate", state.lr, "any", "0.000001", "100"),
        _number("batch", "Batch size", state.batch, "1", 1, 256),
        _number("decay", "Weight decay", state.decay, "any", 0, 1),
        _number("epochs", "Epochs", state.epochs, "1", 1, 100),
        _check("augment", "Augmentation (flips and crops)", state.augment),
        _check("stop", "Early stopping on the held-out loss", state.stop),
    ]
    picks = ""
    if classes and state.data != "own":  # own classes: their part (#train-own) follows the form
        boxes = [_check(f"class-{i}", svg.escape(name), i in state.classes) for i, name in enumerate(classes)]
        picks = svg.element("fieldset", [svg.element("legend", "Classes to learn (2 or more)")] + boxes,
                            class_="tr-classes")
    return svg.element("form", fields + [picks], class_="tr-settings", id="train-settings", action="#",
                       aria_label="Training settings")


def buttons() -> str:
    return svg.element("div", [svg.element("button", text, type="button", class_="tr-button", data_train_action=key)
                               for key, text in ACTIONS], class_="tr-buttons", role="group",
                       aria_label="Training controls")


def result_buttons(opened: bool) -> str:
    """What to do with the trained network; ``opened``: the explainer shows a trained or opened model now."""
    items = [svg.element("button", "Use this model", type="button", class_="tr-button", data_train_action="use"),
             svg.element("button", "Download", type="button", class_="tr-button", data_train_action="download")]
    if opened:
        items.append(svg.element("button", "Back to the original model", type="button", class_="tr-button",
                                 data_action="builtin-model"))
    return svg.element("div", items, class_="tr-buttons", role="group", aria_label="The trained model")


def render(state, classes, opened: bool) -> str:
    """The whole panel, idle: settings, controls and the empty places the run's figures go."""
    intro = svg.element("p", "Train the network here, on photos of the explainer's classes or on classes you make, and watch it learn: "
                             "the loss falls, the first layer's kernels change and the maps above come alive. "
                             "A held-out part of the photos is never trained on; it shows what the network "
                             "learned rather than memorised. " + TRANSFER_WHY, class_="tr-intro")
    progress = svg.element("div", [svg.element("progress", "", id="train-progress", max="1", value="0",
                                               aria_label="Progress of this epoch"),
                                   svg.element("span", "", id="train-figures")], class_="tr-progress")
    places = svg.element("div", [svg.element("div", "", id=name, class_="tr-part")
                                 for name in ("train-curves", "train-kernels", "train-classes", "train-strip")],
                         class_="tr-parts")
    return svg.element("section", [
        svg.element("div", [svg.element("h2", "Watch it learn: train the network"), svg.element(
            "button", "Close", type="button", class_="tr-button", data_train_action="close")], class_="tr-head"),
        intro,
        settings_form(state, classes), buttons(), progress,
        svg.element("p", "", id="train-words", class_="tr-words", aria_live="polite"),
        places, svg.element("div", result_buttons(opened), id="train-result")],
        id="train", class_="train", data_state="idle", data_step="0", data_images="0", data_epoch="0",
        aria_label="Train the network")


def hooks(state: str, session) -> dict:
    """The root's test hooks for ``state`` and the run (None: none yet)."""
    if session is None:
        return {"data-state": state, "data-step": 0, "data-images": 0, "data-epoch": 0, "data-loss": None,
                "data-heldout-accuracy": None}
    train, held = session.history.train, session.history.heldout
    return {"data-state": state, "data-step": session.step, "data-images": session.images,
            "data-epoch": session.epoch, "data-loss": f"{train[-1][1]:.6g}" if train else None,
            "data-heldout-accuracy": f"{held[-1][2]:.4f}" if held else None}


def figures(session, seconds: float) -> tuple[float, str]:
    """(the epoch's progress 0..1, "step s of n, epoch e of E, images/s, time left") for the progress line."""
    per_epoch = session.steps_per_epoch
    done_in_epoch = session.step - session.epoch * per_epoch
    rate = session.images / seconds if seconds > 0 else 0.0
    left = (session.total_steps - session.step) * session.settings.batch / rate if rate else None
    words = [f"Step {session.step} of {session.total_steps}", f"epoch {min(session.epoch + 1, session.settings.epochs)}"
             f" of {session.settings.epochs}", f"{session.images} images seen"]
    if rate:
        words.append(f"{rate:.0f} images/s")
    if left is not None and session.finished is None:
        words.append(f"about {left:.0f} s left")
    return min(1.0, max(0.0, done_in_epoch / per_epoch)), ", ".join(words)

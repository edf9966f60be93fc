"""The visitor's own classes (pyapp.learning.own): 2 to 10 named classes, how many photos each still needs, a
seeded held-out share that stays the same for the same photos, and a training run on them that gets a new output
layer with the visitor's class names (the one "Use this model" then shows)."""
from __future__ import annotations

import numpy as np
import pytest

from pyapp.learning.own import MAX_CLASSES, MAX_PHOTOS, MIN_PHOTOS, OwnClasses
from pyapp.learning.session import Session, Settings
from pyapp.ui.state import State


def photo(value: int) -> np.ndarray:
    return np.full((64, 64, 3), value, np.uint8)


def filled(counts, names=None) -> OwnClasses:
    own = OwnClasses(names or [f"c{i}" for i in range(len(counts))])
    for index, count in enumerate(counts):
        for j in range(count):
            own.add_photo(index, photo(40 * index + j))
    return own


def test_two_to_ten_classes():
    own = OwnClasses()
    assert own.names == ["Class 1", "Class 2"]
    with pytest.raises(ValueError, match="At least 2"):
        own.remove_class(0)
    while len(own.names) < MAX_CLASSES:
        own.add_class()
    assert len(set(own.names)) == MAX_CLASSES
    with pytest.raises(ValueError, match="At most 10"):
        own.add_class()
    with pytest.raises(ValueError):
        OwnClasses(["only one"])
    own.remove_class(3)
    assert len(own.names) == MAX_CLASSES - 1 and len(own.photos) == MAX_CLASSES - 1


def test_names_are_checked_and_unique():
    own = OwnClasses(["cat", "dog"])
    assert own.rename(1, "  black   dog ") == "black dog"
    with pytest.raises(ValueError, match="already a class called 'cat'"):
        own.rename(1, "cat")
    for bad in ("", "a,b", "<b>", "x" * 40, "123"):
        with pytest.raises(ValueError, match="A class name is"):
            own.rename(0, bad)
    assert own.names == ["cat", "black dog"]


def test_the_message_says_how_many_photos_a_class_still_needs():
    own = filled([0, 3, MIN_PHOTOS])
    assert own.status(0) == f"No photos yet: add at least {MIN_PHOTOS}."
    assert own.status(1) == f"3 photos: add {MIN_PHOTOS - 3} more (at least {MIN_PHOTOS} a class)."
    assert own.status(2) == f"{MIN_PHOTOS} photos: 1 of {MIN_PHOTOS} held out, {MIN_PHOTOS - 1} to learn from."
    assert not own.ready
    assert own.summary() == f"To train, every class needs at least {MIN_PHOTOS} photos: c0 needs 5 more; c1 needs 2 more."
    with pytest.raises(ValueError, match="c0 needs 5 more"):
        own.photo_set()
    own.clear(1)
    assert own.counts() == [0, 0, MIN_PHOTOS]


def test_a_class_holds_at_most_max_photos_and_only_network_sized_ones():
    own = filled([MAX_PHOTOS, 0])
    with pytest.raises(ValueError, match="is full"):
        own.add_photo(0, photo(1))
    with pytest.raises(ValueError, match="uint8"):
        own.add_photo(1, np.zeros((64, 64, 3), np.float32))
    with pytest.raises(ValueError):
        own.add_photo(1, np.zeros((128, 128, 3), np.uint8))


def test_the_held_out_share_is_seeded_stable_and_shown():
    own = filled([12, 7, 5])
    first, again = own.heldout_mask(seed=0), filled([12, 7, 5]).heldout_mask(seed=0)
    assert np.array_equal(first, again)  # the same photos, the same split
    assert not np.array_equal(first, own.heldout_mask(seed=1))
    assert own.heldout_counts() == [2, 1, 1]  # a fifth of each class, at least one
    assert own.summary() == "Ready: 4 of 24 photos held out (never trained on), 20 to learn from."
    assert own.status(0) == "12 photos: 2 of 12 held out, 10 to learn from."
    own.remove_photo(0, 0)
    assert own.counts() == [11, 7, 5]


def test_a_run_on_own_classes_gets_a_new_output_layer_with_their_names(network):
    own = filled([6, 6], names=["mug", "plant"])
    photos = own.photo_set()
    assert photos.classes == ("mug", "plant") and int(photos.heldout.sum()) == 2
    session = Session(network, photos, range(2), Settings(start="transfer", batch=5, epochs=1, augment=False))
    assert session.new_output and session.network.classes == ["mug", "plant"]
    assert len(session.heldout_y) == 2 and len(session.train_y) == 10
    before = {k: v.copy() for k, v in session.network.weights().items()}
    session.advance(60, until_step=1)
    assert session.step == 1
    changed = {k for k, v in session.network.weights().items() if not np.array_equal(v, before[k])}
    output = [layer.name for layer in session.network.layers if layer.named_parameters()][-1]
    assert changed and all(k.startswith(output + ".") for k in changed)  # transfer: only the new output layer
    assert session.network.forward(np.zeros((64, 64, 3), np.float32)).probabilities.shape == (2,)


def test_the_address_keeps_the_mode_and_the_names_never_the_photos():
    state = State(train=True, data="own", names=("mug", "house plant", "chat noir é"), start="transfer")
    assert State.from_url(state.to_url()) == state
    for bad in ("names=a", "names=a,a", "names=a,<b>", "names=" + ",".join(f"n{i}" for i in range(11)),
                "data=mine"):
        read, dropped = State.parse(bad)
        assert dropped and read.names == () and read.data == "builtin"

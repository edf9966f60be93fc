"""The page's training run (pyapp.learning.session): a step done a layer of a slice at a time, within a task's
budget and with the page drawing between pieces, is the same step as on the whole batch; an overshooting learning
rate stops with words and keeps the last good weights, early stopping keeps the best epoch, and the downloaded model
folder is one the explainer opens."""
from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

from pyapp.engine.network import Network, load_network
from pyapp.learning import Trainer
from pyapp.learning.export import model_card, model_zip
from pyapp.learning.photos import PhotoSet, read_photos
from pyapp.learning.session import SLICE, Session, Settings
from pyapp.ui import state as ui_state


def photo_set(per_class=12, held=4, classes=("a", "b", "c"), seed=0) -> PhotoSet:
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(len(classes)), per_class + held)
    heldout = np.tile(np.r_[np.zeros(per_class, bool), np.ones(held, bool)], len(classes))
    images = rng.integers(0, 256, (len(labels), 64, 64, 3), dtype=np.uint8)
    images[..., 0] = np.minimum(255, images[..., 0] // 2 + 60 * labels[:, None, None])  # a class shows in red
    return PhotoSet(images, labels, heldout, tuple(classes))


def copy_of(network) -> Network:
    return Network(network.description, {k: v.copy() for k, v in network.weights().items()})


def test_a_sliced_step_is_the_whole_batch_step(network):
    photos = photo_set()
    settings = Settings(start="weights", lr=0.01, batch=20, augment=False, epochs=1)  # slices of 16 and 4
    session = Session(copy_of(network), photos, [0, 1, 2], settings)
    reference = Trainer(copy_of(session.network), "sgd", "weights", lr=0.01, momentum=0.9)
    index = next(iter(__import__("pyapp.learning.data", fromlist=["batches"]).batches(
        len(session.train_y), 20, np.random.default_rng(0))))
    assert SLICE < settings.batch
    session.advance(60.0, until_step=1)
    reference.step(session.train_x[index], session.train_y[index])
    for name, array in reference.parameters.items():
        np.testing.assert_allclose(session.trainer.parameters[name], array, rtol=1e-5, atol=1e-6)
    assert session.images == 20 and session.history.train[0][0] == 1


def test_a_step_is_done_a_layer_of_a_slice_at_a_time(network):
    """Between two pieces of a step the page answers a click: no piece holds more than one layer's forward pass
    or one of its gradients, on one slice of the batch."""
    session = Session(copy_of(network), photo_set(), [0, 1, 2], Settings(start="weights", batch=24))
    calls, most = [0], []
    for layer in session.network.layers:
        for method in ("forward", "input_gradient", "parameter_gradients"):
            def counted(*args, _work=getattr(layer, method), **kwargs):
                calls[0] += 1
                return _work(*args, **kwargs)
            setattr(layer, method, counted)
    work = session._work
    for _ in range(400):
        next(work)
        most.append(calls[0])
        calls[0] = 0
        if session.step == 2:
            break
    assert session.step == 2 and max(most) == 1


def test_a_step_is_the_same_when_the_page_draws_between_its_pieces():
    """The page redraws the network being trained between two pieces of a step (an inference pass): with dropout
    and batch normalisation, whose training forms hold within a piece only, the step's gradients do not change."""
    from engine_fixtures import MODELS, network_of

    shape, layers = MODELS["vgg-bn"]
    at = next(i for i, layer in enumerate(layers) if layer["type"] == "flatten") + 1
    spec = {**network_of("vgg-bn").description, "layers": [*layers[:at], {"name": "drop", "type": "dropout"},
                                                           *layers[at:]]}
    weights = network_of("vgg-bn").weights()
    quiet, drawn = (Trainer(Network(spec, weights), "sgd", lr=0.01) for _ in range(2))
    images = np.random.default_rng(2).random((6, *shape), dtype=np.float32)
    labels = np.array([0, 1, 2, 3, 0, 1])
    expected = quiet.gradients(images, labels)
    work, pieces = drawn.gradients_stepwise(images, labels), 0
    while True:
        try:
            next(work)
        except StopIteration as finished:
            got = finished.value
            break
        drawn.network.forward(images[pieces % 6])  # what the page's redraw does meanwhile
        pieces += 1
    assert pieces > 10 and got[0] == expected[0]
    for name, gradient in expected[2].items():
        np.testing.assert_array_equal(got[2][name], gradient, err_msg=name)
    np.testing.assert_array_equal(drawn.network.layer("bn").running_mean, quiet.network.layer("bn").running_mean)


def test_a_piece_that_would_end_past_the_budget_waits_for_the_next_task(network):
    """The page gives each task about 40 ms of work so that a click waits little: a piece of 39 ms must not be
    followed by a second one in the same task (an 80 ms task, which pointer events waited behind)."""
    session = Session(copy_of(network), photo_set(), [0, 1, 2], Settings(start="weights", batch=8))
    events, work = [], session._work
    session._work = (events.append(event) or event for event in work)
    # the clock advance reads: once at the start, then before and after each piece, every piece 39 ms long
    times = iter([0.0] + [t for k in range(20) for t in (0.039 * k, 0.039 * (k + 1))])
    session.advance(0.040, clock=lambda: next(times))
    assert len(events) == 1


def test_a_long_piece_after_short_ones_waits_for_the_next_task(network):
    """A convolution's piece (30 ms) after three of 10 ms must not start 30 ms into a 40 ms task: each piece is
    reckoned as long as it took the last time, not as long as the piece before it."""
    session = Session(copy_of(network), photo_set(), [0, 1, 2], Settings(start="weights", batch=8))
    now = [0.0]

    def pieces():  # what the run yields: each piece announced before it runs
        for _ in range(50):
            for piece, seconds in ((("forward", "conv", 8), 0.030), *((("forward", f"relu {k}", 8), 0.010)
                                                                      for k in range(3))):
                yield piece
                now[0] += seconds

    session._work = pieces()
    tasks = []
    for _ in range(30):
        start = now[0]
        session.advance(0.040, clock=lambda: now[0])
        tasks.append(now[0] - start)
    assert max(tasks[2:]) <= 0.040 + 1e-9, tasks


def test_a_learning_rate_of_10_stops_with_words_and_keeps_the_last_good_weights(network):
    session = Session(copy_of(network), photo_set(), [0, 1, 2], Settings(start="weights", lr=10, batch=8))
    while session.finished is None:
        session.advance(60.0)
    assert session.finished == "error" and "learning rate 10" in session.message
    weights = session.network.weights()
    assert all(np.isfinite(w).all() for w in weights.values())
    probabilities = session.network.forward(photo_set().images[0]).probabilities
    assert np.isfinite(probabilities).all()


def test_early_stopping_keeps_the_epoch_with_the_lowest_held_out_loss(network):
    session = Session(copy_of(network), photo_set(per_class=4, held=8), [0, 1, 2],
                      Settings(start="weights", lr=0.05, batch=4, epochs=30, augment=False))
    while session.finished is None:
        session.advance(60.0)
    assert session.finished == "early", session.message
    best_epoch = session.best[2]
    assert f"epoch {best_epoch}" in session.message
    for name, array in session.trainer.parameters.items():
        np.testing.assert_array_equal(array, session.best[1][name])


def test_the_downloaded_folder_opens_as_a_model(network, tmp_path):
    session = Session(copy_of(network), photo_set(), [0, 2], Settings(epochs=1, batch=12))
    session.advance(60.0, until_step=2)
    with zipfile.ZipFile(io.BytesIO(model_zip(session.network, model_card(session)))) as z:
        z.extractall(tmp_path)
    opened = load_network(tmp_path / "trained-model")
    assert opened.classes == ["a", "c"]
    image = photo_set().images[3]
    np.testing.assert_allclose(opened.forward(image).probabilities, session.network.forward(image).probabilities,
                               rtol=1e-6)
    assert "learning rate 0.01" in (tmp_path / "trained-model" / "MODEL_CARD.md").read_text()


def test_the_states_training_choices_are_the_engines():
    from pyapp.learning import OPTIMIZERS, START

    assert ui_state.TRAIN_STARTS == START and ui_state.OPTIMIZERS == tuple(OPTIMIZERS)
    state, dropped = ui_state.State.parse("train&lr=0.003&opt=adam&classes=4,1&augment=0&epochs=2")
    assert (state.train, state.lr, state.opt, state.classes, state.augment, state.epochs) == \
        (True, 0.003, "adam", (4, 1), False, 2) and not dropped
    assert ui_state.State.from_url(state.to_url()) == state
    assert ui_state.State.parse("lr=0&batch=999&classes=3")[1] == ["lr", "batch", "classes"]


def test_the_built_photos_read_back_with_their_held_out_part():
    root = os.environ.get("TINY_IMAGENET_DIR")
    if not root or not Path(root, "train").is_dir():
        pytest.skip("the shared photos are not here ($TINY_IMAGENET_DIR)")
    from sitebuild.trainset import HELD_OUT_PER_CLASS, TRAIN_PER_CLASS, trainset_bytes

    classes = load_network().classes
    data = trainset_bytes(Path(root), classes)
    assert len(data) < 2_000_000
    photos = read_photos(data)
    assert photos.classes == tuple(classes)
    assert photos.heldout.sum() == HELD_OUT_PER_CLASS * len(classes)
    assert np.bincount(photos.labels[~photos.heldout]).tolist() == [TRAIN_PER_CLASS] * len(classes)

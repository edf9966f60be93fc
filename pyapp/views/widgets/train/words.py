"""What is happening in a training run, in words a student understands (the panel's #train-words)."""
from __future__ import annotations

import numpy as np


def _trend(values) -> float:
    """The change from the mean of the earlier half to the mean of the later half."""
    half = len(values) // 2
    return float(np.mean(values[half:]) - np.mean(values[:half])) if half else 0.0


def narrate(session, state: str) -> str:
    """One or two sentences for the panel state (idle, loading, training, paused, done, error) and the run."""
    if state == "loading":
        return "Loading the training photos (once; they are kept for offline use)…"
    if session is None:
        return ("Press Play to train. Each step shows the network one batch of photos, measures how wrong its "
                "answers are (the loss) and moves every weight a little downhill (the gradient).")
    if session.finished:
        return session.message
    train = [loss for _, loss, _ in session.history.train[-20:]]
    held = session.history.heldout
    said = []
    if session.new_output and session.step == 0:
        said.append(f"A new output layer for {len(session.classes)} classes replaces the model's one: it starts "
                    "from seeded random weights, so the first answers are guesses.")
    if len(train) >= 6:
        if np.std(train) > 0.5 * np.mean(train):
            said.append("The loss jumps up and down from batch to batch: the learning rate may be too high.")
        elif _trend(train) < -0.01:
            said.append(f"The loss on the training batches is falling (now {train[-1]:.2f}): the steps go downhill.")
        else:
            said.append("The training loss has stopped falling much: the network has learned what these steps can teach.")
    if len(held) >= 3:
        accuracy = [a for _, _, a in held]
        if max(accuracy[-2:]) <= max(accuracy[:-2]) and train and train[-1] < held[-1][1] * 0.7:
            said.append("The held-out accuracy is no longer rising while the training loss keeps falling: the "
                        "network starts to learn these photos by heart (overfitting). Augmentation, weight decay "
                        "and early stopping work against that.")
        else:
            said.append(f"On the held-out photos, never trained on, it answers {accuracy[-1]:.0%} right.")
    if state == "paused":
        said.append("Paused.")
    return " ".join(said) or "Training: the first steps are under way."

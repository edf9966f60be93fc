"""The networks a student meets first, as tiny trainable versions, and generated pictures to train them on.

Each builder returns a model of its own framework (PyTorch or Keras); ``pictures(kind, n, size, channels)`` draws
n labelled pictures of four kinds of stroke (horizontal, vertical, and the two diagonals) that a few seconds of
training learn. Used by tests/training/test_student_models.py (and for screenshots of the explainer on them).
"""
from __future__ import annotations

import os

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "torch")
CLASSES = ["horizontal", "vertical", "diagonal", "antidiagonal"]


def pictures(n: int, size: int, channels: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(images (n, size, size, channels) float32 in [0, 1], labels (n,)): a bright stroke on noise."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(CLASSES), n)
    y, x = np.mgrid[0:size, 0:size]
    offset = rng.integers(-size // 4, size // 4 + 1, n)[:, None, None]
    distance = np.stack([y - size // 2, x - size // 2, y - x, y + x - size + 1])  # (4, size, size)
    strokes = np.abs(distance[labels] - offset) <= max(1, size // 16)
    images = 0.2 * rng.random((n, size, size)) + 0.8 * strokes
    colour = rng.uniform(0.5, 1.0, (n, 1, 1, channels))
    return (images[..., None] * colour).astype(np.float32), labels


def photo_folder(root, n: int = 12, size: int = 64, seed: int = 7):
    """A labelled folder of ``n`` colour pictures, ``root/<class>/<i>.png``, as a student makes one (build --data)."""
    from PIL import Image

    images, labels = pictures(n, size, 3, seed)
    for i, (picture, label) in enumerate(zip(images, labels)):
        (root / CLASSES[label]).mkdir(parents=True, exist_ok=True)
        Image.fromarray((picture * 255).astype(np.uint8)).save(root / CLASSES[label] / f"{i}.png")
    return root


def train_torch(model, size: int, channels: int, steps: int = 60, seed: int = 0):
    """A few seconds of Adam on generated pictures (NCHW, [0, 1]); the model in eval mode afterwards."""
    import torch

    torch.manual_seed(seed)
    images, labels = pictures(512, size, channels, seed)
    x, t = torch.from_numpy(images.transpose(0, 3, 1, 2).copy()), torch.from_numpy(labels)
    optimiser = torch.optim.Adam(model.parameters(), 3e-3)
    model.train()
    for step in range(steps):
        batch = slice((step * 64) % 512, (step * 64) % 512 + 64)
        loss = torch.nn.functional.cross_entropy(model(x[batch]), t[batch])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return model.eval()


def cifar_tutorial():
    """PyTorch's CIFAR-10 tutorial network (32x32 colour, 5x5 kernels, 6 and 16 filters, three dense layers)."""
    from torch import nn

    return nn.Sequential(nn.Conv2d(3, 6, 5), nn.ReLU(), nn.MaxPool2d(2, 2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                         nn.MaxPool2d(2, 2), nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84),
                         nn.ReLU(), nn.Linear(84, len(CLASSES)))


CIFAR_WORDS = "conv relu pool conv relu pool flatten dense relu dense relu dense"


def lenet5():
    """LeNet-5 on 28x28 grey: tanh, average pooling, three dense layers."""
    from torch import nn

    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.Tanh(), nn.AvgPool2d(2), nn.Conv2d(6, 16, 5), nn.Tanh(),
                         nn.AvgPool2d(2), nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.Tanh(), nn.Linear(120, 84),
                         nn.Tanh(), nn.Linear(84, len(CLASSES)))


def global_pooling_net():
    """A net that ends in global average pooling: no flatten, one convolution map per class."""
    from torch import nn

    return nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 16, 3, padding=1),
                         nn.ReLU(), nn.Conv2d(16, len(CLASSES), 1), nn.AdaptiveAvgPool2d(1), nn.Flatten())


GAP_WORDS = "conv:1 relu pool conv:1 relu conv gap"


def keras_mnist(keras):
    """The Keras MNIST example convnet: 28x28x1, 32 and 64 filters, max pooling, dropout, one dense layer."""
    layers = keras.layers
    return keras.Sequential([keras.Input((28, 28, 1)), layers.Rescaling(1 / 255),
                             layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
                             layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2), layers.Flatten(),
                             layers.Dropout(0.5), layers.Dense(len(CLASSES), activation="softmax")])


def keras_vgg(keras):
    """A VGG-style net: same padding, batch normalisation, 32 filters, two blocks."""
    layers = keras.layers
    block = [layers.Conv2D(32, 3, padding="same", use_bias=False), layers.BatchNormalization(), layers.ReLU()]
    return keras.Sequential([keras.Input((32, 32, 3)), *block, layers.MaxPooling2D(),
                             *[type(b).from_config(b.get_config() | {"name": b.name + "_2"}) for b in block],
                             layers.MaxPooling2D(), layers.Flatten(), layers.Dense(64, activation="relu"),
                             layers.Dropout(0.3), layers.Dense(len(CLASSES), activation="softmax")])


def train_keras(model, size: int, channels: int, pixel_scale: float = 1.0, epochs: int = 3, seed: int = 0):
    import keras

    keras.utils.set_random_seed(seed)
    images, labels = pictures(512, size, channels, seed)
    model.compile(keras.optimizers.Adam(3e-3), "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(images * pixel_scale, labels, epochs=epochs, batch_size=64, verbose=0)
    return model

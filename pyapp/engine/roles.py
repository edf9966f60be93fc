"""Layers found by their role in the network, never by a shipped name: an imported model names its own.

The kernel playground edits the first convolution (it reads the image); Grad-CAM weighs the maps of the
last one. Both exist in every model pyapp.models.limits accepts for these views; ``None`` when not.
"""
from __future__ import annotations


def convolutions(network) -> list[str]:
    return [layer.name for layer in network.layers if layer.type == "conv2d"]


def first_convolution(network) -> str | None:
    found = convolutions(network)
    return found[0] if found else None


def last_convolution(network) -> str | None:
    found = convolutions(network)
    return found[-1] if found else None

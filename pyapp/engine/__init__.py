"""The Tiny VGG engine in NumPy: layers, gradients, the network and its traces, the explanation methods."""

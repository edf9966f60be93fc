"""Training Tiny VGG with PyTorch and exporting it for the NumPy engine (``python -m training.train``), and the
PyTorch references the engine's tests compare against (``python -m training.reference_logits``,
``python -m training.reference_gradients``). Needs requirements-train.txt; pyapp never imports this package.

- train: settings, the training loop, the command line; data: the images, decoded once; augment: on-the-fly
  augmentation; tiny_vgg_torch: the network (and a wider teacher) in PyTorch, export to .npz; liveness: keeping
  activation maps alive; checkpoint: resumable runs; model_card: the card written beside the weights.
"""

"""The command line (``python -m pyapp``, ``cnn-explainer``): main.py holds the table of commands, one module each."""

"""The Train panel (#train): its markup (panel.py), the pictures of a run (charts.py: curves, kernels, classes,
the held-out strip) and what is happening in words (words.py); pyapp/page/train.py runs it."""

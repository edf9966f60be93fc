"""``python -m pyapp``: the command line (see pyapp/cli/main.py)."""
import os
import sys

# Tiny matrices: BLAS threads cost more than they save, and on a busy machine far more (1 ms vs 60 ms).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from .cli.main import main  # noqa: E402  (after the thread setting, which must precede NumPy's import)

sys.exit(main())

"""Shared set-up of the asv benchmarks: FiPy on its SciPy solvers, and rfsim
importable from the checkout when it is not installed in the environment asv runs
in (``--python=same``).  Numba uses every core, as for a user; set
NUMBA_NUM_THREADS to track one thread."""

import os
import sys
from pathlib import Path

os.environ.setdefault("FIPY_SOLVERS", "scipy")
try:
    import rfsim  # noqa: F401
except ImportError:  # a source checkout: benchmarks/benchmarks/ -> repository root
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    import rfsim  # noqa: F401

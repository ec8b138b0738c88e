"""Shared set-up of the asv benchmarks: one Numba thread (the kernels are serial,
and the machine may be shared), and rfsim importable from the checkout when it is
not installed in the environment asv runs in (``--python=same``)."""

import os
import sys
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
os.environ.setdefault("FIPY_SOLVERS", "scipy")
try:
    import rfsim  # noqa: F401
except ImportError:  # a source checkout: benchmarks/benchmarks/ -> repository root
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    import rfsim  # noqa: F401

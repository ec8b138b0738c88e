"""Numba settings shared by every compiled kernel of :mod:`rfsim.numerics`.

Kernels are module-level ``@njit(cache=CACHE)`` functions that take arrays, so
that each process (a sweep worker, say) reads them from Numba's on-disk cache
instead of compiling them again.  Set ``RFSIM_DISABLE_CACHE=1`` to keep Numba
from writing that cache (read-only installs, or to time a first compilation).
"""

from __future__ import annotations

import os

import numpy as np

#: Whether kernels use Numba's on-disk cache (off with ``RFSIM_DISABLE_CACHE=1``).
CACHE = os.environ.get("RFSIM_DISABLE_CACHE", "0") != "1"

#: Arrays of at least this many cells are processed on all threads; below it
#: the ~2 us it takes to start a parallel region outweighs the gain (the 2-D
#: axisymmetric grids of predictions have ~6000 cells).  Staying serial there
#: also means a prediction never starts OpenMP threads, so a process that ran
#: one can still fork workers.
PARALLEL_MIN_CELLS = 20_000


def readonly_view(a: np.ndarray) -> np.ndarray:
    """A read-only view of ``a`` (no copy).

    Numba types a read-only array apart from a writable one and compiles a
    kernel once for each; inputs passed through this get one specialisation
    whichever the caller holds (each costs ~0.5-1 s on a first run).
    """
    v = a.view()
    v.flags.writeable = False
    return v

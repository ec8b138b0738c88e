"""Compilation: one specialisation per kernel, so a first run compiles each once."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from rfsim.numerics.jit import readonly_view


def test_readonly_view_shares_memory_and_leaves_the_original_writable():
    a = np.arange(4.0)
    v = readonly_view(a)
    assert not v.flags.writeable and a.flags.writeable
    a[0] = 7.0
    assert v[0] == 7.0 and np.shares_memory(a, v)


# what a default prediction leaves compiled, per kernel of rfsim.numerics
_COUNT = """
import json, rfsim.numerics as N
from numba.core.registry import CPUDispatcher
from rfsim.prediction import predict
predict()
import rfsim.numerics.cg, rfsim.numerics.interpolation, rfsim.numerics.kernels, rfsim.numerics.ldl
import rfsim.numerics.ldl_factor
mods = [rfsim.numerics.cg, rfsim.numerics.interpolation, rfsim.numerics.kernels, rfsim.numerics.ldl,
        rfsim.numerics.ldl_factor]
print(json.dumps({f"{m.__name__}.{n}": len(f.signatures) for m in mods for n, f in vars(m).items()
                  if isinstance(f, CPUDispatcher) and f.signatures}))
"""


@pytest.mark.slow
def test_a_default_prediction_compiles_each_kernel_once(tmp_path):
    # a second specialisation (a read-only or strided array, a literal int)
    # costs a first run ~0.3-1 s of compilation for nothing; an empty compile
    # cache, so that the kernels called from compiled code are counted too
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), NUMBA_CACHE_DIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", _COUNT], check=True, capture_output=True, text=True, env=env)
    counts = json.loads(out.stdout.strip().splitlines()[-1])
    assert counts["rfsim.numerics.ldl.pcg_ldl"] == 1  # the run did use the kernels
    assert {k: n for k, n in counts.items() if n != 1} == {}

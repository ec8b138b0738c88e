"""Throughput figures: the matrix-free operator against a STREAM triad on the same
threads, a 60 s lesion, and the first JIT compilation."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from rfsim.bench.peer import PeerProblem, run_rfsim

#: Bytes the operator must move per cell at best: x, diag, mask, y and the three face
#: conductances it owns (the neighbours' x and the upper faces come from cache).
OPERATOR_BYTES_PER_CELL = 7 * 8
#: Bytes per element of the triad a = b + s c (two reads, one write).
TRIAD_BYTES_PER_ELEMENT = 3 * 8


def triad_bandwidth(n_elements=2 ** 24, repeats=7):
    """STREAM triad a = b + s c on all threads, as the operator runs: GB/s
    (1e9 B/s), counting 24 bytes per element as STREAM does."""
    from rfsim.numerics.kernels import triad

    a, b, c = np.zeros(n_elements), np.ones(n_elements), np.full(n_elements, 2.0)
    triad(a, b, c, 3.0)
    t = _median_time(lambda: triad(a, b, c, 3.0), repeats)
    return TRIAD_BYTES_PER_ELEMENT * n_elements / t / 1e9


def time_calls(f, repeats, clock=time.perf_counter):
    """Times (s) of ``repeats`` calls of f(): wall times by default, CPU times
    of this process with ``clock=time.process_time``."""
    ts = []
    for _ in range(repeats):
        t = clock()
        f()
        ts.append(clock() - t)
    return ts


def _median_time(f, repeats):
    return statistics.median(time_calls(f, repeats))


def operator_arrays(n):
    """Face conductances, diagonal, mask, x and y of the peer problem at n^3."""
    from rfsim.numerics.conductance import assemble_conductances

    pb = PeerProblem(n)
    g = pb.grid()
    G = assemble_conductances(g, pb.sigma(pb.initial_c))
    x = np.random.default_rng(7).random(g.shape)
    return G, np.ones(g.shape), np.ones(g.shape), x, np.empty(g.shape)


def operator_throughput(n=128, repeats=7, arrays=None):
    """Matrix-free operator on the peer problem's n^3 cells, or on ``arrays``
    (G, diag, mask, x, y as :func:`operator_arrays` returns them): (cells per
    second, GB/s at :data:`OPERATOR_BYTES_PER_CELL`).  Compiled before timing."""
    from rfsim.numerics.kernels import apply_operator

    G, diag, mask, x, y = operator_arrays(n) if arrays is None else arrays
    apply_operator(*G, diag, mask, x, y)
    t = _median_time(lambda: apply_operator(*G, diag, mask, x, y), repeats)
    cps = x.size / t
    return cps, cps * OPERATOR_BYTES_PER_CELL / 1e9


def operator_vs_triad(n=128, rounds=5, arrays=None):
    """(cells per second, operator GB/s, triad GB/s): medians over ``rounds``
    alternating measurements of the two, on the peer problem at n^3 or on
    ``arrays`` (see :func:`operator_throughput`).  This machine's bandwidth
    drifts by tens of percent between minutes (other tenants of the host);
    alternating keeps the ratio of the two fair."""
    arrays = operator_arrays(n) if arrays is None else arrays
    ops, tris = [], []
    for _ in range(rounds):
        ops.append(operator_throughput(repeats=3, arrays=arrays)[0])
        tris.append(triad_bandwidth(repeats=3))
    cps = statistics.median(ops)
    return cps, cps * OPERATOR_BYTES_PER_CELL / 1e9, statistics.median(tris)


def lesion_time(repeats=3):
    """Median wall time (s) of a 60 s lesion at 80 C on the homogeneous
    axisymmetric block (cord tissue), warm; and its cell count."""
    from rfsim.physics.domain import homogeneous
    from rfsim.physics.electrode import Electrode
    from rfsim.physics.generator import Protocol
    from rfsim.physics.simulation import simulate
    from rfsim.physics.tissue import tissue

    d = homogeneous(tissue("spinal_cord"), Electrode())
    p = Protocol.clinical(1, cooling_s=0.0)
    simulate(d, p)
    return _median_time(lambda: simulate(d, p), repeats), d.grid.ncells


def compile_all():
    """Compile the kernels in this interpreter; returns the wall times (s) of
    the axisymmetric path (every kernel of :mod:`rfsim.numerics.kernels` once on tiny
    arrays, as a prediction uses them) and of the 3-D path (the peer problem at
    28^3: multigrid, threaded and single-precision kernels).  In a fresh process
    with ``RFSIM_DISABLE_CACHE=1`` that is the first compilation, with nothing
    read from Numba's on-disk cache."""
    t = time.perf_counter()
    from rfsim.numerics import kernels
    from rfsim.numerics.conductance import assemble_conductances

    pb = PeerProblem(4)
    g = pb.grid()
    sigma = pb.sigma(pb.initial_c)
    G = assemble_conductances(g, sigma)
    one = np.ones(g.shape)
    y = np.empty(g.shape)
    kernels.apply_operator(*G, one, one, one, y)
    kernels.joule_heat(*G, one, sigma, *g.half, y)
    kernels.boundary_source(*G, 37.0, y)
    kernels.damage_update(one, one, 1.0, 1e70, 4e5, 43.0, y.copy(), y.copy(), y.copy(), y.copy(), y.copy(), False)
    t2d = time.perf_counter() - t
    t = time.perf_counter()
    run_rfsim(PeerProblem(28, steps=2), 1)
    return t2d, time.perf_counter() - t


def first_compile_s(timeout=600):
    """Wall times (s) of :func:`compile_all` in a fresh interpreter with the
    Numba cache disabled (``RFSIM_DISABLE_CACHE=1``): the JIT cost a user pays
    once, kept out of every other figure.  Returns (axisymmetric path, 3-D path)."""
    root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ, RFSIM_DISABLE_CACHE="1",
               PYTHONPATH=os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]))
    p = subprocess.run([sys.executable, "-c", "import rfsim.bench.throughput as b; print(*b.compile_all())"],
                       capture_output=True, text=True, env=env, timeout=timeout, check=True)
    t2d, t3d = (float(v) for v in p.stdout.strip().splitlines()[-1].split())
    return t2d, t3d

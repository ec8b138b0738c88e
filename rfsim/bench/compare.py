"""rfsim and FiPy on the peer problem, each in its own fresh process so that its
peak memory can be told apart, with the agreement check before any ratio.

Run as ``python -m rfsim.bench.compare CODE N REPEATS STEPS SOLVER OUT.npz`` it is
that worker process."""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from rfsim.bench.fipy_peer import fipy_solvers, run_fipy
from rfsim.bench.peer import (POTENTIAL_AGREEMENT, TEMPERATURE_AGREEMENT_K, PeerProblem, run_rfsim,
                              steps_median)


def _rss_mib():
    """Peak resident memory of this process so far (MiB; Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _worker(code, n, repeats, steps, solver, path):
    """Run one code on the peer problem of size n; arrays to ``path`` (.npz),
    figures as JSON on stdout."""
    run = run_rfsim if code == "rfsim" else run_fipy
    kw = {} if code == "rfsim" else {"solver": solver}
    # compile / import everything outside the timing; 28^3 is above the size at
    # which rfsim switches to multigrid, so its kernels compile here too
    run(PeerProblem(28 if code == "rfsim" else 6, steps=2), 1, **kw)
    base = _rss_mib()
    pb = PeerProblem(n, steps=steps)
    r = run(pb, repeats, **kw)
    peak = _rss_mib()
    np.savez(path, phi=r.pop("phi"), T=r.pop("T"))
    r["bytes_per_cell"] = max(peak - base, 0.0) * 2 ** 20 / pb.ncells
    print(json.dumps(r))


def _spawn(code, n, repeats, steps, solver=None, timeout=3600):
    """Run :func:`_worker` in a fresh interpreter; returns (figures, arrays)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "out.npz")
        root = str(Path(__file__).resolve().parents[2])
        # rfsim runs on as many threads as Numba is given (all cores unless
        # NUMBA_NUM_THREADS or --threads says otherwise); FiPy as it installs
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]),
                   FIPY_SOLVERS="scipy")
        cmd = [sys.executable, "-m", "rfsim.bench.compare", code, str(n), str(repeats), str(steps), solver or "", path]
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
        if p.returncode or not p.stdout.strip():
            raise RuntimeError(f"{code} worker at n={n} failed:\n{p.stderr[-2000:]}")
        figures = json.loads(p.stdout.strip().splitlines()[-1])
        with np.load(path) as z:
            return figures, {k: z[k] for k in z.files}


def fastest_fipy_solver(n=24):
    """Name of the FiPy configuration that solves the peer potential fastest at
    n^3 (one timed solve each after a warm-up in the same process)."""
    best = None
    for name, _ in fipy_solvers():
        try:
            # ILU (SciPy's spilu, built anew by FiPy at every solve) took over a
            # minute at 24^3 where smoothed aggregation takes a fraction of a second:
            # a candidate that slow is out of the race, not waited for
            f, _ = _spawn("fipy", n, 2, 1, name, timeout=60)
        except (RuntimeError, subprocess.TimeoutExpired):
            continue  # too slow, or broke down: not a candidate
        t = min(f["potential_s"])
        if best is None or t < best[1]:
            best = (name, t)
    return best[0] if best else None


def compare(n, repeats=3, steps=3, fipy_solver=None, with_fipy=True):
    """The peer problem of size n^3 in rfsim and in FiPy, with the agreement check.

    Returns
    -------
    dict
        ``n``, ``cells``, ``rfsim`` and ``fipy`` figures (see :func:`run_rfsim`; plus
        ``bytes_per_cell``, peak memory growth per cell), ``potential_error``
        (max |dphi| / max |phi|), ``temperature_error_k`` (max |dT|, K), ``agree``
        (bool), ``potential_ratio`` and ``heat_ratio`` (FiPy time / rfsim time,
        None unless the answers agree).
    """
    fr, ar = _spawn("rfsim", n, repeats, steps)
    res = {"n": n, "cells": n ** 3, "rfsim": fr, "fipy": None, "agree": None,
           "potential_ratio": None, "heat_ratio": None}
    if not with_fipy:
        return res
    ff, af = _spawn("fipy", n, repeats, steps, fipy_solver)
    res["fipy"] = ff
    res["potential_error"] = float(np.abs(ar["phi"] - af["phi"]).max() / np.abs(ar["phi"]).max())
    res["temperature_error_k"] = float(np.abs(ar["T"] - af["T"]).max())
    res["agree"] = res["potential_error"] <= POTENTIAL_AGREEMENT and res["temperature_error_k"] <= TEMPERATURE_AGREEMENT_K
    if res["agree"]:
        res["potential_ratio"] = statistics.median(ff["potential_s"]) / statistics.median(fr["potential_s"])
        res["heat_ratio"] = steps_median(ff["heat_s"]) / steps_median(fr["heat_s"])
    return res


if __name__ == "__main__":  # worker: python -m rfsim.bench.compare CODE N REPEATS STEPS SOLVER OUT.npz
    c, n_, rep, st, sol, out_path = sys.argv[1:7]
    _worker(c, int(n_), int(rep), int(st), sol or None, out_path)

"""rfsim vs FiPy on the same heterogeneous 3-D problem (``rfsim.bench.PeerProblem``):
speed-up per potential solve and per heat step, and memory per cell of each code.
Each code runs in its own fresh process (``rfsim.bench.compare``); the ratios are
only reported when the answers agree (potential 1e-6 relative, temperature
1e-3 K), otherwise the benchmark fails.  Skipped without FiPy.

Only 32^3 here, so that ``asv run`` stays short; the 64^3 and 128^3 figures come
from ``rfsim bench`` (see ../README.md).
"""

from . import _common  # noqa: F401

import statistics

import rfsim.bench as bench

SIZES = [32]


class Peer:
    params = [SIZES]
    param_names = ["n"]
    timeout = 1800

    def setup_cache(self):
        if not bench.have_fipy():
            return None
        solver = bench.fastest_fipy_solver()
        return {n: bench.compare(n, repeats=3, steps=3, fipy_solver=solver) for n in SIZES}

    def setup(self, cache, n):
        if cache is None:
            raise NotImplementedError("FiPy is not installed")
        self.r = cache[n]
        if not self.r["agree"]:
            raise AssertionError(f"rfsim and FiPy disagree at {n}^3: {self.r}")

    def track_speedup_potential(self, cache, n):
        return self.r["potential_ratio"]

    track_speedup_potential.unit = "x"

    def track_speedup_heat_step(self, cache, n):
        return self.r["heat_ratio"]

    track_speedup_heat_step.unit = "x"

    def track_rfsim_potential(self, cache, n):
        return statistics.median(self.r["rfsim"]["potential_s"])

    track_rfsim_potential.unit = "s"

    def track_rfsim_heat_step(self, cache, n):
        return statistics.median(self.r["rfsim"]["heat_s"][1:])

    track_rfsim_heat_step.unit = "s"

    def track_rfsim_bytes_per_cell(self, cache, n):
        return self.r["rfsim"]["bytes_per_cell"]

    track_rfsim_bytes_per_cell.unit = "B/cell"

    def track_fipy_bytes_per_cell(self, cache, n):
        return self.r["fipy"]["bytes_per_cell"]

    track_fipy_bytes_per_cell.unit = "B/cell"


class PeerMemory:
    """Peak memory of rfsim on the peer problem in this process (asv peakmem)."""

    params = [[32, 64]]
    param_names = ["n"]
    timeout = 900

    def setup(self, n):
        bench.run_rfsim(bench.PeerProblem(6, steps=1), 1)  # compile

    def peakmem_rfsim_peer(self, n):
        bench.run_rfsim(bench.PeerProblem(n, steps=2), 1)

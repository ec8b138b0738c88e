"""Sweep throughput through ``rfsim.sweep.core.run_sweep``: default axisymmetric
predictions (3 lesions at 80 C for 60 s) on 1 and 2 local workers.  The rate
includes starting the workers, as `rfsim sweep` reports it; the steady-state
figures of issue 6 come from benchmarks/bench_sweep.py."""

from . import _common  # noqa: F401

import tempfile
import time
from pathlib import Path


def _spec(n_offsets):
    from rfsim.sweep.core import parse_sweep

    offsets = [1.0 + 0.1 * i for i in range(n_offsets)]
    return parse_sweep({"sweep": {"seed": 1}, "grid": {"placement.offset_mm": offsets}})


class SweepThroughput:
    params = [1, 2]
    param_names = ["workers"]
    timeout = 900
    number = 1
    repeat = 1

    def setup(self, workers):
        self.spec = _spec(8 * workers)

    def track_runs_per_minute(self, workers):
        from rfsim.sweep.core import run_sweep

        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            run_sweep(self.spec, Path(tmp) / "s.h5", workers=workers, progress=False, log_every_s=1e9)
            return self.spec.n_runs / (time.perf_counter() - t) * 60.0

    track_runs_per_minute.unit = "runs/min"

"""Sweep throughput (lesions per second) through the public function of
``rfsim.sweep`` (written by another developer).  Skipped (asv reports it as
skipped) while that module, or a function this benchmark recognises, is absent."""

from . import _common  # noqa: F401

import time


def _sweep_api():
    try:
        from rfsim import sweep
    except ImportError:
        raise NotImplementedError("rfsim.sweep is not importable yet")
    fn = getattr(sweep, "sweep", None) or getattr(sweep, "run_sweep", None)
    if fn is None:
        raise NotImplementedError("rfsim.sweep has no sweep() or run_sweep() function")
    return fn


class Sweep:
    timeout = 900

    def setup(self):
        self.fn = _sweep_api()
        self.kw = _tiny_sweep_arguments(self.fn)

    def track_lesions_per_second(self):
        t = time.perf_counter()
        out = self.fn(**self.kw)
        n = len(out) if hasattr(out, "__len__") else 4
        return n / (time.perf_counter() - t)

    track_lesions_per_second.unit = "lesions/s"


def _tiny_sweep_arguments(fn):
    """Keyword arguments for a tiny sweep: four placements (two offsets x two
    depths), one 60 s lesion each.  Only arguments the function declares are
    passed; an API this cannot drive skips the benchmark rather than guessing."""
    import inspect

    params = inspect.signature(fn).parameters
    kw = {}
    grid = {"offset_mm": [1.0, 2.0], "depth_mm": [2.0, 3.0]}
    for name in ("grid", "axes", "values", "parameters"):
        if name in params:
            kw[name] = grid
            break
    else:
        raise NotImplementedError(f"unknown rfsim.sweep signature {inspect.signature(fn)}")
    for name, value in (("lesions", 1), ("workers", 1), ("processes", 1), ("jobs", 1)):
        if name in params:
            kw[name] = value
    return kw

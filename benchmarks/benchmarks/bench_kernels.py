"""The matrix-free operator: time, throughput (cells/s) and achieved bandwidth,
against a STREAM triad on the same threads."""

from . import _common  # noqa: F401

import rfsim.bench as bench
from rfsim.numerics.kernels import apply_operator


class Operator:
    """``rfsim.numerics.kernels.apply_operator`` on the peer problem's n^3 grid.  At 32^3
    and 64^3 the seven arrays fit in the last-level cache; 128^3 (117 MB) is the
    memory-bound case to compare with the triad."""

    params = [32, 64, 128]
    param_names = ["n"]

    def setup(self, n):
        self.args = bench.operator_arrays(n)
        apply_operator(*self.args[0], *self.args[1:])  # compile outside the timing

    def time_apply_operator(self, n):
        apply_operator(*self.args[0], *self.args[1:])

    def track_cells_per_second(self, n):
        return bench.operator_throughput(n)[0]

    track_cells_per_second.unit = "cells/s"

    def track_bandwidth(self, n):
        return bench.operator_throughput(n)[1]

    track_bandwidth.unit = "GB/s"


class Triad:
    """STREAM triad a = b + s c on 2^24 doubles (400 MB), all threads, Numba."""

    def setup(self):
        bench.triad_bandwidth(2 ** 16, 1)  # compile

    def track_triad_bandwidth(self):
        return bench.triad_bandwidth()

    track_triad_bandwidth.unit = "GB/s"

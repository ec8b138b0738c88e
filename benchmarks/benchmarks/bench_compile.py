"""First JIT compilation of the kernels, measured apart from every other figure:
a fresh interpreter with ``RFSIM_DISABLE_CACHE=1`` (Numba's on-disk cache off in
rfsim.numerics.kernels) compiles everything once (``rfsim.bench.compile_all``): the
axisymmetric path, then the 3-D path."""

from . import _common  # noqa: F401

import rfsim.bench as bench


class Compile:
    timeout = 600

    def track_first_compile(self):
        return bench.first_compile_s()[0]

    track_first_compile.unit = "s"

    def track_first_compile_3d(self):
        return bench.first_compile_s()[1]

    track_first_compile_3d.unit = "s"

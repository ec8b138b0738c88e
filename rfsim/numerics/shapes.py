"""Point-in-shape tests of the anatomy's regions, compiled.

Every draw of an uncertainty run has a cord of its own size, so its tracts are
sampled afresh on rasters of ~10^5 points; in NumPy an ellipse test made five
passes over them with temporaries (~10 ms a draw).  :func:`in_ellipse` makes
one, with the same floating-point operations in the same order as its NumPy
twin :func:`in_ellipse_np`, so the two agree to the last bit (the tests hold
them together).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from rfsim.numerics.jit import CACHE


@njit(cache=CACHE)
def in_ellipse(u, v, cu, cv, c, s, a, b, out):
    """out[p] = whether (u[p], v[p]) lies in the ellipse of centre (cu, cv),
    semi-axes a and b along its first and second axes, the first axis at
    angle (cos, sin) = (c, s) from +u.  Any unit (the same for all lengths);
    1-D arrays of one size."""
    for p in range(u.size):
        du, dv = u[p] - cu, v[p] - cv
        x = (c * du + s * dv) / a
        y = (-s * du + c * dv) / b
        out[p] = x * x + y * y <= 1.0


def in_ellipse_np(u, v, cu, cv, c, s, a, b, out):
    """NumPy twin of :func:`in_ellipse`."""
    du, dv = u - cu, v - cv
    x = (c * du + s * dv) / a
    y = (-s * du + c * dv) / b
    out[:] = x * x + y * y <= 1.0

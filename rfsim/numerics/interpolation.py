"""An (r, z) field of an axisymmetric grid at points placed along a needle.

A point at axial distance s from the needle's tip end (along its unit direction
d) and at radial distance rho from its axis takes the bilinear interpolant of
the field at (rho, s) on the grid's cell centres, held constant beyond the
outermost centres.  This is how the axisymmetric model's lesion is laid into
the cord (:class:`rfsim.cordotomy.sampling.AxisymmetricSampler`); the metrics
evaluate it on ~50,000 raster points a dozen times per lesion, which in NumPy
took a quarter of a prediction.

:func:`needle_bilinear` is compiled, :func:`needle_bilinear_np` is its NumPy
twin; both do the same floating-point operations in the same order, so their
answers agree to the last bit (the tests hold them together).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from rfsim.numerics.jit import CACHE


@njit(cache=CACHE)
def _locate(c, x, i):
    """The interval of the centres ``c`` (ascending) that holds ``x``, walking
    from the guess ``i``: the last i in [0, c.size - 2] with c[i] < x, or 0 when
    none (``np.searchsorted(c, x) - 1``, clipped).  Neighbouring points lie in
    the same or the next interval, so the walk is a step or two."""
    while i < c.size - 2 and c[i + 1] < x:
        i += 1
    while i > 0 and c[i] >= x:
        i -= 1
    return i


@njit(cache=CACHE)
def needle_bilinear(f, rc, zc, tip, d, x, y, z, out):
    """out[p] = f at (rho, s) of the point (x[p], y[p], z[p]) (m), bilinear.

    Parameters
    ----------
    f : (nr, nz) float array
        The field on the cell centres of the (r, z) grid.
    rc, zc : 1-D float arrays
        Cell centres (m) along r and z, ascending, at least two each.
    tip : (3,) float array
        The needle's tip end (m).
    d : (3,) float array
        The needle's unit direction.
    x, y, z : 1-D float arrays of one size
        The points (m).
    out : 1-D float array of that size
    """
    i = k = np.int64(0)  # not literal 0s, which would compile _locate twice
    for p in range(x.size):
        px, py, pz = x[p] - tip[0], y[p] - tip[1], z[p] - tip[2]
        s = px * d[0] + py * d[1] + pz * d[2]
        rho = np.sqrt(max(px * px + py * py + pz * pz - s * s, 0.0))
        i = _locate(rc, rho, i)
        k = _locate(zc, s, k)
        wi = min(max((rho - rc[i]) / (rc[i + 1] - rc[i]), 0.0), 1.0)
        wk = min(max((s - zc[k]) / (zc[k + 1] - zc[k]), 0.0), 1.0)
        out[p] = ((1 - wi) * (1 - wk) * f[i, k] + wi * (1 - wk) * f[i + 1, k]
                  + (1 - wi) * wk * f[i, k + 1] + wi * wk * f[i + 1, k + 1])


def linear_weights(c, x):
    """Index i and weight w (0..1) of linear interpolation on the ascending
    centres ``c`` at the points ``x`` (arrays): the value at x is
    (1 - w) v[i] + w v[i + 1], held constant beyond the outermost centres."""
    i = np.clip(np.searchsorted(c, x) - 1, 0, c.size - 2)
    w = np.clip((x - c[i]) / (c[i + 1] - c[i]), 0.0, 1.0)
    return i, w


def needle_bilinear_np(f, rc, zc, tip, d, x, y, z, out):
    """NumPy twin of :func:`needle_bilinear`."""
    px, py, pz = x - tip[0], y - tip[1], z - tip[2]
    s = px * d[0] + py * d[1] + pz * d[2]
    rho = np.sqrt(np.maximum(px * px + py * py + pz * pz - s * s, 0.0))
    i, wi = linear_weights(rc, rho)
    k, wk = linear_weights(zc, s)
    out[:] = ((1 - wi) * (1 - wk) * f[i, k] + wi * (1 - wk) * f[i + 1, k]
              + (1 - wi) * wk * f[i, k + 1] + wi * wk * f[i + 1, k + 1])

"""Point-in-shape tests of the anatomy's regions, compiled.

Every draw of an uncertainty run has a cord of its own size, so its tracts are
sampled afresh on rasters of ~10^5 points; in NumPy an ellipse test made five
passes over them with temporaries (~10 ms a draw).  :func:`in_ellipse` makes
one, with the same floating-point operations in the same order as its NumPy
twin :func:`in_ellipse_np`, so the two agree to the last bit (the tests hold
them together).

The cord outline's radius at the points' polar angles is a periodic linear
interpolation; ``np.interp(..., period=...)`` reduces and sorts the table and
reduces the angles in extra passes on every call, and searches each angle
afresh.  :func:`periodic_interp` takes the table reduced once
(:func:`periodic_table`, NumPy's own steps) and makes one pass, starting
each search where the last ended; its twin is ``np.interp`` itself.
"""

from __future__ import annotations

import math

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


def periodic_table(xp, fp, period: float) -> tuple:
    """(xp, fp) as ``np.interp(x, xp, fp, period=period)`` extends them: reduced
    to [0, period), sorted, and closed by one point at each end (NumPy's steps,
    so :func:`periodic_interp` interpolates the same segments)."""
    xp = np.asarray(xp, float) % period
    order = np.argsort(xp)
    xp, fp = xp[order], np.asarray(fp, float)[order]
    return (np.concatenate((xp[-1:] - period, xp, xp[0:1] + period)),
            np.concatenate((fp[-1:], fp, fp[0:1])))


@njit(cache=CACHE)
def periodic_interp(x, xp, fp, period, out):
    """out[i] = np.interp(x[i], xp0, fp0, period=period), bit for bit, with
    (xp, fp) = periodic_table(xp0, fp0, period); 1-D arrays, period > 0."""
    n = xp.size
    j = 0
    for i in range(x.size):
        v = x[i]
        # x % period as NumPy takes it (fmod, then into [0, period)); for
        # |x| < period (every angle of arctan2) fmod(x) is x itself, exactly
        if 0.0 < v < period:
            pass
        elif -period < v < 0.0:
            v += period
        elif v == 0.0:
            v = 0.0  # -0.0 too
        else:
            v = v % period  # Python's float remainder, NumPy's too
        if math.isnan(v):
            out[i] = v
            continue
        # j: the last table point <= v (n for v past the end, -1 before the start)
        if v > xp[n - 1]:
            j = n
        elif v < xp[0]:
            j = -1
        else:
            # bisection, after trying the last point's segment and the next
            # (neighbouring points have near angles); xp[lo] <= v < xp[hi]
            lo, hi = 0, n
            if 0 <= j < n:
                if xp[j] <= v:
                    lo = j
                    if j + 1 < n and v < xp[j + 1]:
                        hi = j + 1
                    elif j + 2 < n and v < xp[j + 2]:
                        lo, hi = j + 1, j + 2
                else:
                    hi = j
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if xp[mid] <= v:
                    lo = mid
                else:
                    hi = mid
            j = lo
        if j == -1:
            out[i] = fp[0]
        elif j >= n - 1:
            out[i] = fp[n - 1]
        elif xp[j] == v:
            out[i] = fp[j]
        else:
            slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])
            r = slope * (v - xp[j]) + fp[j]
            if math.isnan(r):  # NumPy's fallback: from the other end of the segment
                r = slope * (v - xp[j + 1]) + fp[j + 1]
                if math.isnan(r) and fp[j] == fp[j + 1]:
                    r = fp[j]
            out[i] = r

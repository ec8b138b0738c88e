"""Gauss-Seidel smoothing of the multigrid V-cycle, in parallel slabs.

The sweep cuts axis 0 into slabs (:func:`slab_bounds`) swept in parallel; each
slab is swept lexicographically and reads its neighbour slabs' border planes as
they were before the sweep, so answers do not depend on the number of threads.
A forward sweep before the coarse correction and a backward one after it keep
the V-cycle symmetric, as CG requires.

Every compiled kernel is a module-level ``@njit(cache=CACHE)`` function with a
NumPy twin of the same name plus ``_np``; ``tests/numerics/test_multigrid.py``
checks they agree.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from rfsim.numerics.jit import CACHE

#: The smoother cuts axis 0 into at most this many slabs of at least
#: ``SLAB_MIN_PLANES`` planes and sweeps them in parallel.  The slab count is
#: fixed, not the thread count, so answers do not depend on the machine.
SMOOTHER_SLABS = 4
SLAB_MIN_PLANES = 4


@njit(cache=CACHE)
def slab_bounds(n0, nslabs):
    """Plane index where each slab starts, and n0 at the end ((nslabs + 1,) int64)."""
    ns = max(1, min(nslabs, n0 // SLAB_MIN_PLANES))
    out = np.empty(ns + 1, dtype=np.int64)
    for s in range(ns + 1):
        out[s] = (s * n0) // ns
    return out


def slab_bounds_np(n0, nslabs):
    """NumPy twin of :func:`slab_bounds`."""
    ns = max(1, min(nslabs, n0 // SLAB_MIN_PLANES))
    return (np.arange(ns + 1, dtype=np.int64) * n0) // ns


@njit(cache=CACHE)
def _gs_line(xl, bl, dl, g0l, g0u, xlo0, xhi0, g1l, g1u, xlo1, xhi1, g2, forward):
    """One line of axis 2: its neighbours across axes 0 and 1 are the lines
    xlo0, xhi0, xlo1, xhi1 (a zero line where the neighbour is the boundary).

    Each cell depends on the one just updated.  That value stays in a register
    (``xprev``) and enters last, by one multiply-add on the already scaled face:
    the chain from cell to cell is then one instruction instead of a sum, a
    multiply and a store-to-load round trip.
    """
    n2 = xl.size
    xprev = xl[0] - xl[0]  # zero of the array's precision: the boundary beyond the line
    for kk in range(n2):
        k = kk if forward else n2 - 1 - kk
        d = dl[k]
        if d == 0.0:
            xprev = xl[k]
            continue
        t = bl[k] + g0l[k] * xlo0[k] + g0u[k] * xhi0[k] + g1l[k] * xlo1[k] + g1u[k] * xhi1[k]
        if forward:
            if kk < n2 - 1:
                t += g2[k + 1] * xl[k + 1]
            g = g2[k]
        else:
            if kk < n2 - 1:
                t += g2[k] * xl[k - 1]
            g = g2[k + 1]
        xprev = d * t + (d * g) * xprev
        xl[k] = xprev


@njit(cache=CACHE)
def _gs_slab(G0, G1, G2, dinv, b, x, lo, hi, below, above, zero, forward):
    """Gauss-Seidel over planes lo..hi-1 of axis 0; the planes lo-1 and hi are
    read from ``below`` and ``above`` (copies frozen before the sweep, zero at
    the boundary), ``zero`` is a zero line."""
    n0, n1, n2 = x.shape
    for ii in range(hi - lo):
        i = lo + ii if forward else hi - 1 - ii
        xm = below if i == lo else x[i - 1]
        xp = above if i == hi - 1 else x[i + 1]
        for jj in range(n1):
            j = jj if forward else n1 - 1 - jj
            _gs_line(x[i, j], b[i, j], dinv[i, j], G0[i, j], G0[i + 1, j], xm[j], xp[j],
                     G1[i, j], G1[i, j + 1], x[i, j - 1] if j > 0 else zero,
                     x[i, j + 1] if j < n1 - 1 else zero, G2[i, j], forward)


@njit(cache=CACHE, parallel=True)
def gauss_seidel(G0, G1, G2, dinv, b, x, forward, nslabs):
    """One Gauss-Seidel sweep on the free cells, in place, slabs in parallel.

    x_c <- (b_c + sum_faces G x_nb) / (diag_c + sum_faces G); fixed cells keep
    x = 0, and boundary faces count in the denominator only (neighbour at 0).
    Axis 0 is cut into slabs (:func:`slab_bounds`); each is swept
    lexicographically and reads its neighbour slabs' border planes as they were
    before the sweep (Jacobi between slabs), so the result does not depend on
    the order the threads run in.  The backward sweep is the adjoint of the
    forward one, so a forward-backward pair stays symmetric.

    Parameters
    ----------
    G0, G1, G2 : face arrays (S or W/K)
    dinv : cell array, 1 / (diag + sum of the cell's face conductances); 0
        where the sweep leaves x alone (fixed cells; not reading a mask saves
        an eighth of the sweep's memory traffic)
    b : cell array, right-hand side
    x : cell array, updated in place
    forward : bool
        Sweep direction.
    nslabs : int
        Most slabs (1: a plain lexicographic sweep).
    """
    n0, n1, n2 = x.shape
    bounds = slab_bounds(n0, nslabs)
    ns = bounds.size - 1
    ghost = np.zeros((ns, 2, n1, n2), dtype=x.dtype)  # planes below and above each slab
    for s in range(ns):
        if bounds[s] > 0:
            ghost[s, 0] = x[bounds[s] - 1]
        if bounds[s + 1] < n0:
            ghost[s, 1] = x[bounds[s + 1]]
    zero = np.zeros(n2, dtype=x.dtype)
    for s in prange(ns):
        _gs_slab(G0, G1, G2, dinv, b, x, bounds[s], bounds[s + 1], ghost[s, 0], ghost[s, 1], zero, forward)


def gauss_seidel_np(G0, G1, G2, dinv, b, x, forward, nslabs):
    """NumPy twin of :func:`gauss_seidel` (a plain loop: Gauss-Seidel is sequential)."""
    bounds = slab_bounds_np(x.shape[0], nslabs).tolist()
    x_old = x.copy()
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        order = [(i, j, k) for i in range(lo, hi) for j in range(x.shape[1]) for k in range(x.shape[2])]
        for i, j, k in (order if forward else order[::-1]):
            if dinv[i, j, k] == 0.0:
                continue
            s = b[i, j, k]
            for ax, G in enumerate((G0, G1, G2)):
                c = [i, j, k]
                for step, face in ((-1, c[ax]), (1, c[ax] + 1)):
                    nb = list(c)
                    nb[ax] += step
                    if 0 <= nb[ax] < x.shape[ax]:
                        f = list(c)
                        f[ax] = face
                        src = x_old if not lo <= nb[0] < hi else x
                        s += G[tuple(f)] * src[tuple(nb)]
            x[i, j, k] = s * dinv[i, j, k]

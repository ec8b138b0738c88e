"""Grid transfer of the multigrid hierarchy: aggregation, coarse operators,
restriction and prolongation.

Neighbouring cells are merged in pairs along every axis (:func:`aggregation_map`),
so every level is again a tensor-product grid.  The coarse face conductances sum
the fine ones crossing each coarse face, scaled by the ratio of the fine to the
coarse centre-to-centre distance (:func:`coarsen_faces`; see the package
docstring for why).  Restriction sums a fine field over each aggregate and
prolongation hands each fine cell its aggregate's value (piecewise constant).

Every compiled kernel is a module-level ``@njit(cache=CACHE)`` function with a
NumPy twin of the same name plus ``_np``; ``tests/numerics/test_multigrid.py``
checks they agree.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from rfsim.numerics.jit import CACHE
from rfsim.numerics.kernels import apply_operator_np, operator_plane


# --------------------------------------------------------------------------
# aggregation maps (1-D, per axis; cheap, plain NumPy)
# --------------------------------------------------------------------------
def aggregation_map(widths, threshold=np.inf):
    """Pairs of neighbouring cells along one axis, and the coarse cell widths.

    Cells are merged in pairs, but only cells narrower than ``threshold``: on a
    graded grid a 50 um cell next to the tip and a 2 mm cell far away coarsen
    at different levels, so that every level's cells stay roughly isotropic
    (semi-coarsening in the direction of strong coupling, which is what makes a
    point smoother work on stretched cells).

    Parameters
    ----------
    widths : 1-D float array
        Fine cell widths (m).
    threshold : float
        Only cells narrower than this (m) are merged.

    Returns
    -------
    cmap : 1-D int64 array
        Coarse index of each fine cell.
    coarse_widths : 1-D float array
        Coarse cell widths (m).
    """
    w = np.asarray(widths, float)
    n = w.size
    cmap = np.empty(n, dtype=np.int64)
    i = c = 0
    while i < n:
        cmap[i] = c
        if n > 2 and i + 1 < n and w[i] < threshold and w[i + 1] < threshold:
            cmap[i + 1] = c
            i += 1
        i += 1
        c += 1
    return cmap, np.bincount(cmap, weights=w)


# --------------------------------------------------------------------------
# coarse operator
# --------------------------------------------------------------------------
@njit(cache=CACHE)
def coarsen_faces(G, mask, ma, mb, mc, wa, Wa, Gc, dc):
    """Add one axis's fine face conductances to the coarse operator.

    Written for axis 0; the other axes are passed as views with that axis moved
    to the front (``numpy.moveaxis``), so one kernel serves all three.

    Parameters
    ----------
    G : (na + 1, nb, nc) float
        Fine face conductances normal to the axis (S or W/K).
    mask : (na, nb, nc) float
        1 on free cells, 0 on fixed (Dirichlet) cells.
    ma, mb, mc : 1-D int64
        Aggregation maps of the three axes (fine index -> coarse index).
    wa, Wa : 1-D float
        Fine and coarse cell widths along the axis (m).
    Gc : (Na + 1, Nb, Nc) float, accumulated
        Coarse face conductances.
    dc : (Na, Nb, Nc) float, accumulated
        Coarse diagonal: receives the Dirichlet links (faces between a free and
        a fixed fine cell).
    """
    na, nb, nc = mask.shape
    Na = Wa.size
    for i in range(na + 1):
        for j in range(nb):
            J = mb[j]
            for k in range(nc):
                g = G[i, j, k]
                if g == 0.0:
                    continue
                K = mc[k]
                if i == 0 or i == na:
                    c = 0 if i == 0 else na - 1
                    if mask[c, j, k] != 0.0:
                        Gc[0 if i == 0 else Na, J, K] += g * wa[c] / Wa[ma[c]]
                    continue
                lft, rgt = i - 1, i
                fl, fr = mask[lft, j, k] != 0.0, mask[rgt, j, k] != 0.0
                il, ir = ma[lft], ma[rgt]
                f = g * (wa[lft] + wa[rgt]) / (Wa[il] + Wa[ir])
                if fl and fr:
                    if il != ir:  # inside one aggregate the face cancels (Galerkin)
                        Gc[ir, J, K] += f
                elif fl:
                    dc[il, J, K] += f
                elif fr:
                    dc[ir, J, K] += f


def coarsen_faces_np(G, mask, ma, mb, mc, wa, Wa, Gc, dc):
    """NumPy twin of :func:`coarsen_faces`."""
    na = mask.shape[0]
    Na = Wa.size
    J, K = np.meshgrid(mb, mc, indexing="ij")
    for end, c, ce in ((0, 0, 0), (na, na - 1, Na)):
        free = mask[c] != 0
        Gc[ce] += np.bincount((J * Gc.shape[2] + K)[free], (G[end] * wa[c] / Wa[ma[c]])[free],
                              minlength=Gc.shape[1] * Gc.shape[2]).reshape(Gc.shape[1:])
    g = G[1:na]
    fl, fr = mask[:-1] != 0, mask[1:] != 0
    il, ir = ma[:-1], ma[1:]
    f = g * ((wa[:-1] + wa[1:]) / (Wa[il] + Wa[ir]))[:, None, None]
    shape = (na - 1,) + mask.shape[1:]
    IL = np.broadcast_to(il[:, None, None], shape)
    IR = np.broadcast_to(ir[:, None, None], shape)
    JJ = np.broadcast_to(J[None], shape)
    KK = np.broadcast_to(K[None], shape)
    cross = fl & fr & (IL != IR)
    np.add.at(Gc, (IR[cross], JJ[cross], KK[cross]), f[cross])
    for sel, I in ((fl & ~fr, IL), (fr & ~fl, IR)):
        np.add.at(dc, (I[sel], JJ[sel], KK[sel]), f[sel])


# --------------------------------------------------------------------------
# restriction and prolongation
# --------------------------------------------------------------------------
@njit(cache=CACHE)
def _restrict_plane(r, i, I, m1, m2, rc):
    """Add fine plane i of r into coarse plane I of rc."""
    for j in range(r.shape[1]):
        J = m1[j]
        for k in range(r.shape[2]):
            rc[I, J, m2[k]] += r[i, j, k]


@njit(cache=CACHE, parallel=True)
def restrict(r, m0, m1, m2, rc):
    """rc = P^T r: sum of the fine values over each aggregate.

    The maps are non-decreasing (aggregates are runs of neighbours), so each
    coarse plane of axis 0 sums a run of fine planes; the threads share the
    coarse planes and never write the same cell.
    """
    start = np.searchsorted(m0, np.arange(rc.shape[0] + 1))
    for I in prange(rc.shape[0]):
        rc[I] = 0.0
        for i in range(start[I], start[I + 1]):
            _restrict_plane(r, i, I, m1, m2, rc)


def restrict_np(r, m0, m1, m2, rc):
    """NumPy twin of :func:`restrict`."""
    rc[...] = 0.0
    I, J, K = np.meshgrid(m0, m1, m2, indexing="ij")
    np.add.at(rc, (I, J, K), r)


@njit(cache=CACHE, parallel=True)
def residual_restrict(G0, G1, G2, diag, mask, b, x, r, m0, m1, m2, rc):
    """r = mask (b - A x) and rc = P^T r in one pass: each fine plane of the
    residual is summed into the coarse grid while it is still in cache."""
    start = np.searchsorted(m0, np.arange(rc.shape[0] + 1))
    for I in prange(rc.shape[0]):
        rc[I] = 0.0
        for i in range(start[I], start[I + 1]):
            operator_plane(G0, G1, G2, diag, mask, x, r, i, b, True)
            _restrict_plane(r, i, I, m1, m2, rc)


def residual_restrict_np(G0, G1, G2, diag, mask, b, x, r, m0, m1, m2, rc):
    """NumPy twin of :func:`residual_restrict`."""
    apply_operator_np(G0, G1, G2, diag, mask, x, r)
    r[...] = mask * b - r  # masks are 0 or 1
    restrict_np(r, m0, m1, m2, rc)


@njit(cache=CACHE, parallel=True)
def prolong_add(ec, m0, m1, m2, mask, x):
    """x += mask P ec: each free fine cell takes its aggregate's correction."""
    n0, n1, n2 = x.shape
    for i in prange(n0):
        I = m0[i]
        for j in range(n1):
            J = m1[j]
            for k in range(n2):
                x[i, j, k] += mask[i, j, k] * ec[I, J, m2[k]]


def prolong_add_np(ec, m0, m1, m2, mask, x):
    """NumPy twin of :func:`prolong_add`."""
    x += mask * ec[np.ix_(m0, m1, m2)]

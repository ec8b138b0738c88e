"""The conjugate gradient loop preconditioned by an LDL^T factorisation, compiled whole.

On the axisymmetric grids of a prediction (~6,000 cells) a heat or potential
solve is a few CG iterations, each of which costs microseconds of arithmetic;
driven from Python (:meth:`rfsim.numerics.cg.PCG.solve`) it paid more in call
overhead than in work.  Here the whole loop is one compiled call: the
triangular solves of the factorisation (:func:`ldl_apply`, in the order
qdldl's own ``solve`` uses, so the result is the same to the last bit), the
operator, the dot products and the vector updates.

:func:`pcg_ldl` repeats :meth:`rfsim.numerics.cg.PCG.solve` operation for
operation on serial grids (fewer than ``PARALLEL_MIN_CELLS`` cells, where
the Python loop's kernels are serial too), so the two give the same answer to
the last bit; the tests hold them together.

:class:`LDLFactors` carries the factors as flat arrays
(:mod:`rfsim.numerics.ldl_factor` computes them as qdldl does).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from rfsim.numerics.jit import CACHE
from rfsim.numerics.kernels import operator_serial

#: Status codes of :func:`pcg_ldl`.
CONVERGED, RHS_NOT_FINITE, NOT_CONVERGED, RESIDUAL_NOT_FINITE = 0, 1, 2, 3


@dataclass(frozen=True, eq=False)
class LDLFactors:
    """P A P^T = (I + L) D (I + L)^T over the free cells of a grid.

    Attributes
    ----------
    Lp, Li, Lx : 1-D arrays
        Strictly lower triangle L in CSC form (uint32 column pointers, uint32
        row indices, float values).
    dinv : 1-D float array
        1 / D.
    cells : 1-D uint32 array
        Flat cell index of each row of the permuted matrix (the free cell
        order composed with the fill-reducing permutation P).
    """

    Lp: np.ndarray
    Li: np.ndarray
    Lx: np.ndarray
    dinv: np.ndarray
    cells: np.ndarray


@njit(cache=CACHE)
def ldl_apply(Lp, Li, Lx, dinv, cells, r, out, work):
    """out = A^{-1} r on the free cells, 0 elsewhere (flat cell arrays).

    ``work`` is scratch of the size of ``cells``.  The loops are those of
    qdldl's ``QDLDL_solve``: forward substitution with L by columns, the
    diagonal, back substitution with L^T.
    """
    n = cells.size
    for k in range(n):
        work[k] = r[cells[k]]
    for j in range(n):
        wj = work[j]
        for p in range(Lp[j], Lp[j + 1]):
            work[Li[p]] -= Lx[p] * wj
    for k in range(n):
        work[k] *= dinv[k]
    for j in range(n - 1, -1, -1):
        s = work[j]
        for p in range(Lp[j], Lp[j + 1]):
            s -= Lx[p] * work[Li[p]]
        work[j] = s
    out[:] = 0.0
    for k in range(n):
        out[cells[k]] = work[k]


def ldl_apply_np(Lp, Li, Lx, dinv, cells, r, out, work):
    """NumPy/SciPy twin of :func:`ldl_apply` (``work`` unused)."""
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla

    n = cells.size
    L = sp.csc_matrix((Lx, Li, Lp), shape=(n, n)) + sp.eye(n, format="csc")
    y = spla.spsolve_triangular(L.tocsr(), r[cells], lower=True, unit_diagonal=True)
    x = spla.spsolve_triangular(L.T.tocsr(), y * dinv, lower=False, unit_diagonal=True)
    out[:] = 0.0
    out[cells] = x


@njit(cache=CACHE)
def _dot(a, b):
    s = 0.0
    for i in range(a.size):
        s += a[i] * b[i]
    return s


@njit(cache=CACHE)
def _which(live):
    """``np.flatnonzero(live)`` of a bool array."""
    n = 0
    for m in range(live.size):
        n += live[m]
    act = np.empty(n, np.int64)
    n = 0
    for m in range(live.size):
        if live[m]:
            act[n] = m
            n += 1
    return act


@njit(cache=CACHE)
def ldl_apply_pair(Lp, Li, Lx, dinv, cells, r1, r2, out1, out2, work1, work2):
    """:func:`ldl_apply` for two right-hand sides at once, reading L once.

    The substitutions are chains of dependent multiply-adds, bound by their
    latency; the two chains interleave, so the pair costs ~1.4 times one
    (not 2).  Each side sees exactly the operations of :func:`ldl_apply`.
    """
    n = cells.size
    for k in range(n):
        c = cells[k]
        work1[k] = r1[c]
        work2[k] = r2[c]
    for j in range(n):
        a, b = work1[j], work2[j]
        for p in range(Lp[j], Lp[j + 1]):
            i, lx = Li[p], Lx[p]
            work1[i] -= lx * a
            work2[i] -= lx * b
    for k in range(n):
        work1[k] *= dinv[k]
        work2[k] *= dinv[k]
    for j in range(n - 1, -1, -1):
        s, t = work1[j], work2[j]
        for p in range(Lp[j], Lp[j + 1]):
            i, lx = Li[p], Lx[p]
            s -= lx * work1[i]
            t -= lx * work2[i]
        work1[j] = s
        work2[j] = t
    out1[:] = 0.0
    out2[:] = 0.0
    for k in range(n):
        c = cells[k]
        out1[c] = work1[k]
        out2[c] = work2[k]


@njit(cache=CACHE)
def ldl_apply_many(Lp, Li, Lx, dinv, cells, R, Z, act, W):
    """Z[m] = A^{-1} R[m] for each system m in ``act``, in pairs
    (:func:`ldl_apply_pair`).  R, Z : (k, ncells) flat cell arrays; W : (k, n) scratch."""
    na = act.size
    q = 0
    while q + 1 < na:
        m1, m2 = act[q], act[q + 1]
        ldl_apply_pair(Lp, Li, Lx, dinv, cells, R[m1], R[m2], Z[m1], Z[m2], W[m1], W[m2])
        q += 2
    if q < na:
        m = act[q]
        ldl_apply(Lp, Li, Lx, dinv, cells, R[m], Z[m], W[m])


@njit(cache=CACHE)
def pcg_ldl(G0, G1, G2, diag, mask, B, X, warm, rtol, maxiter, Lp, Li, Lx, dinv, cells, info):
    """Solve A X[m] = B[m] on the free cells for each m, by CG preconditioned
    with the LDL^T factors, the systems in lockstep.

    For each system, the steps of :meth:`rfsim.numerics.cg.PCG.solve` in the
    same order: the warm start scaled to minimise the energy-norm error, stop
    when ||r|| <= rtol ||b||.  The systems share only the preconditioner's
    passes over L (:func:`ldl_apply_many`), so each answer is the one a solve
    of its own would give.

    Parameters
    ----------
    G0, G1, G2 : face arrays
        Face conductances (S or W/K).
    diag : cell array (S or W/K)
    mask : cell array, 1.0 on the free cells and 0.0 elsewhere
    B : (k, n0, n1, n2) array, right-hand sides (read only)
    X : (k, n0, n1, n2) array
        In: the warm starts where ``warm``; out: the solutions (0 on fixed cells).
    warm : bool array (k,)
    rtol : float
    maxiter : int
    Lp, Li, Lx, dinv, cells : the fields of :class:`LDLFactors`
    info : (k, 4) float array
        Out per system: status (``CONVERGED``, ``RHS_NOT_FINITE``,
        ``NOT_CONVERGED`` or ``RESIDUAL_NOT_FINITE``), iterations, final
        residual norm, right-hand side norm.
    """
    k = B.shape[0]
    shape = B.shape[1:]
    N = B[0].size
    Xf = X.reshape(k, N)
    R = np.empty((k, N))
    Z = np.empty((k, N))
    P = np.empty((k, N))
    Ap = np.empty(shape)
    Af = Ap.reshape(-1)
    W = np.empty((k, cells.size))
    # np.empty and fills, loops for np.flatnonzero and np.any: each NumPy
    # function used here is compiled too on a first run (0.1-0.4 s each)
    rz = np.empty(k)
    rnorm = np.empty(k)
    tol = np.empty(k)
    it = np.empty(k, np.int64)
    live = np.empty(k, np.bool_)
    rz[:], rnorm[:], tol[:], it[:], live[:] = 0.0, 0.0, 0.0, 0, False
    for m in range(k):
        bm = B[m] * mask
        x = X[m]
        if warm[m]:
            x *= mask
        else:
            x[...] = 0.0
        operator_serial(G0, G1, G2, diag, mask, x, Ap)
        xf, bf = Xf[m], bm.reshape(-1)
        if warm[m]:
            xAx = _dot(xf, Af)
            scale = _dot(xf, bf) / xAx if xAx > 0 else 0.0
            for i in range(N):
                xf[i] *= scale
            for i in range(N):
                Af[i] *= scale
        for i in range(N):
            R[m, i] = bf[i] - Af[i]
        bnorm = np.sqrt(_dot(bf, bf))
        info[m, 0], info[m, 1], info[m, 2], info[m, 3] = CONVERGED, 0.0, np.nan, bnorm
        if not np.isfinite(bnorm):
            info[m, 0] = RHS_NOT_FINITE
        else:
            live[m] = True
            tol[m] = rtol * bnorm
    act = _which(live)
    ldl_apply_many(Lp, Li, Lx, dinv, cells, R, Z, act, W)
    for m in act:
        # element by element: a slice assignment compiles Numba's shape-error
        # formatting, seconds of the first run's compilation
        for i in range(N):
            P[m, i] = Z[m, i]
        rz[m] = _dot(R[m], Z[m])
        rnorm[m] = np.sqrt(_dot(R[m], R[m]))
        live[m] = rnorm[m] > tol[m]
    while True:
        act = _which(live)
        if act.size == 0:
            break
        for m in act:
            if it[m] >= maxiter or not np.isfinite(rnorm[m]):
                info[m, 0] = RESIDUAL_NOT_FINITE if not np.isfinite(rnorm[m]) else NOT_CONVERGED
                live[m] = False
                continue
            p = P[m]
            operator_serial(G0, G1, G2, diag, mask, p.reshape(shape), Ap)
            alpha = rz[m] / _dot(p, Af)
            x, r = Xf[m], R[m]
            s = 0.0
            for i in range(N):
                x[i] += alpha * p[i]
                ri = r[i] - alpha * Af[i]
                r[i] = ri
                s += ri * ri
            rnorm[m] = np.sqrt(s)
            it[m] += 1
            live[m] = rnorm[m] > tol[m]
        act = _which(live)
        if act.size == 0:
            break
        ldl_apply_many(Lp, Li, Lx, dinv, cells, R, Z, act, W)
        for m in act:
            rz_new = _dot(R[m], Z[m])
            beta = rz_new / rz[m]
            p, z = P[m], Z[m]
            for i in range(N):
                p[i] = z[i] + beta * p[i]
            rz[m] = rz_new
    for m in range(k):
        info[m, 1], info[m, 2] = it[m], rnorm[m]

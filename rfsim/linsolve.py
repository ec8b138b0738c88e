"""Preconditioned conjugate gradient on the matrix-free finite-volume operator.

The operator is ``diag x + sum_faces G (x - x_nb)`` restricted to the unknown
cells (Dirichlet cells are held out).  It is symmetric positive definite, so CG
applies.  The preconditioner is an exact sparse LU factorisation of an *earlier*
operator, kept while it stays good: the conductances change slowly from step to
step (sigma(T), perfusion shut-off, the time step), so the old factors bring CG
to tolerance in a few iterations, and the factorisation is redone only when the
iteration count says the operator has drifted.  Grids too large to factorise use
a Jacobi preconditioner instead.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .errors import ConvergenceError, NonFiniteError
from .kernels import apply_operator

#: Largest number of unknowns for which the LU preconditioner is used.
LU_MAX_UNKNOWNS = 400_000


def assemble(G, diag, free):
    """The operator on the free cells as a sparse CSC matrix.

    Parameters
    ----------
    G : tuple of three face arrays (conductances)
    diag : cell array, extra diagonal term
    free : bool cell array, the unknowns

    Returns
    -------
    scipy.sparse.csc_matrix, numpy.ndarray
        The matrix and the flat indices of the free cells (its row order).
    """
    shape = free.shape
    n = free.size
    idx = np.flatnonzero(free.ravel())
    pos = np.full(n, -1, dtype=np.int64)
    pos[idx] = np.arange(idx.size)
    d = np.asarray(diag, float).ravel().copy()
    flat = np.arange(n).reshape(shape)
    rows, cols, vals = [], [], []
    for ax in range(3):
        g = G[ax]
        m = shape[ax]
        lo = np.take(g, np.arange(0, m), axis=ax).ravel()  # lower face of each cell
        hi = np.take(g, np.arange(1, m + 1), axis=ax).ravel()
        d += lo + hi
        gi = np.take(g, np.arange(1, m), axis=ax).ravel()  # interior faces
        a = np.take(flat, np.arange(0, m - 1), axis=ax).ravel()
        b = np.take(flat, np.arange(1, m), axis=ax).ravel()
        keep = (gi != 0) & (pos[a] >= 0) & (pos[b] >= 0)
        rows += [pos[a[keep]], pos[b[keep]]]
        cols += [pos[b[keep]], pos[a[keep]]]
        vals += [-gi[keep], -gi[keep]]
    rows.append(np.arange(idx.size))
    cols.append(np.arange(idx.size))
    vals.append(d[idx])
    A = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(idx.size, idx.size))
    return A, idx


class PCG:
    """Conjugate gradient on the free cells with a reusable preconditioner.

    Parameters
    ----------
    free : bool cell array
        The unknowns.
    name : str
        Used in error messages ("potential", "heat").
    rtol : float
        Stop when ||r|| <= rtol ||b|| (Euclidean norms over the free cells).
    maxiter : int
        Iterations before :class:`ConvergenceError`.
    refactor_after : int
        Refactorise the LU preconditioner when a solve needed more iterations.
    """

    def __init__(self, free, name, rtol=1e-10, maxiter=400, refactor_after=8):
        self.free = np.ascontiguousarray(free, dtype=bool)
        self.mask = self.free.astype(float)
        self.name, self.rtol, self.maxiter, self.refactor_after = name, rtol, maxiter, refactor_after
        self.use_lu = int(self.free.sum()) <= LU_MAX_UNKNOWNS
        self._lu = None
        self._idx = None
        self._jacobi = None
        self.factorisations = 0
        self.iterations = 0  # total over all solves
        self.last_iterations = 0

    def invalidate(self):
        """Drop the preconditioner (the operator changed a lot)."""
        self._lu = None
        self._jacobi = None

    def _precondition(self, G, diag):
        if self.use_lu:
            A, self._idx = assemble(G, diag, self.free)
            # Symmetric matrix: order on A + A^T and no partial pivoting keeps the
            # factors sparse and the preconditioner symmetric.
            self._lu = spla.splu(A, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                                 options={"SymmetricMode": True})
        else:
            d = np.array(diag, float, copy=True)
            for ax in range(3):
                g = G[ax]
                m = self.free.shape[ax]
                d += np.take(g, np.arange(0, m), axis=ax) + np.take(g, np.arange(1, m + 1), axis=ax)
            self._jacobi = np.where(self.free, 1.0 / np.where(d > 0, d, 1.0), 0.0)
        self.factorisations += 1

    def _apply_M(self, r, out):
        if self.use_lu:
            out.fill(0.0)
            out.ravel()[self._idx] = self._lu.solve(r.ravel()[self._idx])
        else:
            np.multiply(self._jacobi, r, out=out)
        return out

    def solve(self, G, diag, b, x0=None, where=""):
        """Solve A x = b on the free cells; entries of x on fixed cells are 0.

        Parameters
        ----------
        G : tuple of face conductance arrays
        diag : cell array
        b : cell array, right-hand side (only free cells are read)
        x0 : cell array, optional warm start
        where : str
            Context for error messages (step and time).

        Returns
        -------
        numpy.ndarray
            The solution as a cell array.
        """
        if self._lu is None and self._jacobi is None:
            self._precondition(G, diag)
        b = b * self.mask
        x = np.zeros_like(b) if x0 is None else x0 * self.mask
        Ap = np.empty_like(b)
        apply_operator(G[0], G[1], G[2], diag, self.mask, x, Ap)
        r = b - Ap
        bnorm = np.sqrt(np.vdot(b, b))
        if not np.isfinite(bnorm):
            raise NonFiniteError(f"{self.name} solve {where}: right-hand side is not finite")
        tol = self.rtol * bnorm
        z = self._apply_M(r, np.empty_like(b))
        p = z.copy()
        rz = np.vdot(r, z)
        it = 0
        rnorm = np.sqrt(np.vdot(r, r))
        while rnorm > tol:
            if it >= self.maxiter or not np.isfinite(rnorm):
                self.invalidate()
                kind = NonFiniteError if not np.isfinite(rnorm) else ConvergenceError
                raise kind(f"{self.name} solve {where}: CG stopped after {it} iterations with "
                           f"relative residual {rnorm / max(bnorm, 1e-300):.3e} (tolerance {self.rtol:g})")
            apply_operator(G[0], G[1], G[2], diag, self.mask, p, Ap)
            alpha = rz / np.vdot(p, Ap)
            x += alpha * p
            r -= alpha * Ap
            rnorm = np.sqrt(np.vdot(r, r))
            it += 1
            if rnorm <= tol:
                break
            self._apply_M(r, z)
            rz_new = np.vdot(r, z)
            p *= rz_new / rz
            p += z
            rz = rz_new
        self.last_iterations = it
        self.iterations += it
        if it > self.refactor_after:
            self.invalidate()
        return x

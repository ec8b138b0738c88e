"""Preconditioned conjugate gradient on the matrix-free finite-volume operator.

The operator is ``diag x + sum_faces G (x - x_nb)`` restricted to the unknown
cells (Dirichlet cells are held out; :func:`rfsim.numerics.kernels.apply_operator`).
It is symmetric positive definite, so CG applies.  :class:`PCG` runs the loop
with a preconditioner object it is given
(:mod:`rfsim.numerics.preconditioners`; :func:`~rfsim.numerics.preconditioners.choose_preconditioner`
picks one), warm-starts from a previous answer, and tells the preconditioner how
many iterations each solve took, so that it can rebuild itself when the operator
has drifted.  The vector updates of the loop are compiled kernels here
(:func:`dot`, :func:`cg_update`, :func:`cg_direction`), each with a NumPy twin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit, prange

from rfsim.errors import ConvergenceError, NonFiniteError
from rfsim.numerics.jit import CACHE, PARALLEL_MIN_CELLS
from rfsim.numerics.kernels import apply_operator
from rfsim.numerics.ldl import CONVERGED, RHS_NOT_FINITE, RESIDUAL_NOT_FINITE, pcg_ldl

if TYPE_CHECKING:
    from rfsim.numerics.preconditioners import Preconditioner


# --------------------------------------------------------------------------
# CG vector kernels: one pass over memory each, on all threads for large grids
# --------------------------------------------------------------------------
#: Chunks of a threaded vector kernel: a fixed count, so the partial sums of a
#: dot product do not depend on the number of threads.
REDUCTION_CHUNKS = 16


@njit(cache=CACHE)
def _dot_range(a, b, lo, hi):
    s = 0.0
    for i in range(lo, hi):
        s += a[i] * b[i]
    return s


@njit(cache=CACHE)
def _update_range(x, r, p, q, alpha, lo, hi):
    """x += alpha p, r -= alpha q over [lo, hi); returns the partial r . r."""
    s = 0.0
    for i in range(lo, hi):
        x[i] += alpha * p[i]
        ri = r[i] - alpha * q[i]
        r[i] = ri
        s += ri * ri
    return s


@njit(cache=CACHE, parallel=True)
def _dot_parallel(a, b):
    n = a.size
    part = np.zeros(REDUCTION_CHUNKS)
    for c in prange(REDUCTION_CHUNKS):
        part[c] = _dot_range(a, b, c * n // REDUCTION_CHUNKS, (c + 1) * n // REDUCTION_CHUNKS)
    return part.sum()


@njit(cache=CACHE, parallel=True)
def _update_parallel(x, r, p, q, alpha):
    n = x.size
    part = np.zeros(REDUCTION_CHUNKS)
    for c in prange(REDUCTION_CHUNKS):
        part[c] = _update_range(x, r, p, q, alpha, c * n // REDUCTION_CHUNKS, (c + 1) * n // REDUCTION_CHUNKS)
    return part.sum()


@njit(cache=CACHE)
def _direction_range(p, z, beta, lo, hi):
    for i in range(lo, hi):
        p[i] = z[i] + beta * p[i]


@njit(cache=CACHE, parallel=True)
def _direction_parallel(p, z, beta):
    n = p.size
    for c in prange(REDUCTION_CHUNKS):
        _direction_range(p, z, beta, c * n // REDUCTION_CHUNKS, (c + 1) * n // REDUCTION_CHUNKS)


def dot(a, b) -> float:
    """a . b over two contiguous arrays of the same size.

    Compiled rather than ``numpy.vdot``: ``vdot`` calls the threaded BLAS,
    whose threads competed with Numba's for the cores and made a 3-D run 2.3
    times slower.
    """
    a, b = a.ravel(), b.ravel()
    return _dot_parallel(a, b) if a.size >= PARALLEL_MIN_CELLS else _dot_range(a, b, 0, a.size)


def cg_update(x, r, p, q, alpha) -> float:
    """x += alpha p and r -= alpha q in place, in one pass; returns r . r."""
    x, r, p, q = x.ravel(), r.ravel(), p.ravel(), q.ravel()
    if x.size >= PARALLEL_MIN_CELLS:
        return _update_parallel(x, r, p, q, alpha)
    return _update_range(x, r, p, q, alpha, 0, x.size)


def cg_direction(p, z, beta):
    """p = z + beta p in place."""
    p, z = p.ravel(), z.ravel()
    if p.size >= PARALLEL_MIN_CELLS:
        _direction_parallel(p, z, beta)
    else:
        _direction_range(p, z, beta, 0, p.size)


def dot_np(a, b) -> float:
    """NumPy twin of :func:`dot`."""
    return float(np.vdot(a, b))


def cg_update_np(x, r, p, q, alpha) -> float:
    """NumPy twin of :func:`cg_update`."""
    x += alpha * p
    r -= alpha * q
    return float(np.vdot(r, r))


def cg_direction_np(p, z, beta):
    """NumPy twin of :func:`cg_direction`."""
    p *= beta
    p += z


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
    preconditioner : Preconditioner
        Built for the same ``free`` cells, e.g. by
        :func:`rfsim.numerics.preconditioners.choose_preconditioner`.

    Attributes
    ----------
    iterations : int
        CG iterations over all solves.
    last_iterations : int
        CG iterations of the last solve.
    compiled : bool
        Run the whole loop compiled when the preconditioner is an LDL^T
        factorisation and the grid is below ``PARALLEL_MIN_CELLS`` cells
        (:func:`rfsim.numerics.ldl.pcg_ldl`; the same answers to the last
        bit).  True by default; False keeps the Python loop (its twin).
    """

    def __init__(self, free, name, rtol=1e-10, maxiter=400, *, preconditioner: Preconditioner):
        self.free = np.ascontiguousarray(free, dtype=bool)
        self.mask = self.free.astype(float)
        self.name, self.rtol, self.maxiter = name, rtol, maxiter
        self.preconditioner = preconditioner
        self.iterations = 0
        self.last_iterations = 0
        self.compiled = True

    @property
    def factorisations(self) -> int:
        """Preconditioners built so far (factorisations, hierarchies, diagonals)."""
        return self.preconditioner.builds

    def invalidate(self):
        """Drop the preconditioner (the operator changed a lot); the next solve
        rebuilds it."""
        self.preconditioner.invalidate()

    def select(self, key):
        """Precondition the solves to come for the operator labelled ``key`` (a
        hashable label, e.g. the time-step coefficient): a factorised
        preconditioner keeps one factorisation per key, so operators that
        recur, as time steps on a fixed ladder do, cost one factorisation each
        for the whole run."""
        self.preconditioner.select(key)

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
        M = self.preconditioner
        M.prepare(G, diag)
        if self.compiled and M.ldl is not None and b.size < PARALLEL_MIN_CELLS:
            return self.solve_many(G, diag, [b], [x0], where)[0]
        b = b * self.mask
        x = np.zeros_like(b) if x0 is None else x0 * self.mask
        Ap = np.empty_like(b)
        apply_operator(G[0], G[1], G[2], diag, self.mask, x, Ap)
        if x0 is not None:
            # Scale the warm start to minimise the error in the energy norm:
            # a guess of the right shape but the wrong size (a response to a
            # source after the step size changed) then still helps, and no
            # guess ends up worse than starting from zero.
            xAx = dot(x, Ap)
            scale = dot(x, b) / xAx if xAx > 0 else 0.0
            x *= scale
            Ap *= scale
        r = b - Ap
        bnorm = np.sqrt(dot(b, b))
        if not np.isfinite(bnorm):
            raise NonFiniteError(f"{self.name} solve {where}: right-hand side is not finite")
        tol = self.rtol * bnorm
        z = M.apply(r, np.empty_like(b))
        p = z.copy()
        rz = dot(r, z)
        it = 0
        rnorm = np.sqrt(dot(r, r))
        while rnorm > tol:
            if it >= self.maxiter or not np.isfinite(rnorm):
                self.invalidate()
                kind = NonFiniteError if not np.isfinite(rnorm) else ConvergenceError
                raise kind(f"{self.name} solve {where}: CG stopped after {it} iterations with "
                           f"relative residual {rnorm / max(bnorm, 1e-300):.3e} (tolerance {self.rtol:g})")
            apply_operator(G[0], G[1], G[2], diag, self.mask, p, Ap)
            alpha = rz / dot(p, Ap)
            rnorm = np.sqrt(cg_update(x, r, p, Ap, alpha))
            it += 1
            if rnorm <= tol:
                break
            M.apply(r, z)
            rz_new = dot(r, z)
            cg_direction(p, z, rz_new / rz)
            rz = rz_new
        self.last_iterations = it
        self.iterations += it
        M.observe(it)
        return x

    def solve_many(self, G, diag, bs, x0s=None, where=""):
        """Solve A x = b for several right-hand sides of one operator.

        The same answers as :meth:`solve` called for each in turn (to the last
        bit); with an LDL^T preconditioner on a serial-size grid the systems
        run in lockstep in one compiled call and share the passes over the
        factors (:func:`rfsim.numerics.ldl.pcg_ldl`).

        Parameters
        ----------
        G : tuple of face conductance arrays
        diag : cell array
        bs : sequence of cell arrays, right-hand sides
        x0s : sequence of cell arrays or None, optional
            Warm starts, one per right-hand side (None: from zero).
        where : str
            Context for error messages.

        Returns
        -------
        list of numpy.ndarray
        """
        x0s = list(x0s) if x0s is not None else [None] * len(bs)
        M = self.preconditioner
        M.prepare(G, diag)
        if not (self.compiled and M.ldl is not None and bs[0].size < PARALLEL_MIN_CELLS):
            return [self.solve(G, diag, b, x0, where) for b, x0 in zip(bs, x0s)]
        f = M.ldl
        # filled in place: np.stack's checks cost more than the copies here
        B = np.empty((len(bs),) + bs[0].shape)
        X = np.zeros(B.shape)
        for m, (b, x0) in enumerate(zip(bs, x0s)):
            B[m] = b
            if x0 is not None:
                X[m] = x0
        warm = np.array([x0 is not None for x0 in x0s])
        info = np.zeros((len(bs), 4))
        pcg_ldl(G[0], G[1], G[2], diag, self.mask, B, X, warm, self.rtol, self.maxiter,
                f.Lp, f.Li, f.Lx, f.dinv, f.cells, info)
        xs = list(X)
        for m, (status, it, rnorm, bnorm) in enumerate(info):  # report as the solves one by one would
            if M.ldl is not f:
                # the last solve made the preconditioner drop its factors: one by
                # one, the next solves would have run with new ones, so they do
                xs[m:] = [self.solve(G, diag, b, x0, where) for b, x0 in zip(bs[m:], x0s[m:])]
                break
            it = int(it)
            if status == RHS_NOT_FINITE:
                raise NonFiniteError(f"{self.name} solve {where}: right-hand side is not finite")
            if status != CONVERGED:
                self.invalidate()
                kind = NonFiniteError if status == RESIDUAL_NOT_FINITE else ConvergenceError
                raise kind(f"{self.name} solve {where}: CG stopped after {it} iterations with "
                           f"relative residual {rnorm / max(bnorm, 1e-300):.3e} (tolerance {self.rtol:g})")
            self.last_iterations = it
            self.iterations += it
            M.observe(it)
        return xs

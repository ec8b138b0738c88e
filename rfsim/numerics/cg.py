"""Preconditioned conjugate gradient on the matrix-free finite-volume operator.

The operator is ``diag x + sum_faces G (x - x_nb)`` restricted to the unknown
cells (Dirichlet cells are held out).  It is symmetric positive definite, so CG
applies.  The preconditioner is an exact sparse LU factorisation of an *earlier*
operator, kept while it stays good: the conductances change slowly from step to
step (sigma(T), perfusion shut-off, the time step), so the old factors bring CG
to tolerance in a few iterations, and the factorisation is redone only when the
iteration count says the operator has drifted.  Grids too large to factorise use
a Jacobi preconditioner instead.  On 3-D grids whose cell widths are given, a
geometric multigrid V-cycle (:mod:`rfsim.numerics.multigrid`) takes the place of the
factorisation: its iteration count does not grow with resolution, and it costs
a few operator applications instead of a fill-in that grows like n^(4/3).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numba import njit, prange

from rfsim.errors import ConvergenceError, NonFiniteError
from rfsim.numerics.kernels import _CACHE, PARALLEL_MIN_CELLS, apply_operator

#: Largest number of unknowns for which the factorised preconditioner is used.
LU_MAX_UNKNOWNS = 400_000
#: Smallest number of 3-D unknowns for which multigrid replaces the exact
#: factorisation (below it SuperLU is exact, cheap and needs no iterations).
MG_MIN_UNKNOWNS = 20_000
#: Factorisations kept per solver (one per recurring operator, e.g. time step).
CACHE_SIZE = 24

try:  # LDL^T of OSQP (qdldl): refactorises a fixed pattern ~4x faster than SuperLU
    import qdldl as _qdldl
except ImportError:  # pragma: no cover - exercised where qdldl is missing
    _qdldl = None


# --------------------------------------------------------------------------
# CG vector kernels: one pass over memory each, on all threads for large grids
# --------------------------------------------------------------------------
#: Chunks of a threaded vector kernel: a fixed count, so the partial sums of a
#: dot product do not depend on the number of threads.
REDUCTION_CHUNKS = 16


@njit(cache=_CACHE)
def _dot_range(a, b, lo, hi):
    s = 0.0
    for i in range(lo, hi):
        s += a[i] * b[i]
    return s


@njit(cache=_CACHE)
def _update_range(x, r, p, q, alpha, lo, hi):
    """x += alpha p, r -= alpha q over [lo, hi); returns the partial r . r."""
    s = 0.0
    for i in range(lo, hi):
        x[i] += alpha * p[i]
        ri = r[i] - alpha * q[i]
        r[i] = ri
        s += ri * ri
    return s


@njit(cache=_CACHE, parallel=True)
def _dot_parallel(a, b):
    n = a.size
    part = np.zeros(REDUCTION_CHUNKS)
    for c in prange(REDUCTION_CHUNKS):
        part[c] = _dot_range(a, b, c * n // REDUCTION_CHUNKS, (c + 1) * n // REDUCTION_CHUNKS)
    return part.sum()


@njit(cache=_CACHE, parallel=True)
def _update_parallel(x, r, p, q, alpha):
    n = x.size
    part = np.zeros(REDUCTION_CHUNKS)
    for c in prange(REDUCTION_CHUNKS):
        part[c] = _update_range(x, r, p, q, alpha, c * n // REDUCTION_CHUNKS, (c + 1) * n // REDUCTION_CHUNKS)
    return part.sum()


@njit(cache=_CACHE)
def _direction_range(p, z, beta, lo, hi):
    for i in range(lo, hi):
        p[i] = z[i] + beta * p[i]


@njit(cache=_CACHE, parallel=True)
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


class Pattern:
    """The sparsity pattern of the operator on the free cells, built once.

    The upper triangle in CSC order: off-diagonal entries are minus the
    conductances of interior faces between two free cells (kept even where a
    conductance is zero, so the pattern never changes), then the diagonal.
    :meth:`matrix` fills in the values of a given operator by one gather.
    """

    def __init__(self, free):
        shape = free.shape
        n = free.size
        self.idx = np.flatnonzero(free.ravel())
        pos = np.full(n, -1, dtype=np.int64)
        pos[self.idx] = np.arange(self.idx.size)
        flat = np.arange(n).reshape(shape)
        rows, cols, self._faces = [], [], []
        for ax in range(3):
            m = shape[ax]
            a = np.take(flat, np.arange(0, m - 1), axis=ax).ravel()
            b = np.take(flat, np.arange(1, m), axis=ax).ravel()
            # face between a and b: index of b's lower face in the face array
            fshape = list(shape)
            fshape[ax] += 1
            ib = np.array(np.unravel_index(b, shape))
            face = np.ravel_multi_index(tuple(ib), tuple(fshape))
            keep = (pos[a] >= 0) & (pos[b] >= 0)
            rows.append(pos[a[keep]])
            cols.append(pos[b[keep]])
            self._faces.append(face[keep])
        nf = self.idx.size
        rows.append(np.arange(nf))
        cols.append(np.arange(nf))
        rows, cols = np.concatenate(rows), np.concatenate(cols)
        order = sp.csc_matrix((np.arange(1, rows.size + 1, dtype=float), (rows, cols)), shape=(nf, nf))
        self._perm = order.data.astype(np.int64) - 1  # CSC slot -> COO entry
        self._upper = order
        self.shape = shape

    def matrix(self, G, diag):
        """Upper triangle (CSC) of the operator diag + sum_faces G (x - x_nb)."""
        shape = self.shape
        d = np.asarray(diag, float).ravel().copy()
        vals = []
        for ax in range(3):
            m = shape[ax]
            g = G[ax]
            d += (np.take(g, np.arange(0, m), axis=ax) + np.take(g, np.arange(1, m + 1), axis=ax)).ravel()
            vals.append(-g.ravel()[self._faces[ax]])
        vals.append(d[self.idx])
        A = self._upper.copy()
        A.data = np.concatenate(vals)[self._perm]
        return A


def assemble(G, diag, free):
    """The operator on the free cells as a full symmetric sparse CSC matrix.

    Returns
    -------
    scipy.sparse.csc_matrix, numpy.ndarray
        The matrix and the flat indices of the free cells (its row order).
    """
    pat = Pattern(np.asarray(free, bool))
    U = pat.matrix(G, diag)
    return (U + sp.triu(U, 1).T).tocsc(), pat.idx


class _Factor:
    """An exact factorisation of one operator, used as a preconditioner."""

    def __init__(self, U, reuse=None, planar=True):
        # qdldl's AMD ordering suits the 2-D (axisymmetric) operators; on 3-D
        # grids its fill grows faster than SuperLU's, so SuperLU takes those.
        if _qdldl is not None and planar:
            if reuse is not None:
                reuse._f.update(U, upper=True)
                self._f = reuse._f
            else:
                self._f = _qdldl.Solver(U, upper=True)
        else:
            A = (U + sp.triu(U, 1).T).tocsc()
            # symmetric matrix: order on A + A^T, no partial pivoting
            self._f = spla.splu(A, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                                options={"SymmetricMode": True})

    def solve(self, b):
        return self._f.solve(b)


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
    widths : tuple of three 1-D arrays, optional
        Cell widths (m) of a 3-D grid: with them, grids of at least
        ``MG_MIN_UNKNOWNS`` unknowns use the multigrid preconditioner.
    block : bool cell array, optional
        Strongly coupled cells the multigrid smoother solves as one block
        (see :class:`rfsim.numerics.multigrid.Multigrid`).
    """

    def __init__(self, free, name, rtol=1e-10, maxiter=400, refactor_after=8, widths=None, block=None):
        self.free = np.ascontiguousarray(free, dtype=bool)
        self.mask = self.free.astype(float)
        self.name, self.rtol, self.maxiter, self.refactor_after = name, rtol, maxiter, refactor_after
        nfree = int(self.free.sum())
        self.use_mg = widths is not None and 1 not in self.free.shape and nfree >= MG_MIN_UNKNOWNS
        self.use_lu = not self.use_mg and nfree <= LU_MAX_UNKNOWNS
        self._widths = widths
        self._block = block
        self._mg = None
        self._mg_key = None
        self._mg_fresh = 0  # iterations of the first solve with a new hierarchy
        self._pattern = Pattern(self.free) if self.use_lu else None
        self._lu = None
        self._jacobi = None
        self._cache = {}  # key -> factorisation of the operator that key stands for
        self._key = None
        self.factorisations = 0
        self.iterations = 0  # total over all solves
        self.last_iterations = 0

    def invalidate(self):
        """Drop the preconditioner (the operator changed a lot); the next solve
        refactorises, reusing the symbolic analysis."""
        self._stale = self._cache.pop(self._key, None) or self._lu
        self._lu = None
        self._jacobi = None
        self._mg = None

    def select(self, key):
        """Use the preconditioner cached under ``key`` (a hashable label of the
        operator, e.g. the time-step coefficient), factorising on first use.
        Operators that recur, as time steps on a fixed ladder do, then cost one
        factorisation each for the whole run."""
        self._key = key
        if self.use_lu:
            self._lu = self._cache.get(key)
            if self._lu is not None:  # most recently used last
                self._cache[key] = self._cache.pop(key)

    def _precondition(self, G, diag):
        if self.use_mg:
            from rfsim.numerics.multigrid import Multigrid

            self._mg = Multigrid(G, diag, self.free, self._widths, self._block)
            self._mg_key, self._mg_fresh = self._key, 0
        elif self.use_lu:
            U = self._pattern.matrix(G, diag)
            reuse = getattr(self, "_stale", None)
            if reuse is None and len(self._cache) >= CACHE_SIZE:
                reuse = self._cache.pop(next(iter(self._cache)))  # least recently used
            self._stale = None
            self._lu = _Factor(U, reuse, planar=1 in self.free.shape)
            self._cache[self._key] = self._lu
        else:
            d = np.array(diag, float, copy=True)
            for ax in range(3):
                g = G[ax]
                m = self.free.shape[ax]
                d += np.take(g, np.arange(0, m), axis=ax) + np.take(g, np.arange(1, m + 1), axis=ax)
            self._jacobi = np.where(self.free, 1.0 / np.where(d > 0, d, 1.0), 0.0)
        self.factorisations += 1

    def _apply_M(self, r, out):
        if self.use_mg:
            return self._mg.apply(r, out)
        if self.use_lu:
            out.fill(0.0)
            idx = self._pattern.idx
            out.ravel()[idx] = self._lu.solve(r.ravel()[idx])
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
        if self._lu is None and self._jacobi is None and self._mg is None:
            self._precondition(G, diag)
        elif self.use_mg and self._key != self._mg_key:
            # another time step: the coarse conductances stay, the diagonals change
            self._mg.set_diag(diag)
            self._mg_key = self._key
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
        z = self._apply_M(r, np.empty_like(b))
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
            self._apply_M(r, z)
            rz_new = dot(r, z)
            cg_direction(p, z, rz_new / rz)
            rz = rz_new
        self.last_iterations = it
        self.iterations += it
        if self.use_mg:
            # Rebuilding a hierarchy is cheap but not free: keep it while the
            # operator it was built for (sigma(T) changes) still preconditions well.
            self._mg_fresh = self._mg_fresh or it
            if it > 1.5 * self._mg_fresh + 2:
                self.invalidate()
        elif it > self.refactor_after:
            self.invalidate()
        return x

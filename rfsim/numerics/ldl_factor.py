"""qdldl's LDL^T factorisation, compiled, for refactorising one pattern many times.

A prediction factorises the operators of one sparsity pattern ~20 times (new
time steps, sigma(T) drift).  Through the ``qdldl`` package each of those cost
its factorisation plus as much again to hand the factors back to Python
(``Solver.factors`` builds a SciPy matrix) and to convert them for the compiled
solves.  Here the ordering is still qdldl's (SuiteSparse AMD, taken once per
pattern by :meth:`LDLSymbolic.of`); the rest is qdldl's own algorithm:

* :meth:`LDLSymbolic.of`: the upper triangle permuted as qdldl permutes it
  (``csc_symperm``, entries in the same order), its elimination tree
  (:func:`ldl_etree`, ``QDLDL_etree``), the column counts of L, and the
  pattern of each row of L in the order ``QDLDL_factor`` finds it
  (:func:`ldl_rows`: qdldl walks the tree again in every factorisation);
* :func:`ldl_factor`: the arithmetic of ``QDLDL_factor``, operation for
  operation, writing the flat arrays the compiled solves read
  (:class:`rfsim.numerics.ldl.LDLFactors`).

So the factors are qdldl's to the last bit (the tests compare them), and the
answers of a prediction do not move.  :func:`ldl_factor_np` is the NumPy twin
(a dense LDL^T, for small matrices).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from numba import njit

from rfsim.numerics.jit import CACHE
from rfsim.numerics.ldl import LDLFactors

try:  # the AMD ordering of OSQP's qdldl (SuiteSparse)
    import qdldl as _qdldl
except ImportError:  # pragma: no cover - exercised where qdldl is missing
    _qdldl = None

#: Whether the qdldl package (its AMD ordering) is installed; without it the
#: exact factorisations are SuperLU's (:class:`rfsim.numerics.sparse.Factor`).
HAVE_QDLDL = _qdldl is not None

#: ``QDLDL_UNKNOWN``: no parent in the elimination tree.
NO_PARENT = -1


@njit(cache=CACHE)
def ldl_etree(Ap, Ai, etree, Lnz):
    """Elimination tree and column counts of L of an upper triangle (CSC)
    with a full diagonal; ``QDLDL_etree``.  Returns the nonzeros of L."""
    n = etree.size
    work = np.empty(n, np.int64)  # np.empty and fill: np.zeros would compile too
    work[:] = 0
    etree[:] = NO_PARENT
    Lnz[:] = 0
    for j in range(n):
        work[j] = j
        for p in range(Ap[j], Ap[j + 1]):
            i = np.int64(Ai[p])
            while work[i] != j:
                if etree[i] == NO_PARENT:
                    etree[i] = j
                Lnz[i] += 1
                work[i] = j
                i = etree[i]
    nnz = 0
    for i in range(n):  # a loop, not Lnz.sum(): one NumPy function less to compile
        nnz += Lnz[i]
    return nnz


@njit(cache=CACHE)
def ldl_rows(Ap, Ai, etree, Lp, Rp, Rc, Rpos, Li):
    """The pattern of each row of L and the order in which ``QDLDL_factor``
    computes it, once per pattern, so that :func:`ldl_factor` is arithmetic only.

    Row k of L has the columns ``Rc[Rp[k]:Rp[k + 1]]`` in qdldl's order of
    elimination (the paths up the elimination tree from the entries of column k
    of the upper triangle, in reverse); entry q of them lands in slot
    ``Rpos[q]`` of L, whose row index ``Li`` it sets to k.  Rp : (n + 1) int64;
    Rc, Rpos : int64 and Li : uint32, of the nonzeros of L (out).
    """
    n = etree.size
    used = np.empty(n, np.bool_)
    used[:] = False
    y_idx = np.empty(n, np.int64)
    buf = np.empty(n, np.int64)
    next_in_col = np.empty(n, np.int64)
    for i in range(n):
        next_in_col[i] = Lp[i]
    q = 0
    Rp[0] = 0
    for k in range(n):
        nnz_y = 0
        for p in range(Ap[k], Ap[k + 1]):
            b = np.int64(Ai[p])
            if b == k or used[b]:
                continue
            used[b] = True
            buf[0] = b
            ne = 1
            nxt = etree[b]
            while nxt != NO_PARENT and nxt < k:
                if used[nxt]:
                    break
                used[nxt] = True
                buf[ne] = nxt
                ne += 1
                nxt = etree[nxt]
            while ne:
                ne -= 1
                y_idx[nnz_y] = buf[ne]
                nnz_y += 1
        for m in range(nnz_y - 1, -1, -1):
            c = y_idx[m]
            Rc[q] = c
            Rpos[q] = next_in_col[c]
            Li[next_in_col[c]] = k
            next_in_col[c] += 1
            used[c] = False
            q += 1
        Rp[k + 1] = q


@njit(cache=CACHE)
def ldl_factor(Ap, Ai, Ax, Lp, Li, Rp, Rc, Rpos, Lx, D, dinv):
    """LDL^T of a permuted upper triangle (CSC): the arithmetic of
    ``QDLDL_factor``, the same operations in the same order, on the row
    patterns of :func:`ldl_rows`.

    Parameters
    ----------
    Ap, Ai, Ax : 1-D arrays
        The upper triangle, diagonal included (uint32, uint32, float).
    Lp, Li : 1-D uint32 arrays
        Column pointers and row indices of L.
    Rp, Rc, Rpos : 1-D int64 arrays
        The rows of L in the order qdldl computes them (:func:`ldl_rows`).
    Lx : 1-D float array, out
        The values of L.
    D, dinv : 1-D float arrays, out
        The diagonal D and 1 / D.

    Returns
    -------
    int
        Positive entries of D, or -1 at a zero pivot (the factors are then
        incomplete).
    """
    n = D.size
    y = np.empty(n)
    y[:] = 0.0
    positive = 0
    for k in range(n):
        # y = the column k of the upper triangle above the diagonal
        D[k] = 0.0
        for p in range(Ap[k], Ap[k + 1]):
            b = np.int64(Ai[p])
            if b == k:
                D[k] = Ax[p]
            else:
                y[b] = Ax[p]
        # then y = L[:k, :k] \ y, column by column: row k of L, and D[k]
        for q in range(Rp[k], Rp[k + 1]):
            c = Rc[q]
            end = Rpos[q]
            yc = y[c]
            for j in range(Lp[c], end):
                y[Li[j]] -= Lx[j] * yc
            Lx[end] = yc * dinv[c]
            D[k] -= yc * Lx[end]
            y[c] = 0.0
        if D[k] == 0.0:
            return -1
        if D[k] > 0.0:
            positive += 1
        dinv[k] = 1 / D[k]
    return positive


def ldl_factor_np(A):
    """NumPy twin of :func:`ldl_factor` on a dense symmetric matrix ``A``
    (already permuted): the unit lower triangle L (diagonal excluded) and D,
    with A = (I + L) D (I + L)^T."""
    n = A.shape[0]
    L = np.zeros((n, n))
    D = np.zeros(n)
    for k in range(n):
        D[k] = A[k, k] - (L[k, :k] ** 2) @ D[:k]
        L[k + 1:, k] = (A[k + 1:, k] - L[k + 1:, :k] @ (D[:k] * L[k, :k])) / D[k]
    return L, D


@dataclass(frozen=True, eq=False)
class LDLSymbolic:
    """What every LDL^T factorisation of one upper-triangle pattern shares.

    Attributes
    ----------
    perm : 1-D int64 array
        The fill-reducing ordering: row k of the factors is row ``perm[k]`` of
        the matrix.
    Ap, Ai : 1-D uint32 arrays
        The permuted upper triangle's pattern, entries in qdldl's order.
    gather : 1-D int64 array
        Entry q of the permuted triangle is entry ``gather[q]`` of the
        matrix's CSC data.
    Lp, Li : 1-D uint32 arrays
        Column pointers and row indices of L.
    Rp, Rc, Rpos : 1-D int64 arrays
        The rows of L in the order of computation (:func:`ldl_rows`).
    """

    perm: np.ndarray
    Ap: np.ndarray
    Ai: np.ndarray
    gather: np.ndarray
    Lp: np.ndarray
    Li: np.ndarray
    Rp: np.ndarray
    Rc: np.ndarray
    Rpos: np.ndarray

    @classmethod
    def of(cls, U) -> LDLSymbolic:
        """The analysis of the upper triangle ``U`` (SciPy CSC, full diagonal),
        with qdldl's AMD ordering.  The last ``SYMBOLIC_CACHE_SIZE`` analyses
        are kept by pattern: predictions on the same grid (one placement with
        other protocols or tissues, or repeated) share theirs."""
        key = (U.shape[0], U.indptr.dtype.str, U.indptr.tobytes(), U.indices.dtype.str, U.indices.tobytes())
        with _ANALYSES_LOCK:  # predictions may run in threads (the planning page)
            hit = _ANALYSES.get(key)
            if hit is not None:
                _ANALYSES.move_to_end(key)
                return hit
        symbolic = _analyse(U)
        with _ANALYSES_LOCK:
            _ANALYSES[key] = symbolic
            while len(_ANALYSES) > SYMBOLIC_CACHE_SIZE:
                _ANALYSES.popitem(last=False)
        return symbolic

    def factorise(self, values) -> LDLFactors:
        """The factors of the matrix with this pattern and CSC data ``values``,
        over its own rows (``cells`` = :attr:`perm`).

        Raises
        ------
        ZeroDivisionError
            A zero pivot (the matrix is singular).
        """
        n = self.perm.size
        Lx, D, dinv = np.empty(self.Li.size), np.empty(n), np.empty(n)
        if ldl_factor(self.Ap, self.Ai, np.ascontiguousarray(values[self.gather], float), self.Lp, self.Li,
                      self.Rp, self.Rc, self.Rpos, Lx, D, dinv) < 0:
            raise ZeroDivisionError("zero pivot in the LDL^T factorisation")
        return LDLFactors(self.Lp, self.Li, Lx, dinv, self.perm.astype(np.uint32))


#: Symbolic analyses kept, one per sparsity pattern (an analysis with its
#: ordering took ~7 ms, a third of the factorisations of a prediction).
SYMBOLIC_CACHE_SIZE = 8


_ANALYSES: OrderedDict = OrderedDict()  # pattern -> LDLSymbolic, least recently used first
_ANALYSES_LOCK = threading.Lock()


def _analyse(U) -> LDLSymbolic:
    """:meth:`LDLSymbolic.of`, computed."""
    n = U.shape[0]
    perm = np.asarray(_qdldl.Solver(U, upper=True).factors()[2], np.int64)
    pinv = np.empty(n, np.int64)
    pinv[perm] = np.arange(n)
    rows = pinv[U.indices]
    cols = pinv[np.repeat(np.arange(n), np.diff(U.indptr))]
    col, row = np.maximum(rows, cols), np.minimum(rows, cols)
    # csc_symperm fills each column of the permuted matrix in the order of
    # the matrix's own entries: a stable sort by the new column
    gather = np.argsort(col, kind="stable")
    Ap = np.zeros(n + 1, np.uint32)
    Ap[1:] = np.cumsum(np.bincount(col, minlength=n))
    Ai = np.ascontiguousarray(row[gather], np.uint32)
    etree, Lnz = np.empty(n, np.int64), np.empty(n, np.int64)
    nnz = ldl_etree(Ap, Ai, etree, Lnz)
    Lp = np.zeros(n + 1, np.uint32)
    Lp[1:] = np.cumsum(Lnz)
    Rp, Rc, Rpos, Li = np.empty(n + 1, np.int64), np.empty(nnz, np.int64), np.empty(nnz, np.int64), \
        np.empty(nnz, np.uint32)
    ldl_rows(Ap, Ai, etree, Lp, Rp, Rc, Rpos, Li)
    return LDLSymbolic(perm, Ap, Ai, gather, Lp, Li, Rp, Rc, Rpos)


"""The finite-volume operator as a sparse matrix, and its exact factorisation.

The operator is the one of :func:`rfsim.numerics.kernels.apply_operator`,
``diag x + sum_faces G (x - x_nb)`` restricted to the unknown (free) cells.  It is
symmetric positive definite.  Here it is assembled explicitly, for the exact
factorisations that precondition CG on small grids
(:class:`rfsim.numerics.preconditioners.FactorisedPreconditioner`) and solve the
coarsest multigrid level (:class:`rfsim.numerics.multigrid.Multigrid`).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from rfsim.numerics.ldl import ldl_apply
from rfsim.numerics.ldl_factor import HAVE_QDLDL, LDLSymbolic


def operator_diagonal(G, diag=None):
    """Diagonal of the operator: ``diag`` plus the sum of each cell's face
    conductances (both faces along every axis; a boundary face counts, its
    neighbour being held at zero).

    Parameters
    ----------
    G : tuple of three face arrays
        Face conductances (S or W/K).
    diag : cell array, optional
        Diagonal term (S or W/K); zero when omitted.

    Returns
    -------
    numpy.ndarray
        Cell array (S or W/K), a new array.
    """
    shape = (G[0].shape[0] - 1,) + G[0].shape[1:]
    d = np.zeros(shape) if diag is None else np.array(diag, float)
    for ax in range(3):
        g = G[ax]
        m = shape[ax]
        d += np.take(g, np.arange(0, m), axis=ax) + np.take(g, np.arange(1, m + 1), axis=ax)
    return d


class Pattern:
    """The sparsity pattern of the operator on the free cells, built once.

    The upper triangle in CSC order: off-diagonal entries are minus the
    conductances of interior faces between two free cells (kept even where a
    conductance is zero, so the pattern never changes), then the diagonal.
    :meth:`matrix` fills in the values of a given operator by one gather.

    Parameters
    ----------
    free : bool cell array
        The unknowns.

    Attributes
    ----------
    idx : 1-D int64 array
        Flat indices of the free cells: the row (and column) order of the matrix.
    shape : tuple
        Cell shape of the grid.
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
        """Upper triangle (CSC) of the operator diag + sum_faces G (x - x_nb).

        Parameters
        ----------
        G : tuple of three face arrays (S or W/K)
        diag : cell array (S or W/K)
        """
        vals = [-G[ax].ravel()[self._faces[ax]] for ax in range(3)]
        vals.append(operator_diagonal(G, diag).ravel()[self.idx])
        A = self._upper.copy()
        A.data = np.concatenate(vals)[self._perm]
        return A


def assemble(G, diag, free):
    """The operator on the free cells as a full symmetric sparse CSC matrix.

    Parameters
    ----------
    G : tuple of three face arrays (S or W/K)
    diag : cell array (S or W/K)
    free : bool cell array

    Returns
    -------
    scipy.sparse.csc_matrix, numpy.ndarray
        The matrix and the flat indices of the free cells (its row order).
    """
    pat = Pattern(np.asarray(free, bool))
    U = pat.matrix(G, diag)
    return (U + sp.triu(U, 1).T).tocsc(), pat.idx


def splu_symmetric(A):
    """SuperLU factors of a symmetric positive definite CSC matrix: ordered on
    A + A^T, no partial pivoting (the diagonal dominates)."""
    return spla.splu(A, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0, options={"SymmetricMode": True})


class Factor:
    """An exact factorisation of one operator, given by its upper triangle.

    Parameters
    ----------
    U : scipy.sparse.csc_matrix
        Upper triangle of the operator (:meth:`Pattern.matrix`).
    reuse : Factor, optional
        An earlier LDL^T factorisation of the same pattern: its symbolic
        analysis (AMD ordering, elimination tree: two thirds of a qdldl
        factorisation here) is reused.  Each factorisation keeps its own
        factors, so ``reuse`` stays good.
    planar : bool
        The grid has a single cell along some axis (the axisymmetric grids).
        qdldl's AMD ordering suits those operators; on 3-D grids its fill grows
        faster than SuperLU's, so SuperLU takes those.
    idx : 1-D int array, optional
        Flat cell index of each row of ``U`` (:attr:`Pattern.idx`); with it an
        LDL^T factorisation also offers its factors over the cells as
        :attr:`ldl`.

    Attributes
    ----------
    ldl : LDLFactors or None
        The LDL^T factors over the cells ``idx``, for the compiled CG loop
        (:func:`rfsim.numerics.ldl.pcg_ldl`); None for SuperLU or without ``idx``.
    """

    def __init__(self, U, reuse=None, planar=True, idx=None):
        self.ldl = None
        self.symbolic = None
        if HAVE_QDLDL and planar:  # refactorises a fixed pattern ~4x faster than SuperLU
            # qdldl's factorisation, compiled (rfsim.numerics.ldl_factor): the
            # same factors to the last bit, without the copies of its Python API
            self.symbolic = reuse.symbolic if reuse is not None and reuse.symbolic is not None else \
                LDLSymbolic.of(U)
            self._own = self.symbolic.factorise(U.data)  # rows in the order of U
            if idx is not None:
                self.ldl = replace(self._own, cells=np.ascontiguousarray(idx[self._own.cells], np.uint32))
        else:
            self._f = splu_symmetric((U + sp.triu(U, 1).T).tocsc())

    def solve(self, b):
        """x with A x = b (vectors over the free cells)."""
        if self.symbolic is None:
            return self._f.solve(b)
        f = self._own
        x = np.empty(b.size)
        ldl_apply(f.Lp, f.Li, f.Lx, f.dinv, f.cells, np.ascontiguousarray(b, dtype=float), x, np.empty(b.size))
        return x

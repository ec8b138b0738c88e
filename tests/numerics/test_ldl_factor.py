"""The compiled LDL^T factorisation against qdldl (to the last bit) and its dense twin."""

import numpy as np
import pytest

from rfsim.numerics import ldl_factor as F
from rfsim.numerics import sparse as S
from rfsim.numerics.conductance import assemble_conductances
from rfsim.numerics.grid import axisymmetric_grid, cartesian_grid, graded_edges

qdldl = pytest.importorskip("qdldl")


def problems(rng):
    """Upper triangles of planar operators with fixed cells: a small Cartesian
    one and a graded axisymmetric one with a 1e4 contrast in conductivity."""
    e = [np.cumsum(np.r_[0.0, rng.uniform(0.5, 2.0, n)]) for n in (9, 1, 12)]
    g = cartesian_grid(*e)
    yield g, assemble_conductances(g, rng.uniform(0.5, 2.0, g.shape)), rng.random(g.shape) > 0.1
    g = axisymmetric_grid(graded_edges([0, 1e-3, 1e-2], [(1e-3, 1e-4)], 1.2, 1e-3),
                          graded_edges([0, 1e-2], [(5e-3, 1e-4)], 1.2, 1e-3))
    k = np.where(rng.random(g.shape) < 0.3, 1e-4, 1.0) * rng.uniform(0.5, 2.0, g.shape)
    free = np.ones(g.shape, bool)
    free[:3, :, :5] = False  # an electrode held fixed
    yield g, assemble_conductances(g, k), free


def test_factors_are_qdldls_to_the_bit_and_refactorise(rng):
    for g, G, free in problems(rng):
        pat = S.Pattern(free)
        sym = None
        for diag in (0.0 * g.volume, 3.0 * rng.random(g.shape) * g.volume):
            U = pat.matrix(G, diag)
            sym = sym or F.LDLSymbolic.of(U)  # the second one reuses the analysis
            mine = sym.factorise(U.data)
            L, D, perm = qdldl.Solver(U, upper=True).factors()
            assert np.array_equal(mine.cells, perm)
            assert np.array_equal(mine.Lp, L.indptr) and np.array_equal(mine.Li, L.indices)
            assert np.array_equal(mine.Lx, L.data) and np.array_equal(mine.dinv, 1.0 / D)


def test_factors_match_the_dense_twin(rng):
    g, G, free = next(problems(rng))
    pat = S.Pattern(free)
    U = pat.matrix(G, rng.random(g.shape) * g.volume)
    f = F.LDLSymbolic.of(U).factorise(U.data)
    A = (U + U.T).toarray() - np.diag(U.diagonal())
    p = f.cells.astype(int)
    Lt, Dt = F.ldl_factor_np(A[np.ix_(p, p)])
    n = p.size
    import scipy.sparse as sp
    L = sp.csc_matrix((f.Lx, f.Li, f.Lp), shape=(n, n)).toarray()
    assert np.count_nonzero(L) > n  # fill-in beyond the first sub-diagonal
    np.testing.assert_allclose(L, Lt, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(1.0 / f.dinv, Dt, rtol=1e-12)


def test_zero_pivot_raises(rng):
    g, G, free = next(problems(rng))
    pat = S.Pattern(free)
    U = pat.matrix(G, np.zeros(g.shape))
    sym = F.LDLSymbolic.of(U)
    with pytest.raises(ZeroDivisionError):
        sym.factorise(np.zeros_like(U.data))


def test_analyses_are_kept_per_pattern(rng):
    """The same pattern with other values reuses the analysis (and still gives
    qdldl's factors); another pattern gets its own."""
    g, G, free = next(problems(rng))
    pat = S.Pattern(free)
    U1, U2 = pat.matrix(G, 0.0 * g.volume), pat.matrix(G, rng.random(g.shape) * g.volume)
    assert F.LDLSymbolic.of(U1) is F.LDLSymbolic.of(U2)
    L, D, _ = qdldl.Solver(U2, upper=True).factors()
    f = F.LDLSymbolic.of(U2).factorise(U2.data)
    assert np.array_equal(f.Lx, L.data) and np.array_equal(f.dinv, 1.0 / D)
    other = free.copy()
    other.ravel()[np.flatnonzero(other)[0]] = False
    assert F.LDLSymbolic.of(S.Pattern(other).matrix(G, 0.0 * g.volume)) is not F.LDLSymbolic.of(U1)

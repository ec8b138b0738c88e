"""The assembled operator agrees with the matrix-free one, and its exact
factorisations solve it."""

import numpy as np
import pytest
import scipy.sparse.linalg as spla

from rfsim.numerics import sparse as S
from rfsim.numerics.conductance import assemble_conductances
from rfsim.numerics.grid import axisymmetric_grid, cartesian_grid
from rfsim.numerics.kernels import apply_operator_np


def grids():
    yield axisymmetric_grid(np.linspace(0, 1, 9) ** 1.5, np.linspace(0, 2, 11))
    yield cartesian_grid(np.linspace(0, 1, 7), np.linspace(0, 1, 5) ** 1.3, np.linspace(0, 2, 6),
                         open_sides=(True, False, True, True, False, True))


@pytest.mark.parametrize("g", list(grids()), ids=["axisymmetric", "cartesian"])
def test_assembled_matrix_is_the_operator(g, rng):
    G = assemble_conductances(g, rng.uniform(0.1, 2, g.shape))
    diag = rng.random(g.shape)
    free = rng.random(g.shape) > 0.2
    A, idx = S.assemble(G, diag, free)
    np.testing.assert_array_equal(idx, np.flatnonzero(free))
    assert abs(A - A.T).max() == 0
    x = rng.random(g.shape) * free
    y = np.empty(g.shape)
    apply_operator_np(*G, diag, free.astype(float), x, y)
    np.testing.assert_allclose(A @ x.ravel()[idx], y.ravel()[idx], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(A.diagonal(), S.operator_diagonal(G, diag).ravel()[idx], rtol=1e-14)


@pytest.mark.parametrize("planar", [True, False], ids=["LDL^T", "SuperLU"])
def test_factor_solves_and_refactorises_in_place(planar, rng):
    g = next(grids())
    G = assemble_conductances(g, rng.uniform(0.1, 2, g.shape))
    free = rng.random(g.shape) > 0.2
    pat = S.Pattern(free)
    b = rng.random(pat.idx.size)
    first = None
    for diag in (rng.random(g.shape), 3.0 * rng.random(g.shape)):
        A, _ = S.assemble(G, diag, free)
        f = S.Factor(pat.matrix(G, diag), reuse=first, planar=planar)
        np.testing.assert_allclose(f.solve(b), spla.spsolve(A, b), rtol=1e-10)
        first = f

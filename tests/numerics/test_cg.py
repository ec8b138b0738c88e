"""Conjugate gradient: its vector kernels against their NumPy twins, and the
loop's warm start and failure modes."""

import numpy as np
import pytest

from rfsim.errors import ConvergenceError, NonFiniteError
from rfsim.numerics import cg as C
from rfsim.numerics.conductance import assemble_conductances
from rfsim.numerics.grid import cartesian_grid
from rfsim.numerics.jit import PARALLEL_MIN_CELLS
from rfsim.numerics.preconditioners import JacobiPreconditioner, choose_preconditioner


@pytest.mark.parametrize("shape", [(6, 5, 4), (31, 28, 26)], ids=["serial", "threaded"])
def test_vector_kernels_serial_and_threaded_match_twins(shape, rng):
    assert (np.prod(shape) >= PARALLEL_MIN_CELLS) == (shape[0] > 6)
    x, b = rng.random(shape), rng.random(shape)
    assert np.isclose(C.dot(x, b), C.dot_np(x, b), rtol=1e-12)
    p, q = rng.random(shape), rng.random(shape)
    xs, rs = [x.copy(), x.copy()], [b.copy(), b.copy()]
    rr = [C.cg_update(xs[0], rs[0], p, q, 0.3), C.cg_update_np(xs[1], rs[1], p, q, 0.3)]
    assert np.isclose(rr[0], rr[1], rtol=1e-12)
    np.testing.assert_allclose(xs[0], xs[1], rtol=1e-14)
    np.testing.assert_allclose(rs[0], rs[1], rtol=1e-12, atol=1e-15)
    ps = [p.copy(), p.copy()]
    C.cg_direction(ps[0], q, 0.7)
    C.cg_direction_np(ps[1], q, 0.7)
    np.testing.assert_allclose(ps[0], ps[1], rtol=1e-14)


def problem(rng, shape=(8, 7, 6)):
    e = [np.cumsum(np.r_[0.0, rng.uniform(0.5, 2.0, n)]) for n in shape]
    g = cartesian_grid(*e)
    G = assemble_conductances(g, rng.uniform(0.5, 2.0, shape))
    free = rng.random(shape) > 0.1
    return g, G, free


def test_solution_warm_start_and_fixed_cells(rng):
    g, G, free = problem(rng)
    diag, b = 0.1 * g.volume, rng.random(g.shape)
    pcg = C.PCG(free, "test", rtol=1e-12, preconditioner=choose_preconditioner(free))
    x = pcg.solve(G, diag, b)
    assert not x[~free].any()
    Ax = np.empty(g.shape)
    C.apply_operator(*G, diag, pcg.mask, x, Ax)
    np.testing.assert_allclose(Ax, b * free, rtol=0, atol=1e-10 * np.abs(b).max())
    pcg.solve(G, diag, b, x0=2.0 * x)  # a guess of the right shape, wrong size
    assert pcg.last_iterations == 0
    assert pcg.iterations > 0


def test_failures_raise_and_drop_the_preconditioner(rng):
    g, G, free = problem(rng)
    diag, b = np.zeros(g.shape), rng.random(g.shape)
    pcg = C.PCG(free, "test", rtol=1e-12, maxiter=2, preconditioner=JacobiPreconditioner(free))
    with pytest.raises(ConvergenceError, match="test solve at t: CG stopped after 2 iterations"):
        pcg.solve(G, diag, b, where="at t")
    assert pcg.preconditioner.inverse_diagonal is None and pcg.factorisations == 1
    with pytest.raises(NonFiniteError, match="right-hand side is not finite"):
        pcg.solve(G, diag, np.where(free, np.nan, 0.0))

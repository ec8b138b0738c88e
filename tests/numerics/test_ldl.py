"""The compiled LDL^T solves and CG loop against their twins: qdldl's own solve,
the NumPy/SciPy substitutions, and the Python CG loop of PCG (to the last bit)."""

import numpy as np
import pytest

from rfsim.errors import ConvergenceError, NonFiniteError
from rfsim.numerics import cg as C
from rfsim.numerics import ldl as L
from rfsim.numerics import sparse as S
from rfsim.numerics.conductance import assemble_conductances
from rfsim.numerics.grid import cartesian_grid
from rfsim.numerics.preconditioners import FactorisedPreconditioner

qdldl = pytest.importorskip("qdldl")


def planar_problem(rng, shape=(9, 1, 12), fixed=0.1):
    """A planar grid (the LDL^T case) with random conductances and fixed cells."""
    e = [np.cumsum(np.r_[0.0, rng.uniform(0.5, 2.0, n)]) for n in shape]
    g = cartesian_grid(*e)
    G = assemble_conductances(g, rng.uniform(0.5, 2.0, shape))
    free = rng.random(shape) > fixed
    return g, G, free


def factor_of(G, diag, free):
    pat = S.Pattern(free)
    return S.Factor(pat.matrix(G, diag), planar=True, idx=pat.idx), pat


def test_ldl_apply_is_qdldl_solve_to_the_bit_and_matches_its_twin(rng):
    g, G, free = planar_problem(rng)
    diag = 0.1 * g.volume
    f, pat = factor_of(G, diag, free)
    F = f.ldl
    r = rng.random(g.shape)
    out = np.empty(g.shape)
    L.ldl_apply(F.Lp, F.Li, F.Lx, F.dinv, F.cells, r.ravel(), out.ravel(), np.empty(F.cells.size))
    assert not out[~free].any()
    qd = qdldl.Solver(pat.matrix(G, diag), upper=True)
    np.testing.assert_array_equal(out.ravel()[pat.idx], qd.solve(r.ravel()[pat.idx]))
    np.testing.assert_array_equal(f.solve(r.ravel()[pat.idx]), qd.solve(r.ravel()[pat.idx]))
    twin = np.empty(g.shape)
    L.ldl_apply_np(F.Lp, F.Li, F.Lx, F.dinv, F.cells, r.ravel(), twin.ravel(), None)
    np.testing.assert_allclose(out, twin, rtol=1e-12, atol=1e-14 * np.abs(twin).max())
    A, idx = S.assemble(G, diag, free)
    np.testing.assert_allclose(A @ out.ravel()[idx], r.ravel()[idx], rtol=1e-10)


def test_pair_is_two_singles_to_the_bit(rng):
    g, G, free = planar_problem(rng)
    f, _ = factor_of(G, 0.1 * g.volume, free)
    F = f.ldl
    r1, r2 = rng.random(free.size), rng.random(free.size)
    n = F.cells.size
    o1, o2, s1, s2 = (np.empty(free.size) for _ in range(4))
    L.ldl_apply_pair(F.Lp, F.Li, F.Lx, F.dinv, F.cells, r1, r2, o1, o2, np.empty(n), np.empty(n))
    L.ldl_apply(F.Lp, F.Li, F.Lx, F.dinv, F.cells, r1, s1, np.empty(n))
    L.ldl_apply(F.Lp, F.Li, F.Lx, F.dinv, F.cells, r2, s2, np.empty(n))
    np.testing.assert_array_equal(o1, s1)
    np.testing.assert_array_equal(o2, s2)


def pcgs(free, refactor_after=8, **kw):
    """A compiled PCG and its Python twin."""
    out = []
    for compiled in (True, False):
        p = C.PCG(free, "test", preconditioner=FactorisedPreconditioner(free, refactor_after), **kw)
        p.compiled = compiled
        out.append(p)
    return out


@pytest.mark.parametrize("nrhs", [1, 2, 3])
def test_compiled_loop_is_the_python_loop_to_the_bit(nrhs, rng):
    g, G, free = planar_problem(rng)
    fast, slow = pcgs(free, rtol=1e-8)
    diag0 = 0.1 * g.volume
    for step in range(4):
        # the factors are of the first operator; later ones have drifted, so CG iterates
        diag = diag0 * (1.0 + 0.3 * step) * rng.uniform(0.9, 1.1, g.shape)
        for p in (fast, slow):
            p.select(0)
        bs = [rng.random(g.shape) for _ in range(nrhs)]
        x0s = [None if (step + m) % 2 else rng.random(g.shape) for m in range(nrhs)]
        xs = fast.solve_many(G, diag, bs, x0s)
        ys = [slow.solve(G, diag, b, x0) for b, x0 in zip(bs, x0s)]
        for x, y in zip(xs, ys):
            np.testing.assert_array_equal(x, y)
        assert fast.iterations == slow.iterations and fast.last_iterations == slow.last_iterations
    assert fast.iterations > 4 * nrhs  # the drift made CG work
    np.testing.assert_array_equal(fast.solve(G, diag, bs[0]), slow.solve(G, diag, bs[0]))


def test_lockstep_follows_a_refactorisation_as_solves_one_by_one_would(rng):
    """When a solve needs more than ``refactor_after`` iterations, the next one
    runs with fresh factors; the lockstep solve does the same."""
    g, G, free = planar_problem(rng)
    fast, slow = pcgs(free, refactor_after=1, rtol=1e-10)
    for p in (fast, slow):
        p.select(0)
        p.solve(G, 0.1 * g.volume, rng.random(g.shape))  # factorised for this operator
    diag = 0.5 * g.volume
    bs = [rng.random(g.shape), rng.random(g.shape)]
    xs = fast.solve_many(G, diag, bs)
    ys = [slow.solve(G, diag, b) for b in bs]
    assert slow.factorisations == fast.factorisations == 2
    for x, y in zip(xs, ys):
        np.testing.assert_array_equal(x, y)
    assert fast.iterations == slow.iterations


def test_compiled_failures_raise_as_the_python_loop_does(rng):
    g, G, free = planar_problem(rng)
    fast, slow = pcgs(free, rtol=1e-14, maxiter=1)
    diag0, diag = 0.1 * g.volume, 2.0 * g.volume
    msgs = []
    for p in (fast, slow):
        p.select(0)
        p.solve(G, diag0, rng.random(g.shape))  # factors of another operator: one iteration is not enough
        with pytest.raises(ConvergenceError, match="test solve at t: CG stopped after 1 iterations") as e:
            p.solve(G, diag, np.ones(g.shape), where="at t")
        msgs.append(str(e.value))
        assert p.preconditioner.factor is None  # dropped
        with pytest.raises(NonFiniteError, match="right-hand side is not finite"):
            p.solve(G, diag0, np.where(free, np.nan, 0.0))
    assert msgs[0] == msgs[1]


def test_heat_step_compiled_is_the_python_loop_to_the_bit():
    from conftest import sphere_domain

    from rfsim.physics.heat import HeatSolver

    d = sphere_domain()
    steps = []
    for compiled in (True, False):
        h = HeatSolver(d, 1e-6)
        h.pcg.compiled = compiled
        T, q = np.full(d.grid.shape, 37.0), 1e-3 * d.metal.astype(float) + 1e-4
        perf = np.ones(d.grid.shape, bool)
        T1, (R1,) = h.step(T, None, 0.05, None, perf, responses=[q])
        T2, (R2,) = h.step(T1 + 0.5 * R1, T, 0.0707, 0.05, perf, responses=[q], guesses=[T1 - T, R1])
        steps.append((T1, R1, T2, R2, h.pcg.iterations))
    for a, b in zip(*steps):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("k", [0, 1, 5])
def test_which_is_flatnonzero(k, rng):
    live = rng.random(k) > 0.5
    assert np.array_equal(L._which(live), np.flatnonzero(live))
    assert L._which(live).dtype == np.int64

"""The choice of preconditioner, their agreement, and their reuse policy
(factorisations cached per key, rebuilt after drift)."""

import numpy as np
import pytest
import scipy.sparse.linalg as spla

from rfsim.numerics import preconditioners as P
from rfsim.numerics.cg import PCG
from rfsim.numerics.conductance import assemble_conductances
from rfsim.numerics.grid import axisymmetric_grid, cartesian_grid
from rfsim.numerics.multigrid import hierarchy as H
from rfsim.numerics.sparse import assemble


def cube(rng, shape=(12, 10, 9)):
    e = [np.cumsum(np.r_[0.0, rng.uniform(0.5, 2.0, n)]) for n in shape]
    g = cartesian_grid(*e)
    G = assemble_conductances(g, np.where(rng.random(shape) < 0.3, 20.0, 0.5))
    return g, G, rng.random(shape) > 0.1


def test_choice_by_size_dimension_and_widths(monkeypatch, rng):
    g, _, free = cube(rng)
    widths = tuple(2 * h for h in g.half)
    assert type(P.choose_preconditioner(free, widths)) is P.FactorisedPreconditioner  # below MG_MIN_UNKNOWNS
    monkeypatch.setattr(P, "MG_MIN_UNKNOWNS", 0)
    assert type(P.choose_preconditioner(free, widths)) is P.MultigridPreconditioner
    assert type(P.choose_preconditioner(free)) is P.FactorisedPreconditioner  # no widths, no multigrid
    planar = np.ones((12, 1, 9), bool)
    assert type(P.choose_preconditioner(planar, widths)) is P.FactorisedPreconditioner  # 2-D: no multigrid
    monkeypatch.setattr(P, "LU_MAX_UNKNOWNS", 10)
    assert type(P.choose_preconditioner(free)) is P.JacobiPreconditioner
    pc = P.choose_preconditioner(free, refactor_after=3)
    assert pc.refactor_after == 3


def test_all_three_solve_the_same_system(monkeypatch, rng):
    monkeypatch.setattr(H, "COARSE_MAX_UNKNOWNS", 50)
    g, G, free = cube(rng)
    diag, b = 0.5 * g.volume, rng.random(g.shape)
    A, idx = assemble(G, diag, free)
    exact = np.zeros(g.shape)
    exact.ravel()[idx] = spla.spsolve(A, b.ravel()[idx])
    pcs = [P.FactorisedPreconditioner(free), P.JacobiPreconditioner(free),
           P.MultigridPreconditioner(free, tuple(2 * h for h in g.half))]
    its = []
    for pc in pcs:
        pcg = PCG(free, "test", rtol=1e-12, maxiter=2000, preconditioner=pc)
        np.testing.assert_allclose(pcg.solve(G, diag, b), exact, rtol=0, atol=1e-9 * np.abs(exact).max())
        its.append(pcg.last_iterations)
    assert its[0] <= 1 and its[2] < its[1], its  # exact factors; the V-cycle beats Jacobi


def test_factorisations_are_cached_per_key_and_rebuilt_after_drift(monkeypatch, rng):
    g = axisymmetric_grid(np.linspace(0, 1, 11), np.linspace(0, 2, 13))
    G = assemble_conductances(g, rng.uniform(0.5, 2.0, g.shape))
    free = np.ones(g.shape, bool)
    b = rng.random(g.shape)
    pc = P.FactorisedPreconditioner(free, refactor_after=1)
    pcg = PCG(free, "test", preconditioner=pc)
    for key in ("a", "b", "a", "b"):
        pcg.select(key)
        pcg.solve(G, {"a": 1.0, "b": 2.0}[key] * g.volume, b)
    assert pcg.factorisations == 2 and pcg.last_iterations == 1  # each operator factorised once, exactly
    pcg.select("a")
    pcg.solve(G, 1.5 * g.volume, b)  # drifted: iterations > refactor_after drop the factors
    assert pcg.last_iterations > 1 and pc.factor is None
    pcg.solve(G, 1.5 * g.volume, b)
    assert pcg.factorisations == 3 and pcg.last_iterations == 1
    monkeypatch.setattr(P, "CACHE_SIZE", 2)
    pcg.select("c")  # a third key: the least recently used ("b") makes room
    pcg.solve(G, 3.0 * g.volume, b)
    assert pcg.factorisations == 4
    pcg.select("b")
    assert pc.factor is None
    pcg.select("a")
    assert pc.factor is not None


def test_multigrid_keeps_its_hierarchy_across_keys(monkeypatch, rng):
    monkeypatch.setattr(H, "COARSE_MAX_UNKNOWNS", 50)
    g, G, free = cube(rng)
    b = rng.random(g.shape)
    pc = P.MultigridPreconditioner(free, tuple(2 * h for h in g.half))
    pcg = PCG(free, "test", rtol=1e-10, preconditioner=pc)
    pcg.select(1)
    pcg.solve(G, g.volume, b)
    mg = pc.hierarchy
    pcg.select(2)
    pcg.solve(G, 2.0 * g.volume, b)  # a new diagonal on the same hierarchy
    assert pc.hierarchy is mg and pcg.factorisations == 1
    np.testing.assert_array_equal(mg.levels[0].diag, 2.0 * g.volume)
    pcg.invalidate()
    pcg.solve(G, 2.0 * g.volume, b)
    assert pc.hierarchy is not mg and pcg.factorisations == 2


@pytest.mark.parametrize("kind", ["factorised", "jacobi"])
def test_refactor_after(kind, rng):
    g, G, free = cube(rng, (6, 5, 4))
    pc = (P.FactorisedPreconditioner if kind == "factorised" else P.JacobiPreconditioner)(free, refactor_after=2)
    pc.prepare(G, g.volume)
    pc.observe(2)
    assert pc.builds == 1 and (pc.factor if kind == "factorised" else pc.inverse_diagonal) is not None
    pc.observe(3)
    assert (pc.factor if kind == "factorised" else pc.inverse_diagonal) is None

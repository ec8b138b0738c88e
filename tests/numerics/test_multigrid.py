"""Multigrid preconditioner: kernels vs NumPy twins, symmetry, and iteration
counts that do not grow with resolution on the 3-D cordotomy potential."""

from dataclasses import replace

import numpy as np
import pytest

from rfsim.numerics import preconditioners
from rfsim.numerics.cg import PCG
from rfsim.numerics.conductance import assemble_conductances
from rfsim.numerics.grid import cartesian_grid
from rfsim.numerics.jit import PARALLEL_MIN_CELLS
from rfsim.numerics.multigrid import hierarchy as H
from rfsim.numerics.multigrid import smoother as S
from rfsim.numerics.multigrid import transfer as T
from rfsim.numerics.sparse import operator_diagonal


def small_problem(rng, shape=(7, 6, 5)):
    """Random graded grid, jumping conductivities, some fixed cells, open sides."""
    e = [np.cumsum(np.r_[0.0, rng.uniform(0.5, 2.0, n)]) for n in shape]
    g = cartesian_grid(*e, open_sides=(True, False, True, True, False, True))
    p = np.where(rng.random(shape) < 0.3, 20.0, 0.5)
    G = assemble_conductances(g, p)
    mask = (rng.random(shape) > 0.15).astype(float)
    return g, G, mask


def test_aggregation_map_pairs_only_narrow_cells():
    w = np.array([1.0, 1.0, 1.0, 3.0, 3.0, 1.0, 1.0])
    cmap, W = T.aggregation_map(w, 2.0)
    assert cmap.tolist() == [0, 0, 1, 2, 3, 4, 4]
    np.testing.assert_allclose(W, [2.0, 1.0, 3.0, 3.0, 2.0])
    cmap, W = T.aggregation_map(w)
    assert cmap.tolist() == [0, 0, 1, 1, 2, 2, 3] and W.sum() == w.sum()


def test_kernels_match_numpy_twins(rng):
    g, G, mask = small_problem(rng, (13, 6, 5))
    widths = [2 * h for h in g.half]
    maps, cw = zip(*(T.aggregation_map(w, 2.5) for w in widths))
    cshape = tuple(w.size for w in cw)
    for ax in range(3):
        out = []
        for kern in (T.coarsen_faces, T.coarsen_faces_np):
            Gc = np.zeros(tuple(n + (a == ax) for a, n in enumerate(cshape)))
            dc = np.zeros(cshape)
            mv = lambda a: np.moveaxis(a, ax, 0)  # noqa: E731
            others = [maps[a] for a in range(3) if a != ax]
            kern(mv(G[ax]), mv(mask), maps[ax], others[0], others[1], widths[ax], cw[ax], mv(Gc), mv(dc))
            out.append((Gc, dc))
        assert np.abs(out[0][0]).max() > 0 and np.abs(out[0][1]).max() > 0
        for a, b in zip(*out):
            np.testing.assert_allclose(a, b, rtol=1e-13, atol=0)
    r = rng.random(g.shape)
    rc = [np.empty(cshape), np.empty(cshape)]
    T.restrict(r, *maps, rc[0])
    T.restrict_np(r, *maps, rc[1])
    np.testing.assert_allclose(rc[0], rc[1], rtol=1e-13)
    assert np.isclose(rc[0].sum(), r.sum())
    diag, x = rng.random(g.shape), rng.random(g.shape)
    out = [(np.empty(g.shape), np.empty(cshape)) for _ in range(2)]
    T.residual_restrict(*G, diag, mask, r, x, out[0][0], *maps, out[0][1])
    T.residual_restrict_np(*G, diag, mask, r, x, out[1][0], *maps, out[1][1])
    for a, b in zip(*out):
        assert np.abs(a).max() > 0
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-13)
    x = [r.copy(), r.copy()]
    T.prolong_add(rc[0], *maps, mask, x[0])
    T.prolong_add_np(rc[0], *maps, mask, x[1])
    np.testing.assert_allclose(x[0], x[1], rtol=1e-13)
    dinv = mask / (1.0 + operator_diagonal(G))
    for forward in (True, False):
        for nslabs in (1, 2, 3):
            x0 = rng.random(g.shape) * mask
            x = [x0.copy(), x0.copy()]
            S.gauss_seidel(*G, dinv, r, x[0], forward, nslabs)
            S.gauss_seidel_np(*G, dinv, r, x[1], forward, nslabs)
            assert np.abs(x[0] - x0).max() > 0
            np.testing.assert_allclose(x[0], x[1], rtol=1e-12)


@pytest.mark.parametrize("shape", [(6, 5, 4), (31, 28, 26)], ids=["serial", "threaded"])
def test_residual_restrict_serial_and_threaded_match_twin(shape, rng):
    """The fused residual and restriction on grids below and above
    PARALLEL_MIN_CELLS cells (the operator itself runs serially below)."""
    assert (np.prod(shape) >= PARALLEL_MIN_CELLS) == (shape[0] > 6)
    G = [rng.random(tuple(n + (a == ax) for a, n in enumerate(shape))) for ax in range(3)]
    d, x, b = rng.random(shape), rng.random(shape), rng.random(shape)
    m = (rng.random(shape) < 0.8).astype(float)
    maps, cw = zip(*(T.aggregation_map(np.ones(n)) for n in shape))
    (r1, c1), (r2, c2) = [(np.empty(shape), np.empty(tuple(w.size for w in cw))) for _ in range(2)]
    T.residual_restrict(*G, d, m, b, x, r1, *maps, c1)
    T.residual_restrict_np(*G, d, m, b, x, r2, *maps, c2)
    np.testing.assert_allclose(r1, r2, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(c1, c2, rtol=1e-11, atol=1e-12)
    assert np.all(r1[m == 0] == 0) and np.abs(r1).max() > 0


def test_slab_bounds_match_twin():
    for n0 in (1, 3, 4, 7, 16, 17, 64):
        for nslabs in (1, 2, 3, 4, 9):
            b = S.slab_bounds(n0, nslabs)
            np.testing.assert_array_equal(b, S.slab_bounds_np(n0, nslabs))
            assert b[0] == 0 and b[-1] == n0 and np.all(np.diff(b) > 0)


def test_coarse_operator_is_the_rediscretised_one_on_a_uniform_grid(monkeypatch):
    """Summed conductances scaled by the centre-distance ratio: on a uniform
    grid the coarse Laplacian is the fine one rediscretised at twice the width."""
    monkeypatch.setattr(H, "COARSE_MAX_UNKNOWNS", 100)
    n, h = 8, 0.1
    e = np.arange(n + 1) * h
    g = cartesian_grid(e, e, e)
    one = np.ones(g.shape)
    G = assemble_conductances(g, one)
    mg = H.Multigrid(G, np.zeros(g.shape), np.ones(g.shape, bool), [np.full(n, h)] * 3)
    c = mg.levels[1]
    assert c.shape == (4, 4, 4)
    np.testing.assert_allclose(c.G[0][1:-1], 2 * h)  # A / H = (2h)^2 / 2h
    np.testing.assert_allclose(c.G[0][0], (2 * h) ** 2 / h)  # boundary: A / (H / 2)


@pytest.mark.parametrize("precision, rtol", [(np.float64, 1e-10), (np.float32, 1e-5)])
@pytest.mark.parametrize("with_block", [False, True])
def test_vcycle_is_symmetric_positive_definite(rng, monkeypatch, precision, rtol, with_block):
    """Symmetric to rounding in the cycle's precision (float32 by default: the
    preconditioner need not be exact), also with an exactly solved block."""
    monkeypatch.setattr(H, "COARSE_MAX_UNKNOWNS", 20)
    monkeypatch.setattr(H, "CYCLE_PRECISION", precision)
    g, G, mask = small_problem(rng, (9, 8, 7))
    block = None
    if with_block:
        block = np.zeros(g.shape, bool)
        block[3:6, 2:5, 2:4] = True
    mg = H.Multigrid(G, 0.01 * rng.random(g.shape), mask > 0, [2 * h for h in g.half], block)
    assert len(mg.levels) >= 2 and (mg.levels[0].block is not None) == with_block
    u, v = rng.random(g.shape) * mask, rng.random(g.shape) * mask
    mu, mv = mg.apply(u, np.empty(g.shape)), mg.apply(v, np.empty(g.shape))
    assert np.isclose(np.vdot(mu, v), np.vdot(u, mv), rtol=rtol)
    assert np.vdot(mu, u) > 0
    assert not mu[mask == 0].any()


def test_multigrid_cg_matches_the_factorised_solve(rng, monkeypatch):
    """Same answer as the LU-preconditioned CG, with a time-step change (set_diag)."""
    g, G, mask = small_problem(rng, (12, 10, 9))
    free = mask > 0
    b = rng.random(g.shape)
    widths = tuple(2 * h for h in g.half)
    for diag in (np.zeros(g.shape), 5.0 * g.volume):
        lu = preconditioners.choose_preconditioner(free)
        ref = PCG(free, "ref", rtol=1e-12, preconditioner=lu).solve(G, diag, b)
        monkeypatch.setattr(preconditioners, "MG_MIN_UNKNOWNS", 0)
        monkeypatch.setattr(H, "COARSE_MAX_UNKNOWNS", 50)
        pcg = PCG(free, "mg", rtol=1e-12, preconditioner=preconditioners.choose_preconditioner(free, widths=widths))
        assert isinstance(pcg.preconditioner, preconditioners.MultigridPreconditioner)
        pcg.select("a")
        x = pcg.solve(G, np.zeros(g.shape), b)
        pcg.select("b")
        x = pcg.solve(G, diag, b, x0=x)  # new diagonal: coarse diagonals re-summed
        monkeypatch.undo()
        np.testing.assert_allclose(x, ref, rtol=1e-8, atol=1e-10 * np.abs(ref).max())


def test_potential_iterations_do_not_grow_with_resolution():
    """3-D cordotomy potential (anisotropic cord, CSF, electrode): CG iterations
    with the V-cycle stay within +-30 % from ~60k to ~260k cells."""
    from rfsim.anatomy.parametric import load_parametric
    from rfsim.physics.electric import ElectricSolver
    from rfsim.cordotomy.domains import CARTESIAN_MESH, cartesian_domain
    from rfsim.cordotomy.placement import Placement

    an, pl = load_parametric(), Placement.default("leg")
    its = []
    for refine in (0.75, 1.0, 1.25):
        dom = cartesian_domain(an, pl, replace(CARTESIAN_MESH, refine=refine, extent_m=10e-3), half_length_m=8e-3)
        es = ElectricSolver(dom, rtol=1e-8)
        es.solve(np.full(dom.grid.shape, 37.0))
        assert isinstance(es.pcg.preconditioner, preconditioners.MultigridPreconditioner)
        its.append(es.pcg.last_iterations)
    assert max(its) <= 1.3 * min(its) and max(its) <= 30, its


def test_heat_iterations_with_the_metal_solved_as_a_block(monkeypatch):
    """3-D heat step (dt 4 s) around the electrode: the metal, 40x as conductive
    as tissue, is what slows point Gauss-Seidel; solving it as one block in the
    smoother must take clearly fewer CG iterations than smoothing it point by
    point, and the answers must agree."""
    from rfsim.anatomy.parametric import load_parametric
    from rfsim.physics.heat import HeatSolver
    from rfsim.cordotomy.domains import CARTESIAN_MESH, cartesian_domain
    from rfsim.cordotomy.placement import Placement

    dom = cartesian_domain(load_parametric(), Placement.default("leg"),
                           replace(CARTESIAN_MESH, extent_m=10e-3), half_length_m=8e-3)
    T = np.full(dom.grid.shape, 37.0)
    q = np.zeros(dom.grid.shape)
    q[dom.sensor] = 0.1  # W
    out = {}
    for levels in (0, H.BLOCK_LEVELS):
        monkeypatch.setattr(H, "BLOCK_LEVELS", levels)
        hs = HeatSolver(dom, rtol=1e-8)
        if levels == 0:
            hs.pcg.preconditioner.block = None
        assert isinstance(hs.pcg.preconditioner, preconditioners.MultigridPreconditioner)
        _, (R,) = hs.step(T, None, 4.0, None, np.ones(dom.grid.shape, bool), responses=[q])
        out[levels] = (hs.pcg.last_iterations, R)
    (it0, R0), (it1, R1) = out[0], out[H.BLOCK_LEVELS]
    print("heat iterations, metal smoothed point by point / as a block:", it0, it1)
    assert it1 <= 0.75 * it0, (it0, it1)
    np.testing.assert_allclose(R1, R0, rtol=0, atol=1e-6 * np.abs(R0).max())

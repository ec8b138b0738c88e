"""Every Numba kernel against its NumPy twin, on both geometries."""

import numpy as np
import pytest

from rfsim.numerics import kernels as K
from rfsim.numerics.grid import axisymmetric_grid, cartesian_grid, graded_edges


def grids():
    yield axisymmetric_grid(graded_edges([0, 1e-3, 1e-2], [(1e-3, 1e-4)], 1.2, 1e-3),
                            graded_edges([0, 1e-2], [(5e-3, 1e-4)], 1.2, 1e-3))
    yield cartesian_grid(np.linspace(0, 1, 7), np.linspace(0, 1, 5) ** 1.3, np.linspace(0, 2, 6),
                         open_sides=(True, False, True, True, False, True))


@pytest.mark.parametrize("g", list(grids()), ids=["axisymmetric", "cartesian"])
@pytest.mark.parametrize("metal_boundary", [False, True])
def test_kernels_match_numpy_twins(g, metal_boundary, rng):
    sh = g.shape
    p = rng.uniform(0.1, 2, sh)
    metal = rng.random(sh) < 0.2
    metal[0] = True  # exercise metal on a boundary
    skin = rng.uniform(0, 1, sh)
    sides = np.array(g.open_sides, dtype=np.int64)
    Gs = []
    ps = (p, rng.uniform(0.1, 2, sh), rng.uniform(0.1, 2, sh))  # anisotropic: one per axis
    for f in (K.face_conductance, K.face_conductance_np):
        G = [np.zeros(a.shape) for a in g.area]
        f(*ps, metal, skin, *g.half, *g.area, sides, metal_boundary, *G)
        Gs.append(G)
    for a, b in zip(*Gs):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=0)
    G = Gs[0]
    assert any(x.any() for x in G)
    x, d = rng.random(sh), rng.random(sh)
    m = (rng.random(sh) < 0.8).astype(float)
    pairs = [
        (lambda y: K.apply_operator(*G, d, m, x, y), lambda y: K.apply_operator_np(*G, d, m, x, y)),
        (lambda y: K.joule_heat(*G, x, p, *g.half, y), lambda y: K.joule_heat_np(*G, x, p, *g.half, y)),
        (lambda y: K.boundary_source(*G, 2.5, y), lambda y: K.boundary_source_np(*G, 2.5, y)),
    ]
    for fast, ref in pairs:
        y1, y2 = np.zeros(sh), np.zeros(sh)
        fast(y1)
        ref(y2)
        assert np.abs(y1).max() > 0
        np.testing.assert_allclose(y1, y2, rtol=1e-12, atol=1e-14 * np.abs(y2).max())


@pytest.mark.parametrize("sh", [(5, 1, 7), (31, 28, 26)], ids=["serial", "threaded"])
def test_damage_kernel_matches_twin(sh, rng):
    """Two steps, the second reusing the rates the first left (as DamageState does)."""
    assert (np.prod(sh) >= K.PARALLEL_MIN_CELLS) == (sh[0] == 31)
    temps = [rng.uniform(30, 95, sh) for _ in range(3)]
    states = [[np.zeros(sh), np.zeros(sh), np.full(sh, 37.0), np.empty(sh), np.empty(sh)] for _ in range(2)]
    for kern, st in zip((K.damage_update, K.damage_update_np), states):
        for n, known in ((0, False), (1, True)):
            kern(temps[n], temps[n + 1], 0.5, 7.39e39, 2.577e5, *st, known)
    for u, v in zip(*states):
        np.testing.assert_allclose(u, v, rtol=1e-12)
    ref = [np.zeros(sh), np.zeros(sh), np.full(sh, 37.0), np.empty(sh), np.empty(sh)]
    for n in range(2):  # the same two steps without the rates carried over
        K.damage_update_np(temps[n], temps[n + 1], 0.5, 7.39e39, 2.577e5, *ref, False)
    for u, v in zip(states[0], ref):
        np.testing.assert_allclose(u, v, rtol=1e-12)
    assert states[0][0].max() > 1.0  # some cells coagulated


def test_operator_is_symmetric(rng):
    g = next(grids())
    sh = g.shape
    G = [np.zeros(a.shape) for a in g.area]
    p = rng.uniform(0.1, 2, sh)
    K.face_conductance(p, p, p, np.zeros(sh, bool), np.zeros(sh), *g.half, *g.area,
                       np.array(g.open_sides, dtype=np.int64), False, *G)
    x, y = rng.random(sh), rng.random(sh)
    ax, ay = np.zeros(sh), np.zeros(sh)
    one, zero = np.ones(sh), np.zeros(sh)
    K.apply_operator(*G, zero, one, x, ax)
    K.apply_operator(*G, zero, one, y, ay)
    assert np.isclose(np.vdot(ax, y), np.vdot(x, ay), rtol=1e-12)
    assert np.vdot(ax, x) > 0


@pytest.mark.parametrize("shape", [(6, 5, 4), (31, 28, 26)], ids=["serial", "threaded"])
def test_serial_and_threaded_paths_match_twins(shape, rng):
    """Grids of at least PARALLEL_MIN_CELLS cells take the threaded kernels;
    both paths must give what the NumPy twins give."""
    from rfsim.numerics import linsolve as L
    from rfsim.numerics import multigrid as M

    assert (np.prod(shape) >= K.PARALLEL_MIN_CELLS) == (shape[0] > 6)
    G = [rng.random(tuple(n + (a == ax) for a, n in enumerate(shape))) for ax in range(3)]
    d, x, b = rng.random(shape), rng.random(shape), rng.random(shape)
    m = (rng.random(shape) < 0.8).astype(float)
    for fast, ref in ((K.apply_operator, K.apply_operator_np),):
        y1, y2 = np.empty(shape), np.empty(shape)
        fast(*G, d, m, x, y1)
        ref(*G, d, m, x, y2)
        np.testing.assert_allclose(y1, y2, rtol=1e-12)
    maps, cw = zip(*(M.aggregation_map(np.ones(n)) for n in shape))
    (r1, c1), (r2, c2) = [(np.empty(shape), np.empty(tuple(w.size for w in cw))) for _ in range(2)]
    M.residual_restrict(*G, d, m, b, x, r1, *maps, c1)
    M.residual_restrict_np(*G, d, m, b, x, r2, *maps, c2)
    np.testing.assert_allclose(r1, r2, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(c1, c2, rtol=1e-11, atol=1e-12)
    assert np.all(r1[m == 0] == 0) and np.abs(r1).max() > 0
    assert np.isclose(L.dot(x, b), L.dot_np(x, b), rtol=1e-12)
    p, q = rng.random(shape), rng.random(shape)
    xs, rs = [x.copy(), x.copy()], [b.copy(), b.copy()]
    rr = [L.cg_update(xs[0], rs[0], p, q, 0.3), L.cg_update_np(xs[1], rs[1], p, q, 0.3)]
    assert np.isclose(rr[0], rr[1], rtol=1e-12)
    np.testing.assert_allclose(xs[0], xs[1], rtol=1e-14)
    np.testing.assert_allclose(rs[0], rs[1], rtol=1e-12, atol=1e-15)
    ps = [p.copy(), p.copy()]
    L.cg_direction(ps[0], q, 0.7)
    L.cg_direction_np(ps[1], q, 0.7)
    np.testing.assert_allclose(ps[0], ps[1], rtol=1e-14)

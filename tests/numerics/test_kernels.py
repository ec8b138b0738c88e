"""Every Numba kernel against its NumPy twin, on both geometries."""

import numpy as np
import pytest

from rfsim.numerics import kernels as K
from rfsim.numerics.grid import axisymmetric_grid, cartesian_grid, graded_edges
from rfsim.numerics.jit import PARALLEL_MIN_CELLS


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


@pytest.mark.parametrize("onset", [-273.15, 43.0], ids=["plain", "onset"])
@pytest.mark.parametrize("sh", [(5, 1, 7), (31, 28, 26)], ids=["serial", "threaded"])
def test_damage_kernel_matches_twin(sh, onset, rng):
    """Two steps, the second reusing the rates the first left (as DamageState does)."""
    assert (np.prod(sh) >= PARALLEL_MIN_CELLS) == (sh[0] == 31)
    temps = [rng.uniform(30, 95, sh) for _ in range(3)]
    states = [[np.zeros(sh), np.zeros(sh), np.full(sh, 37.0), np.empty(sh), np.empty(sh)] for _ in range(2)]
    for kern, st in zip((K.damage_update, K.damage_update_np), states):
        for n, known in ((0, False), (1, True)):
            kern(temps[n], temps[n + 1], 0.5, 7.39e39, 2.577e5, onset, *st, known)
    for u, v in zip(*states):
        np.testing.assert_allclose(u, v, rtol=1e-12)
    ref = [np.zeros(sh), np.zeros(sh), np.full(sh, 37.0), np.empty(sh), np.empty(sh)]
    for n in range(2):  # the same two steps without the rates carried over
        K.damage_update_np(temps[n], temps[n + 1], 0.5, 7.39e39, 2.577e5, onset, *ref, False)
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
    both paths must give what the NumPy twins give (the multigrid transfer and
    the CG vector kernels are checked the same way in test_multigrid.py and
    test_cg.py)."""
    assert (np.prod(shape) >= PARALLEL_MIN_CELLS) == (shape[0] > 6)
    G = [rng.random(tuple(n + (a == ax) for a, n in enumerate(shape))) for ax in range(3)]
    d, x = rng.random(shape), rng.random(shape)
    m = (rng.random(shape) < 0.8).astype(float)
    for fast, ref in ((K.apply_operator, K.apply_operator_np),):
        y1, y2 = np.empty(shape), np.empty(shape)
        fast(*G, d, m, x, y1)
        ref(*G, d, m, x, y2)
        np.testing.assert_allclose(y1, y2, rtol=1e-12)


@pytest.mark.parametrize("residual", [False, True])
def test_operator_plane_matches_twin(residual, rng):
    """The loop body shared by apply_operator and the multigrid residual, plane
    by plane, in both of its forms."""
    shape = (5, 4, 6)
    G = [rng.random(tuple(n + (a == ax) for a, n in enumerate(shape))) for ax in range(3)]
    d, x, b = rng.random(shape), rng.random(shape), rng.random(shape)
    m = (rng.random(shape) < 0.8).astype(float)
    y1, y2 = np.zeros(shape), np.zeros(shape)
    for i in range(shape[0]):
        K.operator_plane(*G, d, m, x, y1, i, b, residual)
        K.operator_plane_np(*G, d, m, x, y2, i, b, residual)
    assert np.abs(y1).max() > 0 and not y1[m == 0].any()
    np.testing.assert_allclose(y1, y2, rtol=1e-12, atol=1e-14)


def test_triad_matches_twin(rng):
    b, c = rng.random(1000), rng.random(1000)
    a1, a2 = np.empty(1000), np.empty(1000)
    K.triad(a1, b, c, 3.0)
    K.triad_np(a2, b, c, 3.0)
    np.testing.assert_allclose(a1, a2, rtol=1e-15)


@pytest.mark.parametrize("a2", [0.0, 0.3], ids=["backward Euler", "BDF2"])
def test_bdf2_system_matches_twin_to_the_bit(a2, rng):
    sh = (6, 1, 9)
    cap, perf = rng.uniform(1, 2, sh), rng.uniform(0, 1, sh)
    perfused = rng.random(sh) < 0.7
    T, T_prev, boundary = rng.uniform(37, 90, sh), rng.uniform(37, 90, sh), rng.uniform(0, 1, sh)
    out = []
    for kern in (K.bdf2_system, K.bdf2_system_np):
        diag, rhs = np.empty(sh), np.empty(sh)
        # backward Euler has no previous level: NaN there must not be read
        prev = T_prev if a2 else np.full(sh, np.nan)
        args = [a.ravel() for a in (cap, perf, perfused, T, prev)]
        kern(*args, 0.7, 1.4, 1.7, a2, 36.5, boundary.ravel(), diag.ravel(), rhs.ravel())
        out.append((diag, rhs))
    (d1, r1), (d2, r2) = out
    assert np.array_equal(d1, d2) and np.array_equal(r1, r2)
    assert np.all(np.isfinite(r1))


def test_sums_are_numpys_to_the_bit(rng):
    """The compiled sums add in NumPy's pairwise order: the same bits as np.sum,
    for sizes around every block boundary and on the cell and face shapes of a
    prediction's grid (44 x 1 x 140) and a 3-D one."""
    for n in [*range(1, 40), 127, 128, 129, 255, 256, 257, 1000, 6160, 8191, 8192, 8193, 50000]:
        a = rng.normal(size=n) * 10.0 ** rng.uniform(-6, 6, n)
        assert K.pairwise_sum(a, 0, n) == a.sum()
    for sh in [(44, 1, 140), (7, 5, 9)]:
        G = [rng.uniform(0, 2, tuple(s + (ax == k) for k, s in enumerate(sh))) for ax in range(3)]
        x = rng.uniform(30, 90, sh)
        assert K.boundary_outflow(G, x, 37.0) == K.boundary_outflow_np(G, x, 37.0)
        assert K.boundary_outflow(G, x) == K.boundary_outflow_np(G, x)
        w, y = rng.uniform(0, 1e-3, sh), rng.uniform(30, 90, sh)
        for m in (rng.random(sh) < 0.6, np.ones(sh)):
            args = [a.ravel() for a in (w, m, x, y)]
            assert K.weighted_sum(*args, 1.5) == K.weighted_sum_np(*args, 1.5)
        zero = np.zeros(x.size)
        # as the heat solver calls it: the perfusion loss and the heat content change
        assert K.weighted_sum(w.ravel(), m.ravel(), x.ravel(), zero, 36.6) == float((w * m * (x - 36.6)).sum())
        assert K.weighted_sum(w.ravel(), np.ones(x.size), x.ravel(), y.ravel(), 0.0) == float((w * (x - y)).sum())


def test_time_loop_passes_match_twins_to_the_bit(rng):
    """The fused per-step passes of the time loop give the bits of the NumPy
    expressions they replaced, on a prediction's cell shape, and keep NaN."""
    sh = (44, 1, 140)
    x, y, z = (rng.uniform(37, 90, sh) for _ in range(3))
    mask = rng.random(sh) < 0.8
    fx, fy, fz, fm = x.ravel(), y.ravel(), z.ravel(), mask.ravel()
    for w in (0.5, 1.0, 1.7):
        assert K.extrapolation_error(fx, fy, fz, w) == K.extrapolation_error_np(x, y, z, w)
        assert K.extrapolation_error(fx, fy, fz, w) == float(np.abs(x - (y + w * (y - z))).max())
    for absolute in (True, False):
        assert K.masked_max(fx, fy, fm, absolute) == K.masked_max_np(x, y, mask, absolute)
    assert K.masked_max(fx, fy, fm, True) == float(np.abs(x - y)[mask].max())
    assert K.masked_max(fx, fx, fm, False) == float(x[mask].max())
    assert K.masked_max(fx, fy, np.zeros(x.size, bool), True) == -np.inf
    assert K.all_finite(fx) and K.all_finite_np(x)
    alpha, lowest = rng.uniform(-0.1, 0.05, sh), 0.05  # some factors fall below the floor
    outs = [np.empty(sh) for _ in range(6)]
    K.superpose(fx, fy, 2.5e-3, fz, outs[0].ravel(), outs[1].ravel())
    K.superpose_np(x, y, 2.5e-3, z, outs[2], outs[3])
    K.linear_factor(alpha.ravel(), fx, fz, lowest, outs[4].ravel())
    K.linear_factor_np(alpha, x, z, lowest, outs[5])
    assert all(np.array_equal(outs[a], outs[b]) for a, b in ((0, 2), (1, 3), (4, 5)))
    assert np.array_equal(outs[0], x + 2.5e-3 * y) and np.array_equal(outs[1], x - z)
    assert np.array_equal(outs[4], np.maximum(1.0 + alpha * (x - z), lowest)) and outs[4].min() == lowest
    # NaN and infinity: the maxima say NaN, the check says not finite
    for bad in (np.nan, np.inf, -np.inf):
        xb = x.copy()
        xb[3, 0, 7] = bad
        fb = xb.ravel()
        assert not K.all_finite(fb) and not K.all_finite_np(xb)
        if bad != bad:
            assert np.isnan(K.extrapolation_error(fb, fy, fz, 1.0)) and np.isnan(K.masked_max(fb, fy, fm | True, True))
            K.linear_factor(alpha.ravel(), fb, fz, lowest, outs[4].ravel())
            assert np.isnan(outs[4][3, 0, 7])


def test_masked_sum_is_numpys_to_the_bit(rng):
    """On the metrics' raster shape (2-D, C order) and on flat arrays: the bits of (m * w).sum()."""
    for sh in [(276, 196), (53, 7), (129,), (5,)]:
        w = rng.uniform(0, 1, sh) * (rng.random(sh) < 0.7)  # fractions, many zero
        m = rng.random(sh) < 0.4
        buf = np.full(w.size + 3, np.nan)  # scratch: longer than needed, and dirty
        assert K.masked_sum(w.ravel(), m.ravel(), buf) == K.masked_sum_np(w, m) == float((m * w).sum())

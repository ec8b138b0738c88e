"""Every Numba kernel against its NumPy twin, on both geometries."""

import numpy as np
import pytest

from rfsim import kernels as K
from rfsim.grid import axisymmetric_grid, cartesian_grid, graded_edges


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


def test_damage_kernel_matches_twin(rng):
    sh = (5, 1, 7)
    t0, t1 = rng.uniform(30, 95, sh), rng.uniform(30, 95, sh)
    a = [np.zeros(sh), np.zeros(sh), np.full(sh, 37.0)]
    b = [np.zeros(sh), np.zeros(sh), np.full(sh, 37.0)]
    K.damage_update(t0, t1, 0.5, 7.39e39, 2.577e5, *a)
    K.damage_update_np(t0, t1, 0.5, 7.39e39, 2.577e5, *b)
    for u, v in zip(a, b):
        np.testing.assert_allclose(u, v, rtol=1e-12)


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

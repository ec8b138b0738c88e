"""The one face-conductance assembly: compiled and NumPy paths agree, and the
cut-cell walls override the staircase faces."""

import numpy as np
import pytest

from rfsim.numerics import kernels as K
from rfsim.numerics.conductance import apply_walls, assemble_conductances
from rfsim.numerics.grid import axisymmetric_grid, cartesian_grid, graded_edges


def case(geometry, rng):
    """A grid, a sphere of metal near its middle with its cut-cell walls, and
    anisotropic conductivities."""
    from rfsim.physics.domain import surface_walls

    if geometry == "axisymmetric":
        g = axisymmetric_grid(graded_edges([0, 1e-3, 1e-2], [(1e-3, 1e-4)], 1.2, 1e-3),
                              graded_edges([-1e-2, 1e-2], [(0.0, 1e-4)], 1.2, 1e-3))
        dist = lambda r, th, z: np.sqrt(r ** 2 + z ** 2) - 1.1e-3  # noqa: E731
    else:
        g = cartesian_grid(*(np.linspace(-1e-2, 1e-2, 13),) * 3, open_sides=(True, False, True, True, False, True))
        dist = lambda x, y, z: np.sqrt(x ** 2 + y ** 2 + z ** 2) - 3.1e-3  # noqa: E731
    R = g.mesh()
    metal = dist(*R) < 0
    wall = surface_walls(g, metal, dist)
    assert wall[0].size > 0 and metal.any()
    ps = tuple(rng.uniform(0.1, 2, g.shape) for _ in range(3))
    return g, metal, rng.uniform(0, 1e-3, g.shape), wall, ps


@pytest.mark.parametrize("geometry", ["axisymmetric", "cartesian"])
@pytest.mark.parametrize("metal_boundary", [False, True])
def test_assembly_is_kernel_plus_walls_and_matches_twin(geometry, metal_boundary, rng):
    g, metal, skin, wall, ps = case(geometry, rng)
    G = assemble_conductances(g, ps, metal, skin, metal_boundary=metal_boundary, wall=wall)
    Gt = assemble_conductances(g, ps, metal, skin, metal_boundary=metal_boundary, wall=wall, twin=True)
    ref = tuple(np.zeros(a.shape) for a in g.area)
    K.face_conductance(*ps, metal, skin, *g.half, *g.area, np.array(g.open_sides, dtype=np.int64), metal_boundary,
                       *ref)
    staircase = tuple(r.copy() for r in ref)
    apply_walls(ref, g.area, wall, ps, skin)
    for a, b, c, s in zip(G, Gt, ref, staircase):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=0)
    assert any((a != s).any() for a, s in zip(G, staircase))  # the walls moved some faces


def test_isotropic_defaults_and_in_place(rng):
    g = cartesian_grid(np.linspace(0, 1, 5), np.linspace(0, 1, 4), np.linspace(0, 2, 6))
    p = rng.uniform(0.1, 2, g.shape)
    out = tuple(np.full(a.shape, -1.0) for a in g.area)
    G = assemble_conductances(g, p, out=out)
    assert all(a is b for a, b in zip(G, out))
    ref = assemble_conductances(g, (p, p, p), np.zeros(g.shape, bool), np.zeros(g.shape))
    for a, b in zip(G, ref):
        np.testing.assert_array_equal(a, b)
    assert all((a > 0).all() for a in G)  # every side open: every face conducts

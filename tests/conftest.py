"""Shared test set-up: strict floating point, headless plots, a seeded RNG, and
builders for the analytic sphere problems of physics-reference.md."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

np.seterr(all="raise", under="ignore")


@pytest.fixture
def rng():
    return np.random.default_rng(20261121)


def sphere_domain(a=0.5e-3, extent=0.5, h=20e-6, growth=1.15, tissue=None, metal_k=20.0):
    """Axisymmetric domain of a spherical electrode of radius ``a`` (m) at the
    origin in a block of ``tissue``, with cut-cell walls on the sphere."""
    from rfsim.physics.domain import Domain, surface_walls
    from rfsim.physics.electrode import Electrode
    from rfsim.numerics.grid import axisymmetric_grid, graded_edges
    from rfsim.physics.tissue import Metal, Tissue

    tissue = tissue or Tissue("medium", 0.5, 0.5, 1000.0, 4000.0, sigma_temp_coeff_per_c=0.0)
    hmax = extent / 10
    r = graded_edges([0, a, extent], [(a, h)], growth, hmax)
    z = graded_edges([-extent, -a, 0, a, extent], [(a, h), (-a, h)], growth, hmax)
    g = axisymmetric_grid(r, z)
    R, _, Z = g.mesh()
    metal = np.sqrt(R ** 2 + Z ** 2) < a
    wall = surface_walls(g, metal, lambda r_, th, z_: np.sqrt(r_ ** 2 + z_ ** 2) - a)
    sensor = tuple(int(i) for i in np.argwhere(metal)[0])
    el = Electrode(metal=Metal(k_w_per_m_k=metal_k))
    return Domain.from_labels(g, np.zeros(g.shape, int), [tissue], metal, metal, sensor, el, wall=wall)

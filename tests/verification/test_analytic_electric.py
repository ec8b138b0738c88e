"""Electric potential against the analytic sphere and spheroid (physics-reference.md), and
conservation of charge and power."""

import numpy as np

from conftest import sphere_domain
from rfsim.physics.electric import ElectricSolver


def test_sphere_potential_and_resistance():
    a, sigma = 0.5e-3, 0.5
    d = sphere_domain(a=a)
    sol = ElectricSolver(d).solve(np.full(d.grid.shape, 37.0))
    R_exact = 1.0 / (4 * np.pi * sigma * a)
    assert abs(sol.impedance_ohm / R_exact - 1) < 0.01
    R, _, Z = d.grid.mesh()
    rho = np.sqrt(R ** 2 + Z ** 2)
    near = (rho > 1.5 * a) & (rho < 5 * a)
    v_exact = a / rho[near]
    assert np.abs(sol.phi[near] / v_exact - 1).max() < 0.01


def test_power_equals_v_times_i_and_charge_is_conserved():
    d = sphere_domain(a=0.5e-3, extent=0.05)
    sol = ElectricSolver(d).solve(np.full(d.grid.shape, 37.0))
    # unit voltage: P = V I = I
    assert abs(sol.power_per_v2 / sol.conductance_s - 1) < 1e-6
    assert abs(sol.return_conductance_s / sol.conductance_s - 1) < 1e-6
    assert (sol.joule >= 0).all()
    assert sol.joule[d.metal].sum() < 1e-6 * sol.power_per_v2  # metal dissipates nothing


def test_prolate_spheroid_resistance():
    from rfsim.physics.domain import Domain, surface_walls
    from rfsim.physics.electrode import Electrode
    from rfsim.numerics.grid import axisymmetric_grid, graded_edges
    from rfsim.physics.tissue import Tissue

    a, c, sigma, D = 0.3e-3, 1.0e-3, 0.2, 0.5
    r = graded_edges([0, a, D], [(a, 10e-6)], 1.12, D / 10)
    z = graded_edges([-D, -c, 0, c, D], [(c, 10e-6), (-c, 10e-6), (0, 30e-6)], 1.12, D / 10)
    g = axisymmetric_grid(r, z)

    def sd(r_, th, z_):
        return np.sqrt((r_ / a) ** 2 + (z_ / c) ** 2) - 1.0

    R, _, Z = g.mesh()
    metal = sd(R, 0, Z) < 0
    d = Domain.from_labels(g, np.zeros(g.shape, int), [Tissue("m", sigma, 0.5, 1e3, 4e3)], metal, metal,
                           tuple(np.argwhere(metal)[0]), Electrode(), wall=surface_walls(g, metal, sd))
    sol = ElectricSolver(d).solve(np.full(g.shape, 37.0))
    e = np.sqrt(c ** 2 - a ** 2)
    R_exact = np.log((c + e) / a) / (4 * np.pi * sigma * e)
    assert abs(sol.impedance_ohm / R_exact - 1) < 0.02

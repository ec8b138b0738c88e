"""Orders of convergence: second order in space on graded grids, and in time.

In space, manufactured solutions: -div(k grad u) + c u = f with smooth,
variable k and c, u vanishing on the open sides, solved with the production
kernels (face conductances, operator, PCG) on three or more refinements of a
graded grid; the order is the slope of log(error) against log(h), fitted as in
scikit-fem's tests/test_convergence.py.  In time, the heat stepper against a
reference run with many more steps, at constant and at varying step sizes.
"""

import numpy as np
import pytest

from rfsim.numerics.grid import axisymmetric_grid, cartesian_grid, graded_edges
from rfsim.numerics.cg import PCG
from rfsim.numerics.conductance import assemble_conductances
from rfsim.numerics.preconditioners import choose_preconditioner
from rfsim.physics.domain import MeshSettings, homogeneous
from rfsim.physics.electrode import Electrode
from rfsim.physics.heat import HeatSolver
from rfsim.physics.tissue import Tissue

PI = np.pi


def cartesian_case(refine):
    e = [graded_edges([0, 1], [(0.3, 0.02)], 1.3, 0.1, refine) for _ in range(3)]
    g = cartesian_grid(*e)
    x, y, z = g.mesh()
    u = np.sin(PI * x) * np.sin(PI * y) * np.sin(PI * z)
    k = 1 + 0.5 * x * y * z
    gx = PI * np.cos(PI * x) * np.sin(PI * y) * np.sin(PI * z)
    gy = PI * np.sin(PI * x) * np.cos(PI * y) * np.sin(PI * z)
    gz = PI * np.sin(PI * x) * np.sin(PI * y) * np.cos(PI * z)
    lap = -3 * PI ** 2 * u
    f = -(k * lap + 0.5 * (y * z * gx + x * z * gy + x * y * gz)) + 2.0 * u
    return g, k, u, f, 2.0


def axisymmetric_case(refine):
    r = graded_edges([0, 1], [(0.5, 0.01)], 1.3, 0.1, refine)
    zz = graded_edges([0, 1], [(0.4, 0.01)], 1.3, 0.1, refine)
    g = axisymmetric_grid(r, zz)
    R, _, Z = g.mesh()
    u = np.cos(PI * R / 2) * np.sin(PI * Z)
    k = 1 + 0.5 * R ** 2 * Z
    ur = -(PI / 2) * np.sin(PI * R / 2) * np.sin(PI * Z)
    urr = -(PI / 2) ** 2 * u
    uz = PI * np.cos(PI * R / 2) * np.cos(PI * Z)
    lap = urr + ur / R - PI ** 2 * u
    f = -(k * lap + R * Z * ur + 0.5 * R ** 2 * uz) + 2.0 * u
    return g, k, u, f, 2.0


def solve_case(case, refine):
    g, k, u, f, c = case(refine)
    G = assemble_conductances(g, k)
    free = np.ones(g.shape, bool)
    pcg = PCG(free, "mms", rtol=1e-12, maxiter=2000, preconditioner=choose_preconditioner(free))
    x = pcg.solve(G, c * g.volume, f * g.volume)
    err = np.sqrt(((x - u) ** 2 * g.volume).sum() / g.volume.sum())
    return g.ncells, err


@pytest.mark.parametrize("case,dim,refines", [(cartesian_case, 3, (1, 1.5, 2, 2.5)),
                                              (axisymmetric_case, 2, (1, 2, 4, 8))],
                         ids=["cartesian", "axisymmetric"])
def test_second_order_in_space(case, dim, refines):
    n, err = np.array([solve_case(case, r) for r in refines]).T
    h = n ** (-1.0 / dim)
    order = np.polyfit(np.log(h), np.log(err), 1)[0]
    assert abs(order - 2.0) < 0.15, (order, err)


@pytest.mark.parametrize("variable", [False, True])
def test_time_order_is_two(variable):
    """Global error of the heat stepper falls as dt^2 (constant and varying steps)."""
    t = Tissue("m", 0.5, 0.5, 1000.0, 4000.0, perfusion_ml_per_min_kg=500.0)
    d = homogeneous(t, Electrode(), MeshSettings(growth=1.4, extent_m=5e-3))
    hs = HeatSolver(d)
    R, _, Z = d.grid.mesh()
    T0 = 37.0 + 20.0 * np.exp(-(R ** 2 + Z ** 2) / (1e-3) ** 2)
    src = 0.05 * np.exp(-(R ** 2 + (Z - 1e-3) ** 2) / (0.5e-3) ** 2) * d.grid.volume / d.grid.volume.max()
    perfused = np.ones(d.grid.shape, bool)
    t_end = 2.0

    def integrate(n):
        base = np.full(n, t_end / n)
        if variable:
            base *= np.where(np.arange(n) % 2 == 0, 1.3, 0.7)
            base *= t_end / base.sum()
        T, Tp, dtp = T0.copy(), None, None
        for dt in base:
            T_new, _ = hs.step(T, Tp, dt, dtp, perfused, source=src)
            T, Tp, dtp = T_new, T, dt
        return T

    ref = integrate(2048)
    ns = np.array([16, 32, 64, 128])
    err = np.array([np.abs(integrate(n) - ref).max() for n in ns])
    order = -np.polyfit(np.log(ns), np.log(err), 1)[0]
    assert abs(order - 2.0) < 0.15, (order, err)

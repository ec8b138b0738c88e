"""Manufactured solutions: second-order convergence in space on graded grids.

-div(k grad u) + c u = f with smooth, variable k and c, u vanishing on the open
sides, solved with the production kernels (face conductances, operator, PCG) on
three or more refinements of a graded grid; the order is the slope of
log(error) against log(h), fitted as in scikit-fem's tests/test_convergence.py.
"""

import numpy as np
import pytest

from rfsim.numerics.grid import axisymmetric_grid, cartesian_grid, graded_edges
from rfsim.numerics.cg import PCG
from rfsim.numerics.conductance import assemble_conductances
from rfsim.numerics.preconditioners import choose_preconditioner

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

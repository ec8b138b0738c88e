"""Heat solver against the analytic sphere solutions: the steady temperature around an
insulated heated sphere and Pennes perfusion around a sphere held at a fixed temperature."""

import numpy as np

from conftest import sphere_domain
from rfsim.physics.electric import ElectricSolver
from rfsim.physics.heat import HeatSolver
from rfsim.numerics.kernels import apply_operator
from rfsim.numerics.cg import PCG
from rfsim.numerics.preconditioners import choose_preconditioner
from rfsim.physics.tissue import BLOOD_RHO_C, Tissue


def test_insulated_sphere_steady_temperature():
    """Steady T - Tb = (sigma V0^2 / 2k)(2a/r - a^2/r^2) around an adiabatic sphere."""
    a, sigma, k, V0 = 0.5e-3, 0.5, 0.5, 10.0
    d = sphere_domain(a=a, tissue=Tissue("m", sigma, k, 1e3, 4e3, sigma_temp_coeff_per_c=0.0), metal_k=1e-9)
    unit = ElectricSolver(d).solve(np.full(d.grid.shape, 37.0))
    hs = HeatSolver(d)
    T = np.full(d.grid.shape, 37.0)
    # a very long implicit step is the steady state
    T_h, (R,) = hs.step(T, None, 1e12, None, np.ones(d.grid.shape, bool), responses=[unit.joule])
    rise = T_h + V0 ** 2 * R - 37.0
    Rr, _, Z = d.grid.mesh()
    rho = np.sqrt(Rr ** 2 + Z ** 2)
    near = (rho > a) & (rho < 4 * a)
    exact = sigma * V0 ** 2 / (2 * k) * (2 * a / rho[near] - a ** 2 / rho[near] ** 2)
    assert np.abs(rise[near] - exact).max() < 0.01 * exact.max()


def test_pennes_sphere_held_at_fixed_temperature():
    """T - Ta = (T0 - Ta)(a/r) exp(-m (r - a)), m = sqrt(w rho_b c_b / k)."""
    a, k, perf = 0.5e-3, 0.5, 2000.0  # ml/min/kg: strong perfusion, short decay length
    t = Tissue("m", 0.5, k, 1000.0, 4000.0, perfusion_ml_per_min_kg=perf)
    d = sphere_domain(a=a, extent=0.05, tissue=t)
    hs = HeatSolver(d)
    free = ~d.metal
    fixed = np.where(d.metal, 43.0, 0.0)  # sphere held 43 C above arterial (u = T - Ta)
    diag = hs.perfusion_full
    b = np.empty(d.grid.shape)
    apply_operator(*hs.G, np.zeros(d.grid.shape), free.astype(float), fixed, b)
    u = PCG(free, "pennes", preconditioner=choose_preconditioner(free)).solve(hs.G, diag, -b)
    m = np.sqrt(t.perfusion_per_s * BLOOD_RHO_C / k)
    Rr, _, Z = d.grid.mesh()
    rho = np.sqrt(Rr ** 2 + Z ** 2)
    near = (rho > a) & (rho < a + 3 / m)
    exact = 43.0 * a / rho[near] * np.exp(-m * (rho[near] - a))
    assert np.abs(u[near] - exact).max() < 0.01 * 43.0

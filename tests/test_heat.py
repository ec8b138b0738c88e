"""Heat solver against the analytic sphere solutions and its order in time."""

import numpy as np
import pytest

from conftest import sphere_domain
from rfsim.physics.electric import ElectricSolver
from rfsim.physics.heat import HeatSolver, bdf2_coefficients
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


def test_bdf2_coefficients_are_consistent():
    for w in (0.5, 1.0, 1.7):
        a0, a1, a2 = bdf2_coefficients(w, 1.0)
        assert np.isclose(a0 - a1 + a2, 0.0)  # constants are steady
        # exact on t^2: a0 t1^2 - a1 t0^2 + a2 tm^2 = dt * 2 t1 with t1 = 0 + w, t0 = 0, tm = -1
        assert np.isclose(a0 * w * w + a2 * 1.0, w * 2 * w)


@pytest.mark.parametrize("variable", [False, True])
def test_time_order_is_two(variable):
    """Global error of the heat stepper falls as dt^2 (constant and varying steps)."""
    from rfsim.physics.domain import MeshSettings, homogeneous
    from rfsim.physics.electrode import Electrode

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

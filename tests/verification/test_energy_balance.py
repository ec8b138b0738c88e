"""Balances of a whole run: heat delivered = lost + stored, and the electrical series
agree with each other (P = V I, Z I = V) at every step."""

import numpy as np
import pytest

from rfsim.physics.domain import MeshSettings, homogeneous
from rfsim.physics.electrode import Electrode
from rfsim.physics.generator import Lesion, Protocol
from rfsim.physics.simulation import NumericsSettings, simulate
from rfsim.physics.tissue import tissue


@pytest.fixture(scope="module", params=["default", "k(T) and coagulated sigma"])
def run(request):
    t = tissue("spinal_cord")
    if request.param != "default":  # the balances hold with the properties that change too
        t = t.with_(k_temp_coeff_per_c=0.0016, sigma_coagulated_factor=2.0)
    d = homogeneous(t, Electrode(), MeshSettings(growth=1.3))
    # tight solver tolerance: these tests check the physics' balances, not the default
    num = NumericsSettings(step_tolerance_c=0.05, linear_rtol=1e-10)
    return simulate(d, Protocol((Lesion(80.0, 30.0),), cooling_s=20.0), numerics=num)


def test_heat_balance_closes(run):
    e = run.energy_j
    assert e["electrical"] > 1.0
    assert e["perfusion"] > 0 and e["boundary"] >= 0
    # the balance the BDF2 scheme defines is exact to solver tolerance
    assert abs(e["scheme_imbalance"]) < 1e-4 * e["electrical"]
    # the physical balance (delivered - losses vs change of heat content) closes
    # to the time-discretisation error (1.1 % at the default 0.5 C step tolerance)
    assert abs(e["imbalance"]) < 0.005 * e["electrical"]


def test_series_are_consistent(run):
    s = run.series
    assert np.all(np.diff(s["time_s"]) > 0)
    on = np.isfinite(s["impedance_ohm"])
    # Joule power summed over cells equals V I at every step (to solver tolerance)
    np.testing.assert_allclose(s["power_w"][on], s["voltage_v"][on] * s["current_a"][on], rtol=1e-6)
    np.testing.assert_allclose(s["impedance_ohm"][on] * s["current_a"][on], s["voltage_v"][on], rtol=1e-12)
    # tissue heats, so impedance falls during the lesion (sigma rises 2 %/C)
    assert s["impedance_ohm"][on][-1] < s["impedance_ohm"][on][0]

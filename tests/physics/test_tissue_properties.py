"""Tissue properties that change with temperature and damage: thermal conductivity
rising with temperature, and the electrical conductivity of coagulated tissue.
Each changes the answer in the expected direction when on, nothing when off, and
the heat balance still closes."""

import re

import numpy as np
import pytest

from rfsim.errors import ConfigError
from rfsim.physics.domain import MeshSettings, homogeneous
from rfsim.physics.electrode import Electrode
from rfsim.physics.generator import Lesion, Protocol
from rfsim.physics.heat import HeatSolver
from rfsim.physics.lesion import axisymmetric_size
from rfsim.physics.simulation import NumericsSettings, simulate
from rfsim.physics.tissue import K_TEMP_LIMIT_C, tissue
from rfsim.scenario.config import parse_scenario

MESH = MeshSettings(growth=1.3)
CORD = tissue("spinal_cord")
PROTOCOL = Protocol((Lesion(80.0, 30.0),), cooling_s=10.0)
#: tight tolerances: these tests compare runs and check balances, not the default
NUM = NumericsSettings(step_tolerance_c=0.1, linear_rtol=1e-10)


def run(t, protocol=PROTOCOL):
    return simulate(homogeneous(t, Electrode(), MESH), protocol, numerics=NUM)


def volume(res):
    """Lesion volume (m^3) of a run."""
    return axisymmetric_size(res.domain.grid, res.damage.criterion(), res.domain.metal).volume_m3


@pytest.fixture(scope="module")
def base():
    return run(CORD)


def test_off_by_default_the_domain_carries_nothing():
    d = homogeneous(CORD, Electrode(), MESH)
    assert d.k_alpha is None and d.sigma_coagulated is None
    assert CORD.k_temp_coeff_per_c == 0.0 and CORD.sigma_coagulated_factor == 1.0


def test_conductivity_follows_the_linear_law_and_is_held_above_100_c():
    c = 0.004
    d = homogeneous(CORD.with_(k_temp_coeff_per_c=c), Electrode(), MESH)
    heat = HeatSolver(d)
    tissue_cells = ~d.metal
    for T, expected in ((37.0, 1.0), (87.0, 1.0 + 50 * c), (150.0, 1.0 + (K_TEMP_LIMIT_C - 37.0) * c)):
        k = heat.conductivity(np.full(d.grid.shape, T))
        np.testing.assert_allclose(k[tissue_cells], CORD.k_w_per_m_k * expected, rtol=1e-12)
        np.testing.assert_array_equal(k[d.metal], d.k[d.metal])  # the metal keeps its own


def test_rising_thermal_conductivity_needs_more_power_and_keeps_the_balance(base):
    hot = run(CORD.with_(k_temp_coeff_per_c=0.004))
    # more heat conducted away from the hot tip: the generator delivers more to hold 80 C
    assert hot.energy_j["electrical"] > 1.02 * base.energy_j["electrical"]
    # and the lesion grows (Johansson 2006: a higher conductivity without coagulation
    # makes the generator raise its power, and the lesion grows)
    assert volume(hot) > 1.03 * volume(base)
    e = hot.energy_j
    assert abs(e["scheme_imbalance"]) < 1e-4 * e["electrical"]
    assert abs(e["imbalance"]) < 0.005 * e["electrical"]


def test_coagulated_tissue_conductivity_moves_the_impedance(base):
    def powered(res):
        z = res.series["impedance_ohm"]
        return z[np.isfinite(z)]

    low, high = run(CORD.with_(sigma_coagulated_factor=0.5)), run(CORD.with_(sigma_coagulated_factor=2.0))
    z, lower, higher = powered(base), powered(low), powered(high)
    # before any cell coagulates the runs agree; at the end of the lesion a less
    # conductive lesion reads higher, a more conductive one lower
    assert lower[0] == z[0] == higher[0]
    assert lower[-1] > 1.02 * z[-1] and higher[-1] < 0.98 * z[-1]
    # a more conductive lesion passes more current to its edge, which it heats: it grows
    assert volume(low) < 0.97 * volume(base) < 0.97 * volume(high)


def test_coagulated_factor_does_nothing_without_a_lesion():
    gentle = Protocol((Lesion(45.0, 10.0),))  # Omega stays far below 1: no cell coagulates
    a = run(CORD, gentle).series["impedance_ohm"]
    b = run(CORD.with_(sigma_coagulated_factor=0.5), gentle).series["impedance_ohm"]
    np.testing.assert_array_equal(a, b)


def test_coagulated_factor_keeps_the_balance():
    e = run(CORD.with_(sigma_coagulated_factor=0.5, k_temp_coeff_per_c=0.0016)).energy_j
    assert abs(e["scheme_imbalance"]) < 1e-4 * e["electrical"]
    assert abs(e["imbalance"]) < 0.005 * e["electrical"]


@pytest.mark.parametrize("key, value, allowed", [("k_temp_coeff_per_c", 0.5, "[-0.01, 0.01] 1/C"),
                                                 ("sigma_coagulated_factor", 0.0, "[0.1, 10]"),
                                                 ("k_temp_coeff_per_c", float("nan"), "finite")])
def test_out_of_range_values_are_refused_naming_the_key(key, value, allowed):
    for table, shown in (({"medium": {key: value}}, f"medium.{key}"),
                         ({"scenario": {"kind": "cordotomy"}, "tissues": {"white_matter": {key: value}}},
                          f"tissues.white_matter.{key}")):
        with pytest.raises(ConfigError, match=re.escape(shown)) as e:
            parse_scenario(table)
        assert allowed in str(e.value) and "\n" not in str(e.value)


def test_a_tissue_built_in_python_refuses_an_unusable_factor():
    with pytest.raises(ConfigError, match="sigma_coagulated_factor"):
        CORD.with_(sigma_coagulated_factor=0.0)

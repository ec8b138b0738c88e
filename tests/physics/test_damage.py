import numpy as np
import pytest

from rfsim.physics.damage import DamageSettings, DamageState
from rfsim.errors import ConfigError


@pytest.mark.parametrize("temp", [45.0, 50.1, 60.0, 80.0])
def test_arrhenius_at_constant_temperature_matches_closed_form(temp):
    s = DamageSettings()
    st = DamageState((3, 1, 4), temp, s)
    T = np.full((3, 1, 4), temp)
    for _ in range(60):
        st.advance(T, T, 1.0)
    expected = s.arrhenius_a_per_s * 60.0 * np.exp(-s.arrhenius_ea_j_per_mol / (8.314462618 * (temp + 273.15)))
    np.testing.assert_allclose(st.omega, expected, rtol=1e-12)
    assert np.isclose(s.omega_at_constant(temp, 60.0), expected, rtol=1e-12)


def test_jacques_parameters_give_omega_one_at_50_1_c_for_60_s():
    assert abs(DamageSettings().omega_at_constant(50.1, 60.0) - 1.0) < 0.03


def test_cem43_and_isotherm():
    s = DamageSettings(model="cem43")
    st = DamageState((1, 1, 2), 37.0, s)
    T = np.array([[[44.0, 42.0]]])
    for _ in range(60):
        st.advance(T, T, 1.0)  # one minute
    np.testing.assert_allclose(st.cem43[0, 0], [2.0, 0.25], rtol=1e-12)  # 0.5^-1, 0.25^1
    assert np.all(st.tpeak == T)
    iso = DamageState((1, 1, 2), 37.0, DamageSettings(model="isotherm", isotherm_c=43.0))
    iso.advance(T, T, 1.0)
    assert iso.lesion().tolist() == [[[True, False]]]


def test_lesion_criterion_sign():
    st = DamageState((1, 1, 2), 37.0, DamageSettings())
    st.omega[:] = [[[2.0, 0.5]]]
    assert st.lesion().tolist() == [[[True, False]]]
    assert st.coagulated().tolist() == [[[True, False]]]


@pytest.mark.parametrize("kw", [{"model": "burn"}, {"arrhenius_a_per_s": -1.0}, {"isotherm_c": float("nan")},
                                {"arrhenius_ea_j_per_mol": "high"}])
def test_bad_damage_settings(kw):
    with pytest.raises(ConfigError):
        DamageSettings(**kw)


def test_rates_carried_between_steps_only_for_the_same_temperatures(rng):
    """advance() reuses the end-of-step rates when the next step starts from the
    same array, and recomputes them otherwise; both give the plain integral."""
    temps = [rng.uniform(37, 90, (4, 1, 5)) for _ in range(4)]
    plain = DamageSettings(arrhenius_onset_c=-273.15)  # the kernel without the 43 C onset
    chained, fresh = DamageState((4, 1, 5), 37.0, plain), DamageState((4, 1, 5), 37.0, plain)
    for a, b in zip(temps[:-1], temps[1:]):
        chained.advance(a, b, 0.7)
        fresh.advance(a.copy(), b, 0.7)  # a copy: never the array of the last step
    np.testing.assert_allclose(chained.omega, fresh.omega, rtol=1e-13)
    np.testing.assert_allclose(chained.cem43, fresh.cem43, rtol=1e-13)
    s = plain
    k = lambda t: s.arrhenius_a_per_s * np.exp(-s.arrhenius_ea_j_per_mol / (8.314462618 * (t + 273.15)))  # noqa: E731
    expected = sum(0.35 * (k(a) + k(b)) for a, b in zip(temps[:-1], temps[1:]))
    np.testing.assert_allclose(chained.omega, expected, rtol=1e-9)

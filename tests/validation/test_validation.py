"""The validation suite's quick subset, its case files, and the physics options
it added (damage onset, Arrhenius sets, series resistance, 3-D impedance)."""

import math

import numpy as np
import pytest

from rfsim.cli.main import main
from rfsim.errors import ConfigError
from rfsim.physics.damage import ARRHENIUS_SETS, DamageSettings, DamageState
from rfsim.physics.generator import GeneratorSettings
from rfsim.scenario.config import Scenario, parse_scenario
from rfsim.scenario.writer import to_toml
from rfsim.validation.cases import case_names, load_cases
from rfsim.validation.runner import evaluate


def test_every_case_file_loads_with_source_and_end_points():
    cases = load_cases()
    assert len(cases) >= 20
    for c in cases:
        assert c.source["quote"] and c.source["citation"] and c.measured.end_point
        assert c.model.get("end_point"), c.name
        assert c.measured.low <= c.measured.reference <= c.measured.high or c.measured.informational


def test_quick_subset_runs_and_reports_each_case():
    rows = [evaluate(c) for c in load_cases(quick=True)]
    assert len(rows) >= 8
    for r in rows:
        assert r["verdict"] in ("within", "outside", "info"), r
        assert r["predicted"] is not None and math.isfinite(r["predicted"])
    by = {r["case"]: r for r in rows}
    # the clinical impedance bands hold in the layered model at the default placement
    for band in ("csf", "pia", "cord"):
        assert by[f"shepherd2017_impedance_{band}_layered"]["verdict"] == "within"
    assert by["ikeda1994_brain_42c_45min"]["verdict"] == "within"


def test_bad_case_name_is_one_line_and_exit_2(capsys):
    assert main(["validate", "--case", "nonsense"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nonsense" in err[0] and case_names()[0] in err[0]


def test_validate_runs_one_case_as_json(capsys):
    import json

    assert main(["validate", "--json", "--case", "ikeda1994_brain_43c_15min"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["case"] == "ikeda1994_brain_43c_15min" and rows[0]["verdict"] == "within"


# --- damage onset (issue 16) -------------------------------------------------------------

def test_an_hour_at_body_temperature_makes_no_lesion():
    st = DamageState((2, 1, 3), 37.0, DamageSettings())
    T = np.full((2, 1, 3), 37.0)
    for _ in range(360):
        st.advance(T, T, 10.0)
    assert np.all(st.omega == 0.0) and not st.lesion().any()


def test_without_the_onset_an_hour_at_body_temperature_is_a_lesion():
    """The plain Jacques integral: 2.9e-4 per second at 37 C (why the onset exists)."""
    s = DamageSettings(arrhenius_onset_c=-273.15)
    assert s.omega_at_constant(37.0, 1.0) == pytest.approx(2.9e-4, rel=0.05)
    st = DamageState((1, 1, 1), 37.0, s)
    T = np.full((1, 1, 1), 37.0)
    for _ in range(360):
        st.advance(T, T, 10.0)
    assert st.lesion().all()


# --- Arrhenius sets ----------------------------------------------------------------------

@pytest.mark.parametrize("temp", [50.0, 54.0, 60.0])
def test_henriques_moritz_matches_its_constant_temperature_integral(temp):
    sc = parse_scenario({"damage": {"arrhenius_set": "henriques_moritz"}})
    s = sc.damage
    assert (s.arrhenius_a_per_s, s.arrhenius_ea_j_per_mol) == ARRHENIUS_SETS["henriques_moritz"][:2]
    assert s.arrhenius_set == "henriques_moritz"
    st = DamageState((1, 1, 1), temp, s)
    T = np.full((1, 1, 1), temp)
    for _ in range(60):
        st.advance(T, T, 1.0)
    exact = 3.1e98 * 60.0 * math.exp(-6.28e5 / (8.314462618 * (temp + 273.15)))
    assert st.omega[0, 0, 0] == pytest.approx(exact, rel=1e-12)
    # about 54 C for 60 s (physics-reference.md)
    assert 0.5 < s.omega_at_constant(54.0, 60.0) < 2.0


def test_arrhenius_set_with_explicit_parameters_is_an_error():
    with pytest.raises(ConfigError, match="arrhenius"):
        parse_scenario({"damage": {"arrhenius_set": "jacques", "arrhenius_a_per_s": 1e40}})
    with pytest.raises(ConfigError, match="allowed"):
        parse_scenario({"damage": {"arrhenius_set": "egg"}})
    with pytest.raises(ConfigError):
        parse_scenario({"damage": {"arrhenius_onset_c": "warm"}})


def test_new_keys_round_trip_through_toml():
    sc = parse_scenario({"damage": {"arrhenius_set": "henriques_moritz", "arrhenius_onset_c": 44.0},
                         "generator": {"series_resistance_ohm": 120.0}})
    import tomllib

    back = parse_scenario(tomllib.loads(to_toml(sc)))
    assert back.damage == sc.damage and back.generator == sc.generator


# --- series resistance -------------------------------------------------------------------

def test_series_resistance_adds_to_the_reported_impedance_exactly():
    from dataclasses import replace

    from rfsim.prediction import cordotomy_scenario, impedance_profile

    sc = cordotomy_scenario()
    with_r = replace(sc, generator=GeneratorSettings(series_resistance_ohm=150.0))
    a, b = impedance_profile(sc, -1.0, 1.0), impedance_profile(with_r, -1.0, 1.0)
    for x, y in zip(a, b):
        assert y["impedance_ohm"] - x["impedance_ohm"] == pytest.approx(150.0, abs=1e-9)


def test_series_resistance_in_a_run_summary():
    from dataclasses import replace

    from rfsim.physics.generator import Lesion, Protocol
    from rfsim.runner import run

    sc = Scenario(protocol=Protocol((Lesion(70.0, 5.0),), 1.0))
    a = run(sc).summary
    b = run(replace(sc, generator=GeneratorSettings(series_resistance_ohm=200.0))).summary
    assert b["impedance_ohm"] - a["impedance_ohm"] == pytest.approx(200.0, abs=1e-9)
    with pytest.raises(ConfigError):
        GeneratorSettings(series_resistance_ohm=-1.0)


# --- egg white and the Tew cases (issue 12, item 1) --------------------------------------

def _egg_white_block(**medium):
    return parse_scenario({"scenario": {"kind": "homogeneous"},
                           "medium": {"base": "egg_white", "temperature_c": 37.0, **medium},
                           "electrode": {"diameter_mm": 0.40, "tip_length_mm": 2.0},
                           "protocol": {"set_temperature_c": 90.0, "duration_s": 10.0, "cooling_s": 0.0}})


def test_egg_white_is_a_tissue_with_its_thermal_values_and_no_perfusion():
    from rfsim.physics.tissue import TISSUES

    t = TISSUES["egg_white"]
    assert t.perfusion_ml_per_min_kg == 0.0 and "Choi and Okos" in t.source
    # about 90 % water: its diffusivity lies between muscle's and water's (1.3e-7 to 1.5e-7 m2/s)
    assert 1.3e-7 < t.k_w_per_m_k / t.rho_c < 1.5e-7
    assert _egg_white_block().medium.name == "egg_white"


def test_a_temperature_controlled_block_lesion_does_not_depend_on_sigma():
    """Why egg white's unmeasured conductivity is harmless in the Tew cases: the
    generator's voltage absorbs a common factor of sigma (the power does not change)."""
    from rfsim.runner import run

    a, b = run(_egg_white_block()).summary, run(_egg_white_block(sigma_s_per_m=2.0)).summary
    assert a["lesion_width_mm"] > 0.5
    for key in ("lesion_width_mm", "lesion_length_mm", "peak_power_w", "max_tissue_temperature_c"):
        assert b[key] == pytest.approx(a[key], rel=1e-6), key
    assert b["impedance_ohm"] == pytest.approx(a["impedance_ohm"] / 4.0, rel=1e-6)


def test_tew_metrics_are_the_reach_past_the_tip_end_and_from_the_surface():
    from rfsim.validation.runner import _summary, scenario_of

    dist, side = load_cases(["tew2015_egg_white_distal_90c_120s", "tew2015_egg_white_radius_90c_120s"])
    d, s = evaluate(dist)["predicted"], evaluate(side)["predicted"]
    sc = scenario_of(side)
    summary = _summary(sc).summary
    assert s == pytest.approx(0.5 * summary["lesion_width_mm"] - 0.20, abs=1e-9)
    # the lesion reaches past the tip end, and less far than its whole length beyond the tip
    tip_mm = sc.electrode.tip_length_m * 1e3
    assert 0.0 < d < summary["lesion_length_mm"] - tip_mm

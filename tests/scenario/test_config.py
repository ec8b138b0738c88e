import math
import tomllib

import pytest

from rfsim.scenario.config import Scenario, load_scenario, parse_scenario
from rfsim.scenario.writer import template, to_toml
from rfsim.errors import ConfigError


def test_template_parses_to_the_defaults():
    sc = parse_scenario(tomllib.loads(template("homogeneous")))
    d = Scenario()
    assert sc.electrode == d.electrode and sc.generator == d.generator and sc.damage == d.damage
    assert sc.mesh == d.mesh and sc.numerics == d.numerics and sc.protocol == d.protocol
    assert sc.medium.perfusion_ml_per_min_kg == 0.0


def test_round_trip_through_toml():
    text = """
[medium]
base = "muscle"
sigma_s_per_m = 0.3
temperature_c = 20.0
[electrode]
gauge = 18
tip_length_mm = 10
thermocouple_position = "middle"
[[protocol.lesion]]
set_temperature_c = 70
duration_s = 120
[[protocol.lesion]]
set_temperature_c = 90
duration_s = 30
"""
    sc = parse_scenario(tomllib.loads(text))
    assert sc.electrode.diameter_m == pytest.approx(1.2e-3)
    assert sc.electrode.tip_length_m == pytest.approx(10e-3)
    assert sc.electrode.thermocouple_position == "middle" and sc.electrode.thermocouple_m == pytest.approx(5e-3)
    assert [les.set_temperature_c for les in sc.protocol.lesions] == [70.0, 90.0]
    assert sc.medium.sigma_s_per_m == 0.3 and sc.medium.k_w_per_m_k == 0.49
    assert parse_scenario(tomllib.loads(to_toml(sc))) == sc


BAD = [
    ("[mesh]\ngrowht = 1.2", "mesh.growht", "valid keys in [mesh]: min_cell_um"),
    ("[colour]\nx = 1", "colour", "valid keys: scenario, medium"),
    ("[medium]\nsigma_s_per_m = 0.0", "medium.sigma_s_per_m = 0.0", "[0.001, 10] S/m"),
    ("[medium]\nsigma_s_per_m = -1.0", "medium.sigma_s_per_m = -1.0", "[0.001, 10] S/m"),
    ("[mesh]\nextent_mm = 0.001", "mesh.extent_mm = 0.001", "[2, 500] mm"),
    ("[electrode]\ninsulation_thickness_um = -5", "electrode.insulation_thickness_um = -5", "[1, 500] um"),
    ("[medium]\nk_w_per_m_k = nan", "medium.k_w_per_m_k", "finite"),
    ("[medium]\nrho_kg_per_m3 = inf", "medium.rho_kg_per_m3", "finite"),
    ("[medium]\nsigma_s_per_m = \"high\"", "medium.sigma_s_per_m", "finite number"),
    ("[protocol]\nset_temperature_c = 37.0", "protocol.set_temperature_c", "[45, 95]"),
    ("[protocol]\nset_temperature_c = 30.0", "protocol.set_temperature_c", "[45, 95]"),
    ("[protocol]\nlesions = 0", "protocol.lesions", "needs a lesion"),
    ("[protocol]\nlesion = []", "protocol.lesions", "at least one lesion"),
    ("[protocol]\nduration_s = 900", "protocol.duration_s", "600"),
    ("[electrode]\ngauge = 30", "electrode.gauge", "16 to 27"),
    ("[electrode]\ntip_length_mm = 25", "electrode.tip_length_mm", "[0.5, 20] mm"),
    ("[electrode]\ndiameter_mm = true", "electrode.diameter_mm", "finite number"),
    ("[electrode]\nthermocouple_position = \"centre\"", "electrode.thermocouple_position = 'centre'",
     "allowed: tip_end, middle"),
    ("[electrode]\ngauge = 20\nthermocouple_position = 1.0", "electrode.thermocouple_position = 1.0",
     "allowed: tip_end, middle"),
    ("[generator]\nmode = \"manual\"", "generator.mode", "exact, pid"),
    ("[numerics]\nlinear_maxiter = 2.5", "numerics.linear_maxiter", "whole number"),
    ("[numerics]\nperfusion_shutoff = 1", "numerics.perfusion_shutoff", "true or false"),
    ("[scenario]\nkind = \"liver\"", "scenario.kind", "allowed"),
    ("[medium]\ntemperature_c = 50\n[protocol]\nset_temperature_c = 48", "medium.temperature_c", "[0, 45]"),
    ("mesh = 3", "mesh", "must be a table"),
]


@pytest.mark.parametrize("text,key,allowed", BAD)
def test_bad_input_names_key_value_and_what_is_allowed(text, key, allowed):
    with pytest.raises(ConfigError) as e:
        parse_scenario(tomllib.loads(text))
    msg = str(e.value)
    assert key in msg and allowed in msg
    assert "\n" not in msg


def test_set_temperature_must_exceed_starting_temperature():
    with pytest.raises(ConfigError, match="above the starting temperature"):
        parse_scenario(tomllib.loads("[medium]\ntemperature_c = 45\n[protocol]\nset_temperature_c = 45"))


def test_invalid_toml_is_a_config_error(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text("[mesh\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_scenario(p)


def test_unknown_template():
    with pytest.raises(ConfigError, match="allowed: .*homogeneous"):
        template("nope")


def test_scenario_is_frozen():
    sc = Scenario()
    with pytest.raises(AttributeError):
        sc.kind = "x"
    assert math.isclose(sc.electrode.diameter_m, 0.4e-3)


def test_tissue_overrides_in_cordotomy_scenarios():
    text = "[scenario]\nkind = \"cordotomy\"\n[tissues.white_matter]\nsigma_s_per_m = 0.2\nperfusion_ml_per_min_kg = 100\n"
    sc = parse_scenario(tomllib.loads(text))
    (wm,) = sc.tissues
    assert wm.name == "white_matter" and wm.sigma_s_per_m == 0.2 and wm.k_w_per_m_k == 0.48
    assert parse_scenario(tomllib.loads(to_toml(sc))) == sc
    with pytest.raises(ConfigError, match="tissues.white_mater.*allowed: csf"):
        parse_scenario(tomllib.loads("[scenario]\nkind = \"cordotomy\"\n[tissues.white_mater]\nk_w_per_m_k = 1\n"))
    with pytest.raises(ConfigError, match="tissues.csf.sigma"):
        parse_scenario(tomllib.loads("[scenario]\nkind = \"cordotomy\"\n[tissues.csf]\nsigma = 1\n"))


def test_a_protocol_key_left_out_keeps_the_default_of_the_scenario_kind():
    """``set_temperature_c`` alone in a cordotomy scenario keeps its three
    lesions, as ``rfsim predict --temperature`` does; a homogeneous scenario
    keeps its one."""
    from rfsim.physics.generator import Lesion, Protocol

    sc = parse_scenario(tomllib.loads('[scenario]\nkind = "cordotomy"\n[protocol]\nset_temperature_c = 70.0'))
    assert sc.protocol == Protocol((Lesion(70.0, 60.0),) * 3, 30.0)
    sc = parse_scenario(tomllib.loads('[scenario]\nkind = "cordotomy"\n[protocol]\nduration_s = 30.0\nlesions = 2'))
    assert sc.protocol == Protocol((Lesion(80.0, 30.0),) * 2, 30.0)
    sc = parse_scenario(tomllib.loads("[protocol]\nset_temperature_c = 70.0"))
    assert sc.protocol == Protocol((Lesion(70.0, 60.0),), 30.0)


def test_strings_with_control_characters_round_trip_through_toml():
    import tomllib

    from rfsim.scenario.writer import toml_value

    for v in ("a\nb", "tab\there", "bell\x07", 'quote " and \\ slash', "del\x7f"):
        assert tomllib.loads("x = " + toml_value(v))["x"] == v

"""Declared uncertainties, the [uncertainty] scenario table and bad input."""

import tomllib

import pytest

from rfsim.errors import ConfigError
from rfsim.prediction import cordotomy_scenario
from rfsim.scenario.config import parse_scenario
from rfsim.scenario.writer import to_toml
from rfsim.scenario.uncertainty import UNCERTAINTY_NAMES
from rfsim.uncertainty.declared import DECLARED, active_uncertainties


def _scenario(table):
    return parse_scenario({"scenario": {"kind": "cordotomy"}, "uncertainty": table})


def test_every_declared_uncertainty_has_a_source_and_a_tag():
    assert tuple(d.name for d in DECLARED) == UNCERTAINTY_NAMES
    for d in DECLARED:
        assert d.source.startswith("[") and d.source[1] in "SCJA", d.name


def test_defaults_are_active_and_sampleable():
    active = active_uncertainties(cordotomy_scenario())
    assert [a.name for a in active] == list(UNCERTAINTY_NAMES)
    for a in active:
        if a.distribution is not None:
            assert a.distribution.ppf([0.01, 0.5, 0.99]).shape == (3,)


def test_override_and_round_trip():
    sc = _scenario({"offset_error_mm": {"dist": "normal", "mean": 0.0, "sd": 0.2}, "cord_displacement_mm": False,
                    "anatomy_pam50_probability": 0.0})
    active = {a.name: a for a in active_uncertainties(sc)}
    assert active["offset_error_mm"].distribution.sd == 0.2 and active["offset_error_mm"].overridden
    assert "cord_displacement_mm" not in active and "anatomy_pam50_probability" not in active
    again = parse_scenario(tomllib.loads(to_toml(sc)))
    assert again == sc
    assert "[uncertainty]" not in to_toml(cordotomy_scenario())


@pytest.mark.parametrize("table, key", [
    ({"offset_error_mm": {"dist": "uniform", "lower": 0.5, "upper": 1.0}}, "uncertainty.offset_error_mm.lower"),
    ({"arrhenius_a_factor": {"dist": "lognormal", "median": 2.0, "sigma": 0.1, "upper": 0.9}},
     "uncertainty.arrhenius_a_factor.upper"),
    ({"cord_ap_mm": {"dist": "normal", "mean": 8.0, "sd": -1.0}}, "uncertainty.cord_ap_mm.sd"),
    ({"cord_ap_mm": {"dist": "beta"}}, "uncertainty.cord_ap_mm.dist"),
])
def test_unsampleable_or_excluding_bounds_name_the_key(table, key):
    with pytest.raises(ConfigError) as e:
        active_uncertainties(_scenario(table))
    assert e.value.key == key


@pytest.mark.parametrize("table, key", [
    ({"offset_err": {"dist": "normal", "sd": 1.0}}, "uncertainty.offset_err"),
    ({"cord_ap_mm": {"dist": "normal", "mean": 8.0, "sd": 0.5, "spread": 1}}, "uncertainty.cord_ap_mm.spread"),
    ({"anatomy_pam50_probability": 1.5}, "uncertainty.anatomy_pam50_probability"),
    ({"cord_ap_mm": True}, "uncertainty.cord_ap_mm"),
])
def test_scenario_table_is_checked_on_load(table, key):
    with pytest.raises(ConfigError) as e:
        _scenario(table)
    assert e.value.key == key


def test_uncertainty_table_only_for_cordotomy():
    with pytest.raises(ConfigError):
        parse_scenario({"uncertainty": {"cord_ap_mm": False}})


def test_docs_table_lists_every_declared_uncertainty():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "uncertainty.md").read_text()
    for d in DECLARED:
        assert f"`{d.name}`" in text, d.name

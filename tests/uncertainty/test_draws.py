"""Draws from one seed, and the scenarios they make."""

import tomllib

import numpy as np
import pytest

from rfsim.errors import ConfigError
from rfsim.prediction import cordotomy_scenario
from rfsim.uncertainty.declared import active_uncertainties
from rfsim.uncertainty.draws import MAX_DRAWS, draw_runs, draw_values


def _active():
    return tuple(a for a in active_uncertainties(cordotomy_scenario()) if a.distribution is not None)


def test_same_seed_same_draws_other_seed_other_draws():
    a = draw_values(_active(), 5, 3)
    b = draw_values(_active(), 5, 3)
    c = draw_values(_active(), 5, 4)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    assert any(not np.array_equal(a[k], c[k]) for k in a)


def test_dropping_an_uncertainty_leaves_the_others():
    act = _active()
    a = draw_values(act, 4, 1)
    b = draw_values(act[1:], 4, 1)
    for k in b:
        np.testing.assert_array_equal(a[k], b[k])


@pytest.mark.parametrize("n", [0, -1, MAX_DRAWS + 1, 2.5, True])
def test_bad_draw_counts(n):
    with pytest.raises(ConfigError) as e:
        draw_values(_active(), n, 0)
    assert e.value.key == "--uncertainty"


def test_runs_apply_shift_set_and_scale():
    sc = cordotomy_scenario()
    act = _active()
    vals = draw_values(act, 3, 0)
    runs = draw_runs(sc, act, vals, 3, reduced=True)
    assert [r.index for r in runs] == [0, 1, 2]
    for i, r in enumerate(runs):
        d = tomllib.loads(r.scenario)
        assert d["placement"]["offset_mm"] == pytest.approx(1.5 + vals["offset_error_mm"][i])
        assert d["anatomy"]["ap_mm"] == pytest.approx(vals["cord_ap_mm"][i])
        assert d["damage"]["arrhenius_a_per_s"] == pytest.approx(7.39e39 * vals["arrhenius_a_factor"][i])
        assert d["mesh"]["refine"] == 0.5
        assert "uncertainty" not in d
    full = draw_runs(sc, act, vals, 3, reduced=False)
    assert tomllib.loads(full[0].scenario)["mesh"]["refine"] == 1.0
    assert [r.scenario_hash for r in draw_runs(sc, act, vals, 3)] == [r.scenario_hash for r in runs]


def test_reduced_model_scales_the_scenario_steps_within_their_range():
    """The reduced model doubles the scenario's step tolerance and largest step,
    whatever they are, and never past the range a scenario file allows."""
    from dataclasses import replace

    from rfsim.physics.simulation import NUMERICS_RANGES, NumericsSettings
    from rfsim.uncertainty.draws import reduced_settings

    base = cordotomy_scenario()
    assert reduced_settings(base) == {"mesh_refine": 0.5, "step_tolerance_c": 1.0, "dt_max_s": 8.0}
    own = replace(base, numerics=NumericsSettings(step_tolerance_c=6.0, dt_max_s=2.0))
    got = reduced_settings(own)
    assert got["step_tolerance_c"] == NUMERICS_RANGES["step_tolerance_c"][1] and got["dt_max_s"] == 4.0
    active = active_uncertainties(own)
    run = draw_runs(own, active, draw_values(active, 1, 0), 1)[0]
    numerics = tomllib.loads(run.scenario)["numerics"]
    assert (numerics["step_tolerance_c"], numerics["dt_max_s"]) == (10.0, 4.0)

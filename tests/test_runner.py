"""The homogeneous-block scenario for bench experiments (issue 2, item 8)."""

import pytest

from rfsim.scenario.config import Scenario
from rfsim.physics.domain import MeshSettings
from rfsim.physics.electrode import Electrode
from rfsim.physics.generator import Lesion, Protocol
from rfsim.runner import run
from rfsim.physics.tissue import tissue


def test_small_electrode_ex_vivo_from_room_temperature():
    sc = Scenario(medium=tissue("spinal_cord").with_(perfusion_ml_per_min_kg=0.0), temperature_c=20.0,
                  electrode=Electrode.from_gauge(27, 1e-3), protocol=Protocol((Lesion(45.0, 60.0),)))
    s = run(sc).summary
    assert s["final_tip_temperature_c"] == pytest.approx(45.0, abs=0.01)
    assert s["lesion_volume_mm3"] == 0.0  # 45 C for a minute does not reach Omega = 1
    assert s["impedance_ohm"] > 1000.0


def test_large_electrode_makes_a_long_lesion_and_warns_near_the_boundary():
    sc = Scenario(medium=tissue("muscle").with_(perfusion_ml_per_min_kg=0.0),
                  electrode=Electrode.from_gauge(16, 20e-3), protocol=Protocol((Lesion(90.0, 120.0),)),
                  mesh=MeshSettings(extent_m=10e-3))
    s = run(sc).summary
    assert s["lesion_length_mm"] > 20.0 and s["lesion_width_mm"] > 1.6
    assert s["impedance_ohm"] < 200.0  # a large electrode in muscle
    assert any("outer boundary" in w for w in s["warnings"])


def test_perfusion_shrinks_the_lesion():
    dry = Scenario(protocol=Protocol((Lesion(80.0, 30.0),)))
    wet = Scenario(medium=tissue("spinal_cord").with_(perfusion_ml_per_min_kg=800.0),
                   protocol=Protocol((Lesion(80.0, 30.0),)))
    v_dry, v_wet = (run(sc).summary["lesion_volume_mm3"] for sc in (dry, wet))
    assert 0 < v_wet < v_dry


def test_every_damage_model_reports_a_lesion():
    from rfsim.physics.damage import DamageSettings

    sizes = {m: run(Scenario(protocol=Protocol((Lesion(80.0, 30.0),)), damage=DamageSettings(model=m)))
             .summary["lesion_width_mm"] for m in ("arrhenius", "isotherm", "cem43")}
    assert all(w > 1.0 for w in sizes.values())
    # the 50 C isotherm and Arrhenius (Omega = 1 at 50.1 C for 60 s) give similar lesions
    assert sizes["isotherm"] == pytest.approx(sizes["arrhenius"], rel=0.25)


def test_run_of_a_cordotomy_scenario_is_a_prediction():
    from dataclasses import replace

    from rfsim.prediction import cordotomy_scenario

    r = run(replace(cordotomy_scenario(), protocol=Protocol((Lesion(80.0, 20.0),))))
    assert "cord_area_fraction" in r.summary and r.summary["target"] == "leg"

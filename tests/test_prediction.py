"""Prediction against the tracts, the verdict, and the impedance profile."""

import sys
from dataclasses import replace

import numpy as np
import pytest

from rfsim.scenario.config import PlacementSettings
from rfsim.errors import ConfigError
from rfsim.physics.generator import Protocol
from rfsim.cordotomy.metrics import tract_metrics
from rfsim.cordotomy.sampling import CartesianSampler
from rfsim.cordotomy.verdict import VerdictSettings
from rfsim.prediction import build, cordotomy_scenario, impedance_profile, predict, sampled_size

KEYS = ("impedance_ohm", "lesion_volume_mm3", "lesion_width_mm", "lesion_length_mm", "cord_area_fraction",
        "cord_volume_fraction", "tract_coverage", "stt_zone_coverage", "cst_lesioned_fraction", "cst_margin_mm",
        "ventral_horn_lesioned_fraction", "relief_predicted", "cst_spared", "warnings", "peak_power_w",
        "final_voltage_v", "max_tissue_temperature_c", "runtime_s")


@pytest.fixture(scope="module")
def default():
    return predict()


def test_default_prediction_has_every_key(default):
    s = default.summary
    for k in KEYS:
        assert k in s, k
    assert set(s["stt_zone_coverage"]) == {"arm", "trunk", "leg", "sacral"}
    fracs = [s["cord_area_fraction"], s["cord_volume_fraction"], s["cst_lesioned_fraction"],
             s["ventral_horn_lesioned_fraction"], *s["tract_coverage"].values(), *s["stt_zone_coverage"].values()]
    assert all(0.0 <= f <= 1.0 for f in fracs)
    assert s["lesions"] == 3 and len(s["per_lesion"]) == 3
    assert s["impedance_ohm"] > 700  # the exposed tip is in the cord
    assert 75.0 < s["max_tissue_temperature_c"] < 100.0


def test_damage_accumulates_over_the_three_lesions(default):
    per = default.summary["per_lesion"]
    vols = [p["lesion_volume_mm3"] for p in per]
    areas = [p["cord_area_fraction"] for p in per]
    assert 0 < vols[0] < vols[1] < vols[2]
    assert areas[0] <= areas[1] <= areas[2]
    assert default.summary["lesion_volume_mm3"] == vols[2]


def test_default_leg_lesion_covers_the_leg_zone(default):
    s = default.summary
    assert s["stt_zone_coverage"]["leg"] >= 0.5
    assert s["cord_area_fraction"] >= 0.10
    assert s["relief_predicted"]


def test_axisymmetric_and_cartesian_mappings_agree(default):
    """The 3-D path (trilinear sampler, lattice sizes) on the axisymmetric lesion
    resampled to a Cartesian grid gives the same metrics as the axisymmetric path."""
    from rfsim.numerics.grid import cartesian_grid
    from rfsim.cordotomy.sampling import AxisymmetricSampler

    dom, dmg, path = default.result.domain, default.result.damage, default.path
    ax = AxisymmetricSampler(dom.grid, dmg.criterion(), dom.metal, path)
    tip = np.array(path.tip_m)
    e = [np.linspace(t - 6e-3, t + 6e-3, 161) for t in tip]
    g = cartesian_grid(*e)
    X, Y, Z = g.mesh()
    crit = ax(X, Y, Z)
    cs = CartesianSampler(g, crit, np.zeros(g.shape, bool))
    s3 = sampled_size(cs, path)
    s = default.summary
    assert s3.width_m * 1e3 == pytest.approx(s["lesion_width_mm"], rel=0.05)
    assert s3.volume_m3 * 1e9 == pytest.approx(s["lesion_volume_mm3"], rel=0.05)
    m3 = tract_metrics(cs, default.anatomy, path, s3, VerdictSettings(), "leg")
    assert m3["cord_area_fraction"] == pytest.approx(s["cord_area_fraction"], abs=0.01)
    assert m3["cst_lesioned_fraction"] == pytest.approx(s["cst_lesioned_fraction"], abs=0.02)


def test_lesion_grows_with_temperature_and_time():
    one = replace(cordotomy_scenario(), protocol=Protocol.clinical(1, 70.0, 30.0))
    hot = replace(one, protocol=Protocol.clinical(1, 85.0, 30.0))
    long = replace(one, protocol=Protocol.clinical(1, 70.0, 90.0))
    v = [predict(s).summary["lesion_volume_mm3"] for s in (one, hot, long)]
    assert v[0] < v[1] and v[0] < v[2]


def test_arm_placement_reported_not_rejected():
    s = predict(replace(cordotomy_scenario(target="arm"), protocol=Protocol.clinical(1))).summary
    assert s["target"] == "arm" and s["offset_mm"] == 2.5
    assert isinstance(s["relief_predicted"], bool)


def test_impedance_profile_falls_in_the_clinical_bands():
    """Shepherd 2017: < 200 ohm in CSF, < 400 ohm at the pial surface, > 700 ohm in the cord."""
    rows = impedance_profile()
    tissues = [r["tissue"] for r in rows]
    assert tissues[0] == "csf" and tissues[-1] == "cord" and "pia" in tissues
    touch = [r for r in rows if r["depth_mm"] == 0.0]
    assert len(touch) == 1 and touch[0]["tissue"] == "pia"
    assert all(r["impedance_ohm"] < 200 for r in rows if r["tissue"] == "csf")
    assert touch[0]["impedance_ohm"] < 400
    tip_in_cord = [r for r in rows if r["depth_mm"] >= 2.0 + 0.1]  # exposed 2 mm tip and the pia passed
    assert tip_in_cord and all(r["impedance_ohm"] > 700 for r in tip_in_cord)
    z = [r["impedance_ohm"] for r in rows]
    assert all(b >= a for a, b in zip(z, z[1:]))  # rises as the tip goes in


@pytest.mark.parametrize("kw,key", [({"offset_mm": 9.0}, "offset_mm"), ({"depth_mm": -1.0}, "depth_mm"),
                                    ({"depth_mm": 9.0}, "depth_mm")])
def test_bad_placements_are_config_errors(kw, key):
    with pytest.raises(ConfigError, match=key):
        build(replace(cordotomy_scenario(), placement=PlacementSettings(**kw)))


def test_tissue_overrides_change_the_answer():
    from rfsim.physics.tissue import tissue

    base = replace(cordotomy_scenario(), protocol=Protocol.clinical(1, duration_s=20.0))
    lo = predict(base).summary
    hi = predict(replace(base, tissues=(tissue("white_matter").with_(sigma_s_per_m=0.19),))).summary
    assert hi["impedance_ohm"] < 0.7 * lo["impedance_ohm"]  # the tip sits in white matter


def _short_prediction(_):
    sc = replace(cordotomy_scenario(), protocol=Protocol.clinical(1, duration_s=5.0, cooling_s=1.0))
    return predict(sc).summary["cord_area_fraction"]


@pytest.mark.skipif(sys.platform != "linux", reason="the fork start method is the Linux default")
def test_processes_forked_after_a_prediction_can_predict():
    """The axisymmetric path never starts OpenMP threads (only 3-D grids are
    threaded), so a script may run a prediction and then fork worker processes
    that predict too: GNU OpenMP would kill a forked child that starts threads
    after its parent did.  The test process may already run threads from the
    3-D tests, which makes the check stricter."""
    import multiprocessing

    first = _short_prediction(0)
    with multiprocessing.get_context("fork").Pool(2) as pool:
        out = pool.map_async(_short_prediction, [0, 1]).get(timeout=120)
    assert out == [first, first]


def test_a_prediction_places_the_needle_once(monkeypatch):
    """The needle path is computed once per prediction (and per domain build or
    impedance profile) and the Placement built once; everything else is handed
    the path.  Every module that imported needle_path gets the counting twin."""
    import rfsim.cordotomy.placement as P

    calls = {"path": 0, "placement": 0}
    real_path, real_init = P.needle_path, P.Placement.__post_init__

    def counting_path(*a, **kw):
        calls["path"] += 1
        return real_path(*a, **kw)

    def counting_init(self):
        calls["placement"] += 1
        real_init(self)

    for mod in [m for name, m in sys.modules.items() if name.startswith("rfsim") and m is not None]:
        if getattr(mod, "needle_path", None) is real_path:
            monkeypatch.setattr(mod, "needle_path", counting_path)
    monkeypatch.setattr(P.Placement, "__post_init__", counting_init)
    short = replace(cordotomy_scenario(), protocol=Protocol.clinical(1, duration_s=5.0, cooling_s=1.0))
    predict(short)
    assert calls == {"path": 1, "placement": 1}
    for scenario in (replace(short, model="3d"), short):
        calls.update(path=0, placement=0)
        build(scenario)
        assert calls == {"path": 1, "placement": 1}
    calls.update(path=0, placement=0)
    impedance_profile(short, start_mm=-0.5, step_mm=1.0)
    assert calls == {"path": 1, "placement": 1}


def test_cross_section_is_the_plane_of_the_metrics(default):
    """The figure's lesion is the one the metrics counted: same raster, same plane."""
    from rfsim.cordotomy.sampling import raster
    from rfsim.prediction import cross_section

    section = cross_section(default)
    ras = raster(default.anatomy)
    assert section.lesion.shape == section.peak_temperature_c.shape == ras.fractions["cord"].shape
    assert section.z_m == pytest.approx(default.path.mid_tip_m[2])
    cord_cells = default.anatomy.cord_area_m2 / ras.step ** 2
    share = float((section.lesion * ras.fractions["cord"]).sum()) / cord_cells
    assert share == default.summary["cord_area_fraction"]
    # inside the lesion the tissue was hot; far from it, near body temperature
    assert section.peak_temperature_c[section.lesion].min() > 45.0
    assert section.peak_temperature_c.min() < 40.0


def test_an_exposed_tip_outside_the_cord_is_warned_before_the_run():
    """A 16 G electrode with a 20 mm tip placed 2.5 mm deep leaves 17.5 mm of it
    outside the cord; the default placement leaves none."""
    from rfsim.physics.electrode import Electrode
    from rfsim.prediction import before_run

    sc = replace(cordotomy_scenario(), electrode=Electrode.from_gauge(16, 20e-3))
    _, _, path, domain = build(sc)
    warnings = before_run(sc, path, domain)
    assert len(warnings) == 1 and warnings[0].startswith("17.50 mm of the 20 mm exposed tip lies outside the cord")
    sc = cordotomy_scenario()
    _, _, path, domain = build(sc)
    assert before_run(sc, path, domain) == []


def test_the_last_lesion_measured_alone_gives_the_same_answer(default):
    """predict(per_lesion=False), as the uncertainty draws run it: only the last
    lesion is measured, and every answer is that of the whole prediction."""
    last = predict(per_lesion=False).summary
    whole = default.summary
    assert [p["lesion"] for p in last["per_lesion"]] == [3]
    assert last["per_lesion"][0] == whole["per_lesion"][-1]
    drop = ("per_lesion", "runtime_s")
    assert {k: v for k, v in last.items() if k not in drop} == {k: v for k, v in whole.items() if k not in drop}

"""Tests of rfsim.cordotomy.verdict: relief, corticospinal sparing and the
warnings from the metrics."""

from rfsim.cordotomy.verdict import VerdictSettings, verdict


def test_verdict_rules():
    base = {"cord_area_fraction": 0.12, "stt_zone_coverage": {"leg": 0.8, "arm": 0.1},
            "tract_coverage": {"lateral_spinothalamic": 0.5}, "cst_lesioned_fraction": 0.0,
            "ventral_horn_lesioned_fraction": 0.0}
    v = verdict(base, VerdictSettings(), "leg")
    assert v["relief_predicted"] and v["cst_spared"] and v["warnings"] == []
    assert not verdict(base, VerdictSettings(), "arm")["relief_predicted"]
    small = dict(base, cord_area_fraction=0.08)
    assert not verdict(small, VerdictSettings(), "leg")["relief_predicted"]
    assert verdict(small, VerdictSettings(relief_criterion="dti"), "leg")["relief_predicted"]  # 6.2 % on DTI
    cst = dict(base, cst_lesioned_fraction=0.05, ventral_horn_lesioned_fraction=0.2, cord_area_fraction=0.4)
    v = verdict(cst, VerdictSettings(), "leg")
    assert not v["cst_spared"] and len(v["warnings"]) == 3
    miss = dict(base, tract_coverage={"lateral_spinothalamic": 0.0})
    assert any("misses" in w for w in verdict(miss, VerdictSettings(), "leg")["warnings"])

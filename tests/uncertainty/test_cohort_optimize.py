"""rfsim cohort and rfsim optimize, tiny."""

import pytest

from rfsim.cli.main import main
from rfsim.errors import ConfigError
from rfsim.uncertainty.cohort import cohort_runs, run_cohort
from rfsim.uncertainty.optimize import optimize_placement


def test_cohort_patients_follow_the_rules():
    runs, _ = cohort_runs(40, 1, leg_share=0.5)
    p = [dict(r.params) for r in runs]
    legs = [x for x in p if x["placement.target"] == "leg"]
    assert 8 < len(legs) < 32
    for x in p:
        lo, hi = (1.0, 2.0) if x["placement.target"] == "leg" else (2.0, 3.0)
        assert lo <= x["planned_offset_mm"] <= hi
        assert x["placement.offset_mm"] == pytest.approx(x["planned_offset_mm"] + x["localisation_error_mm"])
    with pytest.raises(ConfigError):
        cohort_runs(2, 0, leg_share=1.5)


@pytest.mark.slow
def test_cohort_tiny():
    out = run_cohort(2, 0, workers=0)
    assert out["patients"] == 2 and out["draws_ok"] + out["draws_failed"] == 2
    assert {s["series"] for s in out["series"]} >= {"Shepherd 2017 (CT-guided)", "Berger 2021"}


@pytest.mark.slow
def test_optimize_tiny_and_infeasible(capsys):
    out = optimize_placement(n=1, offsets=(1.5, 2.0), depths=(2.5, 2.5), max_cst=1.0, refine=False, workers=0)
    assert len(out["points"]) == 2 and out["chosen"] is not None
    assert main(["optimize", "--draws", "1", "--offsets", "0.5", "0.5", "--depths", "2.5", "2.5", "--max-cst", "0",
                 "--no-refine", "--workers", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--max-cst" in err[0] and "infeasible" in err[0]


def test_optimize_bad_input(capsys):
    assert main(["optimize", "--max-cst", "1.5"]) == 2
    assert main(["optimize", "--offsets", "3", "1"]) == 2
    assert main(["optimize", "--draws", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and "--max-cst" in err[0] and "--offsets" in err[1] and "--draws" in err[2]

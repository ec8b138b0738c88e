"""scripts/calibrate.py and rfsim.validation.calibration: the fit on a tiny grid,
the held-out evaluation, the store that lets a rerun resume, and bad input."""

import importlib.util
import json
import math
from pathlib import Path

import pytest

from rfsim.physics.damage import ARRHENIUS_SETS, DamageSettings
from rfsim.validation import calibration as cal
from rfsim.validation.cases import load_cases

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "calibrate.py"
FIT = ["cosman2014_width_3min"]
HELD = ["ikeda1994_brain_43c_15min", "chen2002_boundary_temperature"]


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("calibrate", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_frequency_factor_and_t60_are_inverse_and_match_the_named_sets():
    for a, ea, *_ in ARRHENIUS_SETS.values():
        t60 = cal.t60_of(a, ea)
        assert cal.frequency_factor(ea, t60) == pytest.approx(a, rel=1e-9)
        assert DamageSettings(arrhenius_a_per_s=a, arrhenius_ea_j_per_mol=ea).omega_at_constant(t60, 60.0) \
            == pytest.approx(1.0, rel=1e-9)
    # the default (Jacques) set: Omega = 1 after 60 s at about 50 C
    assert 49.5 < cal.ARRHENIUS.default()[1] < 50.5


def test_spread_error_in_units_of_the_measured_spread():
    by = {c.name: c for c in load_cases(["cosman2014_width_3min", "shepherd2017_cst_spared",
                                         "chen2002_boundary_temperature"])}
    rng = by["cosman2014_width_3min"]  # 1.23-1.32: half-width 0.045 about 1.275
    assert cal.spread_error(rng, 1.32) == pytest.approx(1.0)
    assert cal.spread_error(rng, 1.185) == pytest.approx(-2.0)
    assert cal.spread_error(by["chen2002_boundary_temperature"], 48.3 + 3.4) == pytest.approx(2.0)
    cst = by["shepherd2017_cst_spared"]  # <= 0.01: 0 inside, past the bound over the bound outside
    assert cal.spread_error(cst, 0.005) == 0.0
    assert cal.spread_error(cst, 0.03) == pytest.approx(2.0)
    assert math.isnan(cal.spread_error(cst, math.nan))
    assert cal.objective([1.0, -2.0, math.nan]) == pytest.approx(5.0 + cal.NO_VALUE_SPREADS ** 2)


# 12 block runs and 2 clinical predictions: 3.2 s at load average 2.9, 18-25 s at 6-7 (not marked slow)
def test_tiny_fit_beats_the_default_and_holds_out_other_cases(script, tmp_path, capsys):
    store = tmp_path / "runs.json"
    argv = ["--quick", "--cases", *FIT, "--holdout", *HELD, "--store", str(store)]
    out = script.run(script.parse(argv))
    text = capsys.readouterr().out
    fit = out["fit"]
    for v, (lo, hi) in zip(fit.x, fit.space.bounds):
        assert lo <= v <= hi
    for (lo, hi), v in zip(fit.interval, fit.x):
        assert lo <= v <= hi
    assert fit.value <= fit.default_value
    assert fit.evaluations >= 4  # the 2 x 2 grid and at least one refinement point
    # the held-out rows are exactly the held-out cases, none of them fitted, each with both sets
    assert [r["case"] for r in out["held_rows"]] == HELD
    assert not set(HELD) & {r["case"] for r in out["fit_rows"]}
    for r in out["held_rows"] + out["fit_rows"]:
        assert r["default"] is not None and r["fitted"] is not None
        assert r["default_verdict"] in ("within", "outside")
    for name in FIT + HELD:
        assert f"| {name} |" in text
    # the store keeps each point's values: only fitted points and the default hold fit cases,
    # only the default and the fitted point hold held-out ones, so a rerun makes no runs
    runs = json.loads(store.read_text())["runs"]
    holding = [k for k, row in runs.items() if HELD[0] in row]
    assert len(holding) == 2 and any(k.startswith("default:") for k in holding)
    again = cal.Store(store)
    cal.fit(fit.space, load_cases(FIT), again, grid_n=2, refine_evals=4, local_n=0, log=lambda s: None)
    assert again.evaluations == 0


def test_isotherm_space_skips_the_cases_that_read_omega():
    store = cal.Store(None)
    ikeda, chen, lahuerta = load_cases(["ikeda1994_brain_43c_15min", "chen2002_boundary_temperature",
                                        "lahuerta1994_depth"])
    assert not cal.applies(cal.ISOTHERM, ikeda) and not cal.applies(cal.ISOTHERM, chen)
    assert cal.applies(cal.ISOTHERM, lahuerta) and cal.applies(cal.ARRHENIUS, chen)
    # not run at all: nothing is evaluated for a case that does not apply
    assert math.isnan(store.values(cal.ISOTHERM, (50.0,), [ikeda, chen])[chen.name])
    assert store.evaluations == 0
    assert store.values(None, None, [ikeda])[ikeda.name] == 0.0


@pytest.mark.parametrize("argv, key", [
    (["--cases", "nonsense"], "--cases"),
    (["--holdout", "cosman2014_width_3min"], "--holdout"),
    (["--grid", "1"], "--grid"),
    (["--model", "egg"], "--model"),
])
def test_bad_input_is_one_line_and_exit_2(script, capsys, argv, key):
    try:
        status = script.main(argv + ["--store", ""])
    except SystemExit as e:  # argparse's own errors
        status = e.code
    assert status == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and key in err[0]


def test_a_changed_case_is_run_again_not_read_from_the_store(tmp_path):
    (c,) = load_cases(["ikeda1994_brain_43c_15min"])
    path = tmp_path / "runs.json"
    first = cal.Store(path)
    assert first.values(None, None, [c])[c.name] == 0.0 and first.evaluations == 1
    back = cal.Store(path)
    assert back.values(None, None, [c])[c.name] == 0.0 and back.evaluations == 0  # read back, not run
    data = json.loads(path.read_text())
    key = next(iter(data["runs"]))
    data["runs"][key][c.name] = 123.0
    path.write_text(json.dumps(data))
    assert cal.Store(path).values(None, None, [c])[c.name] == 123.0  # same fingerprint: trusted
    data["fingerprints"][c.name] = "from an older model"
    path.write_text(json.dumps(data))
    again = cal.Store(path)
    assert again.values(None, None, [c])[c.name] == 0.0 and again.evaluations == 1

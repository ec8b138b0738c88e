"""Sweeps: spec parsing and draws, bad input, local and Dask execution, the
store, SIGKILL and --resume, summaries and the report.

Runs are tiny (one 20 s lesion, ~0.5 s each) and every sweep that needs worker
processes shares a module-scoped baseline, so the module stays well under a
minute including a Dask LocalCluster.
"""

import hashlib
import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
import pytest

from rfsim.scenario.config import parse_scenario, to_toml
from rfsim.errors import ConfigError
from rfsim.sweep.core import Distribution, load_sweep, parse_sweep, run_sweep
from rfsim.sweep.store import journal_path, read_journal, read_sweep, summarize, wilson

ROOT = Path(__file__).resolve().parents[1]
SHORT = {"protocol": {"set_temperature_c": 80.0, "duration_s": 20.0, "lesions": 1}}
# 2 offsets x 2 depths x 2 draws = 8 runs; depth 9 mm is past the cord, so those
# 4 runs fail inside the worker (the placement rules) and must be recorded
SPEC_TOML = """
[sweep]
seed = 3

[base]
protocol = { set_temperature_c = 80.0, duration_s = 20.0, lesions = 1 }

[grid]
placement.offset_mm = [1.0, 2.0]
"placement.depth_mm" = [2.5, 9.0]

[monte_carlo]
n = 2
"tissues.white_matter.sigma_s_per_m" = { dist = "lognormal", median = 0.095, sigma = 0.3, lower = 0.05 }

[output]
series = ["tip_temperature_c"]
"""


def _spec(**tables):
    return parse_sweep({"base": SHORT, **tables})


def _rows(path):
    """Store rows keyed by run index, values comparable with ==."""
    t = read_sweep(path)
    c = t["columns"]
    out = {}
    for i, run in enumerate(c["run"]):
        row = {}
        for k, v in c.items():
            x = v[i]
            if isinstance(x, np.ndarray):
                x = tuple(x)
            elif isinstance(x, float) and np.isnan(x):
                x = "nan"
            if not k.startswith("info/") and k != "metric/runtime_s":
                row[k] = x
        out[int(run)] = row
    assert len(out) == t["n"], "duplicate run rows"
    return out


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory):
    p = tmp_path_factory.mktemp("spec") / "spec.toml"
    p.write_text(SPEC_TOML)
    return p


@pytest.fixture(scope="module")
def baseline(spec_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("base") / "sweep.h5"
    stats = run_sweep(load_sweep(spec_file), out, workers=2, progress=False)
    return out, stats


# ----------------------------------------------------------------- the spec

def test_grid_zip_and_sample_make_the_design_in_order():
    sp = _spec(grid={"placement": {"offset_mm": [1.0, 2.0]}, "placement.depth_mm": [2.0, 2.5, 3.0]},
               zip={"electrode.diameter_mm": [0.3, 0.4], "electrode.tip_length_mm": [2.0, 3.0]},
               sample={"n": 4, "method": "lhs", "protocol.set_temperature_c": [75.0, 85.0]})
    pts = sp.points()
    assert sp.n_points == len(pts) == 2 * 3 * 2 * 4 and sp.n_runs == sp.n_points
    assert [p["placement.offset_mm"] for p in pts[:2]] == [1.0, 1.0]  # first key slowest
    assert {(p["electrode.diameter_mm"], p["electrode.tip_length_mm"]) for p in pts} == {(0.3, 2.0), (0.4, 3.0)}
    runs = sp.runs()
    sc = parse_scenario(tomllib.loads(runs[5].scenario))
    assert sc.protocol.lesions[0].set_temperature_c == pytest.approx(runs[5].params[-1][1])
    assert sc.electrode.diameter_m == pytest.approx(dict(runs[5].params)["electrode.diameter_mm"] * 1e-3)
    assert runs[0].scenario_hash == hashlib.sha256(to_toml(parse_scenario(tomllib.loads(runs[0].scenario)))
                                                   .encode()).hexdigest()
    assert len({r.scenario_hash for r in runs}) == len(runs)


def test_draws_are_reproducible_per_seed_and_per_parameter():
    mc = {"n": 50, "damage.arrhenius_ea_j_per_mol": {"dist": "normal", "mean": 2.577e5, "sd": 2e3}}
    a, b = _spec(monte_carlo=mc), _spec(monte_carlo=mc)
    assert [r.scenario_hash for r in a.runs()] == [r.scenario_hash for r in b.runs()]
    c = parse_sweep({"base": SHORT, "sweep": {"seed": 1}, "monte_carlo": mc})
    assert a.monte_carlo.draw(0)["damage.arrhenius_ea_j_per_mol"][0] != \
        c.monte_carlo.draw(1)["damage.arrhenius_ea_j_per_mol"][0]
    more = _spec(monte_carlo={**mc, "anatomy.displacement_mm": [0.0, 1.0]})
    np.testing.assert_array_equal(a.monte_carlo.draw(0)["damage.arrhenius_ea_j_per_mol"],
                                  more.monte_carlo.draw(0)["damage.arrhenius_ea_j_per_mol"])


def test_latin_hypercube_puts_one_draw_in_each_stratum():
    sp = _spec(sample={"n": 40, "method": "lhs", "placement.offset_mm": [1.0, 3.0],
                       "placement.depth_mm": {"dist": "normal", "mean": 2.5, "sd": 0.3}})
    d = sp.sample.draw(9)
    strata = np.floor((d["placement.offset_mm"] - 1.0) / 2.0 * 40).astype(int)
    assert sorted(strata) == list(range(40))
    from scipy.special import ndtr

    u = ndtr((d["placement.depth_mm"] - 2.5) / 0.3)
    assert sorted(np.floor(u * 40).astype(int)) == list(range(40))


def test_distributions_honour_bounds_and_centre():
    u = np.random.default_rng(0).random(4000)
    ln = Distribution("lognormal", median=0.1, sigma=0.3)
    assert np.median(ln.ppf(u)) == pytest.approx(0.1, rel=0.03)
    tn = Distribution("normal", mean=0.0, sd=1.0, lower=0.5, upper=1.0)
    x = tn.ppf(u)
    assert x.min() >= 0.5 and x.max() <= 1.0 and x.min() < 0.51 and x.max() > 0.99
    assert Distribution("uniform", lower=2, upper=4).ppf([0.25]) == pytest.approx([2.5])


def test_whole_and_real_numbers_make_the_same_scenario():
    a = _spec(grid={"placement.offset_mm": [2]}).runs()[0]
    b = _spec(grid={"placement.offset_mm": [2.0]}).runs()[0]
    assert a.scenario_hash == b.scenario_hash


def test_template_is_a_valid_spec(tmp_path):
    from rfsim.scenario.config import template

    p = tmp_path / "t.toml"
    p.write_text(template("sweep"))
    sp = load_sweep(p)
    assert (sp.n_points, sp.n_samples) == (9, 20)
    assert len(sp.runs()) == 180


# ----------------------------------------------------------------- bad input

BAD = [
    ({"grid": {"placement.offest_mm": [1.0]}}, "grid.placement.offest_mm", "valid keys in [placement]"),
    ({"grid": {"placment.offset_mm": [1.0]}}, "grid.placment.offset_mm", "unknown scenario section"),
    ({"grid": {"placement.offset_mm": []}}, "grid.placement.offset_mm", "non-empty list"),
    ({"grid": {"placement.offset_mm": ["abc"]}}, "placement.offset_mm", "finite number"),
    ({"zip": {"electrode.diameter_mm": [0.3, 0.4], "electrode.tip_length_mm": [2.0]}}, "zip", "equal lengths"),
    ({"monte_carlo": {"n": 2, "placement.offset_mm": {"dist": "uniform", "lower": 3.0, "upper": 1.0}}},
     "monte_carlo.placement.offset_mm.lower", "below upper"),
    ({"monte_carlo": {"n": 2, "damage.arrhenius_a_per_s": {"dist": "lognormal", "median": 1e39, "sigma": -1}}},
     "monte_carlo.damage.arrhenius_a_per_s.sigma", "> 0"),
    ({"monte_carlo": {"n": 2, "anatomy.displacement_mm": {"dist": "normal", "mean": 0, "sd": 1, "lower": 40}}},
     "monte_carlo.anatomy.displacement_mm.lower", "no probability"),
    ({"monte_carlo": {"n": 2, "anatomy.displacement_mm": {"dist": "beta", "a": 1}}},
     "monte_carlo.anatomy.displacement_mm.dist", "normal, lognormal, uniform"),
    ({"monte_carlo": {"n": 0, "anatomy.displacement_mm": [0, 1]}}, "monte_carlo.n", "whole number"),
    ({"sample": {"n": 3, "placement.target": [0, 1]}}, "sample.placement.target", "real-valued"),
    ({"grids": {}}, "grids", "unknown table"),
    ({"output": {"series": ["temperature"]}}, "output.series", "tip_temperature_c"),
]


@pytest.mark.parametrize("tables, key, allowed", BAD, ids=[b[1] for b in BAD])
def test_bad_specs_name_key_value_and_what_is_allowed(tables, key, allowed):
    with pytest.raises(ConfigError) as e:
        parse_sweep({"base": SHORT, **tables}).runs()
    assert e.value.key.startswith(key) and allowed in str(e.value)


def _cli(*args, **kw):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "rfsim", *map(str, args)], capture_output=True, text=True,
                          env=env, **kw)


def test_cli_bad_input_exits_2_with_one_line_and_leaves_the_store_alone(tmp_path, baseline):
    store = tmp_path / "sweep.h5"
    store.write_bytes(baseline[0].read_bytes())
    before = store.read_bytes()
    cases = {"malformed.toml": "[grid\n", "unknown.toml": '[grid]\n"placement.ofset_mm" = [1.0]\n',
             "empty.toml": '[grid]\n"placement.offset_mm" = []\n',
             "bounds.toml": '[monte_carlo]\nn = 2\n"anatomy.displacement_mm" = {dist = "uniform", lower = 2, '
                            'upper = 1}\n'}
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        for extra in ((), ("--resume",)):
            r = _cli("sweep", tmp_path / name, "--out", store, *extra)
            assert r.returncode == 2, (name, r.stderr)
            assert r.stderr.count("\n") == 1 and r.stderr.startswith("rfsim: error: "), r.stderr
    (tmp_path / "ok.toml").write_text('[base]\nprotocol = {duration_s = 20.0, lesions = 1}\n'
                                      '[grid]\n"placement.offset_mm" = [1.0]\n')
    r = _cli("sweep", tmp_path / "ok.toml", "--out", store)  # exists, no --resume
    assert r.returncode == 2 and "--resume" in r.stderr
    r = _cli("sweep", tmp_path / "ok.toml", "--out", store, "--resume")  # a different spec
    assert r.returncode == 2 and "different sweep spec" in r.stderr
    assert store.read_bytes() == before


# ----------------------------------------------------------------- running

def test_local_sweep_stores_every_run_with_metrics_and_failures(baseline):
    out, stats = baseline
    assert stats == {**stats, "runs": 8, "skipped": 0, "ran": 8, "failed": 4}
    assert not journal_path(out).exists()  # removed once complete
    rows = _rows(out)
    assert sorted(rows) == list(range(8))
    ok = [r for r in rows.values() if r["status"] == "ok"]
    bad = [r for r in rows.values() if r["status"] == "failed"]
    assert len(ok) == 4 and all(r["param/placement.depth_mm"] == 9.0 for r in bad)
    assert all("depth" in r["error"] and r["metric/lesion_volume_mm3"] == "nan" for r in bad)


def test_stored_metrics_equal_a_direct_prediction(baseline, spec_file):
    from rfsim.predict import predict

    run = load_sweep(spec_file).runs()[1]
    row = _rows(baseline[0])[1]
    assert row["scenario_hash"] == run.scenario_hash
    p = predict(parse_scenario(tomllib.loads(run.scenario)))
    s = p.summary
    for k in ("lesion_volume_mm3", "cord_area_fraction", "impedance_ohm", "cst_lesioned_fraction"):
        assert row[f"metric/{k}"] == pytest.approx(s[k], rel=1e-12)
    assert row["metric/tract_coverage.lateral_spinothalamic"] == pytest.approx(
        s["tract_coverage"]["lateral_spinothalamic"], rel=1e-12)
    assert row["metric/relief_predicted"] == float(s["relief_predicted"])
    assert row["metric/per_lesion"][0]["lesion_volume_mm3"] == pytest.approx(
        s["per_lesion"][0]["lesion_volume_mm3"], rel=1e-12)
    assert row["metric/warnings"] == s["warnings"]
    np.testing.assert_allclose(row["series/tip_temperature_c"], p.result.series["tip_temperature_c"], rtol=1e-12)


def test_workers_load_the_kernels_once_not_per_run(baseline):
    c = read_sweep(baseline[0])["columns"]
    ok = c["status"] == "ok"
    assert np.all(c["info/jit_new"][ok] == 0)
    assert 1 <= len(set(c["info/worker"])) <= 2


def test_dask_cluster_gives_the_local_results(baseline, spec_file, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster:
        out = tmp_path / "dask.h5"
        stats = run_sweep(load_sweep(spec_file), out, scheduler=cluster.scheduler_address, progress=False)
    assert stats["ran"] == 8 and stats["failed"] == 4
    assert _rows(out) == _rows(baseline[0])


def test_sigkill_midway_then_resume_completes_the_same_sweep(baseline, spec_file, tmp_path):
    out = tmp_path / "killed.h5"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "rfsim", "sweep", str(spec_file), "--out", str(out),
                             "--workers", "1"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    journal = journal_path(out)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if journal.exists() and journal.read_text().count("\n") >= 3:  # header + 2 rows
            break
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)  # the coordinator and its workers, mid-sweep
    proc.wait()
    header, rows = read_journal(journal)
    assert 2 <= len(rows) < 8, "the sweep was not interrupted midway"
    # a kill in the middle of a write: a cut-short last journal line, a damaged HDF5 file
    with open(journal, "a") as j:
        j.write('{"run": 7, "point": 3, "scen')
    if out.exists():
        out.write_bytes(out.read_bytes()[: out.stat().st_size // 2])
    r = _cli("sweep", spec_file, "--out", out, "--resume", "--workers", "1", "--log-every", "0.2", timeout=120)
    assert r.returncode == 0, r.stderr
    assert f"{len(rows)} already done" in r.stderr and "runs/min" in r.stderr  # plain log lines, no tty
    assert _rows(out) == _rows(baseline[0])
    assert not journal.exists()
    r = _cli("sweep", spec_file, "--out", out, "--resume")  # nothing left: a no-op
    assert r.returncode == 0 and "8 already done" in r.stderr
    assert _rows(out) == _rows(baseline[0])


# ----------------------------------------------------------------- summaries

def test_wilson_interval():
    assert wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson(10, 10)[1] == 1.0
    assert all(np.isnan(wilson(0, 0)))


def test_summaries_and_report(baseline, tmp_path):
    rows = summarize(baseline[0])
    assert [(r["runs"], r["ok"], r["failed"]) for r in rows] == [(2, 2, 0), (2, 0, 2)] * 2
    c = read_sweep(baseline[0])["columns"]
    first = (c["point"] == 0) & (c["status"] == "ok")
    k = int(np.sum(c["metric/relief_predicted"][first] == 1))
    assert rows[0]["p_relief"] == k / 2 and rows[0]["relief_ci"] == pytest.approx(list(wilson(k, 2)))
    assert np.isnan(rows[1]["p_relief"])
    assert rows[2]["offset_mm"] == 2.0 and rows[2]["depth_mm"] == 2.5
    png = tmp_path / "report.png"
    r = _cli("sweep-report", baseline[0], "--plot", png)
    assert r.returncode == 0, r.stderr
    assert "P(relief)" in r.stdout and len(r.stdout.splitlines()) == 1 + 4 + 1
    assert png.stat().st_size > 10_000

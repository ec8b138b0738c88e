"""Running sweeps (rfsim.sweep.execute): every run stored, with metrics equal to
a direct prediction, warm workers, and a Dask cluster giving the local results."""

import tomllib

import numpy as np
import pytest

from rfsim.scenario.config import parse_scenario
from rfsim.sweep import load_sweep, read_sweep, run_sweep
from rfsim.sweep.store import journal_path

from .support import rows


def test_local_sweep_stores_every_run_with_metrics_and_failures(baseline):
    out, stats = baseline
    assert stats == {**stats, "runs": 8, "skipped": 0, "ran": 8, "failed": 4}
    assert not journal_path(out).exists()  # removed once complete
    stored = rows(out)
    assert sorted(stored) == list(range(8))
    ok = [r for r in stored.values() if r["status"] == "ok"]
    bad = [r for r in stored.values() if r["status"] == "failed"]
    assert len(ok) == 4 and all(r["param/placement.depth_mm"] == 9.0 for r in bad)
    assert all("depth" in r["error"] and r["metric/lesion_volume_mm3"] == "nan" for r in bad)


def test_stored_metrics_equal_a_direct_prediction(baseline, spec_file):
    from rfsim.predict import predict

    run = load_sweep(spec_file).runs()[1]
    row = rows(baseline[0])[1]
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


@pytest.mark.slow
def test_dask_cluster_gives_the_local_results(baseline, spec_file, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster:
        out = tmp_path / "dask.h5"
        stats = run_sweep(load_sweep(spec_file), out, scheduler=cluster.scheduler_address, progress=False)
    assert stats["ran"] == 8 and stats["failed"] == 4
    assert rows(out) == rows(baseline[0])

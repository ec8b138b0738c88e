"""Running sweeps (rfsim.sweep.execute): every run stored, with metrics equal to
a direct prediction, warm workers, a Dask cluster giving the local results;
workers that die with their coordinator, one writer per store, tasks taken
lazily."""

import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
import pytest

from rfsim.scenario.config import parse_scenario
from rfsim.sweep import load_sweep, read_sweep, run_sweep
from rfsim.sweep.execute import Task, run_tasks_locally
from rfsim.sweep.lock import StoreLock, lock_path
from rfsim.sweep.store import journal_path

from .support import ROOT, SPEC_TOML, rows


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
    from rfsim.prediction import predict

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


# ------------------------------------------------- processes and concurrency

def _children(pid):
    """Pids of the processes whose parent is ``pid`` (from /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def _popen_sweep(spec, out, *extra):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "rfsim", "sweep", str(spec), "--out", str(out), *extra],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _kill_group(proc):
    """Whatever is left of a sweep started with _popen_sweep (a failed test
    must not leave workers behind)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def _wait_for(condition, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_workers_die_with_a_sigkilled_coordinator(spec_file, tmp_path):
    out = tmp_path / "k.h5"
    proc = _popen_sweep(spec_file, out, "--workers", "2")
    try:
        assert _wait_for(lambda: journal_path(out).exists() and journal_path(out).read_text().count("\n") >= 2)
        children = _children(proc.pid)
        assert len(children) >= 2, children  # the workers (and the resource tracker)
        os.kill(proc.pid, signal.SIGKILL)  # the coordinator only, not its process group
        proc.wait()
        assert _wait_for(lambda: not any(_alive(c) for c in children), 15), \
            [c for c in children if _alive(c)]
    finally:
        _kill_group(proc)
    with StoreLock(out):  # the lock died with the coordinator
        pass


@pytest.mark.slow
def test_a_second_sweep_or_resume_on_a_running_store_is_refused(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text(SPEC_TOML.replace('[2.5, 9.0]', '[2.5]').replace("n = 2", "n = 6"))  # 12 runs
    out = tmp_path / "s.h5"
    first = _popen_sweep(spec, out, "--workers", "1")
    try:
        assert _wait_for(lambda: lock_path(out).exists())
        second = [_popen_sweep(spec, out, *extra) for extra in ([], ["--resume"])]
        for p in second:
            err = p.communicate(timeout=120)[1]
            assert p.returncode == 2 and err.count("\n") == 1, err
            assert "another rfsim sweep" in err and "is writing this store" in err, err
        assert first.poll() is None, "the first sweep ended before the others were refused: make it longer"
        assert first.wait(timeout=300) == 0, first.stderr.read()
    finally:
        _kill_group(first)
    stored = rows(out)
    assert sorted(stored) == list(range(12)) and not journal_path(out).exists() and not lock_path(out).exists()


@pytest.mark.slow
def test_local_pool_takes_tasks_lazily():
    pulled = []

    def tasks():
        for i in range(10**7):
            pulled.append(i)
            yield Task(i, "not = toml = at all", (), "not toml either")

    results = run_tasks_locally(tasks(), 2)
    got = [next(results) for _ in range(3)]
    results.close()
    assert all(r["status"] == "failed" for _, r in got)
    assert len(pulled) <= 3 + 2 * 2, len(pulled)


class _Witness:
    """Writes its file when it is freed: at an interpreter's teardown."""

    def __init__(self, path):
        self.path = path

    def __del__(self):
        Path(self.path).write_text("torn down")


_KEPT = []


def _keep_witness(path):
    _KEPT.append(_Witness(path))
    return os.getpid()


def test_local_workers_end_without_tearing_the_interpreter_down(tmp_path):
    """A warm worker took 0.3-0.4 s to free its modules at exit, and the
    coordinator waits for its workers to end: once the pool lets a worker go
    it ends at once (what it holds is never freed), with exit status 0."""
    from rfsim.sweep.execute import start_local_pool

    pool = start_local_pool(1)
    pid = pool.submit(_keep_witness, str(tmp_path / "w")).result()
    procs = list(pool._processes.values())
    pool.shutdown(wait=True)
    assert pid != os.getpid() and [p.exitcode for p in procs] == [0]
    assert not (tmp_path / "w").exists()

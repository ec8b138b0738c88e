"""The results store (rfsim.sweep.store): a sweep killed with SIGKILL mid-way,
with a cut-short journal line and a damaged HDF5 file, resumes to the same rows."""

import os
import signal
import subprocess
import sys
import time

import pytest

from rfsim.sweep.store import journal_path, read_journal

from .support import ROOT, cli, rows


@pytest.mark.slow
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
    header, stored = read_journal(journal)
    assert 2 <= len(stored) < 8, "the sweep was not interrupted midway"
    # a kill in the middle of a write: a cut-short last journal line, a damaged HDF5 file
    with open(journal, "a") as j:
        j.write('{"run": 7, "point": 3, "scen')
    if out.exists():
        out.write_bytes(out.read_bytes()[: out.stat().st_size // 2])
    r = cli("sweep", spec_file, "--out", out, "--resume", "--workers", "1", "--log-every", "0.2", timeout=120)
    assert r.returncode == 0, r.stderr
    assert f"{len(stored)} already done" in r.stderr and "runs/min" in r.stderr  # plain log lines, no tty
    assert rows(out) == rows(baseline[0])
    assert not journal.exists()
    r = cli("sweep", spec_file, "--out", out, "--resume")  # nothing left: a no-op
    assert r.returncode == 0 and "8 already done" in r.stderr
    assert rows(out) == rows(baseline[0])

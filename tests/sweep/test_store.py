"""The results store (rfsim.sweep.store): a sweep killed with SIGKILL mid-way,
with a cut-short journal line and a damaged HDF5 file, resumes to the same rows;
damaged, edited and duplicated rows are found by their checksums, reported,
and run again on --resume."""

import os
import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest

from rfsim.errors import ConfigError
from rfsim.sweep import read_sweep, run_sweep
from rfsim.sweep.execute import sweep_meta
from rfsim.sweep.store import FORMAT, journal_path, prepare, read_journal

from .support import ROOT, cli, fake_row, fake_store, fake_tasks_run, mc_spec, rows


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
    header, stored, _ = read_journal(journal)
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


# ---------------------------------------------------------------- checksums

def _as_rows(stored):
    """Rows as comparable dicts: arrays as tuples."""
    return {r["run"]: {k: tuple(v) if isinstance(v, np.ndarray) else v for k, v in r.items()} for r in stored}


@pytest.fixture(scope="module")
def complete(tmp_path_factory):
    """A complete store of 120 fake runs (3 points x 40 draws) and its rows."""
    spec = mc_spec(40)
    path = tmp_path_factory.mktemp("complete") / "s.h5"
    runs = fake_store(path, spec)
    return spec, path, _as_rows(fake_row(r) for r in runs)


def test_rows_round_trip_and_columns_are_trimmed(complete):
    spec, path, original = complete
    meta = sweep_meta(spec)
    assert _as_rows(prepare(path, meta, resume=True).rows) == original
    with h5py.File(path, "r") as f:
        assert f["runs"].attrs["rows"] == 120
        assert {ds.shape for ds in f["runs"].values() if hasattr(ds, "shape")} == {(120,)}
        assert f["row_crc32"].shape == (120,) and f.attrs["format"] == FORMAT


@pytest.mark.slow  # a damaged HDF5 heap can take HDF5 seconds to give up on
def test_4kb_overwritten_anywhere_is_reported_or_harmless_never_read_as_numbers(complete, tmp_path):
    """The issue's case: 4 KB overwritten in a complete store.  At every 4 KB
    step through the file, a report either refuses with one line or reads the
    original numbers, and --resume keeps only original rows."""
    spec, path, original = complete
    meta, data = sweep_meta(spec), path.read_bytes()
    rng = np.random.default_rng(16)
    refused = 0
    for offset in range(0, len(data), 4096):
        damaged = tmp_path / "d.h5"
        damaged.write_bytes(data[:offset] + rng.bytes(4096)[: len(data) - offset] + data[offset + 4096:])
        try:
            got = read_sweep(damaged)
        except ConfigError as e:
            assert "\n" not in str(e)
            refused += 1
        else:
            assert rows(damaged) == rows(path)
            assert got["n"] == 120
        try:
            found = prepare(damaged, meta, resume=True)
        except ConfigError as e:
            assert "\n" not in str(e)
        else:
            kept = _as_rows(found.rows)
            assert all(kept[run] == original[run] for run in kept)
            assert len(kept) + found.dropped >= 120 or len(kept) < 120
    assert refused >= len(data) // 4096 // 2  # most of the file is data and metadata


def test_resume_drops_duplicated_and_damaged_rows_and_runs_them_again(complete, tmp_path, monkeypatch):
    from rfsim.sweep import execute

    spec, _, original = complete
    monkeypatch.setattr(execute, "run_tasks_locally", fake_tasks_run)
    out = tmp_path / "s.h5"
    fake_store(out, spec, journal=True)
    journal = journal_path(out)
    lines = journal.read_text().splitlines(True)
    lines.insert(5, lines[4])  # a duplicated line: the 121 rows
    lines[9] = lines[9].replace('"status": "ok"', '"status": "okay"')  # a hand edit
    lines[20] = lines[20][:30] + "\n"  # damage in the middle
    journal.write_text("".join(lines))
    stats = run_sweep(spec, out, resume=True, progress=False)
    assert stats == {**stats, "runs": 120, "skipped": 118, "ran": 2, "dropped": 3}
    assert _as_rows(prepare(out, sweep_meta(spec), resume=True).rows) == original
    assert read_sweep(out)["n"] == 120 and not journal.exists()


def test_resume_after_4kb_overwrite_rebuilds_the_original_rows(complete, tmp_path, monkeypatch):
    from rfsim.sweep import execute

    spec, path, original = complete
    monkeypatch.setattr(execute, "run_tasks_locally", fake_tasks_run)
    out = tmp_path / "s.h5"
    out.write_bytes(path.read_bytes())
    with h5py.File(out, "r") as f:
        offset = f["runs/metric/lesion_volume_mm3"].id.get_chunk_info(0).byte_offset
    with open(out, "r+b") as f:
        f.seek(offset + 200)
        f.write(np.full(512, -1.8e3).tobytes())
    with pytest.raises(ConfigError, match="fail their checksum"):
        read_sweep(out)
    stats = run_sweep(spec, out, resume=True, progress=False)
    assert stats["dropped"] > 0 and stats["ran"] == stats["dropped"]
    assert _as_rows(prepare(out, sweep_meta(spec), resume=True).rows) == original
    assert np.nanmin(read_sweep(out)["columns"]["metric/lesion_volume_mm3"]) > 0


def test_a_store_grows_in_blocks_past_its_first_allocation(tmp_path, monkeypatch):
    from rfsim.sweep import columns

    monkeypatch.setattr(columns, "GROW", 7)
    spec = mc_spec(12)  # 36 rows: five blocks and a bit
    out = tmp_path / "big.h5"
    runs = fake_store(out, spec)
    t = read_sweep(out)
    assert t["n"] == len(runs) == 36
    with h5py.File(out, "r") as f:
        assert f["row_crc32"].shape == (36,)  # trimmed on close
    np.testing.assert_array_equal(t["columns"]["run"], np.arange(len(runs)))


def test_every_kind_of_value_reads_back_as_appended(tmp_path):
    """Columns keeps each column's kind in memory and writes numbers with
    h5py's low-level call: every kind reads back as appended (a column whole
    in its first rows turning float, booleans, missing values, strings, JSON,
    arrays), also from a store reopened to append more."""
    from rfsim.sweep.columns import Columns, read_columns, row_at

    rows = [{"run": 0, "a": 3, "b": True, "s": "x", "j": [1, {"k": 2.5}], "arr": np.array([1.0, 2.0])},
            {"run": 1, "a": 2.25, "b": False, "s": "", "j": None, "arr": np.array([])},
            {"run": 2, "a": -1e300, "s": "é", "new": 7, "arr": np.array([np.pi])}]
    path = tmp_path / "c.h5"
    with h5py.File(path, "w") as f:
        cols = Columns(f)
        for r in rows[:2]:
            cols.append(r)
        cols.commit()
    with h5py.File(path, "a") as f:  # reopened: the kinds come from the file
        cols = Columns(f)
        cols.append(rows[2])
        cols.commit()
        cols.trim()
    with h5py.File(path, "r") as f:
        n, data, kinds, _ = read_columns(f)
    assert n == 3 and kinds["a"] == "float" and kinds["b"] == "bool" and kinds["new"] == "int"
    back = [row_at(i, data, kinds) for i in range(n)]
    assert [r["a"] for r in back] == [3.0, 2.25, -1e300]
    assert [r.get("b") for r in back] == [True, False, None] and [r.get("new") for r in back] == [None, None, 7]
    assert [r["s"] for r in back] == ["x", "", "é"] and [r.get("j") for r in back] == [[1, {"k": 2.5}], None, None]
    assert [r["arr"].tolist() for r in back] == [[1.0, 2.0], [], [np.pi]]

"""Shared by the sweep tests: a short base protocol, the spec every sweep that
needs worker processes runs, helpers to read a store and call the CLI, and
stores of fake rows (written as a sweep writes them, without predictions)."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from rfsim.sweep import parse_sweep, read_sweep

ROOT = Path(__file__).resolve().parents[2]
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


def short_spec(**tables):
    """A sweep over the short base protocol with these spec tables."""
    return parse_sweep({"base": SHORT, **tables})


def rows(path):
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


def cli(*args, **kw):
    """``python -m rfsim ARGS`` in a subprocess, on this checkout."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "rfsim", *map(str, args)], capture_output=True, text=True,
                          env=env, **kw)


def fake_result(index):
    """What a worker would send back for run ``index``, without running a
    prediction: numbers, a failed run's error, JSON lists and a time series."""
    ok = bool(index % 5)
    x = 1.0 + index / 7
    summary = {"lesion_volume_mm3": x, "relief_predicted": bool(index % 2), "cst_spared": bool(index % 3),
               "offset_mm": 1.5, "depth_mm": 2.5, "tract_coverage": {"lateral_corticospinal": x / 10},
               "warnings": ["w"] * (index % 3), "per_lesion": [{"lesion_volume_mm3": x}], "lesions": 1}
    return {"status": "ok" if ok else "failed", "error": "" if ok else "PlacementError: too deep",
            "summary": summary if ok else None,
            "series": {"tip_temperature_c": np.linspace(37.0, 80.0 + index, 5 + index % 4)},
            "info": {"worker": "host:1", "wall_s": 0.5, "jit_new": 0}}


def fake_row(run):
    """The store row of ``run`` with :func:`fake_result`."""
    from rfsim.sweep.execute import store_row

    return store_row(run, fake_result(run.index))


def fake_tasks_run(tasks, *args):
    """Stands in for the local pool: every task's :func:`fake_result`, at
    once, in reverse order within each batch of 3 (completion order differs
    from run order)."""
    tasks = list(tasks)
    for i in range(0, len(tasks), 3):
        for t in reversed(tasks[i:i + 3]):
            yield t, fake_result(t.index)


def fake_store(path, spec, n=None, journal=False):
    """A store of ``spec`` with fake rows for its first ``n`` runs (all by
    default), written as a sweep writes it; the journal is kept if asked."""
    from rfsim.sweep.execute import sweep_meta
    from rfsim.sweep.store import SweepWriter

    meta = sweep_meta(spec)
    runs = spec.runs()[:n]
    with SweepWriter(path, meta) as w:
        for r in runs:
            w.append(fake_row(r))
        if journal:
            keep = w.journal.read_bytes()
    if journal:
        w.journal.write_bytes(keep)
    return runs


def mc_spec(n, **extra):
    """A short-protocol sweep: 3 offsets x ``n`` Monte Carlo draws."""
    return short_spec(grid={"placement.offset_mm": [1.0, 1.5, 2.0]},
                      monte_carlo={"n": n, "damage.arrhenius_ea_j_per_mol":
                                   {"dist": "normal", "mean": 2.577e5, "sd": 1e3}}, **extra)

"""Shared by the sweep tests: a short base protocol, the spec every sweep that
needs worker processes runs, and helpers to read a store and call the CLI."""

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

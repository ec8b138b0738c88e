"""Speed figures of issues 2 and 4, printed as a markdown table.

    python benchmarks/bench_speed.py [--repeats N]

* one 60 s lesion at 80 C, axisymmetric model, default resolution, warm (JIT
  compiled), one thread: homogeneous cord-like block and the layered cordotomy
  model;
* the Python prediction of the default case (3 lesions) warm;
* the same prediction's CPU time (``time.process_time``): on a shared
  machine wall time counts the waits for a core, CPU time does not;
* ``rfsim predict`` as a whole process with a warm compile cache, and the first
  run after install (empty compile cache, timed in a throw-away copy of the
  package so the real cache is untouched).

Medians over the repeats, with Numba's default threads, as a user runs it (the
axisymmetric grids are small and run serially).
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _median(f, n, clock=time.perf_counter):
    """Median, min and max time (s) over ``n`` calls of ``f``: wall time, or
    this process's CPU time with ``clock=time.process_time``."""
    from rfsim.bench import time_calls

    ts = time_calls(f, n, clock)
    return statistics.median(ts), min(ts), max(ts)


def _process(args, env=None, n=3):
    env = dict(os.environ, **(env or {}))
    return _median(lambda: subprocess.run([sys.executable, "-m", "rfsim", *args], check=True,
                                          capture_output=True, env=env), n)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    n = ap.parse_args().repeats
    import rfsim
    from rfsim.physics.domain import homogeneous
    from rfsim.physics.electrode import Electrode
    from rfsim.physics.generator import Protocol
    from rfsim.prediction import build, cordotomy_scenario, predict
    from rfsim.physics.simulation import simulate
    from rfsim.physics.tissue import tissue

    rows = []
    block = homogeneous(tissue("spinal_cord"), Electrode())
    simulate(block)  # compile
    med, lo, hi = _median(lambda: simulate(block, Protocol.clinical(1, cooling_s=0.0)), n)
    rows.append(("60 s lesion at 80 C, homogeneous block (cord tissue)", med, lo, hi,
                 f"{block.grid.ncells} cells, smallest {block.grid.min_width * 1e6:.1f} um"))
    _, _, _, cord = build(cordotomy_scenario())
    med, lo, hi = _median(lambda: simulate(cord, Protocol.clinical(1, cooling_s=0.0)), n)
    rows.append(("60 s lesion at 80 C, layered cordotomy model", med, lo, hi,
                 f"{cord.grid.ncells} cells, smallest {cord.grid.min_width * 1e6:.1f} um"))
    med, lo, hi = _median(lambda: simulate(cord, Protocol.clinical(1)), n)
    rows.append(("same, with the 30 s cooling after it", med, lo, hi, ""))
    predict()
    med, lo, hi = _median(lambda: predict(), n)
    rows.append(("predict(): default case, 3 lesions, Python, warm", med, lo, hi, "target 0.5 s"))
    med, lo, hi = _median(lambda: predict(), max(n, 5), time.process_time)
    rows.append(("predict(): the same, CPU time of the process", med, lo, hi, "issue 13: 3x below 0.44 s"))
    med, lo, hi = _process(["predict", "--json"], n=max(3, n // 2))
    rows.append(("`rfsim predict --json`, whole process, warm cache", med, lo, hi, "target 2.5 s"))
    with tempfile.TemporaryDirectory() as tmp:
        pkg = Path(tmp) / "rfsim"
        shutil.copytree(Path(rfsim.__file__).parent, pkg, ignore=shutil.ignore_patterns("__pycache__"))
        if not (pkg / "meshes").exists():  # a source checkout keeps them beside the package
            shutil.copytree(ROOT / "meshes", pkg / "meshes")
        env = {"PYTHONPATH": tmp}
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "rfsim", "predict", "--json"], check=True, capture_output=True,
                       env=dict(os.environ, **env), cwd=tmp)  # cwd: import the copy, not a checkout
        assert any(pkg.glob("**/__pycache__/*.nbi")), "the copy did not write its own compile cache"
        cold = time.perf_counter() - t
    rows.append(("`rfsim predict --json`, first run, empty compile cache", cold, cold, cold, "target 20 s"))
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}, rfsim {rfsim.__version__}, "
          f"load average {os.getloadavg()[0]:.2f}, NUMBA_NUM_THREADS={os.environ.get('NUMBA_NUM_THREADS', 'all')}")
    print("| case | median s | min s | max s | note |")
    print("|---|---|---|---|---|")
    for name, med, lo, hi, note in rows:
        print(f"| {name} | {med:.3f} | {lo:.3f} | {hi:.3f} | {note} |")


if __name__ == "__main__":
    main()

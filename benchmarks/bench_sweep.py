"""Sweep throughput (issue 6), printed as a markdown table.

    python benchmarks/bench_sweep.py [--runs N] [--repeats R] [--workers 1 2]

Default axisymmetric runs (the default cordotomy scenario: 3 lesions at 80 C
for 60 s), placements on a grid of offsets, on local worker processes:

* steady-state runs per minute: from the moment every worker has delivered its
  first run (so each is warm: kernels loaded from the Numba cache, anatomy
  built) to the last run;
* end-to-end runs per minute: the whole sweep including starting the workers
  and their one-off warm-up (what `rfsim sweep` reports);
* the speedup of the steady state from 1 worker to the largest count.

Medians over the repeats.  Other processes on the machine share its cores, so
the figures are noisy; the load average is printed with them.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def once(spec, workers):
    """(steady runs/min, end-to-end runs/min) of one sweep on ``workers`` processes."""
    from rfsim.sweep.execute import make_tasks, run_tasks_locally

    tasks = make_tasks(spec.runs())
    t0 = time.perf_counter()
    done, seen = [], set()
    for task, result in run_tasks_locally(tasks, workers):
        assert result["status"] == "ok", result["error"]
        done.append(time.perf_counter())
        seen.add(result["info"]["worker"])
    end = done[-1] - t0
    # the steady state starts once every worker has finished a run
    k = workers
    steady = (len(done) - k) / (done[-1] - done[k - 1]) * 60
    return steady, len(done) / end * 60


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    a = ap.parse_args()
    from rfsim.sweep import parse_sweep

    offsets = [round(1.0 + 1.0 * i / (a.runs - 1), 4) for i in range(a.runs)]
    spec = parse_sweep({"grid": {"placement.offset_mm": offsets}})
    rows = {}
    for w in a.workers:
        res = [once(spec, w) for _ in range(a.repeats)]
        rows[w] = (statistics.median(r[0] for r in res), statistics.median(r[1] for r in res),
                   min(r[0] for r in res), max(r[0] for r in res))
    print(f"sweep throughput, {a.runs} default axisymmetric runs (3 lesions x 60 s), median of {a.repeats}; "
          f"{os.cpu_count()} cores, load average before/after {os.getloadavg()[0]:.2f}")
    print()
    print("| workers | steady runs/min (min-max) | end-to-end runs/min |")
    print("|---|---|---|")
    for w, (s, e, lo, hi) in rows.items():
        print(f"| {w} | {s:.0f} ({lo:.0f}-{hi:.0f}) | {e:.0f} |")
    lo_w, hi_w = min(rows), max(rows)
    if hi_w > lo_w:
        print(f"\nspeedup {lo_w} -> {hi_w} workers: steady {rows[hi_w][0] / rows[lo_w][0]:.2f}, "
              f"end-to-end {rows[hi_w][1] / rows[lo_w][1]:.2f}")


if __name__ == "__main__":
    main()

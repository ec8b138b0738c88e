"""Speed of the uncertainty answers (issue 13, item 5), printed as a markdown table.

    python benchmarks/bench_uncertainty.py [--draws 200] [--cohort 100] [--sweep-runs 16] [--workers 2]

* the uncertainty answer: ``predict_uncertainty`` with N draws on local
  workers, end to end (worker start-up and warm-up included), as
  ``rfsim predict --uncertainty N`` runs it; target: N = 200 in <= 15 s;
* a virtual cohort: ``run_cohort`` with the given number of patients, end to
  end; when fewer than 1,000, the time for 1,000 is extrapolated from the
  steady rate and labelled so; target: 1,000 in <= 5 minutes;
* sweep throughput: steady runs per minute of the default sweep runs
  (rfsim.sweep.execute on local workers), full and reduced model; target: at
  least 600 runs a minute with 2 workers.

The load average is printed before and after each figure: the machine is shared.
Each line also gives the CPU seconds used (this process and its finished worker
processes, from getrusage): on a loaded machine CPU time / workers is a better
guide to the idle wall time than the wall time itself (it still runs high:
contended cores are slower per CPU second).  ``--cohort 0`` or
``--sweep-runs 0`` leaves a measurement out.
"""

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def load():
    return f"{os.getloadavg()[0]:.1f}"


def cpu_s():
    """CPU seconds of this process and its reaped children (s)."""
    import resource

    return sum(resource.getrusage(w).ru_utime + resource.getrusage(w).ru_stime
               for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))


def sweep_rate(workers, runs, reduced):
    """Steady runs/min of ``runs`` default predictions (offsets on a grid), on
    the uncertainty commands' reduced model if ``reduced``."""
    from rfsim.prediction import cordotomy_scenario
    from rfsim.sweep import parse_sweep
    from rfsim.sweep.execute import make_tasks, run_tasks_locally
    from rfsim.uncertainty.draws import reduced_settings

    offsets = [round(1.0 + 1.0 * i / (runs - 1), 4) for i in range(runs)]
    grid = {"placement.offset_mm": offsets}
    if reduced:
        r = reduced_settings(cordotomy_scenario())
        grid.update({"mesh.refine": [r["mesh_refine"]], "numerics.step_tolerance_c": [r["step_tolerance_c"]],
                     "numerics.dt_max_s": [r["dt_max_s"]]})
    spec = parse_sweep({"grid": grid})
    done = []
    t0 = time.perf_counter()
    for _, result in run_tasks_locally(make_tasks(spec.runs()), workers):
        assert result["status"] == "ok", result["error"]
        done.append(time.perf_counter())
    steady = (len(done) - workers) / (done[-1] - done[workers - 1]) * 60
    return steady, len(done) / (done[-1] - t0) * 60


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=200)
    ap.add_argument("--cohort", type=int, default=100)
    ap.add_argument("--sweep-runs", type=int, default=16)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    from rfsim.uncertainty import predict_uncertainty
    from rfsim.uncertainty.cohort import run_cohort

    rows = []
    l0, c0 = load(), cpu_s()
    u = predict_uncertainty(n=a.draws, seed=0, workers=a.workers)
    t, c = u.summary["runtime_s"], cpu_s() - c0
    rows.append((f"uncertainty answer, N = {a.draws} (reduced model)", f"{t:.1f} s",
                 f"{c:.0f} s ({c / a.workers:.1f} s / worker)", "<= 15 s (N = 200)", l0, load()))
    if a.cohort:
        l0, c0 = load(), cpu_s()
        co = run_cohort(a.cohort, seed=0, workers=a.workers)
        t, c = co["runtime_s"], cpu_s() - c0
        rows.append((f"cohort of {a.cohort} patients", f"{t:.0f} s", f"{c:.0f} s ({c / a.workers:.0f} s / worker)",
                     "", l0, load()))
        if a.cohort < 1000:
            # start-up is paid once; the rest scales with the patients
            rows.append(("cohort of 1,000 patients, EXTRAPOLATED from the line above",
                         f"{t * 1000 / a.cohort:.0f} s", f"{c * 1000 / a.cohort / a.workers:.0f} s / worker",
                         "<= 300 s", "", ""))
    for reduced, name in ((False, "full"), (True, "reduced")) if a.sweep_runs else ():
        l0, c0 = load(), cpu_s()
        steady, e2e = sweep_rate(a.workers, a.sweep_runs, reduced)
        c = cpu_s() - c0
        rows.append((f"sweep throughput, {a.workers} workers, {name} model (steady / end to end)",
                     f"{steady:.0f} / {e2e:.0f} runs/min", f"{a.sweep_runs / (c / a.workers) * 60:.0f} runs/min "
                     "from CPU", ">= 600 runs/min", l0, load()))
    print(f"uncertainty speed on {os.cpu_count()} cores; load average (1 min) before/after each line")
    print()
    print("| measurement | wall time | CPU time | target | load before | load after |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()

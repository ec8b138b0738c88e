"""The ``rfsim bench`` report: every figure measured, as a markdown table."""

from __future__ import annotations

import os
import platform
import statistics
from pathlib import Path

import numpy as np

from rfsim.bench.compare import compare, fastest_fipy_solver
from rfsim.bench.fipy_peer import have_fipy
from rfsim.bench.peer import POTENTIAL_AGREEMENT, TEMPERATURE_AGREEMENT_K, steps_median
from rfsim.bench.throughput import first_compile_s, lesion_time, operator_vs_triad


def machine() -> str:
    """One line: cores, CPU model, memory, Python and library versions."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30
    vers = [f"python {platform.python_version()}", f"numpy {np.__version__}"]
    for mod in ("numba", "scipy", "fipy", "pyamg"):
        try:
            vers.append(f"{mod} {__import__(mod).__version__}")
        except ImportError:
            vers.append(f"{mod} missing")
    threads = os.environ.get("NUMBA_NUM_THREADS") or str(os.cpu_count())
    return f"{os.cpu_count()} cores, {cpu}, {mem:.0f} GiB; rfsim on {threads} thread(s); " + ", ".join(vers)


def _fmt(x, spec=".3g"):
    return "-" if x is None else format(x, spec)


def report(sizes=(32,), repeats=3, steps=3, operator_n=64, lesion=True, with_fipy=None, fipy_solver=None,
           race_n=24):
    """Measure and return (markdown table, raw figures).

    Parameters
    ----------
    sizes : sequence of int
        Peer-problem sizes (cells per side).
    repeats : int
        Potential solves per size (medians).
    steps : int
        Heat steps per size (the median is over the steps after the first).
    operator_n : int
        Cells per side of the operator throughput measurement.
    lesion : bool
        Include the 60 s axisymmetric lesion.
    with_fipy : bool, optional
        Default: when FiPy is installed.
    fipy_solver : str, optional
        FiPy configuration (a name of :func:`fipy_solvers`); default: the fastest
        of them on the peer problem at ``race_n``^3.
    race_n : int
        Size of that race (cells per side).
    """
    with_fipy = have_fipy() if with_fipy is None else with_fipy
    fig = {"machine": machine(), "peer": []}
    rows = []
    cps, gbs, tri = operator_vs_triad(operator_n)
    fig.update(operator_cells_per_s=cps, operator_gb_per_s=gbs, triad_gb_per_s=tri)
    rows.append((f"operator apply_operator, {operator_n}^3", f"{cps / 1e6:.1f} Mcell/s",
                 f"{gbs:.2f} GB/s = {gbs / tri:.0%} of the triad ({tri:.2f} GB/s)"))
    t2d, t3d = first_compile_s()
    fig["first_compile_s"] = t2d
    fig["first_compile_3d_s"] = t3d
    rows.append(("first JIT compilation of the kernels, axisymmetric path", f"{t2d:.2f} s",
                 "fresh process, RFSIM_DISABLE_CACHE=1"))
    rows.append(("first JIT compilation, then the 3-D path", f"{t3d:.2f} s",
                 "multigrid, threaded and single-precision kernels (peer problem at 28^3)"))
    if lesion:
        t, nc = lesion_time()
        fig["lesion_s"] = t
        rows.append(("60 s lesion, axisymmetric homogeneous block", f"{t:.3f} s", f"{nc} cells"))
    if with_fipy and fipy_solver is None:
        fipy_solver = fastest_fipy_solver(race_n)
    fig["fipy_solver"] = fipy_solver
    for n in sizes:
        # the median drops the first solve, which pays for first-touching memory
        r = compare(n, repeats, steps, fipy_solver, with_fipy)
        fig["peer"].append(r)
        rf, ff = r["rfsim"], r["fipy"]
        pot = statistics.median(rf["potential_s"])
        heat = steps_median(rf["heat_s"])
        rows.append((f"{n}^3 potential solve, rfsim", f"{pot:.3g} s",
                     f"{rf['potential_iterations']} it, {rf['preconditioner']} PCG"))
        rows.append((f"{n}^3 heat step, rfsim", f"{heat:.3g} s",
                     f"{rf['heat_iterations'][-1]} it; first step {rf['heat_s'][0]:.3g} s"))
        rows.append((f"{n}^3 memory, rfsim", f"{rf['bytes_per_cell']:.0f} B/cell", "peak RSS growth"))
        if ff is None:
            continue
        rows.append((f"{n}^3 potential solve, FiPy", f"{statistics.median(ff['potential_s']):.3g} s",
                     f"{ff['potential_iterations']} it, {ff['preconditioner']}"))
        rows.append((f"{n}^3 heat step, FiPy", f"{steps_median(ff['heat_s']):.3g} s",
                     f"{ff['heat_iterations'][-1]} it"))
        rows.append((f"{n}^3 memory, FiPy", f"{ff['bytes_per_cell']:.0f} B/cell", "peak RSS growth"))
        ok = "PASSED" if r["agree"] else "FAILED"
        rows.append((f"{n}^3 agreement", ok, f"potential {r['potential_error']:.1e} rel (<= {POTENTIAL_AGREEMENT:g}), "
                     f"temperature {r['temperature_error_k']:.1e} K (<= {TEMPERATURE_AGREEMENT_K:g})"))
        rows.append((f"{n}^3 speed-up, potential solve", _fmt(r["potential_ratio"], ".1f") + "x",
                     "FiPy / rfsim; target 30x at 128^3"))
        rows.append((f"{n}^3 speed-up, heat step", _fmt(r["heat_ratio"], ".1f") + "x",
                     "FiPy / rfsim; target 50x at 128^3"))
    lines = [f"machine: {fig['machine']}", "", "| case | figure | note |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(lines), fig


QUICK = dict(sizes=(16, 32), repeats=3, steps=3, operator_n=128, race_n=16)
FULL = dict(sizes=(32, 64, 128), repeats=3, steps=3, operator_n=128, race_n=24)

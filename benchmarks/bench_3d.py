"""Speed and memory of the 3-D model (issue 5): prints the figures, asserts nothing.

* the default leg placement, one 60 s lesion at 80 C, on the 3-D mesh refined
  by ``--refine`` (default 1.5: about a million cells; 1.0 is the default
  mesh of predictions, ~287k cells): wall time (after a warm-up that compiles the
  kernels), peak resident memory, time steps and linear-solver iterations;
* the multigrid iteration count of the potential at three resolutions;
* the bandwidth of the matrix-free operator (:func:`rfsim.numerics.kernels.apply_operator`)
  against a STREAM-style triad measured in the same run, counting the memory
  traffic the operator cannot avoid, as ``rfsim bench`` does: x, diag, mask and
  the three face-conductance arrays read once and y written once, 7 x 8 bytes
  per cell (neighbour values of x come from cache).

Usage::

    PYTHONPATH=. python benchmarks/bench_3d.py [--quick] [--refine R]
"""

from __future__ import annotations

import argparse
import resource
import time
from dataclasses import replace

import numpy as np

from rfsim.bench import operator_vs_triad, triad_bandwidth
from rfsim.numerics.preconditioners import MultigridPreconditioner
from rfsim.physics.electric import ElectricSolver
from rfsim.physics.generator import Protocol
from rfsim.cordotomy.domains import CARTESIAN_MESH
from rfsim.prediction import build, cordotomy_scenario
from rfsim.physics.simulation import simulate


def peak_rss_mb():
    """Peak resident memory of this process so far (MB; Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def lesion(scenario):
    """Build and run one scenario; (domain, result, build s, run s)."""
    t0 = time.perf_counter()
    _, _, _, dom = build(scenario)
    t1 = time.perf_counter()
    res = simulate(dom, scenario.protocol, scenario.generator, scenario.damage, scenario.numerics)
    return dom, res, t1 - t0, time.perf_counter() - t1


def iterations(refines):
    """Potential CG iterations with the multigrid preconditioner per mesh refinement."""
    out = []
    for r in refines:
        sc = replace(cordotomy_scenario(), model="3d")
        from rfsim.anatomy.parametric import load_parametric
        from rfsim.cordotomy.domains import cartesian_domain
        from rfsim.cordotomy.placement import Placement

        dom = cartesian_domain(load_parametric(), Placement.default("leg"), replace(CARTESIAN_MESH, refine=r))
        es = ElectricSolver(dom, sc.numerics.linear_rtol)
        es.solve(np.full(dom.grid.shape, 37.0))
        pc = es.pcg.preconditioner
        levels = len(pc.hierarchy.levels) if isinstance(pc, MultigridPreconditioner) else 0
        out.append((r, dom.grid.ncells, es.pcg.last_iterations, levels))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a 10 s lesion instead of 60 s")
    ap.add_argument("--refine", type=float, default=1.5, help="3-D mesh refinement (1.5: ~1e6 cells)")
    args = ap.parse_args(argv)
    duration = 10.0 if args.quick else 60.0
    sc = replace(cordotomy_scenario(), model="3d",
                 protocol=Protocol.clinical(1, set_temperature_c=80.0, duration_s=duration))
    sc = replace(sc, mesh=replace(sc.mesh, refine=args.refine))
    print(f"triad: {triad_bandwidth():.2f} GB/s", flush=True)
    # warm-up: compile every kernel on a short run (not counted)
    lesion(replace(sc, protocol=Protocol.clinical(1, set_temperature_c=80.0, duration_s=0.5)))
    rss0 = peak_rss_mb()
    dom, res, tb, tr = lesion(sc)
    print(f"lesion {duration:g} s: {dom.grid.ncells:,} cells {dom.grid.shape}; build {tb:.1f} s, "
          f"run {tr:.1f} s, total {tb + tr:.1f} s; {res.steps} steps; stats {res.stats}", flush=True)
    print(f"peak RSS: {peak_rss_mb():.0f} MB (after warm-up {rss0:.0f} MB)", flush=True)
    G = ElectricSolver(dom).conductances(np.asarray(dom.sigma))
    shape = dom.grid.shape
    arrays = (G, np.zeros(shape), (~dom.metal).astype(float), np.random.default_rng(0).random(shape),
              np.empty(shape))
    cps, op, tri = operator_vs_triad(arrays=arrays)  # alternating: the bandwidth drifts
    print(f"operator: {op:.2f} GB/s ({dom.grid.ncells / cps * 1e3:.1f} ms per application), triad "
          f"{tri:.2f} GB/s, ratio {op / tri:.2f} (medians of 5 alternating rounds)", flush=True)
    for r, n, it, lv in iterations((0.75, 1.0, 1.25)):
        print(f"potential multigrid: refine {r:g}: {n:,} cells, {it} CG iterations, {lv} levels", flush=True)


if __name__ == "__main__":
    main()

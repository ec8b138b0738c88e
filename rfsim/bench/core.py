"""Solver performance figures, and the same problem solved by FiPy side by side.

``rfsim bench`` (issue 7) measures, on this machine:

* the matrix-free operator (:func:`rfsim.numerics.kernels.apply_operator`): cells per second
  and the memory bandwidth that implies, next to a STREAM triad on the same threads;
* a 60 s lesion in the axisymmetric model (:func:`rfsim.physics.simulation.simulate`);
* the *peer problem* (:class:`PeerProblem`): one heterogeneous 3-D problem, the
  potential with a temperature-dependent conductivity and then Pennes steps with
  perfusion and the Joule source, solved once with rfsim's building blocks
  (:func:`rfsim.numerics.conductance.assemble_conductances` -> :class:`rfsim.numerics.cg.PCG`,
  as the simulator does) and
  once with FiPy on the same grid, each in its own fresh process so that its peak
  memory can be told apart.  The two discretisations are the same discrete system
  (harmonic face means, Dirichlet values on the boundary faces, backward Euler), so
  the answers must agree to solver tolerance before a speed ratio is printed.

Timings are wall-clock medians over repeats.  The JIT compilation is outside every
timed region: each worker process runs the whole pipeline once on a tiny grid
first.  Module-level imports are stdlib and NumPy only, because the CLI imports
this module on every command; Numba, SciPy and FiPy are imported where used.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rfsim.errors import ConfigError

#: Relative residual tolerance of every linear solve of the peer problem, both codes
#: (FiPy's ``criterion="initial"``: ||r|| <= tol ||r0||, which is rfsim's ||r|| <= tol ||b||
#: with rfsim solving for the change from the same starting value).
PEER_RTOL = 1e-8
#: Iteration cap of the peer solves (Jacobi-preconditioned CG needs hundreds on 128^3).
PEER_MAXITER = 20000
#: Agreement required before a ratio is printed: potential, relative to its maximum.
POTENTIAL_AGREEMENT = 1e-6
#: Agreement required before a ratio is printed: temperature (K).
TEMPERATURE_AGREEMENT_K = 1e-3
#: Bytes the operator must move per cell at best: x, diag, mask, y and the three face
#: conductances it owns (the neighbours' x and the upper faces come from cache).
OPERATOR_BYTES_PER_CELL = 7 * 8
#: Bytes per element of the triad a = b + s c (two reads, one write).
TRIAD_BYTES_PER_ELEMENT = 3 * 8


# --------------------------------------------------------------------------
# the peer problem
# --------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class PeerProblem:
    """A heterogeneous cube for the FiPy comparison, uniform n^3 cells.

    Tissue blocks (fat, CSF and white matter slabs along z, a grey-matter block
    inside the white matter) with the properties of :mod:`rfsim.physics.tissue`; a warm
    spot of ``warm_c`` above body temperature next to the electrode so that
    sigma(T) varies by up to ~60 %; the electrode is a disc of radius
    ``electrode_m`` on the x = 0 face held at 1 V, the rest of the boundary is the
    0 V return and is held at body temperature.

    Attributes
    ----------
    n : int, cells per side
    edge_m : float, cube side (m)
    label : (n, n, n) int, index into ``tissues``
    tissues : tuple of Tissue
    initial_c : (n, n, n) float, temperature (C) at which sigma is evaluated and
        from which the heat steps start
    electrode : (n, n) bool, boundary faces on x = 0 held at 1 V
    volts : float, applied voltage (V) scaling the Joule source
    dt_s : float, heat step (s)
    steps : int, number of heat steps
    """

    n: int
    edge_m: float = 24e-3
    electrode_m: float = 3e-3
    warm_c: float = 30.0
    volts: float = 10.0
    dt_s: float = 1.0
    steps: int = 3

    def __post_init__(self):
        from rfsim.physics.tissue import tissue

        n, L = self.n, self.edge_m
        c = (np.arange(n) + 0.5) * (L / n)
        x, y, z = np.meshgrid(c, c, c, indexing="ij")
        label = np.full((n, n, n), 2)  # white matter
        label[z < 0.3 * L] = 0  # fat
        label[(z >= 0.3 * L) & (z < 0.45 * L)] = 1  # CSF
        label[(np.abs(x - 0.55 * L) < 0.15 * L) & (np.abs(y - 0.5 * L) < 0.15 * L) & (z > 0.55 * L)] = 3
        r2 = x ** 2 + (y - 0.5 * L) ** 2 + (z - 0.5 * L) ** 2
        set_ = object.__setattr__
        set_(self, "tissues", tuple(tissue(t) for t in ("fat", "csf", "white_matter", "grey_matter")))
        set_(self, "label", label)
        set_(self, "initial_c", 37.0 + self.warm_c * np.exp(-r2 / (2 * (2e-3) ** 2)))
        set_(self, "electrode", (c[:, None] - 0.5 * L) ** 2 + (c[None, :] - 0.5 * L) ** 2 < self.electrode_m ** 2)

    @property
    def ncells(self) -> int:
        """Number of cells."""
        return self.n ** 3

    def grid(self):
        """The rfsim Cartesian grid (every side Dirichlet)."""
        from rfsim.numerics.grid import cartesian_grid

        e = np.linspace(0.0, self.edge_m, self.n + 1)
        return cartesian_grid(e, e, e)

    def prop(self, attr):
        """Per-cell value of a :class:`~rfsim.physics.tissue.Tissue` attribute (SI)."""
        return np.array([getattr(t, attr) for t in self.tissues])[self.label]

    def sigma(self, temperature_c):
        """sigma(T) (S/m) at the given cell temperatures (C): rfsim's linear law."""
        from rfsim.physics.electric import MIN_SIGMA_FACTOR

        f = 1.0 + self.prop("sigma_temp_coeff_per_c") * (temperature_c - self.prop("reference_temperature_c"))
        return self.prop("sigma_s_per_m") * np.maximum(f, MIN_SIGMA_FACTOR)

    @property
    def perfusion_w_per_m3_k(self):
        """Pennes perfusion coefficient w rho_b c_b (W/m^3/K)."""
        from rfsim.physics.tissue import BLOOD_RHO_C

        return self.prop("perfusion_per_s") * BLOOD_RHO_C


def _pcg(grid, name, **kw):
    """rfsim's PCG on every cell of the peer problem's Cartesian grid, with the
    preconditioner a 3-D solver of that size gets (multigrid from 28^3 cells);
    ``kw`` go to :func:`rfsim.numerics.preconditioners.choose_preconditioner`."""
    from rfsim.numerics.cg import PCG
    from rfsim.numerics.preconditioners import choose_preconditioner

    free = np.ones(grid.shape, bool)
    pc = choose_preconditioner(free, widths=tuple(2.0 * h for h in grid.half), **kw)
    return PCG(free, name, PEER_RTOL, PEER_MAXITER, preconditioner=pc)


def _preconditioner_name(pcg):
    from rfsim.numerics.preconditioners import FactorisedPreconditioner, MultigridPreconditioner

    if isinstance(pcg.preconditioner, MultigridPreconditioner):
        return "multigrid"
    return "exact LU (SuperLU)" if isinstance(pcg.preconditioner, FactorisedPreconditioner) else "Jacobi"


def joule_source(pb: PeerProblem, phi, twins=False):
    """Joule power density (W/m^3) at ``pb.volts`` from a unit potential ``phi``.

    rfsim's face-current formula (:func:`rfsim.numerics.kernels.joule_heat`), plus the
    electrode faces, whose boundary value is 1 V rather than the 0 V the kernel
    assumes.  Both codes' heat steps use this formula on their own potential, so a
    difference in the temperatures measures the solvers, not two Joule formulas.
    ``twins`` uses the NumPy twins (no compilation).
    """
    from rfsim.numerics.conductance import assemble_conductances
    from rfsim.numerics.kernels import joule_heat, joule_heat_np

    g = pb.grid()
    sigma = pb.sigma(pb.initial_c)
    G = assemble_conductances(g, sigma, twin=twins)
    jh = joule_heat_np if twins else joule_heat
    q = np.empty(g.shape)
    jh(*G, phi, sigma, *g.half, q)
    q[0] += G[0][0] * pb.electrode * ((phi[0] - 1.0) ** 2 - phi[0] ** 2)
    return pb.volts ** 2 * q / g.volume


def _steps_median(times):
    """Median of the heat steps after the first (the first builds the preconditioner)."""
    return statistics.median(times[1:] if len(times) > 1 else times)


def run_rfsim(pb: PeerProblem, repeats: int = 3):
    """The peer problem with rfsim's building blocks, as the simulator uses them.

    Potential: face conductances of sigma(T) and a fresh :class:`~rfsim.numerics.cg.PCG` per solve
    (the preconditioner is built inside the timed region).  Heat: backward Euler
    steps for the change over the step, as :meth:`rfsim.physics.heat.HeatSolver.step`
    takes them, with one PCG kept over the steps (as in a run).

    Returns
    -------
    dict
        ``phi``, ``T`` (arrays), ``potential_s`` (list, s per solve),
        ``potential_iterations``, ``heat_s`` (list, s per step),
        ``heat_iterations`` (list), ``preconditioner`` (str).
    """
    from rfsim.numerics.conductance import assemble_conductances
    from rfsim.numerics.kernels import apply_operator, boundary_source

    g = pb.grid()
    zero = np.zeros(g.shape)
    out = {"potential_s": [], "heat_s": [], "heat_iterations": []}
    for _ in range(repeats):
        t = time.perf_counter()
        G = assemble_conductances(g, pb.sigma(pb.initial_c))
        b = np.zeros(g.shape)
        b[0] = G[0][0] * pb.electrode  # current from the 1 V electrode faces
        pcg = _pcg(g, "potential")
        phi = pcg.solve(G, zero, b)
        out["potential_s"].append(time.perf_counter() - t)
    out["phi"] = phi
    out["potential_iterations"] = pcg.last_iterations
    out["preconditioner"] = _preconditioner_name(pcg)
    q = joule_source(pb, phi) * g.volume  # W per cell
    Ta = 37.0
    Gk = assemble_conductances(g, pb.prop("k_w_per_m_k"))
    boundary = np.zeros(g.shape)
    boundary_source(*Gk, Ta, boundary)
    C = pb.prop("rho_c") * g.volume / pb.dt_s  # W/K
    W = pb.perfusion_w_per_m3_k * g.volume  # W/K
    diag = C + W
    heat = _pcg(g, "heat", refactor_after=6)
    heat.select(pb.dt_s)
    T = pb.initial_c.copy()
    AT = np.empty(g.shape)
    for _ in range(pb.steps):
        t = time.perf_counter()
        rhs = C * T + W * Ta + boundary + q
        apply_operator(*Gk, diag, heat.mask, T, AT)
        T = T + heat.solve(Gk, diag, rhs - AT)
        out["heat_s"].append(time.perf_counter() - t)
        out["heat_iterations"].append(heat.last_iterations)
    out["T"] = T
    return out


def fipy_solvers():
    """FiPy configurations to race, fastest usually first: (name, factory).

    The solver suites here are SciPy's (PETSc and Trilinos are not installed);
    within it, conjugate gradient preconditioned by PyAMG smoothed aggregation
    (when PyAMG is installed), by ILU, or by Jacobi.
    """
    os.environ.setdefault("FIPY_SOLVERS", "scipy")
    from fipy.solvers import scipy as fs

    def cg(precon):
        return lambda: fs.LinearPCGSolver(tolerance=PEER_RTOL, criterion="initial", iterations=PEER_MAXITER,
                                          precon=precon())

    out = []
    try:
        from fipy.solvers.pyAMG.preconditioners import SmoothedAggregationPreconditioner

        out.append(("CG + PyAMG smoothed aggregation", cg(SmoothedAggregationPreconditioner)))
    except ImportError:
        pass
    out.append(("CG + Jacobi", cg(fs.JacobiPreconditioner)))
    out.append(("CG + ILU", cg(fs.ILUPreconditioner)))
    return out


def run_fipy(pb: PeerProblem, repeats: int = 3, solver: str | None = None):
    """The same problem in FiPy: Grid3D, sigma(T) as a FiPy expression with
    ``harmonicFaceValue``, fixed-value faces, ImplicitSourceTerm for 1/dt and
    perfusion.  Returns the same keys as :func:`run_rfsim` (``preconditioner``
    names the FiPy solver)."""
    os.environ.setdefault("FIPY_SOLVERS", "scipy")
    import fipy as fp

    factories = dict(fipy_solvers())
    solver = solver or next(iter(factories))
    make = factories[solver]
    n, h = pb.n, pb.edge_m / pb.n
    mesh = fp.Grid3D(dx=h, dy=h, dz=h, nx=n, ny=n, nz=n)

    def cell(a):  # rfsim arrays are (x, y, z) C-order; FiPy numbers cells x fastest
        return np.asarray(a, float).ravel(order="F")

    def field(v):
        return np.asarray(v).reshape((n, n, n), order="F")

    T = fp.CellVariable(mesh=mesh, value=cell(pb.initial_c))
    alpha, tref = cell(pb.prop("sigma_temp_coeff_per_c")), cell(pb.prop("reference_temperature_c"))
    sigma = cell(pb.prop("sigma_s_per_m")) * fp.numerix.maximum(1.0 + alpha * (T - tref), 0.05)
    fx, fy, fz = mesh.faceCenters
    patch = mesh.facesLeft & ((fy - 0.5 * pb.edge_m) ** 2 + (fz - 0.5 * pb.edge_m) ** 2 < pb.electrode_m ** 2)
    out = {"potential_s": [], "heat_s": [], "heat_iterations": [], "preconditioner": solver}
    for _ in range(repeats):
        t = time.perf_counter()
        phi = fp.CellVariable(mesh=mesh, value=0.0)
        phi.constrain(1.0, where=patch)
        phi.constrain(0.0, where=mesh.exteriorFaces & ~patch)
        s = make()
        fp.DiffusionTerm(coeff=sigma.harmonicFaceValue).solve(var=phi, solver=s)
        out["potential_s"].append(time.perf_counter() - t)
    out["phi"] = field(phi.value)
    out["potential_iterations"] = int(s.convergence.iterations)
    q = fp.CellVariable(mesh=mesh, value=cell(joule_source(pb, out["phi"], twins=True)))
    Ta = 37.0
    T.constrain(Ta, where=mesh.exteriorFaces)
    c_dt = fp.CellVariable(mesh=mesh, value=cell(pb.prop("rho_c")) / pb.dt_s)  # W/m^3/K
    w = fp.CellVariable(mesh=mesh, value=cell(pb.perfusion_w_per_m3_k))  # W/m^3/K
    T_old = fp.CellVariable(mesh=mesh, value=T.value)
    k = fp.CellVariable(mesh=mesh, value=cell(pb.prop("k_w_per_m_k")))
    eq = (fp.ImplicitSourceTerm(coeff=c_dt + w) - fp.DiffusionTerm(coeff=k.harmonicFaceValue)
          == c_dt * T_old + w * Ta + q)
    for _ in range(pb.steps):
        t = time.perf_counter()
        T_old.setValue(T.value)
        s = make()
        eq.solve(var=T, solver=s)
        out["heat_s"].append(time.perf_counter() - t)
        out["heat_iterations"].append(int(s.convergence.iterations))
    out["T"] = field(T.value)
    return out


# --------------------------------------------------------------------------
# worker processes: one code, one size, its own peak memory
# --------------------------------------------------------------------------
def _rss_mib():
    """Peak resident memory of this process so far (MiB; Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _worker(code, n, repeats, steps, solver, path):
    """Run one code on the peer problem of size n; arrays to ``path`` (.npz),
    figures as JSON on stdout."""
    run = run_rfsim if code == "rfsim" else run_fipy
    kw = {} if code == "rfsim" else {"solver": solver}
    # compile / import everything outside the timing; 28^3 is above the size at
    # which rfsim switches to multigrid, so its kernels compile here too
    run(PeerProblem(28 if code == "rfsim" else 6, steps=2), 1, **kw)
    base = _rss_mib()
    pb = PeerProblem(n, steps=steps)
    r = run(pb, repeats, **kw)
    peak = _rss_mib()
    np.savez(path, phi=r.pop("phi"), T=r.pop("T"))
    r["bytes_per_cell"] = max(peak - base, 0.0) * 2 ** 20 / pb.ncells
    print(json.dumps(r))


def _spawn(code, n, repeats, steps, solver=None, timeout=3600):
    """Run :func:`_worker` in a fresh interpreter; returns (figures, arrays)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "out.npz")
        root = str(Path(__file__).resolve().parents[2])
        # rfsim runs on as many threads as Numba is given (all cores unless
        # NUMBA_NUM_THREADS or --threads says otherwise); FiPy as it installs
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]),
                   FIPY_SOLVERS="scipy")
        cmd = [sys.executable, "-m", "rfsim.bench.core", code, str(n), str(repeats), str(steps), solver or "", path]
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
        if p.returncode or not p.stdout.strip():
            raise RuntimeError(f"{code} worker at n={n} failed:\n{p.stderr[-2000:]}")
        figures = json.loads(p.stdout.strip().splitlines()[-1])
        with np.load(path) as z:
            return figures, {k: z[k] for k in z.files}


def fastest_fipy_solver(n=24):
    """Name of the FiPy configuration that solves the peer potential fastest at
    n^3 (one timed solve each after a warm-up in the same process)."""
    best = None
    for name, _ in fipy_solvers():
        try:
            # ILU (SciPy's spilu, built anew by FiPy at every solve) took over a
            # minute at 24^3 where smoothed aggregation takes a fraction of a second:
            # a candidate that slow is out of the race, not waited for
            f, _ = _spawn("fipy", n, 2, 1, name, timeout=60)
        except (RuntimeError, subprocess.TimeoutExpired):
            continue  # too slow, or broke down: not a candidate
        t = min(f["potential_s"])
        if best is None or t < best[1]:
            best = (name, t)
    return best[0] if best else None


def compare(n, repeats=3, steps=3, fipy_solver=None, with_fipy=True):
    """The peer problem of size n^3 in rfsim and in FiPy, with the agreement check.

    Returns
    -------
    dict
        ``n``, ``cells``, ``rfsim`` and ``fipy`` figures (see :func:`run_rfsim`; plus
        ``bytes_per_cell``, peak memory growth per cell), ``potential_error``
        (max |dphi| / max |phi|), ``temperature_error_k`` (max |dT|, K), ``agree``
        (bool), ``potential_ratio`` and ``heat_ratio`` (FiPy time / rfsim time,
        None unless the answers agree).
    """
    fr, ar = _spawn("rfsim", n, repeats, steps)
    res = {"n": n, "cells": n ** 3, "rfsim": fr, "fipy": None, "agree": None,
           "potential_ratio": None, "heat_ratio": None}
    if not with_fipy:
        return res
    ff, af = _spawn("fipy", n, repeats, steps, fipy_solver)
    res["fipy"] = ff
    res["potential_error"] = float(np.abs(ar["phi"] - af["phi"]).max() / np.abs(ar["phi"]).max())
    res["temperature_error_k"] = float(np.abs(ar["T"] - af["T"]).max())
    res["agree"] = res["potential_error"] <= POTENTIAL_AGREEMENT and res["temperature_error_k"] <= TEMPERATURE_AGREEMENT_K
    if res["agree"]:
        res["potential_ratio"] = statistics.median(ff["potential_s"]) / statistics.median(fr["potential_s"])
        res["heat_ratio"] = _steps_median(ff["heat_s"]) / _steps_median(fr["heat_s"])
    return res


# --------------------------------------------------------------------------
# operator throughput and the triad reference
# --------------------------------------------------------------------------
def triad_bandwidth(n_elements=2 ** 24, repeats=7):
    """STREAM triad a = b + s c on all threads, as the operator runs: GB/s
    (1e9 B/s), counting 24 bytes per element as STREAM does."""
    from rfsim.numerics.kernels import triad

    a, b, c = np.zeros(n_elements), np.ones(n_elements), np.full(n_elements, 2.0)
    triad(a, b, c, 3.0)
    t = _median_time(lambda: triad(a, b, c, 3.0), repeats)
    return TRIAD_BYTES_PER_ELEMENT * n_elements / t / 1e9


def time_calls(f, repeats):
    """Wall times (s) of ``repeats`` calls of f()."""
    ts = []
    for _ in range(repeats):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    return ts


def _median_time(f, repeats):
    return statistics.median(time_calls(f, repeats))


def operator_arrays(n):
    """Face conductances, diagonal, mask, x and y of the peer problem at n^3."""
    from rfsim.numerics.conductance import assemble_conductances

    pb = PeerProblem(n)
    g = pb.grid()
    G = assemble_conductances(g, pb.sigma(pb.initial_c))
    x = np.random.default_rng(7).random(g.shape)
    return G, np.ones(g.shape), np.ones(g.shape), x, np.empty(g.shape)


def operator_throughput(n=128, repeats=7, arrays=None):
    """Matrix-free operator on the peer problem's n^3 cells, or on ``arrays``
    (G, diag, mask, x, y as :func:`operator_arrays` returns them): (cells per
    second, GB/s at :data:`OPERATOR_BYTES_PER_CELL`).  Compiled before timing."""
    from rfsim.numerics.kernels import apply_operator

    G, diag, mask, x, y = operator_arrays(n) if arrays is None else arrays
    apply_operator(*G, diag, mask, x, y)
    t = _median_time(lambda: apply_operator(*G, diag, mask, x, y), repeats)
    cps = x.size / t
    return cps, cps * OPERATOR_BYTES_PER_CELL / 1e9


def operator_vs_triad(n=128, rounds=5, arrays=None):
    """(cells per second, operator GB/s, triad GB/s): medians over ``rounds``
    alternating measurements of the two, on the peer problem at n^3 or on
    ``arrays`` (see :func:`operator_throughput`).  This machine's bandwidth
    drifts by tens of percent between minutes (other tenants of the host);
    alternating keeps the ratio of the two fair."""
    arrays = operator_arrays(n) if arrays is None else arrays
    ops, tris = [], []
    for _ in range(rounds):
        ops.append(operator_throughput(repeats=3, arrays=arrays)[0])
        tris.append(triad_bandwidth(repeats=3))
    cps = statistics.median(ops)
    return cps, cps * OPERATOR_BYTES_PER_CELL / 1e9, statistics.median(tris)


def lesion_time(repeats=3):
    """Median wall time (s) of a 60 s lesion at 80 C on the homogeneous
    axisymmetric block (cord tissue), warm; and its cell count."""
    from rfsim.physics.domain import homogeneous
    from rfsim.physics.electrode import Electrode
    from rfsim.physics.generator import Protocol
    from rfsim.physics.simulation import simulate
    from rfsim.physics.tissue import tissue

    d = homogeneous(tissue("spinal_cord"), Electrode())
    p = Protocol.clinical(1, cooling_s=0.0)
    simulate(d, p)
    return _median_time(lambda: simulate(d, p), repeats), d.grid.ncells


def compile_all():
    """Compile the kernels in this interpreter; returns the wall times (s) of
    the axisymmetric path (every kernel of :mod:`rfsim.numerics.kernels` once on tiny
    arrays, as a prediction uses them) and of the 3-D path (the peer problem at
    28^3: multigrid, threaded and single-precision kernels).  In a fresh process
    with ``RFSIM_DISABLE_CACHE=1`` that is the first compilation, with nothing
    read from Numba's on-disk cache."""
    t = time.perf_counter()
    from rfsim.numerics import kernels
    from rfsim.numerics.conductance import assemble_conductances

    pb = PeerProblem(4)
    g = pb.grid()
    sigma = pb.sigma(pb.initial_c)
    G = assemble_conductances(g, sigma)
    one = np.ones(g.shape)
    y = np.empty(g.shape)
    kernels.apply_operator(*G, one, one, one, y)
    kernels.joule_heat(*G, one, sigma, *g.half, y)
    kernels.boundary_source(*G, 37.0, y)
    kernels.damage_update(one, one, 1.0, 1e70, 4e5, y.copy(), y.copy(), y.copy(), y.copy(), y.copy(), False)
    t2d = time.perf_counter() - t
    t = time.perf_counter()
    run_rfsim(PeerProblem(28, steps=2), 1)
    return t2d, time.perf_counter() - t


def first_compile_s(timeout=600):
    """Wall times (s) of :func:`compile_all` in a fresh interpreter with the
    Numba cache disabled (``RFSIM_DISABLE_CACHE=1``): the JIT cost a user pays
    once, kept out of every other figure.  Returns (axisymmetric path, 3-D path)."""
    root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ, RFSIM_DISABLE_CACHE="1",
               PYTHONPATH=os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]))
    p = subprocess.run([sys.executable, "-c", "import rfsim.bench.core as b; print(*b.compile_all())"],
                       capture_output=True, text=True, env=env, timeout=timeout, check=True)
    t2d, t3d = (float(v) for v in p.stdout.strip().splitlines()[-1].split())
    return t2d, t3d


# --------------------------------------------------------------------------
# the report
# --------------------------------------------------------------------------
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


def have_fipy() -> bool:
    """Whether FiPy can be imported."""
    import importlib.util

    return importlib.util.find_spec("fipy") is not None


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
        heat = _steps_median(rf["heat_s"])
        rows.append((f"{n}^3 potential solve, rfsim", f"{pot:.3g} s",
                     f"{rf['potential_iterations']} it, {rf['preconditioner']} PCG"))
        rows.append((f"{n}^3 heat step, rfsim", f"{heat:.3g} s",
                     f"{rf['heat_iterations'][-1]} it; first step {rf['heat_s'][0]:.3g} s"))
        rows.append((f"{n}^3 memory, rfsim", f"{rf['bytes_per_cell']:.0f} B/cell", "peak RSS growth"))
        if ff is None:
            continue
        rows.append((f"{n}^3 potential solve, FiPy", f"{statistics.median(ff['potential_s']):.3g} s",
                     f"{ff['potential_iterations']} it, {ff['preconditioner']}"))
        rows.append((f"{n}^3 heat step, FiPy", f"{_steps_median(ff['heat_s']):.3g} s",
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


def add_command(sub):
    """Register ``rfsim bench`` on the CLI's subparsers."""
    p = sub.add_parser("bench", help="solver performance, with FiPy side by side (issue 7)")
    p.add_argument("--quick", action="store_true", help="small sizes, under two minutes (CI)")
    p.add_argument("--sizes", type=int, nargs="+", metavar="N", help="peer-problem sizes, cells per side")
    p.add_argument("--repeats", type=int, help="potential solves per size (median)")
    p.add_argument("--no-fipy", dest="no_fipy", action="store_true", help="rfsim rows only")
    p.add_argument("--json", metavar="FILE", help="also write the raw figures to FILE")
    p.add_argument("--threads", type=int, metavar="N", help="threads for rfsim's kernels (default: all cores)")

    def run(args):
        if args.threads is not None:
            import numba

            if not 1 <= args.threads <= numba.config.NUMBA_NUM_THREADS:
                raise ConfigError("--threads", args.threads, f"must be 1 to {numba.config.NUMBA_NUM_THREADS}")
            os.environ["NUMBA_NUM_THREADS"] = str(args.threads)  # the workers
            numba.set_num_threads(args.threads)  # the operator and triad rows
        kw = dict(QUICK if args.quick else FULL)
        if args.sizes:
            kw["sizes"] = tuple(args.sizes)
        if args.repeats:
            kw["repeats"] = args.repeats
        table, fig = report(with_fipy=False if args.no_fipy else None, **kw)
        print(table)
        if args.json:
            Path(args.json).write_text(json.dumps(fig, indent=1, default=str))
        return 0 if all(r["agree"] is not False for r in fig["peer"]) else 1

    p.set_defaults(func=run)


if __name__ == "__main__":  # worker: python -m rfsim.bench.core CODE N REPEATS STEPS SOLVER OUT.npz
    c, n_, rep, st, sol, out_path = sys.argv[1:7]
    _worker(c, int(n_), int(rep), int(st), sol or None, out_path)

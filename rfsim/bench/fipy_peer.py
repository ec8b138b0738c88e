"""The peer problem solved by FiPy, the reference peer (same grid, same
discretisation, same tolerances)."""

from __future__ import annotations

import os
import time

import numpy as np

from rfsim.bench.peer import PEER_MAXITER, PEER_RTOL, PeerProblem, joule_source


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


def have_fipy() -> bool:
    """Whether FiPy can be imported."""
    import importlib.util

    return importlib.util.find_spec("fipy") is not None

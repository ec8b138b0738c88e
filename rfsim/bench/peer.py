"""The peer problem: one heterogeneous 3-D problem solved with rfsim's building
blocks (the potential with sigma(T), then Pennes steps with perfusion and the Joule
source), as the simulator solves it.  :mod:`rfsim.bench.fipy_peer` solves the same
discrete system with FiPy."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import numpy as np

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


def steps_median(times):
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

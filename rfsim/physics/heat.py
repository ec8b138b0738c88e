"""Pennes bioheat equation, implicit BDF2 steps with variable step size.

    rho c dT/dt = div(k grad T) + w rho_b c_b (T_a - T) + q_Joule

Discretised per cell (W): C dT/dt = -sum_faces G (T - T_nb) + W (T_a - T) + Q,
with C = rho c vol (J/K), W = w rho_b c_b vol (W/K), G the thermal face
conductances (W/K, harmonic means; the shaft insulation adds its resistance).
The electrode metal conducts heat like any cell; the outer boundary is held at
the domain temperature.  Where the tissues' thermal conductivity rises with
temperature (``Domain.k_alpha``), the face conductances are assembled again at
the start of every step from that step's starting temperatures (lagged, as the
potential is): the step stays linear, and the heat balance stays exact because
the boundary loss is read with the conductances the step used.

The step is variable-step BDF2 (second order, L-stable, so large steps on the
20 um cells do not ring as Crank-Nicolson would), started by one backward Euler
step.  A step is linear in the source, which :meth:`HeatSolver.step` exploits: it
returns the response to the history and to each source separately, and the
generator chooses the voltage afterwards.
"""

from __future__ import annotations

import numpy as np

from rfsim.numerics.cg import PCG
from rfsim.numerics.conductance import assemble_conductances
from rfsim.numerics.kernels import (apply_operator, bdf2_system, boundary_outflow, boundary_source,
                                    weighted_sum)
from rfsim.numerics.preconditioners import choose_preconditioner
from rfsim.physics.domain import Domain
from rfsim.physics.electric import cell_widths
from rfsim.physics.tissue import BLOOD_RHO_C, K_TEMP_LIMIT_C

#: Rungs of the step-size ladder per doubling: successive steps are sqrt(2) apart
#: (:class:`rfsim.physics.timestepping.StepSizeRule`).  Steps from a fixed ladder
#: make the implicit operators recur, so their factorisations are reused
#: (:meth:`HeatSolver.step`).
RUNGS_PER_OCTAVE = 2.0

#: Lowest k(T)/k: the linear law must not reach zero.  Scenario files cannot get near it
#: (rfsim.scenario.ranges); it guards coefficients set from Python.
MIN_K_FACTOR = 0.05


def bdf2_coefficients(dt, dt_prev):
    """(a0, a1, a2) with a0 T^{n+1} - a1 T^n + a2 T^{n-1} = dt dT/dt (variable step).

    ``dt_prev=None`` gives backward Euler (1, 1, 0).
    """
    if dt_prev is None:
        return 1.0, 1.0, 0.0
    w = dt / dt_prev
    return (1.0 + 2.0 * w) / (1.0 + w), 1.0 + w, w * w / (1.0 + w)


class HeatSolver:
    """Implicit heat steps on a domain.

    Parameters
    ----------
    domain : Domain
    rtol : float
        Relative residual tolerance of the conjugate gradient.
    maxiter : int
    """

    def __init__(self, domain: Domain, rtol: float = 1e-10, maxiter: int = 400):
        self.domain = domain
        g = domain.grid
        self._skin = domain.skin("thermal")
        self.G = tuple(np.zeros(a.shape) for a in g.area)
        self.boundary = np.zeros(g.shape)
        self._assemble(domain.k)
        self.capacity = domain.rho_c * g.volume  # J/K
        self.perfusion_full = domain.perfusion * BLOOD_RHO_C * g.volume  # W/K
        # for the compiled sums; bool like the perfused mask, for one specialisation
        self._zero, self._one = np.zeros(g.ncells), np.ones(g.ncells, bool)
        free = np.ones(g.shape, bool)
        pc = choose_preconditioner(free, widths=cell_widths(g), block=domain.metal, refactor_after=6)
        self.pcg = PCG(free, "heat", rtol, maxiter, preconditioner=pc)

    def conductivity(self, T):
        """Thermal conductivity (W/m/K) of each cell at temperatures T (C):
        k (1 + k_alpha (min(T, K_TEMP_LIMIT_C) - T_ref)), never below ``MIN_K_FACTOR`` k."""
        d = self.domain
        if d.k_alpha is None:
            return d.k
        return d.k * np.maximum(1.0 + d.k_alpha * (np.minimum(T, K_TEMP_LIMIT_C) - d.sigma_tref), MIN_K_FACTOR)

    def _assemble(self, k):
        """Face conductances (W/K) of the cell conductivities ``k`` (W/m/K) and the
        heat the held outer boundary feeds in with them (W), both in place."""
        d = self.domain
        assemble_conductances(d.grid, k, d.metal, self._skin, metal_boundary=True, wall=d.wall, out=self.G)
        self.boundary.fill(0.0)
        boundary_source(*self.G, d.temperature_c, self.boundary)

    def update_conductances(self, T):
        """Assemble the face conductances again for temperatures T (C), in place;
        nothing to do when k does not depend on temperature."""
        if self.domain.k_alpha is not None:
            self._assemble(self.conductivity(T))

    def boundary_loss(self, T) -> float:
        """Heat leaving through the outer boundary (W) at temperatures T (C)."""
        return boundary_outflow(self.G, T, self.domain.temperature_c)

    def perfusion_loss(self, T, perfused) -> float:
        """Heat carried away by blood (W) where ``perfused`` is true."""
        return weighted_sum(self.perfusion_full.ravel(), perfused.ravel(), T.ravel(), self._zero,
                            self.domain.arterial_c)

    def content_change(self, T_new, T) -> float:
        """Change of heat content (J) from temperatures T to T_new (C)."""
        return weighted_sum(self.capacity.ravel(), self._one, T_new.ravel(), T.ravel(), 0.0)

    def step(self, T, T_prev, dt, dt_prev, perfused, source=None, responses=(), guesses=None, where=""):
        """One implicit step; returns the new temperature without the ``responses``
        sources, and the response to each of those separately.

        Parameters
        ----------
        T, T_prev : cell arrays
            Temperatures (C) at the current and previous time level (T_prev is
            ignored when ``dt_prev`` is None: backward Euler).
        dt, dt_prev : float
            This step and the previous one (s).
        perfused : bool cell array
            Where perfusion still acts (it stops where tissue has coagulated).
        source : cell array, optional
            Heat source (W per cell) included in the first result.
        responses : sequence of cell arrays
            Heat sources (W per cell) whose responses are wanted separately.
        guesses : sequence of cell arrays, optional
            Warm starts for [increment of the first result, *responses].
        where : str
            Context for error messages.

        Returns
        -------
        T_h : cell array
            New temperature (C) with ``source`` but without ``responses``.
        R : list of cell arrays
            Response (C per unit amplitude) to each of ``responses``: the new
            temperature is T_h + sum_i s_i R_i for source amplitudes s_i.
        """
        self.update_conductances(T)  # k at the step's starting temperatures (lagged)
        a0, a1, a2 = bdf2_coefficients(dt, dt_prev)
        diag, rhs = np.empty_like(T), np.empty_like(T)
        bdf2_system(self.capacity.ravel(), self.perfusion_full.ravel(), perfused.ravel(), T.ravel(),
                    (T_prev if a2 else T).ravel(), dt, a0, a1, a2, self.domain.arterial_c, self.boundary.ravel(),
                    diag.ravel(), rhs.ravel())
        if source is not None:
            rhs = rhs + source
        # Solve for the increment over the step: the residual tolerance then
        # measures the change, not the 37 C offset that dominates T itself.
        # One factorisation per rung of a sqrt(2) ladder of step sizes: steps come
        # from that ladder, so the same operators come back all through a
        # protocol, and a step cut short to land on an event borrows its nearest
        # rung's factors.  a0 (set by the ratio of successive steps) only moves
        # within [1, 5/3]; CG absorbs both differences in a few iterations.
        self.pcg.select(round(RUNGS_PER_OCTAVE * float(np.log2(dt))))
        AT = np.empty_like(T)
        apply_operator(*self.G, diag, self.pcg.mask, T, AT)
        guesses = guesses or [None] * (1 + len(responses))
        # the increment and the responses in one go: they share the operator
        np.subtract(rhs, AT, out=rhs)
        dT, *R = self.pcg.solve_many(self.G, diag, [rhs, *responses], guesses, where)
        return T + dT, R

"""Quasi-static electric potential: div(sigma(T) grad V) = 0.

At RF generator frequencies (~460-500 kHz) tissue acts as a resistor
(physics-reference.md, "Electrodes").  The electrode metal is held at the applied
voltage, the shaft insulation carries no current, and the outer boundary is the
dispersive return at 0 V.  The problem is linear in the applied voltage, so it is
solved once for 1 V: potential, current and Joule heat for V volts are V, V and
V^2 times the unit answers.  That is what lets the generator pick the voltage
after the heat step has been solved (see :mod:`rfsim.physics.generator`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from rfsim.numerics.cg import PCG
from rfsim.numerics.conductance import assemble_conductances
from rfsim.numerics.kernels import apply_operator, boundary_outflow, joule_heat, linear_factor
from rfsim.numerics.preconditioners import choose_preconditioner
from rfsim.physics.domain import Domain


def cell_widths(grid):
    """Cell widths (m) per axis of a Cartesian grid, for the multigrid
    preconditioner (:func:`rfsim.numerics.preconditioners.choose_preconditioner`);
    None on other grids."""
    return tuple(2.0 * h for h in grid.half) if grid.geometry == "cartesian" else None


#: Lowest allowed sigma(T)/sigma_ref: the linear law must not reach zero.
MIN_SIGMA_FACTOR = 0.05


@dataclass(frozen=True, eq=False)
class UnitSolution:
    """The electric problem solved for 1 V on the electrode.

    Attributes
    ----------
    phi : cell array
        Potential (V per applied volt; dimensionless).
    joule : cell array
        Joule power per cell for 1 V (W/V^2).
    conductance_s : float
        Electrode current per applied volt (S); impedance = 1 / conductance.
    return_conductance_s : float
        Current through the outer boundary per volt (S); equals the electrode's
        when charge is conserved.
    """

    phi: np.ndarray
    joule: np.ndarray
    conductance_s: float
    return_conductance_s: float

    @property
    def impedance_ohm(self) -> float:
        """Electrode impedance (ohm)."""
        return 1.0 / self.conductance_s

    @cached_property
    def power_per_v2(self) -> float:
        """Total Joule power for 1 V (W/V^2)."""
        return float(self.joule.sum())


class ElectricSolver:
    """Solves the unit-voltage potential on a domain for a temperature field.

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
        self.metal = domain.metal
        self.fixed = domain.metal.astype(float)
        self.skin = domain.skin("electric")
        self.G = tuple(np.zeros(a.shape) for a in g.area)
        self.zero = np.zeros(g.shape)
        free = ~domain.metal
        # refactorising pays after ~12 solves that each save 3 iterations
        pc = choose_preconditioner(free, widths=cell_widths(g), refactor_after=3)
        self.pcg = PCG(free, "potential", rtol, maxiter, preconditioner=pc)
        self._phi = None

    def sigma(self, temperature_c, coagulated=None):
        """Cell conductivity (S/m) at the given cell temperatures (C), times the
        tissues' ``sigma_coagulated`` factor where ``coagulated`` (bool cell array) is true."""
        d = self.domain
        factor = np.empty(d.grid.shape)  # max(1 + alpha (T - T_ref), MIN_SIGMA_FACTOR) in one pass
        linear_factor(d.alpha.ravel(), np.ascontiguousarray(temperature_c, dtype=float).ravel(),
                      d.sigma_tref.ravel(), MIN_SIGMA_FACTOR, factor.ravel())
        if coagulated is not None and d.sigma_coagulated is not None:
            factor = np.where(coagulated, factor * d.sigma_coagulated, factor)
        return d.sigma * factor

    def conductances(self, sigma):
        """Face conductances (S) for a (transverse) conductivity field (S/m)."""
        d = self.domain
        # in place: the solver keeps one set of face arrays for the whole run
        return assemble_conductances(d.grid, d.sigma_axes(sigma), self.metal, self.skin, metal_boundary=False,
                                     wall=d.wall, out=self.G)

    def solve(self, temperature_c, where="", coagulated=None) -> UnitSolution:
        """Unit-voltage solution at the given temperatures (C), with coagulated
        tissue (bool cell array, optional) at its own conductivity."""
        d = self.domain
        sigma = self.sigma(temperature_c, coagulated)
        G = self.conductances(sigma)
        # Right-hand side: the current the 1 V metal pushes into its neighbours.
        b = np.empty(d.grid.shape)
        apply_operator(*G, self.zero, self.pcg.mask, self.fixed, b)
        x = self.pcg.solve(G, self.zero, -b, self._phi, where)
        phi = x + self.fixed
        self._phi = x
        q = np.empty_like(phi)
        joule_heat(*G, phi, sigma, *d.grid.half, q)
        # Electrode current: net outflow from the metal cells.
        out = np.empty_like(phi)
        apply_operator(*G, self.zero, self.fixed, phi, out)
        i_el = float(out.sum())
        i_ret = boundary_outflow(G, phi)
        return UnitSolution(phi, q, i_el, i_ret)

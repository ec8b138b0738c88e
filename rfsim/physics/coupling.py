"""The electro-thermal coupling of the time loop: when to re-solve the potential.

Conductivity depends on temperature (~2 %/C), so the potential follows the
heating; but it changes slowly, so the loop reuses the last unit-voltage
solution until some tissue cell has moved more than a set temperature since
the solve, or (when coagulated tissue has its own conductivity) some cell has
coagulated since.  The coupling is lagged: a step uses the potential of
temperatures and damage at or before its start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from rfsim.numerics.kernels import masked_max

if TYPE_CHECKING:
    from rfsim.physics.electric import ElectricSolver, UnitSolution


class LaggedPotential:
    """The unit-voltage solution, re-solved only when the temperatures have moved.

    Parameters
    ----------
    solver : ElectricSolver
    tissue : bool cell array
        Cells whose temperature change is watched.
    update_c : float
        Re-solve when some tissue cell has changed by more than this (C) since
        the last solve; 0 re-solves every step.
    """

    def __init__(self, solver: ElectricSolver, tissue: np.ndarray, update_c: float):
        self.solver = solver
        self.tissue = tissue
        self._tissue_flat = np.ascontiguousarray(tissue, dtype=bool).ravel()
        self.update_c = update_c
        self.unit = None
        self._solved_at = None  # the temperatures of the last solve (C)
        self._coagulated_cells = 0  # coagulated cells at the last solve

    def at(self, temperature_c: np.ndarray, where: str = "", coagulated: np.ndarray | None = None) -> UnitSolution:
        """The unit-voltage solution to use at these temperatures (C) and, when
        given, this coagulated region (bool cell array; it only grows)."""
        n = int(np.count_nonzero(coagulated)) if coagulated is not None else 0
        if self.unit is None or n != self._coagulated_cells \
                or masked_max(temperature_c.ravel(), self._solved_at.ravel(), self._tissue_flat, True) > self.update_c:
            self.unit = self.solver.solve(temperature_c, where, coagulated)
            self._solved_at, self._coagulated_cells = temperature_c, n
        return self.unit

"""The electro-thermal coupling of the time loop: when to re-solve the potential.

Conductivity depends on temperature (~2 %/C), so the potential follows the
heating; but it changes slowly, so the loop reuses the last unit-voltage
solution until some tissue cell has moved more than a set temperature since
the solve.  The coupling is lagged: a step uses the potential of temperatures
at or before its start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

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
        self.update_c = update_c
        self.unit = None
        self._solved_at = None  # the temperatures of the last solve (C)

    def at(self, temperature_c: np.ndarray, where: str = "") -> UnitSolution:
        """The unit-voltage solution to use at these temperatures (C)."""
        if self.unit is None or float(np.abs(temperature_c - self._solved_at)[self.tissue].max()) > self.update_c:
            self.unit, self._solved_at = self.solver.solve(temperature_c, where), temperature_c
        return self.unit

"""Generator control inside the time loop: one powered heat step each.

The two control modes of :mod:`rfsim.physics.generator`, as objects the loop
calls once per powered step.  Both are given the unit-voltage solution, take
the implicit heat step and say which V^2 they applied:

* :class:`ExactControl` solves the step for the history and for the unit Joule
  source, then picks the V^2 that puts the sensed tip on the set point;
* :class:`PIDControl` asks the discrete PID for a voltage from the tip's
  temperature at the start of the step, then solves the step with that source.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from rfsim.numerics.kernels import superpose
from rfsim.physics.generator import PID, GeneratorSettings

if TYPE_CHECKING:
    from rfsim.physics.electric import UnitSolution
    from rfsim.physics.generator import Segment
    from rfsim.physics.heat import HeatSolver
    from rfsim.physics.timestepping import TimeLevels


class ExactControl:
    """The ideal controller: each step's V^2 puts the sensed tip exactly on the set point.

    Parameters
    ----------
    settings : GeneratorSettings
    heat : HeatSolver
    sensor : tuple of int
        Index of the thermocouple cell.
    """

    #: Largest step the controller allows (s): no limit.
    max_step_s = math.inf

    def __init__(self, settings: GeneratorSettings, heat: HeatSolver, sensor: tuple):
        self.settings = settings
        self.heat = heat
        self.sensor = sensor
        self._response = None  # the last step's unit-source response: the next one's warm start

    def start_segment(self):
        """A powered segment begins (the response warm start carries over)."""

    def step(self, levels: TimeLevels, segment: Segment, t_s: float, dt_s: float, unit: UnitSolution,
             perfused: np.ndarray, where: str):
        """One powered step of ``dt_s`` (s) from time ``t_s`` (s).

        Returns
        -------
        T_new : cell array
            Temperature at the end of the step (C).
        v2 : float
            Applied V^2 (V^2).
        increment : cell array
            What the first solve solved for: the step without Joule heat (C).
        """
        v2max = self.settings.max_v2(unit.power_per_v2)
        T_h, (R,) = levels.heat_step(self.heat, dt_s, perfused, where, responses=[unit.joule],
                                     response_guesses=[self._response])
        self._response = R
        v2 = (segment.target(t_s + dt_s) - T_h[self.sensor]) / R[self.sensor]
        v2 = min(max(v2, 0.0), v2max)
        T_new, increment = np.empty_like(T_h), np.empty_like(T_h)
        superpose(T_h.ravel(), R.ravel(), v2, levels.T.ravel(), T_new.ravel(), increment.ravel())  # T_h + v2 R, T_h - T
        return T_new, v2, increment


class PIDControl:
    """A discrete PID on the sensed temperature, sampled every control period.

    Parameters
    ----------
    settings : GeneratorSettings
    heat : HeatSolver
    sensor : tuple of int
        Index of the thermocouple cell.
    """

    def __init__(self, settings: GeneratorSettings, heat: HeatSolver, sensor: tuple):
        self.settings = settings
        self.heat = heat
        self.sensor = sensor
        #: Largest step (s): the sampling period, in every segment (also while cooling).
        self.max_step_s = settings.control_period_s
        self._pid = PID(settings)

    def start_segment(self):
        """A segment begins: the PID starts afresh (no integral, no last reading)."""
        self._pid = PID(self.settings)

    def step(self, levels: TimeLevels, segment: Segment, t_s: float, dt_s: float, unit: UnitSolution,
             perfused: np.ndarray, where: str):
        """One powered step of ``dt_s`` (s) from time ``t_s`` (s).

        Returns
        -------
        T_new : cell array
            Temperature at the end of the step (C).
        v2 : float
            Applied V^2 (V^2).
        increment : None
            The solve was the whole step.
        """
        T = levels.T
        v_max = math.sqrt(self.settings.max_v2(unit.power_per_v2))
        v = self._pid.voltage(segment.target(t_s) - T[self.sensor], float(T[self.sensor]), dt_s, v_max)
        v2 = v * v
        T_new, _ = levels.heat_step(self.heat, dt_s, perfused, where, source=v2 * unit.joule)
        return T_new, v2, None


def generator_control(settings: GeneratorSettings, heat: HeatSolver, sensor: tuple):
    """The control object of ``settings.mode``: :class:`ExactControl` or :class:`PIDControl`."""
    return PIDControl(settings, heat, sensor) if settings.mode == "pid" else ExactControl(settings, heat, sensor)

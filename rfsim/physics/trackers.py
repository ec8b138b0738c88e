"""What the time loop reports after every step, and the trackers that watch it.

After each step the loop builds a :class:`Step` and hands it to its trackers in
turn (as py-pde's trackers and Oceananigans' callbacks): each has
``handle(step)`` and, where it produces something, ``finalize(...)``.

* :class:`FinitenessCheck` raises :class:`~rfsim.errors.NonFiniteError` on NaN or
  infinity, naming the step and time; it runs first, so nothing is integrated
  or recorded from a field that is not finite;
* :class:`DamageTracker` advances the damage integrals, says where perfusion
  still acts, and keeps the damage after each lesion;
* :class:`EnergyLedger` keeps the heat balance;
* :class:`rfsim.physics.series.SeriesRecorder` records the time series.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from rfsim.errors import NonFiniteError
from rfsim.numerics.kernels import all_finite
from rfsim.physics.heat import bdf2_coefficients

if TYPE_CHECKING:
    from rfsim.physics.damage import DamageState
    from rfsim.physics.electric import UnitSolution
    from rfsim.physics.generator import Segment
    from rfsim.physics.heat import HeatSolver


@dataclass(frozen=True, eq=False)
class Step:
    """One step the loop has taken.

    Attributes
    ----------
    index : int
        Step number, from 1.
    t_s : float
        Time at the end of the step (s).
    dt_s : float
        The step (s).
    dt_prev_s : float or None
        The step before it (s); None on the first step of a segment.
    temperature_old_c, temperature_new_c : cell arrays
        Temperature at the start and at the end of the step (C).
    perfused : bool cell array
        Where perfusion acted during the step.
    segment : Segment
        The protocol segment the step belongs to.
    unit : UnitSolution or None
        Unit-voltage solution used for the step; None with the power off.
    v2 : float
        Applied V^2 (V^2); 0 with the power off.
    where : str
        ``"at step n, t = ... s"``, for messages.
    """

    index: int
    t_s: float
    dt_s: float
    dt_prev_s: float | None
    temperature_old_c: np.ndarray
    temperature_new_c: np.ndarray
    perfused: np.ndarray
    segment: Segment
    unit: UnitSolution | None
    v2: float
    where: str

    @property
    def power_w(self) -> float:
        """Delivered power (W) during the step."""
        return self.v2 * self.unit.power_per_v2 if self.unit is not None else 0.0


class FinitenessCheck:
    """Stops the run with :class:`~rfsim.errors.NonFiniteError` when a step's
    temperature has a NaN or an infinity (the NaN checker, always on)."""

    def handle(self, step: Step):
        if not all_finite(step.temperature_new_c.ravel()):
            raise NonFiniteError(f"temperature {step.where} is not finite")


def ends_lesion(segment: Segment, segments: list) -> bool:
    """Whether a lesion is over at the end of ``segment``: after its cooling, or
    after its powered segment when no cooling of the same lesion follows."""
    return (not segment.rf or segment.end_s >= segments[-1].end_s
            or not any(o.start_s == segment.end_s and o.lesion == segment.lesion for o in segments))


class DamageTracker:
    """Advances the damage integrals and keeps them after each lesion.

    Parameters
    ----------
    state : DamageState
        The integrals, advanced in place.
    perfusion_shutoff : bool
        Stop perfusion where tissue has coagulated (Omega >= 1).
    segments : list of Segment
        The protocol, to know where each lesion ends.

    Attributes
    ----------
    after_lesion : list of DamageState
        Copies of the integrals at the end of each lesion (after its cooling).
    """

    def __init__(self, state: DamageState, perfusion_shutoff: bool, segments: list):
        self.state = state
        self.segments = segments
        self.after_lesion = []
        self._always = None if perfusion_shutoff else np.ones(state.omega.shape, bool)

    def perfused(self) -> np.ndarray:
        """Where perfusion acts in the next step (bool cell array)."""
        return ~self.state.coagulated() if self._always is None else self._always

    def handle(self, step: Step):
        self.state.advance(step.temperature_old_c, step.temperature_new_c, step.dt_s)

    def end_segment(self, segment: Segment):
        """Keep a copy of the integrals when ``segment`` ends a lesion."""
        if ends_lesion(segment, self.segments):
            self.after_lesion.append(self.state.copy())


class EnergyLedger:
    """The heat balance of a run (J).

    Parameters
    ----------
    heat : HeatSolver
    temperature_c : cell array
        Initial temperature (C).
    """

    def __init__(self, heat: HeatSolver, temperature_c: np.ndarray):
        self.heat = heat
        self.initial_j = float((heat.capacity * temperature_c).sum())
        self.totals = {"electrical": 0.0, "boundary": 0.0, "perfusion": 0.0, "scheme_stored": 0.0}
        self._delta_prev = 0.0  # change of heat content over the last step (J)

    def handle(self, step: Step):
        e, hs = self.totals, self.heat
        T, T_new, dt = step.temperature_old_c, step.temperature_new_c, step.dt_s
        if step.unit is not None:
            e["electrical"] += step.power_w * dt
        e["boundary"] += hs.boundary_loss(T_new) * dt
        e["perfusion"] += hs.perfusion_loss(T_new, step.perfused) * dt
        # What the BDF2 step says the heat content changed by: a0 d_n - a2 d_(n-1)
        # equals dt x (net power at the new level) exactly, to solver tolerance.
        if step.dt_prev_s is None:  # a restart: the scheme has no previous change
            self._delta_prev = 0.0
        a0, _, a2 = bdf2_coefficients(dt, step.dt_prev_s)
        delta = hs.content_change(T_new, T)
        e["scheme_stored"] += a0 * delta - a2 * self._delta_prev
        self._delta_prev = delta

    def finalize(self, temperature_c: np.ndarray) -> dict:
        """The balance at the end, with temperature ``temperature_c`` (C).

        Returns
        -------
        dict
            ``electrical`` (delivered), ``boundary`` and ``perfusion`` (losses),
            ``scheme_stored``, ``stored``, ``imbalance`` and ``scheme_imbalance``
            (J), as :class:`rfsim.physics.simulation.SimulationResult` describes.
        """
        e = dict(self.totals)
        stored = float((self.heat.capacity * temperature_c).sum()) - self.initial_j
        e["stored"] = stored
        e["imbalance"] = e["electrical"] - e["boundary"] - e["perfusion"] - stored
        e["scheme_imbalance"] = e["electrical"] - e["boundary"] - e["perfusion"] - e["scheme_stored"]
        return e


"""Time stepping of the lesion loop: the BDF2 time levels and the step-size rule.

:class:`TimeLevels` holds what the variable-step BDF2 heat scheme carries from
one step to the next (the temperatures at two levels, the last step size and
the warm start of the next solve).  :class:`StepSizeRule` chooses the steps: a
local-error controller whose steps are rounded down onto a fixed ladder
``dt_initial * sqrt(2)^k``, clipped at protocol events.  Both restart at every
event (a new segment begins with backward Euler and the initial step).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from rfsim.numerics.kernels import extrapolation_error

# The ladder's rungs per doubling live with the heat solver, which keys its
# factorisations by rung; the rule here places steps on the same ladder.
from rfsim.physics.heat import RUNGS_PER_OCTAVE

if TYPE_CHECKING:
    from rfsim.physics.heat import HeatSolver

#: Slack (in rungs) when rounding a step down onto the ladder, so that a step
#: already on a rung is not pushed one rung lower by rounding in ``log2``.
LADDER_SLACK = 1e-9
#: Growth of the second step of a segment, before there is an error estimate.
FIRST_GROWTH = 1.5
#: Largest and smallest change of the step from one step to the next.
MAX_GROWTH = 2.0
MIN_GROWTH = 0.5
#: Safety factor on the step the error estimate asks for.
SAFETY = 0.9
#: The local error of a second-order step goes as dt^3.
ERROR_EXPONENT = 1.0 / 3.0
#: A step that would leave less than this fraction of itself before an event
#: is stretched to the event: no sliver of a step before a protocol event.
SLIVER_FRACTION = 0.25
#: A segment is finished when the time is within this of its end (s).
EVENT_TOLERANCE_S = 1e-9


def on_ladder(dt_s: float, dt0_s: float) -> float:
    """The largest step ``dt0_s * sqrt(2)^k`` (s), k whole, not above ``dt_s`` (s)."""
    k = math.floor(RUNGS_PER_OCTAVE * math.log2(dt_s / dt0_s) + LADDER_SLACK)
    return dt0_s * 2.0 ** (k / RUNGS_PER_OCTAVE)


class TimeLevels:
    """The time levels of the variable-step BDF2 heat scheme.

    Parameters
    ----------
    temperature_c : cell array
        Initial temperature (C).

    Attributes
    ----------
    T : cell array
        Temperature at the current level (C).  Never changed in place: each
        step puts a new array here, so the array of the last step can be
        recognised by identity (:meth:`rfsim.physics.damage.DamageState.advance`).
    T_prev : cell array or None
        Temperature one level back (C); None after a restart.
    dt_prev_s : float or None
        The last step (s); None after a restart (the next step is backward Euler).
    guess : cell array or None
        Warm start of the next step's first solve: its increment (C), extrapolated.
    """

    def __init__(self, temperature_c: np.ndarray):
        self.T = temperature_c
        self.restart()

    def restart(self):
        """Forget the history at a protocol event: the next step is backward Euler."""
        self.T_prev = None
        self.dt_prev_s = None
        self.guess = None

    def heat_step(self, heat: HeatSolver, dt_s: float, perfused: np.ndarray, where: str, source=None,
                  responses=(), response_guesses=()):
        """One implicit heat step from these levels (:meth:`rfsim.physics.heat.HeatSolver.step`).

        Parameters
        ----------
        heat : HeatSolver
        dt_s : float
            The step (s).
        perfused : bool cell array
            Where perfusion still acts.
        where : str
            Context for error messages.
        source : cell array, optional
            Heat source included in the result (W per cell).
        responses : sequence of cell arrays
            Heat sources (W per cell) whose responses are wanted separately.
        response_guesses : sequence of cell arrays or None
            Warm starts of those responses (C per unit amplitude).

        Returns
        -------
        T_h : cell array
            New temperature without the ``responses`` sources (C).
        R : list of cell arrays
            Response to each of ``responses`` (C per unit amplitude).
        """
        return heat.step(self.T, self.T_prev, dt_s, self.dt_prev_s, perfused, source=source, responses=responses,
                         guesses=[self.guess, *response_guesses], where=where)

    def advance(self, T_new: np.ndarray, dt_s: float, increment, dt_next_s: float):
        """Move one level on after a step of ``dt_s`` (s) that ended at ``T_new`` (C).

        ``increment`` is what the step's first solve solved for (C), or None
        when that was the whole step; extrapolated to the next step ``dt_next_s``
        (s) it warm-starts the next solve.
        """
        self.T_prev, self.T, self.dt_prev_s = self.T, T_new, dt_s
        self.guess = (self.T - self.T_prev if increment is None else increment) * (dt_next_s / dt_s)


@dataclass(frozen=True)
class StepSizeRule:
    """Step sizes from a local-error estimate, on a sqrt(2) ladder, clipped at events.

    The error estimate of a step is the difference between the BDF2 result and
    the second-order extrapolation of the two levels before it, scaled to the
    BDF2 error constant; the next step grows or shrinks (within
    [``MIN_GROWTH``, ``MAX_GROWTH``]) to bring it to ``tolerance_c``.

    Attributes
    ----------
    initial_s : float
        First step after every protocol event (s); also the base of the ladder.
    max_s : float
        Largest step (s).
    tolerance_c : float
        Target local error per step in temperature (C).
    """

    initial_s: float
    max_s: float
    tolerance_c: float

    def fit(self, dt_s: float, t_s: float, end_s: float, cap_s: float = math.inf) -> float:
        """The step (s) to take from ``t_s`` (s): ``dt_s`` capped at ``cap_s`` (s) and
        clipped to land on the segment's end ``end_s`` (s) without leaving a sliver."""
        dt_s = min(dt_s, cap_s)
        dt_s = min(dt_s, end_s - t_s)
        if end_s - (t_s + dt_s) < SLIVER_FRACTION * dt_s:
            dt_s = end_s - t_s
        return dt_s

    def growth(self, levels: TimeLevels, T_new: np.ndarray, dt_s: float) -> float:
        """Factor (dimensionless) by which to change the step after a step of ``dt_s``
        (s) from ``levels`` to ``T_new`` (C)."""
        if levels.dt_prev_s is None:
            return FIRST_GROWTH
        w = dt_s / levels.dt_prev_s
        # |T_new - (T + w (T - T_prev))|, the distance from the extrapolation, in one pass
        est = extrapolation_error(T_new.ravel(), levels.T.ravel(), levels.T_prev.ravel(), w) * w / (1.0 + 2.0 * w)
        if est == 0:
            return MAX_GROWTH
        return min(MAX_GROWTH, max(MIN_GROWTH, SAFETY * (self.tolerance_c / est) ** ERROR_EXPONENT))

    def next(self, levels: TimeLevels, T_new: np.ndarray, dt_s: float) -> float:
        """The next step (s) after a step of ``dt_s`` (s) from ``levels`` to ``T_new`` (C),
        before :meth:`fit` clips it to the protocol."""
        return on_ladder(min(dt_s * self.growth(levels, T_new, dt_s), self.max_s), self.initial_s)

"""Time integration of a lesion protocol: potential, heat, generator, damage.

:func:`simulate` composes the parts of the loop; each step is the pipeline

1. the step size: :class:`~rfsim.physics.timestepping.StepSizeRule` (local-error
   control on a sqrt(2) ladder, restarted small at every protocol event);
2. with the power on, the unit-voltage potential with sigma at the current
   temperatures, re-solved only when they have moved
   (:class:`~rfsim.physics.coupling.LaggedPotential`: the coupling is lagged);
3. the implicit heat step, with the voltage chosen by the generator control
   (:mod:`rfsim.physics.control`: exact or PID);
4. the trackers (:mod:`rfsim.physics.trackers`), in turn: the finiteness check
   (NaN or infinity raises :class:`~rfsim.errors.NonFiniteError` naming the step
   and time), the damage integrals, the heat balance and the time series
   (:class:`~rfsim.physics.series.SeriesRecorder`);
5. the next step size, and the time levels move on.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace

import numpy as np

from rfsim.errors import ConfigError, require_number
from rfsim.physics.control import generator_control
from rfsim.physics.coupling import LaggedPotential
from rfsim.physics.damage import DamageSettings, DamageState
from rfsim.physics.domain import Domain
from rfsim.physics.electric import ElectricSolver
from rfsim.physics.generator import GeneratorSettings, Protocol
from rfsim.physics.heat import HeatSolver
from rfsim.physics.series import SeriesRecorder
from rfsim.physics.timestepping import EVENT_TOLERANCE_S, StepSizeRule, TimeLevels
from rfsim.physics.trackers import DamageTracker, EnergyLedger, FinitenessCheck, Step


#: Allowed range of each number of [numerics] (in its unit: s, C, or none).
NUMERICS_RANGES = {"dt_initial_s": (1e-5, 10.0), "dt_max_s": (1e-4, 60.0), "step_tolerance_c": (1e-5, 10.0),
                   "linear_rtol": (1e-14, 1e-4), "potential_update_c": (0.0, 10.0)}


@dataclass(frozen=True)
class NumericsSettings:
    """Time stepping and linear-solver settings.

    Attributes
    ----------
    dt_initial_s : float
        First step after every protocol event (s).
    dt_max_s : float
        Largest step (s).
    step_tolerance_c : float
        Target local error per step in temperature (C); steps grow or shrink
        to meet it.  With 0.5 C the default lesion volume is within 0.2 % of a
        run with 0.01 C and steps of at most 0.5 s (scripts/timestep_study.py).
    linear_rtol : float
        Relative residual of the conjugate gradient solves (the heat step
        solves for the increment over the step, so this is relative to the
        change, not to the temperature).  At 1e-6 the default prediction
        agrees with 1e-8 to five digits and the scheme's heat balance closes
        to 2e-7.
    potential_update_c : float
        Re-solve the potential when some tissue cell has changed temperature by
        more than this (C) since the last solve; sigma changes ~2 %/C, so the
        default 0.25 C bounds the lag in conductivity at ~0.5 %.  0 re-solves
        every step.
    linear_maxiter : int
        Iterations before a solve fails with ConvergenceError.
    perfusion_shutoff : bool
        Stop perfusion where tissue has coagulated (Omega >= 1), as is usual in
        RF ablation models (physics-reference.md).
    """

    dt_initial_s: float = 0.05
    dt_max_s: float = 4.0
    step_tolerance_c: float = 0.5
    linear_rtol: float = 1e-6
    linear_maxiter: int = 400
    potential_update_c: float = 0.25
    perfusion_shutoff: bool = True

    def __post_init__(self):
        for key, (lo, hi) in NUMERICS_RANGES.items():
            require_number(f"numerics.{key}", getattr(self, key), lo, hi)
        if isinstance(self.linear_maxiter, bool) or not isinstance(self.linear_maxiter, int) \
                or not 1 <= self.linear_maxiter <= 100000:
            raise ConfigError("numerics.linear_maxiter", self.linear_maxiter, "must be a whole number in [1, 100000]")
        if not isinstance(self.perfusion_shutoff, bool):
            raise ConfigError("numerics.perfusion_shutoff", self.perfusion_shutoff, "must be true or false")


@dataclass(eq=False)
class SimulationResult:
    """What a run produced.

    Attributes
    ----------
    domain : Domain
    series : dict of str -> numpy.ndarray
        Time series per step (see :data:`rfsim.physics.series.SERIES` for names
        and units); the impedance is NaN while the power is off.
    temperature_c : cell array, final temperature (C)
    potential_v : cell array, potential at the last powered step (V)
    damage : DamageState, cumulative at the end
    after_lesion : list of DamageState, cumulative damage after each lesion's cooling
    energy_j : dict
        ``electrical`` (delivered), ``boundary`` and ``perfusion`` (losses),
        ``stored`` (change of heat content), ``imbalance`` (delivered - losses -
        stored; nonzero by the time-discretisation error of the variable-step
        scheme), ``scheme_stored`` and ``scheme_imbalance`` (the same balance as
        the BDF2 scheme defines it, zero to solver tolerance) (J).
    steps : int
    runtime_s : float
    stats : dict, solver counters
    """

    domain: Domain
    series: dict
    temperature_c: np.ndarray
    potential_v: np.ndarray
    damage: DamageState
    after_lesion: list
    energy_j: dict
    steps: int
    runtime_s: float
    stats: dict = field(default_factory=dict)


def simulate(domain: Domain, protocol: Protocol = Protocol(), generator: GeneratorSettings = GeneratorSettings(),
             damage: DamageSettings = DamageSettings(), numerics: NumericsSettings = NumericsSettings(),
             progress=None) -> SimulationResult:
    """Run a lesion protocol on a domain.

    Parameters
    ----------
    domain : Domain
    protocol : Protocol
    generator : GeneratorSettings
    damage : DamageSettings
    numerics : NumericsSettings
    progress : callable, optional
        Called as progress(t_s, t_end_s) after every step.

    Returns
    -------
    SimulationResult
    """
    t_start = time.perf_counter()
    heat = HeatSolver(domain, numerics.linear_rtol, numerics.linear_maxiter)
    potential = LaggedPotential(ElectricSolver(domain, numerics.linear_rtol, numerics.linear_maxiter),
                                domain.tissue_mask, numerics.potential_update_c)
    control = generator_control(generator, heat, domain.sensor)
    rule = StepSizeRule(numerics.dt_initial_s, numerics.dt_max_s, numerics.step_tolerance_c)
    T0 = domain.temperature_c
    levels = TimeLevels(np.full(domain.grid.shape, T0, dtype=float))
    segments = protocol.segments(generator.ramp_s, T0)
    t_end = segments[-1].end_s
    damage_tracker = DamageTracker(DamageState(domain.grid.shape, T0, damage), numerics.perfusion_shutoff, segments)
    energy = EnergyLedger(heat, levels.T)
    recorder = SeriesRecorder(domain.sensor, domain.tissue_mask, levels.T, T0)
    trackers = (FinitenessCheck(), damage_tracker, energy, recorder)  # the check first: see rfsim.physics.trackers
    t, nstep, powered = 0.0, 0, None
    for seg in segments:
        if seg.rf:  # the ramp starts where the tip is (a repeat lesion starts warm)
            seg = replace(seg, start_c=float(levels.T[domain.sensor]))
        levels.restart()
        control.start_segment()
        dt = rule.initial_s
        while t < seg.end_s - EVENT_TOLERANCE_S:
            dt = rule.fit(dt, t, seg.end_s, control.max_step_s)
            nstep += 1
            where = f"at step {nstep}, t = {t + dt:.4g} s"
            perfused = damage_tracker.perfused()
            if seg.rf:
                # coagulated tissue at its own conductivity only when a tissue asks for it
                coagulated = damage_tracker.state.coagulated() if domain.sigma_coagulated is not None else None
                unit = potential.at(levels.T, where, coagulated)
                T_new, v2, increment = control.step(levels, seg, t, dt, unit, perfused, where)
                powered = unit, v2
            else:
                unit, v2, increment = None, 0.0, None
                T_new, _ = levels.heat_step(heat, dt, perfused, where)
            step = Step(nstep, t + dt, dt, levels.dt_prev_s, levels.T, T_new, perfused, seg, unit, v2, where)
            for tracker in trackers:
                tracker.handle(step)
            dt_next = rule.next(levels, T_new, dt)
            levels.advance(T_new, dt, increment, dt_next)
            t, dt = step.t_s, dt_next
            if progress is not None:
                progress(t, t_end)
        damage_tracker.end_segment(seg)
    # the potential at the last powered step (V)
    phi = powered[0].phi * math.sqrt(powered[1]) if powered is not None else np.zeros(domain.grid.shape)
    es = potential.solver
    stats = {"potential_iterations": es.pcg.iterations, "potential_factorisations": es.pcg.factorisations,
             "heat_iterations": heat.pcg.iterations, "heat_factorisations": heat.pcg.factorisations}
    return SimulationResult(domain, recorder.finalize(), levels.T, phi, damage_tracker.state,
                            damage_tracker.after_lesion, energy.finalize(levels.T), nstep,
                            time.perf_counter() - t_start, stats)

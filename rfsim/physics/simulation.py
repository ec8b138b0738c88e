"""Time integration of a lesion protocol: potential, heat, generator, damage.

Each step: the unit-voltage potential is solved with sigma at the current
temperatures (the coupling is lagged by one step), the implicit heat step is
solved for the history and for the unit Joule source, the generator picks V^2,
and the damage integrals advance.  The step size adapts to a local-error
estimate (difference between the BDF2 result and a second-order extrapolation)
and restarts small at every protocol event.  Every step's fields are checked:
NaN or infinity raises :class:`~rfsim.errors.NonFiniteError` naming the step and
time.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace

import numpy as np

from rfsim.physics.damage import DamageSettings, DamageState
from rfsim.physics.domain import Domain
from rfsim.physics.electric import ElectricSolver
from rfsim.errors import ConfigError, NonFiniteError, require_number
from rfsim.physics.generator import PID, GeneratorSettings, Protocol
from rfsim.physics.heat import HeatSolver, bdf2_coefficients


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
        for key, lo, hi in (("dt_initial_s", 1e-5, 10.0), ("dt_max_s", 1e-4, 60.0),
                            ("step_tolerance_c", 1e-5, 10.0), ("linear_rtol", 1e-14, 1e-4),
                            ("potential_update_c", 0.0, 10.0)):
            require_number(f"numerics.{key}", getattr(self, key), lo, hi)
        if isinstance(self.linear_maxiter, bool) or not isinstance(self.linear_maxiter, int) \
                or not 1 <= self.linear_maxiter <= 100000:
            raise ConfigError("numerics.linear_maxiter", self.linear_maxiter, "must be a whole number in [1, 100000]")
        if not isinstance(self.perfusion_shutoff, bool):
            raise ConfigError("numerics.perfusion_shutoff", self.perfusion_shutoff, "must be true or false")


SERIES = {  # name: unit
    "time_s": "s", "tip_temperature_c": "C", "set_point_c": "C", "voltage_v": "V", "current_a": "A",
    "power_w": "W", "impedance_ohm": "ohm", "max_tissue_temperature_c": "C", "lesion_index": "1",
}


@dataclass(eq=False)
class SimulationResult:
    """What a run produced.

    Attributes
    ----------
    domain : Domain
    series : dict of str -> numpy.ndarray
        Time series per step (see ``SERIES`` for names and units); the impedance
        is NaN while the power is off.
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


def _on_ladder(dt, dt0):
    """The largest step dt0 * sqrt(2)^k not above dt: steps from a fixed ladder
    make the implicit operators recur, so their factorisations are reused."""
    k = math.floor(2.0 * math.log2(dt / dt0) + 1e-9)
    return dt0 * 2.0 ** (k / 2.0)


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
    es = ElectricSolver(domain, numerics.linear_rtol, numerics.linear_maxiter)
    hs = HeatSolver(domain, numerics.linear_rtol, numerics.linear_maxiter)
    sensor = domain.sensor
    tissue = domain.tissue_mask
    T0 = domain.temperature_c
    T = np.full(domain.grid.shape, T0, dtype=float)
    state = DamageState(domain.grid.shape, T0, damage)
    segments = protocol.segments(generator.ramp_s, T0)
    t_end = segments[-1].end_s
    rec = {k: [] for k in SERIES}
    after = []
    energy = {"electrical": 0.0, "boundary": 0.0, "perfusion": 0.0, "scheme_stored": 0.0}
    phi_last = np.zeros(domain.grid.shape)
    t, nstep = 0.0, 0
    e0 = float((hs.capacity * T).sum())
    R_guess = None
    unit_last, T_solved = None, None  # last potential solve and the temperatures it used

    def record(tn, Tn, set_c, v, unit, lesion):
        g = unit.conductance_s if unit is not None else math.nan
        rec["time_s"].append(tn)
        rec["tip_temperature_c"].append(float(Tn[sensor]))
        rec["set_point_c"].append(set_c)
        rec["voltage_v"].append(v)
        rec["current_a"].append(v * g if unit is not None else 0.0)
        rec["power_w"].append(v * v * unit.power_per_v2 if unit is not None else 0.0)
        rec["impedance_ohm"].append(1.0 / g if unit is not None else math.nan)
        rec["max_tissue_temperature_c"].append(float(Tn[tissue].max()))
        rec["lesion_index"].append(lesion)

    record(0.0, T, T0, 0.0, None, 0)
    for seg in segments:
        if seg.rf:  # the ramp starts where the tip is (a repeat lesion starts warm)
            seg = replace(seg, start_c=float(T[sensor]))
        dt, dt_prev, T_prev, delta_prev, inc_guess = numerics.dt_initial_s, None, None, 0.0, None
        pid = PID(generator) if generator.mode == "pid" else None
        while t < seg.end_s - 1e-9:
            if pid is not None:
                dt = min(dt, generator.control_period_s)
            dt = min(dt, seg.end_s - t)
            if seg.end_s - (t + dt) < 0.25 * dt:  # no sliver of a step before an event
                dt = seg.end_s - t
            t_new = t + dt
            nstep += 1
            where = f"at step {nstep}, t = {t_new:.4g} s"
            perfused = ~state.coagulated() if numerics.perfusion_shutoff else np.ones(T.shape, bool)
            unit, v2 = None, 0.0
            if seg.rf:
                if unit_last is None or float(np.abs(T - T_solved)[tissue].max()) > numerics.potential_update_c:
                    unit_last, T_solved = es.solve(T, where), T
                unit = unit_last
                v2max = generator.max_v2(unit.power_per_v2)
                if pid is None:
                    T_h, (R,) = hs.step(T, T_prev, dt, dt_prev, perfused, responses=[unit.joule],
                                        guesses=[inc_guess, R_guess], where=where)
                    R_guess = R
                    v2 = (seg.target(t_new) - T_h[sensor]) / R[sensor]
                    v2 = min(max(v2, 0.0), v2max)
                    T_new = T_h + v2 * R
                    inc = T_h - T  # what the first solve solved for: the step without Joule heat
                else:
                    v = pid.voltage(seg.target(t) - T[sensor], float(T[sensor]), dt, math.sqrt(v2max))
                    v2 = v * v
                    T_new, _ = hs.step(T, T_prev, dt, dt_prev, perfused, source=v2 * unit.joule,
                                       guesses=[inc_guess], where=where)
                    inc = None
                phi_last = unit.phi * math.sqrt(v2)
            else:
                T_new, _ = hs.step(T, T_prev, dt, dt_prev, perfused, guesses=[inc_guess], where=where)
                inc = None
            if not np.isfinite(T_new).all():
                raise NonFiniteError(f"temperature {where} is not finite")
            state.advance(T, T_new, dt)
            if unit is not None:
                energy["electrical"] += v2 * unit.power_per_v2 * dt
            energy["boundary"] += hs.boundary_loss(T_new) * dt
            energy["perfusion"] += hs.perfusion_loss(T_new, perfused) * dt
            # What the BDF2 step says the heat content changed by: a0 d_n - a2 d_(n-1)
            # equals dt x (net power at the new level) exactly, to solver tolerance.
            a0, _, a2 = bdf2_coefficients(dt, dt_prev)
            delta = float((hs.capacity * (T_new - T)).sum())
            energy["scheme_stored"] += a0 * delta - a2 * delta_prev
            delta_prev = delta
            record(t_new, T_new, seg.target(t_new) if seg.rf else math.nan, math.sqrt(v2), unit, seg.lesion)
            # Step-size control from the local error estimate.
            if dt_prev is None:
                factor = 1.5
            else:
                pred = T + (dt / dt_prev) * (T - T_prev)
                w = dt / dt_prev
                est = float(np.abs(T_new - pred).max()) * w / (1.0 + 2.0 * w)
                factor = 2.0 if est == 0 else min(2.0, max(0.5, 0.9 * (numerics.step_tolerance_c / est) ** (1 / 3)))
            T_prev, T, t, dt_prev = T, T_new, t_new, dt
            dt = _on_ladder(min(dt * factor, numerics.dt_max_s), numerics.dt_initial_s)
            # warm start of the next step's first solve: its increment, extrapolated
            inc_guess = (T - T_prev if inc is None else inc) * (dt / dt_prev)
            if progress is not None:
                progress(t, t_end)
        if not seg.rf or seg.end_s >= t_end or not any(o.start_s == seg.end_s and o.lesion == seg.lesion
                                                       for o in segments):
            after.append(state.copy())
    stored = float((hs.capacity * T).sum()) - e0
    energy["stored"] = stored
    energy["imbalance"] = energy["electrical"] - energy["boundary"] - energy["perfusion"] - stored
    energy["scheme_imbalance"] = (energy["electrical"] - energy["boundary"] - energy["perfusion"]
                                  - energy["scheme_stored"])
    series = {k: np.asarray(v, dtype=float) for k, v in rec.items()}
    stats = {"potential_iterations": es.pcg.iterations, "potential_factorisations": es.pcg.factorisations,
             "heat_iterations": hs.pcg.iterations, "heat_factorisations": hs.pcg.factorisations}
    return SimulationResult(domain, series, T, phi_last, state, after, energy, nstep,
                            time.perf_counter() - t_start, stats)

"""Fit damage parameters on named validation cases and test the fit on others
(issue 12, item 3; run by ``scripts/calibrate.py``).

The fit never looks at the held-out cases: it minimises the sum of squared
errors of the *fit* cases, each in units of its measured spread
(:func:`spread_error`), over a bounded parameter space (:class:`Space`); the
held-out cases are then run with the fitted set and with the default set.

Parametrisation.  A and Ea of the Arrhenius model are nearly collinear over the
temperatures that matter (the kinetic compensation effect; Qin et al., Ann
Biomed Eng 2014;42:2392, abstract: "treating Ea as an independent fitting
parameter and allowing A to follow dependently").  The fit therefore moves Ea
and ``t60_c``, the constant temperature at which Omega = 1 after 60 s; A
follows (:func:`frequency_factor`).  Bounds: Ea 1e5-1.7e6 J/mol.  Jacques
(J Biomed Opt 2006;11:041108, abstract) summarises tissue thermal transitions
as 10-20 cooperatively broken hydrogen bonds of 19e3 J/mol each for most
coagulation data (1.9e5-3.8e5 J/mol) and 90 for heat-shock protein expression
(1.7e6 J/mol; these are enthalpies, within RT = 2.7 kJ/mol of Ea); the lower
bound leaves room below the coagulation band, and the sets already in rfsim
(2.58e5, 4.3e5, 6.28e5) lie inside.  ``t60_c`` 45-75 C:
above the 43 C onset (kept) and past the agah_artery set's 69.6 C.

The isotherm model is fitted the same way, over its temperature (45-75 C).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from rfsim.errors import RfsimError
from rfsim.numerics.kernels import GAS_CONSTANT
from rfsim.physics.damage import DamageSettings
from rfsim.scenario.writer import to_toml
from rfsim.validation.runner import clear_cache, evaluate, scenario_of, variants
from rfsim.version import __version__

#: The ex vivo bench cases the damage kinetics are fitted on (Cosman 2014).
FIT_CASES = ("cosman2014_width_2min", "cosman2014_width_3min", "cosman2014_width_16g_vs_22g",
             "cosman2014_width_90c_vs_60c", "cosman2014_length_beyond_tip")
#: The cases the fit is tested on: clinical, in vivo boundary temperature, in vivo exposure limits.
HOLDOUT_CASES = ("lahuerta1994_depth", "lahuerta1994_hemicord", "berger2021_min_share_dti",
                 "berger2021_min_share_t2", "shepherd2017_cst_spared", "chen2002_boundary_temperature",
                 "ikeda1994_brain_42c_45min", "ikeda1994_brain_43c_15min")
#: Exposure time (s) of the temperature ``t60_c`` that stands for A.
REFERENCE_TIME_S = 60.0
#: Spreads a case counts as when it has no value (e.g. no lesion in a ratio's denominator).
NO_VALUE_SPREADS = 10.0
#: Significant digits parameters are rounded to before a run (the store's key).
DIGITS = 5


def frequency_factor(ea_j_per_mol: float, t60_c: float, time_s: float = REFERENCE_TIME_S) -> float:
    """A (1/s) for which Omega = 1 after ``time_s`` s at ``t60_c`` (C), given Ea (J/mol)."""
    return math.exp(ea_j_per_mol / (GAS_CONSTANT * (t60_c + 273.15))) / time_s


def t60_of(a_per_s: float, ea_j_per_mol: float, time_s: float = REFERENCE_TIME_S) -> float:
    """The constant temperature (C) at which Omega = 1 after ``time_s`` s (inverse of
    :func:`frequency_factor`)."""
    return ea_j_per_mol / (GAS_CONSTANT * math.log(a_per_s * time_s)) - 273.15


@dataclass(frozen=True)
class Space:
    """A damage model's fitted parameters, their bounds and their grid spacing.

    Attributes
    ----------
    model : str
        ``[damage] model``.
    names : tuple of str
        Parameter names with units (``ea_j_per_mol``, ``t60_c``, ``isotherm_c``).
    bounds : tuple of (float, float)
        Lower and upper bound of each parameter (its unit).
    log : tuple of bool
        Grid spaced evenly in the logarithm (else linearly).
    """

    model: str
    names: tuple
    bounds: tuple
    log: tuple

    def physics(self, x) -> dict:
        """The ``[damage]`` table of the parameters ``x`` (the onset keeps its default)."""
        p = dict(zip(self.names, x))
        if self.model == "arrhenius":
            return {"damage": {"model": "arrhenius", "arrhenius_ea_j_per_mol": p["ea_j_per_mol"],
                               "arrhenius_a_per_s": frequency_factor(p["ea_j_per_mol"], p["t60_c"])}}
        return {"damage": {"model": "isotherm", "isotherm_c": p["isotherm_c"]}}

    def default(self) -> tuple:
        """The default damage set's parameters in this space."""
        d = DamageSettings()
        if self.model == "arrhenius":
            return (d.arrhenius_ea_j_per_mol, t60_of(d.arrhenius_a_per_s, d.arrhenius_ea_j_per_mol))
        return (d.isotherm_c,)

    def grid(self, n: int) -> list:
        """``n`` points per parameter over the bounds (a product grid)."""
        axes = [np.geomspace(lo, hi, n) if lg else np.linspace(lo, hi, n)
                for (lo, hi), lg in zip(self.bounds, self.log)]
        return [tuple(float(v) for v in x) for x in itertools.product(*axes)]

    # the optimiser works in [0, 1] per parameter (log where the grid is log), so
    # one simplex step means the same on every axis
    def to_unit(self, x) -> np.ndarray:
        """Parameters mapped to [0, 1] each."""
        return np.array([(math.log(v / lo) / math.log(hi / lo)) if lg else (v - lo) / (hi - lo)
                         for v, (lo, hi), lg in zip(x, self.bounds, self.log)])

    def from_unit(self, u) -> tuple:
        """Inverse of :meth:`to_unit`, clipped to the bounds and rounded to :data:`DIGITS`."""
        out = []
        for v, (lo, hi), lg in zip(np.clip(u, 0.0, 1.0), self.bounds, self.log):
            out.append(_round(lo * (hi / lo) ** v if lg else lo + v * (hi - lo)))
        return tuple(out)


ARRHENIUS = Space("arrhenius", ("ea_j_per_mol", "t60_c"), ((1.0e5, 1.7e6), (45.0, 75.0)), (True, False))
ISOTHERM = Space("isotherm", ("isotherm_c",), ((45.0, 75.0),), (False,))
SPACES = {"arrhenius": ARRHENIUS, "isotherm": ISOTHERM}


def _round(v: float) -> float:
    return float(f"{v:.{DIGITS}g}")


def spread_error(case, value: float) -> float:
    """The error of ``value`` in units of the case's measured spread.

    Two-sided (a value with its spread or tolerance, or a range): (value -
    reference) / half-width, so inside the measured spread it is at most 1 in
    size.  One-sided (a minimum or maximum): 0 inside; outside, the distance
    past the bound over the bound's size (there is no spread to divide by).
    NaN when the model gives no value.
    """
    m = case.measured
    if not math.isfinite(value):
        return math.nan
    if m.two_sided:
        half = 0.5 * (m.high - m.low)
        return (value - m.reference) / half if half > 0 else math.nan
    if m.contains(value):
        return 0.0
    return (value - m.reference) / abs(m.reference) if m.reference else value - m.reference


def applies(space: Space | None, case) -> bool:
    """Whether a case tests ``space``'s model (None: the default set): the exposure
    cases and the lesion-edge temperature read Omega, which only the Arrhenius
    model draws its lesion with."""
    omega_case = case.kind == "exposure" or case.model.get("metric") == "boundary_peak_temperature_c"
    return space is None or space.model == "arrhenius" or not omega_case


def fingerprint(case) -> str:
    """A hash of what a case runs under the default physics (its scenarios as
    written out, every default resolved, or its exposure) and rfsim's version."""
    parts = [__version__, json.dumps(case.model, sort_keys=True, default=str)]
    if case.kind != "exposure":
        parts += [to_toml(scenario_of(case, v)) for v in variants(case)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def objective(errors) -> float:
    """Sum of squared spread errors; a case without a value counts as
    :data:`NO_VALUE_SPREADS` spreads."""
    return float(sum(NO_VALUE_SPREADS ** 2 if not math.isfinite(e) else e * e for e in errors))


@dataclass
class Store:
    """Predicted values per parameter point and case, kept in a JSON file so a
    rerun resumes (``path`` None: in memory only).

    Attributes
    ----------
    path : Path or None
    runs : dict
        ``"model:p1,p2"`` -> {case name: predicted value or None}.
    fingerprints : dict
        Case name -> :func:`fingerprint` of the runs stored for it; a case whose
        fingerprint has changed (its scenario, a default, rfsim's version) has its
        stored values dropped and run again, so a store never outlives the model.
    evaluations : int
        Case runs made in this session (not read from the file).
    """

    path: Path | None = None
    runs: dict = field(default_factory=dict)
    fingerprints: dict = field(default_factory=dict)
    evaluations: int = 0

    def __post_init__(self):
        if self.path is not None and Path(self.path).exists():
            data = json.loads(Path(self.path).read_text())
            self.runs, self.fingerprints = data["runs"], data.get("fingerprints", {})
        self._checked: set = set()

    def _check(self, case) -> None:
        """Drop a case's stored values if what it runs has changed since."""
        if case.name in self._checked:
            return
        fp = fingerprint(case)
        if self.fingerprints.get(case.name) != fp:
            for row in self.runs.values():
                row.pop(case.name, None)
            self.fingerprints[case.name] = fp
        self._checked.add(case.name)

    def values(self, space: Space | None, x, cases) -> dict:
        """Predicted value per case at ``x`` (``space`` None: the default set, ``x``
        ignored)."""
        if space is None:
            d = DamageSettings()
            x = (d.arrhenius_a_per_s, d.arrhenius_ea_j_per_mol, d.arrhenius_onset_c, d.isotherm_c)
        key = ("default" if space is None else space.model) + ":" + ",".join(f"{v:.{DIGITS}g}" for v in x)
        for c in cases:
            self._check(c)
        row = self.runs.setdefault(key, {})
        missing = [c for c in cases if c.name not in row]
        physics = None if space is None else space.physics(x)
        for c in missing:
            if not applies(space, c):
                row[c.name] = None
                continue
            try:
                row[c.name] = evaluate(c, physics)["predicted"]
            except RfsimError:  # e.g. a plausibility check refusing the run: no value
                row[c.name] = None
            self.evaluations += 1
        if missing:
            clear_cache()  # each point's runs are shared between its cases only
            self.save()
        return {c.name: math.nan if row[c.name] is None else row[c.name] for c in cases}

    def save(self) -> None:
        """Write the runs (if there is a file)."""
        if self.path is not None:
            Path(self.path).write_text(json.dumps({"fingerprints": self.fingerprints, "runs": self.runs},
                                                  indent=0, sort_keys=True) + "\n")


@dataclass(frozen=True)
class Fit:
    """The result of :func:`fit`.

    Attributes
    ----------
    space : Space
    x : tuple
        Fitted parameters (their units).
    value : float
        Objective at ``x``.
    default_value : float
        Objective of the default set on the same cases.
    at_edge : tuple of bool
        Per parameter: the interval reaches a bound or the edge of the points
        scanned, so the true one may be wider.
    points : list of (tuple, float)
        Every point evaluated and its objective.
    evaluations : int
        Parameter points evaluated (grid, refinement, local scan).
    wall_s : float
    """

    space: Space
    x: tuple
    value: float
    default_value: float
    at_edge: tuple
    points: list
    evaluations: int
    wall_s: float

    def physics(self) -> dict:
        """The fitted ``[damage]`` table."""
        return self.space.physics(self.x)

    @property
    def interval(self) -> tuple:
        """Per parameter: lowest and highest value among the evaluated points whose
        objective is within ``value`` + 1 (the projection of that region)."""
        return self.within(1.0)

    def within(self, delta: float) -> tuple:
        """Per parameter: lowest and highest value among the evaluated points whose
        objective is within ``value`` + ``delta``."""
        inside = [x for x, v in self.points if v <= self.value + delta]
        return tuple((min(x[i] for x in inside), max(x[i] for x in inside)) for i in range(len(self.x)))


def fit(space: Space, cases, store: Store, grid_n: int = 7, refine_evals: int = 40, local_n: int = 7,
        log=print) -> Fit:
    """Fit ``space`` on ``cases``: a product grid of ``grid_n`` points per
    parameter, Nelder-Mead from its best point (at most ``refine_evals``
    points, within the bounds), then a ``local_n``-point grid per parameter
    spanning one coarse step either side of the optimum for the interval
    (``local_n`` < 2: no local scan)."""
    t0 = time.perf_counter()
    seen: dict = {}

    def f(x) -> float:
        x = tuple(_round(v) for v in x)
        if x not in seen:
            seen[x] = objective(spread_error(c, v) for c, v in zip(cases, store.values(space, x, cases).values()))
        return seen[x]

    for x in space.grid(grid_n):
        f(x)
    log(f"{space.model}: grid of {len(seen)} points, best {min(seen.values()):.3g} "
        f"({time.perf_counter() - t0:.0f} s)")
    best = min(seen, key=seen.get)
    step = 1.0 / max(grid_n - 1, 1)  # one coarse step, in the unit coordinates
    minimize(lambda u: f(space.from_unit(u)), space.to_unit(best), method="Nelder-Mead",
             bounds=[(0.0, 1.0)] * len(space.names),
             options={"maxfev": refine_evals, "xatol": 1e-3, "fatol": 1e-3,
                      "initial_simplex": _simplex(space.to_unit(best), 0.5 * step)})
    best = min(seen, key=seen.get)
    log(f"{space.model}: refined to {best} ({seen[best]:.3g}), {len(seen)} points "
        f"({time.perf_counter() - t0:.0f} s)")
    if local_n >= 2:
        u0 = space.to_unit(best)
        for du in itertools.product(*[np.linspace(-step, step, local_n)] * len(space.names)):
            f(space.from_unit(u0 + np.array(du)))
        log(f"{space.model}: local scan done, {len(seen)} points ({time.perf_counter() - t0:.0f} s)")
    best = min(seen, key=seen.get)
    dflt = objective(spread_error(c, v) for c, v in zip(cases, store.values(None, None, cases).values()))
    out = Fit(space, best, seen[best], dflt, (), sorted(seen.items()), len(seen), time.perf_counter() - t0)
    # an end at a bound, or at the edge of the points scanned, may hide a wider interval
    # (to_unit grows with each parameter, so the interval's ends are its ends in [0, 1])
    lo_u, hi_u = (space.to_unit(ends) for ends in zip(*out.interval))
    centre = space.to_unit(best) if local_n < 2 else u0
    edge = tuple(bool(local_n < 2 or lo <= 1e-6 or hi >= 1 - 1e-6 or lo <= c - step + 1e-6 or hi >= c + step - 1e-6)
                 for lo, hi, c in zip(lo_u, hi_u, centre))
    return replace(out, at_edge=edge)


def _simplex(u0, size: float) -> np.ndarray:
    """A starting simplex of edge ``size`` at ``u0``, stepping inward at a bound."""
    pts = [np.array(u0, float)]
    for i in range(len(u0)):
        p = np.array(u0, float)
        p[i] += size if p[i] + size <= 1.0 else -size
        pts.append(p)
    return np.array(pts)


def table_rows(cases, store: Store, fitted: Fit) -> list:
    """Per case: measured, the default and the fitted set's value, spread error
    and verdict (the held-out comparison); ``applies`` False where the case
    does not test the fitted model (verdict "n/a")."""
    dflt = store.values(None, None, cases)
    fit_v = store.values(fitted.space, fitted.x, cases)
    rows = []
    for c in cases:
        r = {"case": c.name, "measured": c.measured.text,
             "two_sided": c.measured.two_sided,
             "applies": applies(fitted.space, c)}
        for label, v in (("default", dflt[c.name]), ("fitted", fit_v[c.name])):
            r[label] = None if not math.isfinite(v) else v
            r[f"{label}_error"] = spread_error(c, v)
            r[f"{label}_verdict"] = ("n/a" if label == "fitted" and not r["applies"] else
                                     "no value" if not math.isfinite(v) else
                                     "within" if c.measured.contains(v) else "outside")
        rows.append(r)
    return rows

"""A virtual cohort: patients drawn from published anatomy, placed by the
surgeons' rules with placement error, lesioned with the standard protocol, and
their rates beside the published series.

Each virtual patient (docs/uncertainty.md, "Virtual cohort"):

* cord AP and RL diameters: Valosek 2024 (normal 7.95 +- 0.52 and
  11.59 +- 0.74 mm, independent; the declared ``cord_ap_mm``/``cord_rl_mm``);
* target: leg with probability ``leg_share`` (default 0.5 [J]), else arm;
* planned offset anterior to the dentate ligament: uniform over the rule
  window, leg 1-2 mm and arm 2-3 mm (Shepherd 2017), plus a localisation
  error normal(0, 0.35 mm) truncated at +-1 mm (CT tip localisation, [J]);
* depth: the target's planned depth plus the declared depth error; the
  electrode is then advanced in 0.5 mm steps (at most 2 mm) until the
  impedance shows the tip in the cord (> 700 ohm, Shepherd 2017);
* cord displacement, tissue properties and damage kinetics: the declared
  defaults;
* protocol: the standard 80 C for 60 s, a test lesion then two more.

The rates are a test of the model: nothing here is tuned to the series.
"""

from __future__ import annotations

import re
import time
import zlib
from collections import Counter
from dataclasses import replace

import numpy as np

from rfsim.errors import ConfigError
from rfsim.sweep.distributions import Distribution
from rfsim.uncertainty.declared import active_uncertainties
from rfsim.uncertainty.draws import check_draws, draw_runs, draw_values
from rfsim.uncertainty.engine import execute_runs, store_meta
from rfsim.uncertainty.summary import percentiles, probabilities
from rfsim.version import __version__

#: Offset windows of the placement rule (mm anterior to the dentate ligament; Shepherd 2017 [S]).
RULE_WINDOW_MM = {"leg": (1.0, 2.0), "arm": (2.0, 3.0)}
#: Localisation error of the offset within the rule (mm; [J], research file section 1).
LOCALISATION = {"dist": "normal", "mean": 0.0, "sd": 0.35, "lower": -1.0, "upper": 1.0}
#: Impedance that shows the tip in the cord (ohm; Shepherd 2017 [S]) and the advance per step (mm).
CORD_IMPEDANCE_OHM, ADVANCE_MM, MAX_ADVANCES = 700.0, 0.5, 4

#: Published series to compare with: name, patients, relieved (share or None),
#: weakness (share or None), what was counted, how it was read
#: (/work/research/issue13_sources.md).
SERIES = (
    ("Shepherd 2017 (CT-guided)", 3, 1.0, 0.0, "3/3 meaningful relief; no complications", "full text [S]"),
    ("Berger 2021", 15, 1.0, None, "15/15 relieved; lesion >= 10.0 % of the cord (T2)", "abstract [A]"),
    ("Kanpolat 2009 (CT-guided)", 207, 0.925, 0.03, "initial success 92.5 % (83 % selective in cancer); "
     "< 3 % temporary paresis, ataxia or other", "abstract + Shepherd's summary [A]"),
    ("Raslan 2008 (CT-guided)", 51, 0.98, None, "initial relief 98 %, 80 % at 6 months (with 10 "
     "tractotomies)", "abstract [A]"),
    ("Lahuerta 1994", 146, None, None, "best relief with lesions ~5 mm deep, ~20 % of the hemicord; "
     "rates not read", "abstract [A]"),
    ("pooled persistent paresis", 399, None, 11 / 399, "11/399 persistent ipsilateral paresis "
     "(Sanders 1995, Jackson 1999, O-arm 2017, Tasker, Shepherd)", "crude pooling [C]"),
)


def tip_impedance_ohm(scenario) -> float:
    """The generator's impedance reading with the tip at the scenario's
    placement, before heating (ohm), in the scenario's model."""
    from rfsim.physics.electric import ElectricSolver
    from rfsim.prediction import build

    _, _, _, dom = build(scenario)
    z = ElectricSolver(dom, scenario.numerics.linear_rtol).solve(np.full(dom.grid.shape, dom.temperature_c))
    return float(z.impedance_ohm) + scenario.generator.series_resistance_ohm


def advance_until_cord(scenario):
    """Worker hook: advance the tip in ADVANCE_MM steps until the impedance
    exceeds CORD_IMPEDANCE_OHM (at most MAX_ADVANCES steps; a step that would
    leave the cord stops the advance)."""
    from rfsim.cordotomy.placement import DEFAULT_DEPTH_MM

    ps = scenario.placement
    depth = ps.depth_mm if ps.depth_mm is not None else DEFAULT_DEPTH_MM[ps.target]
    for _ in range(MAX_ADVANCES):
        if tip_impedance_ohm(scenario) > CORD_IMPEDANCE_OHM:
            break
        nxt = replace(scenario, placement=replace(ps, depth_mm=depth + ADVANCE_MM))
        try:
            tip_impedance_ohm(nxt)
        except ConfigError:
            break
        scenario, ps, depth = nxt, nxt.placement, depth + ADVANCE_MM
    return scenario


def cohort_runs(n: int, seed: int, leg_share: float = 0.5, reduced: bool = True, base=None) -> list:
    """The runs of ``n`` virtual patients (one draw each)."""
    from rfsim.prediction import cordotomy_scenario

    check_draws(n, "--patients")
    if isinstance(leg_share, bool) or not isinstance(leg_share, (int, float)) or not 0.0 <= leg_share <= 1.0:
        raise ConfigError("--leg-share", leg_share, "must be a share from 0 to 1")
    base = base or cordotomy_scenario()
    active = tuple(a for a in active_uncertainties(base)
                   if a.name != "offset_error_mm" and a.distribution is not None)
    loc = Distribution.from_table("cohort.localisation_error_mm", LOCALISATION)
    values = draw_values(active, n, seed)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 4, zlib.crc32(b"cohort")]))
    leg = rng.random(n) < leg_share
    within = rng.random(n)
    error = loc.ppf(np.random.default_rng(np.random.SeedSequence([seed, 5, zlib.crc32(b"cohort")])).random(n))
    runs = []
    for i in range(n):
        target = "leg" if leg[i] else "arm"
        lo, hi = RULE_WINDOW_MM[target]
        planned = lo + within[i] * (hi - lo)
        point = {"placement.target": target, "placement.offset_mm": float(planned + error[i]),
                 "placement.depth_mm": None}
        one = {k: v[i:i + 1] for k, v in values.items()}
        run = draw_runs(base, active, one, 1, points=(_drop_none(point),), reduced=reduced, first_index=i)[0]
        params = dict(run.params, planned_offset_mm=float(planned), localisation_error_mm=float(error[i]))
        runs.append(replace(run, point=0, sample=i, params=tuple(params.items())))
    return runs, active


def _drop_none(point):
    return {k: v for k, v in point.items() if v is not None}


def run_cohort(n: int = 200, seed: int = 0, leg_share: float = 0.5, workers=None, scheduler=None, store=None,
               full: bool = False, progress: bool = False) -> dict:
    """Run a virtual cohort and summarise it.

    Returns
    -------
    dict
        JSON-ready: ``patients``, ``seed``, ``leg_share``, the rates of
        :func:`rfsim.uncertainty.summary.probabilities` for all patients and
        per target (``by_target``), ``cord_area_fraction_percentiles``,
        ``advanced`` (patients whose electrode had to be advanced), the
        ``series`` compared with, ``cord_fractions`` per target (for the
        figure) and ``runtime_s``.
    """
    from rfsim.prediction import cordotomy_scenario

    t0 = time.perf_counter()
    base = cordotomy_scenario()
    runs, active = cohort_runs(n, seed, leg_share, reduced=not full, base=base)
    spec = {"kind": "cohort", "n": n, "seed": seed, "leg_share": leg_share, "full": full,
            "uncertainties": [a.as_dict() for a in active], "localisation": LOCALISATION}
    meta = store_meta(spec, runs, 1, n, seed, [a.name for a in active])
    res = execute_runs(runs, meta, store, workers, scheduler, prepare_hook=advance_until_cord, progress=progress)
    rows = res["rows"]
    vh = base.verdict.ventral_horn_warning_fraction
    out = {"rfsim_version": __version__, "patients": n, "seed": seed, "leg_share": leg_share,
           "model": "full" if full else "reduced", **probabilities(rows, vh)}
    ok = [r for r in rows if r.get("status") == "ok"]
    out["cord_area_fraction_percentiles"] = percentiles(r.get("metric/cord_area_fraction") for r in ok)
    out["cst_margin_mm_percentiles"] = percentiles(r.get("metric/cst_margin_mm") for r in ok)
    out["share_at_least_10pct_cord"] = float(np.mean([r["metric/cord_area_fraction"] >= 0.10 for r in ok])) if ok else None
    out["advanced"] = int(sum(1 for r in ok if r["metric/depth_mm"] > _drawn_depth(r) + 1e-9))
    out["by_target"] = {}
    out["cord_fractions"] = {}
    for target in ("leg", "arm"):
        sub = [r for r in rows if r.get("param/placement.target") == target]
        if sub:
            out["by_target"][target] = probabilities(sub, vh)
            out["cord_fractions"][target] = [r["metric/cord_area_fraction"] for r in sub if r.get("status") == "ok"]
    out["series"] = [{"series": s, "n": k, "relief": r, "weakness": w, "counted": c, "read": how}
                     for s, k, r, w, c, how in SERIES]
    # why placements failed, numbers blanked so that alike reasons count together
    reasons = Counter(re.sub(r"[-+]?\d+(\.\d+)?(e[-+]?\d+)?", "#", r.get("error", "")) for r in rows
                      if r.get("status") != "ok")
    out["failed_reasons"] = dict(reasons.most_common())
    out["resumed"] = res["resumed"]
    out["runtime_s"] = time.perf_counter() - t0
    return out


def _drawn_depth(row) -> float:
    from rfsim.cordotomy.placement import DEFAULT_DEPTH_MM

    return DEFAULT_DEPTH_MM[row["param/placement.target"]] + row.get("param/depth_error_mm", 0.0)

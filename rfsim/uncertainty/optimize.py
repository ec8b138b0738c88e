"""The safest placement: the offset and depth (optionally the set
temperature and the number of lesions) that maximise P(relief) while keeping
P(corticospinal tract reached) at or below a bound.

A grid search, coarse then refined: every point gets the same N draws of the
declared uncertainties (common random numbers: the same placement errors,
cords and tissue factors at every point), so differences between points are
differences of placement, not of luck, and the map is smooth.  The refinement
adds the points half a step around the best coarse point.  Among the points
whose P(CST reached) is at or below the bound and where every draw could be
placed (none puts the tip across the midline or misses the cord), the one with
the highest P(relief) wins; ties go to the lower P(CST reached), then to the point nearest
the rule's default placement.
"""

from __future__ import annotations

import itertools
import math
import time

import numpy as np

from rfsim.errors import ConfigError
from rfsim.uncertainty.declared import active_uncertainties
from rfsim.uncertainty.draws import check_draws, draw_runs, draw_values
from rfsim.uncertainty.engine import execute_runs, store_meta
from rfsim.uncertainty.summary import probabilities
from rfsim.version import __version__

#: Default search ranges (mm) and coarse step (mm).
OFFSETS_MM = {"leg": (0.5, 3.0), "arm": (1.5, 4.0)}
DEPTHS_MM = (1.5, 4.0)
STEP_MM = 0.5


def _axis(key, lohi, step):
    lo, hi = lohi
    for v in (lo, hi):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ConfigError(key, list(lohi), "must be two numbers LOW HIGH (mm)")
    if not lo <= hi:
        raise ConfigError(key, list(lohi), "LOW must not exceed HIGH")
    n = int(round((hi - lo) / step)) + 1
    return [round(lo + i * step, 6) for i in range(n)] if n > 1 else [float(lo)]


def _point_stats(rows, points, vh):
    out = []
    for p, point in enumerate(points):
        sub = [r for r in rows if r["point"] == p]
        out.append({**{k.rpartition(".")[2]: v for k, v in point.items()}, **probabilities(sub, vh)})
    return out


def _choose(stats, bound, default):
    # a point where a draw cannot be placed (tip across the midline, needle missing the cord) is
    # not a safe placement, however its other draws come out
    ok = [s for s in stats if s["draws_ok"] and not s["draws_failed"] and s["p_cst_reached"] <= bound]
    if not ok:
        return None
    return max(ok, key=lambda s: (s["p_relief"], -s["p_cst_reached"],
                                  -math.hypot(s["offset_mm"] - default[0], s["depth_mm"] - default[1])))


def optimize_placement(scenario=None, n: int = 20, seed: int = 0, max_cst: float = 0.05, offsets=None,
                       depths=None, temperatures=(), lesions=(), refine: bool = True, workers=None,
                       scheduler=None, store=None, full: bool = False, progress: bool = False) -> dict:
    """Search offset x depth (x temperature x lesions) for the safest placement.

    Parameters
    ----------
    scenario : Scenario, optional
        The patient and target (default: the default leg scenario).
    n : int
        Draws per point.
    max_cst : float
        Bound on P(CST reached), 0..1 (default 0.05).
    offsets, depths : (float, float), optional
        Search ranges (mm); default by target (OFFSETS_MM, DEPTHS_MM).
    temperatures : sequence of float
        Set temperatures to try (C); default: the scenario's.
    lesions : sequence of int
        Numbers of lesions to try; default: the scenario's.
    refine : bool
        Add the half-step points around the best coarse point.

    Returns
    -------
    dict
        ``points`` (every point searched with its probabilities), ``chosen``
        (the best point, or None when none meets the bound), ``offsets``,
        ``depths`` (the coarse axes, mm), ``max_cst``, ``draws_per_point``,
        ``runtime_s``.
    """
    from rfsim.cordotomy.placement import DEFAULT_DEPTH_MM, DEFAULT_OFFSET_MM
    from rfsim.prediction import cordotomy_scenario

    t0 = time.perf_counter()
    scenario = scenario or cordotomy_scenario()
    check_draws(n, "--draws")
    if isinstance(max_cst, bool) or not isinstance(max_cst, (int, float)) or not 0.0 <= max_cst <= 1.0:
        raise ConfigError("--max-cst", max_cst, "must be a probability from 0 to 1")
    target = scenario.placement.target
    off = _axis("--offsets", offsets or OFFSETS_MM[target], STEP_MM)
    dep = _axis("--depths", depths or DEPTHS_MM, STEP_MM)
    for t in temperatures:
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not 40.0 < t <= 100.0:
            raise ConfigError("--temperatures", t, "must lie in (40, 100] C")
    for k in lesions:
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= 10:
            raise ConfigError("--lesions", k, "must be whole numbers from 1 to 10")
    extra = [("protocol.set_temperature_c", [float(t) for t in temperatures]), ("protocol.lesions", list(lesions))]
    extra = [(k, v) for k, v in extra if v]
    active = tuple(a for a in active_uncertainties(scenario) if a.distribution is not None)
    values = draw_values(active, n, seed)
    points = [dict([("placement.offset_mm", o), ("placement.depth_mm", d)] + list(zip([k for k, _ in extra], e)))
              for o, d, *e in itertools.product(off, dep, *[v for _, v in extra])]
    vh = scenario.verdict.ventral_horn_warning_fraction
    default = (DEFAULT_OFFSET_MM[target], DEFAULT_DEPTH_MM[target])
    spec = {"kind": "optimize", "n": n, "seed": seed, "full": full, "points": points,
            "uncertainties": [a.as_dict() for a in active]}

    def run(pts):
        runs = draw_runs(scenario, active, values, n, points=pts, reduced=not full)
        meta = store_meta({**spec, "points": pts}, runs, len(pts), n, seed, [a.name for a in active])
        # the refinement has its own store beside the coarse one (both resume)
        where = store if pts is points or store is None else f"{store}.refine.h5"
        return execute_runs(runs, meta, where, workers, scheduler, progress=progress)["rows"]

    stats = _point_stats(run(points), points, vh)
    best = _choose(stats, max_cst, default)
    if refine and best is not None:
        h = STEP_MM / 2
        fixed = [(k, best[k.rpartition(".")[2]]) for k, _ in extra]
        seen = {(s["offset_mm"], s["depth_mm"]) + tuple(s[k.rpartition(".")[2]] for k, _ in extra) for s in stats}
        near = [dict([("placement.offset_mm", round(best["offset_mm"] + a, 6)),
                      ("placement.depth_mm", round(best["depth_mm"] + b, 6))] + fixed)
                for a in (-h, 0.0, h) for b in (-h, 0.0, h)]
        near = [p for p in near if tuple(p.values()) not in seen]
        if near:
            stats += _point_stats(run(near), near, vh)
            best = _choose(stats, max_cst, default)
    return {"rfsim_version": __version__, "target": target, "max_cst": max_cst, "draws_per_point": n,
            "seed": seed, "model": "full" if full else "reduced", "offsets": off, "depths": dep,
            "points": stats, "chosen": best, "runtime_s": time.perf_counter() - t0}


def excluded_points(result: dict) -> list:
    """(offset_mm, depth_mm) of the searched points where some draw failed."""
    return [(s["offset_mm"], s["depth_mm"]) for s in result["points"] if s["draws_failed"]]


def coarse_maps(result: dict, slice_of=None) -> tuple:
    """P(relief) and P(CST reached) on the coarse offset x depth grid (NaN
    where no draw ran), for the chosen temperature and lesions (or the first)."""
    off, dep = result["offsets"], result["depths"]
    pr, pc = np.full((len(off), len(dep)), np.nan), np.full((len(off), len(dep)), np.nan)
    ref = slice_of or result["chosen"] or result["points"][0]
    for s in result["points"]:
        if any(s.get(k) != ref.get(k) for k in ("set_temperature_c", "lesions") if k in s):
            continue
        if s["offset_mm"] in off and s["depth_mm"] in dep and s["draws_ok"]:
            i, j = off.index(s["offset_mm"]), dep.index(s["depth_mm"])
            pr[i, j], pc[i, j] = s["p_relief"], s["p_cst_reached"]
    return pr, pc

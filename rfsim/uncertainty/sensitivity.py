"""Which inputs decide the answer: Morris elementary effects (SALib) of the
cord fraction and the corticospinal margin over the declared uncertainties.

Morris screening (the method Hall, Ooi and Payne 2015 used for RF ablation
models) needs r (k + 1) runs for k inputs, against thousands for Sobol
indices, which is what a planner can wait for.  Each input moves on a 4-level
grid of its own probabilities between 2.5 % and 97.5 % (so unbounded normal and
lognormal inputs stay finite), and its value is its distribution's quantile
there.  mu* (the mean absolute elementary effect) ranks the inputs by
influence, in the output's unit per full move across that 95 % range; sigma
large against mu* means interactions or non-linearity.  The discrete anatomy
choice is not a Morris input and is held at the scenario's.
"""

from __future__ import annotations

import math
import time

import numpy as np

from rfsim.errors import ConfigError
from rfsim.version import __version__

#: Probability range each input moves over (quantiles).
P_RANGE = (0.025, 0.975)
#: Outputs analysed: store metric -> label.
OUTPUTS = {"cord_area_fraction": "cord fraction", "cst_margin_mm": "CST margin (mm)"}


def _salib():
    try:
        from SALib.analyze import morris as analyze
        from SALib.sample import morris as sample
    except ImportError:
        raise ConfigError("rfsim sensitivity", "SALib", "is not installed: pip install \"rfsim[uncertainty]\"") from None
    return sample, analyze


def analyse(names, distributions, evaluate, trajectories: int = 10, seed: int = 0) -> dict:
    """Morris indices of the outputs of ``evaluate`` over inputs with ``distributions``.

    Parameters
    ----------
    names : sequence of str
    distributions : sequence of rfsim.sweep.distributions.Distribution
    evaluate : callable
        ``evaluate(values)`` with values: name -> array of input values (one
        per design row) returns output name -> array of results (NaN for a
        failed run).
    trajectories : int
        Morris trajectories r (runs = r (k + 1)), 2 to 1000.
    seed : int

    Returns
    -------
    dict
        ``runs``, ``failed`` (per output: NaNs replaced by the output's
        median) and ``indices``: output -> list of dict (``name``, ``mu``,
        ``mu_star``, ``mu_star_conf``, ``sigma``) sorted by mu*, largest first.
    """
    if isinstance(trajectories, bool) or not isinstance(trajectories, int) or not 2 <= trajectories <= 1000:
        raise ConfigError("--trajectories", trajectories, "must be a whole number from 2 to 1000")
    sample, analyze = _salib()
    problem = {"num_vars": len(names), "names": list(names), "bounds": [list(P_RANGE)] * len(names)}
    u = sample.sample(problem, trajectories, num_levels=4, seed=seed)
    values = {n: d.ppf(u[:, j]) for j, (n, d) in enumerate(zip(names, distributions))}
    results = evaluate(values)
    out = {"runs": int(u.shape[0]), "failed": {}, "indices": {}}
    for key, y in results.items():
        y = np.asarray(y, float)
        bad = ~np.isfinite(y)
        out["failed"][key] = int(bad.sum())
        if bad.all():
            continue
        y = np.where(bad, np.nanmedian(y), y)
        res = analyze.analyze(problem, u, y, num_levels=4, seed=seed)
        # SALib divides by the step in the unit hypercube, so an effect is the change of the
        # output per move across the input's whole 2.5-97.5 % range (for a linear response)
        rows = [{"name": n, "mu": float(res["mu"][j]), "mu_star": float(res["mu_star"][j]),
                 "mu_star_conf": float(res["mu_star_conf"][j]), "sigma": float(res["sigma"][j])}
                for j, n in enumerate(names)]
        out["indices"][key] = sorted(rows, key=lambda r: -r["mu_star"] if math.isfinite(r["mu_star"]) else 0)
    return out


def run_sensitivity(scenario=None, trajectories: int = 10, seed: int = 0, workers=None, scheduler=None,
                    store=None, full: bool = False, progress: bool = False) -> dict:
    """Morris indices of the cord fraction and the CST margin for a placement.

    Returns
    -------
    dict
        JSON-ready: the placement, ``runs``, ``failed``, ``indices`` (see
        :func:`analyse`), ``model`` and ``runtime_s``.
    """
    from rfsim.prediction import build, cordotomy_scenario
    from rfsim.uncertainty.declared import active_uncertainties
    from rfsim.uncertainty.draws import draw_runs
    from rfsim.uncertainty.engine import execute_runs, store_meta

    t0 = time.perf_counter()
    scenario = scenario or cordotomy_scenario()
    _, placement, _, _ = build(scenario)
    active = tuple(a for a in active_uncertainties(scenario) if a.distribution is not None)
    if len(active) < 2:
        raise ConfigError("uncertainty", [a.name for a in active], "sensitivity needs at least two uncertain inputs")

    def evaluate(values):
        n = len(next(iter(values.values())))
        runs = draw_runs(scenario, active, values, n, reduced=not full)
        spec = {"kind": "sensitivity", "trajectories": trajectories, "seed": seed, "full": full,
                "uncertainties": [a.as_dict() for a in active]}
        meta = store_meta(spec, runs, 1, n, seed, [a.name for a in active])
        rows = execute_runs(runs, meta, store, workers, scheduler, progress=progress)["rows"]
        out = {}
        for key in OUTPUTS:
            y = np.full(n, np.nan)
            for r in rows:
                v = r.get(f"metric/{key}")
                if r.get("status") == "ok" and v is not None:
                    y[r["sample"]] = v
            out[key] = y
        return out

    res = analyse([a.name for a in active], [a.distribution for a in active], evaluate, trajectories, seed)
    return {"rfsim_version": __version__, "target": placement.target, "offset_mm": placement.offset_m * 1e3,
            "depth_mm": placement.depth_m * 1e3, "trajectories": trajectories, "seed": seed,
            "model": "full" if full else "reduced", **res, "runtime_s": time.perf_counter() - t0}

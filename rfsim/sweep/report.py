"""Summaries of a sweep: per design point, the probability of relief and of
corticospinal involvement over its Monte Carlo draws, with 95 % Wilson
intervals, and the plain-text table ``rfsim sweep-report`` prints.

The figure of the same rows is :func:`rfsim.plots.sweep.plot_summary`.
"""

from __future__ import annotations

import math

import numpy as np

from rfsim.sweep.store import read_sweep

_Z95 = 1.959963984540054  # two-sided 95 % normal quantile


def wilson(k: int, n: int, z: float = _Z95) -> tuple:
    """Wilson score interval of a binomial proportion ``k`` / ``n``.

    Unlike the normal approximation it stays inside [0, 1] and is sensible at
    0 and n successes.

    Parameters
    ----------
    k, n : int
        Successes and trials.
    z : float
        Normal quantile of the interval (default: two-sided 95 %).

    Returns
    -------
    (float, float)
        Lower and upper bound; (nan, nan) for n = 0.
    """
    if n == 0:
        return (math.nan, math.nan)
    p = k / n
    d = 1.0 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    # exact ends at 0 and n successes (c - h and c + h are 0 and 1 only to round-off)
    return (0.0 if k == 0 else max(0.0, c - h), 1.0 if k == n else min(1.0, c + h))


def summarize(store) -> list:
    """Per design point: probability of relief and of corticospinal (CST)
    involvement over its Monte Carlo draws, with 95 % Wilson intervals.

    Parameters
    ----------
    store : path or dict
        A store, or what :func:`rfsim.sweep.store.read_sweep` returned.

    Returns
    -------
    list of dict
        ``point``, the design parameters (file units), ``offset_mm`` and
        ``depth_mm`` (as resolved by the prediction, mm), ``runs``, ``ok``,
        ``failed``, ``p_relief``, ``relief_ci`` ([low, high]), ``p_cst``
        (share of draws where the CST is not spared), ``cst_ci``.  Failed runs
        are left out of the probabilities (and counted in ``failed``).
    """
    t = store if isinstance(store, dict) else read_sweep(store)
    c, meta = t["columns"], t["meta"]
    if not t["n"]:
        return []
    nan = np.full(t["n"], np.nan)
    relief = c.get("metric/relief_predicted", nan)
    spared = c.get("metric/cst_spared", nan)
    out = []
    for p in np.unique(c["point"]):
        idx = np.flatnonzero(c["point"] == p)
        ok = idx[c["status"][idx] == "ok"]
        rec = {"point": int(p)}
        for k in meta["design_keys"]:
            v = c[f"param/{k}"][idx[0]]
            rec[k] = v.item() if isinstance(v, np.generic) else v
        for k, alt in (("offset_mm", "placement.offset_mm"), ("depth_mm", "placement.depth_mm")):
            vals = c.get(f"metric/{k}", nan)[ok]
            rec[k] = float(vals[0]) if len(vals) else float(rec.get(alt, math.nan))
        kr, kc = int(np.sum(relief[ok] == 1)), int(np.sum(spared[ok] == 0))
        n = len(ok)
        rec.update(runs=len(idx), ok=n, failed=len(idx) - n,
                   p_relief=kr / n if n else math.nan, relief_ci=list(wilson(kr, n)),
                   p_cst=kc / n if n else math.nan, cst_ci=list(wilson(kc, n)))
        out.append(rec)
    return out


def _fmt(v) -> str:
    """A table cell: floats to 4 significant digits."""
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def format_table(rows: list) -> str:
    """The summaries as a plain-text table (probabilities in %, 95 % CI)."""
    if not rows:
        return "no runs stored yet"
    design = [k for k in rows[0] if "." in k and k not in ("placement.offset_mm", "placement.depth_mm")]
    head = ["point", *[k.rpartition(".")[2] for k in design], "offset_mm", "depth_mm", "ok/runs",
            "P(relief) [95% CI]", "P(CST) [95% CI]"]

    def pct(p, ci):
        return "n/a" if math.isnan(p) else f"{p:5.0%} [{ci[0]:.0%}, {ci[1]:.0%}]"

    body = [[str(r["point"]), *[_fmt(r[k]) for k in design], _fmt(r["offset_mm"]), _fmt(r["depth_mm"]),
             f"{r['ok']}/{r['runs']}", pct(r["p_relief"], r["relief_ci"]), pct(r["p_cst"], r["cst_ci"])]
            for r in rows]
    w = [max(len(x) for x in col) for col in zip(head, *body)]
    return "\n".join("  ".join(x.rjust(n) for x, n in zip(line, w)) for line in [head, *body])

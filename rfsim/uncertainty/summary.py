"""What a planner reads from the draws: the probabilities of relief, of
reaching the corticospinal tract and of involving the ventral horn, each with
a 95 % Wilson interval, and percentiles of the cord fraction and of the
corticospinal margin.

Events per draw (the verdict of :mod:`rfsim.cordotomy.metrics` on that draw):

* relief: ``relief_predicted``;
* corticospinal tract reached: not ``cst_spared`` (more than the verdict's
  ``max_cst_lesioned_fraction`` of the tract lesioned);
* ventral horn involved: ``ventral_horn_lesioned_fraction`` above the
  verdict's ``ventral_horn_warning_fraction``.

Failed draws (a draw that puts the tip outside the cord, say) are counted and
left out of the probabilities.
"""

from __future__ import annotations

import math

import numpy as np

from rfsim.sweep.report import wilson

#: Percentiles reported for the continuous answers.
PERCENTILES = (5, 25, 50, 75, 95)


def ok_rows(rows) -> list:
    """The rows of successful draws."""
    return [r for r in rows if r.get("status") == "ok"]


def _p(k: int, n: int) -> tuple:
    return (k / n if n else math.nan), list(wilson(k, n))


def percentiles(values) -> dict:
    """``{"p5": .., "p25": .., "p50": .., "p75": .., "p95": ..}`` of the finite
    values (None each without one)."""
    v = np.asarray([x for x in values if x is not None and math.isfinite(x)], float)
    return {f"p{q}": (float(np.percentile(v, q)) if v.size else None) for q in PERCENTILES}


def events(rows, vh_threshold: float) -> dict:
    """Per successful row: relief, CST reached, ventral horn involved (bool arrays)."""
    ok = ok_rows(rows)
    return {"relief": np.array([bool(r.get("metric/relief_predicted")) for r in ok]),
            "cst": np.array([not bool(r.get("metric/cst_spared", True)) for r in ok]),
            "ventral_horn": np.array([float(r.get("metric/ventral_horn_lesioned_fraction", 0.0)) > vh_threshold
                                      for r in ok])}


def probabilities(rows, vh_threshold: float) -> dict:
    """The three probabilities with 95 % Wilson intervals, and the counts.

    Returns
    -------
    dict
        ``draws``, ``draws_ok``, ``draws_failed``, ``p_relief``,
        ``p_relief_ci`` ([low, high]), ``p_cst_reached``, ``p_cst_reached_ci``,
        ``p_ventral_horn``, ``p_ventral_horn_ci``.
    """
    ev = events(rows, vh_threshold)
    n = len(ev["relief"])
    out = {"draws": len(rows), "draws_ok": n, "draws_failed": len(rows) - n}
    for key, name in (("relief", "p_relief"), ("cst", "p_cst_reached"), ("ventral_horn", "p_ventral_horn")):
        p, ci = _p(int(ev[key].sum()), n)
        out[name], out[f"{name}_ci"] = p, ci
    return out


def summarize_draws(rows, vh_threshold: float) -> dict:
    """Probabilities (:func:`probabilities`) and the percentiles of
    ``cord_area_fraction`` (0..1) and ``cst_margin_mm`` (mm; negative = overlap)."""
    ok = ok_rows(rows)
    out = probabilities(rows, vh_threshold)
    out["cord_area_fraction_percentiles"] = percentiles([r.get("metric/cord_area_fraction") for r in ok])
    out["cst_margin_mm_percentiles"] = percentiles([r.get("metric/cst_margin_mm") for r in ok])
    errors = sorted({r.get("error", "") for r in rows if r.get("status") != "ok"})
    if errors:
        out["failed_reasons"] = errors[:5]
    return out


def format_interval(p: float, ci) -> str:
    """``42 % [35, 49]``."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "n/a"
    return f"{p:4.0%} [{ci[0]:.0%}, {ci[1]:.0%}]"


def format_percentiles(pc: dict, scale: float = 1.0, fmt: str = "{:.2f}") -> str:
    """``p5 .. / p50 .. / p95 ..`` of a percentile dict."""
    return "  ".join(f"{k} " + ("n/a" if v is None else fmt.format(v * scale)) for k, v in pc.items())

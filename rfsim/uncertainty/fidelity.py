"""The reduced model and its measured error against the full model.

To give N = 200 draws in seconds, the uncertainty commands run each draw on a
coarser grid (``[mesh] refine`` x :data:`rfsim.uncertainty.draws.REDUCED_REFINE`)
with longer steps (step tolerance and largest step x
:data:`rfsim.uncertainty.draws.REDUCED_STEPS`) unless ``--full`` is given.  Its error is measured by running the same draws
with both models (:func:`compare`): once, on the default declared
uncertainties at the default leg and arm placements, by
``scripts/calibrate_reduced_model.py``, stored in ``reduced_model.json`` next to
this module and printed beside every answer the reduced model gives; and, with
``--check K``, on K of the run's own draws in the same run.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from rfsim.uncertainty.summary import events, ok_rows

CALIBRATION = Path(__file__).with_name("reduced_model.json")


def compare(full_rows, reduced_rows, vh_threshold: float) -> dict:
    """Error of the reduced model against the full one on the same draws.

    Parameters
    ----------
    full_rows, reduced_rows : list of dict
        Store rows of the same draws (matched by ``sample`` and ``point``).

    Returns
    -------
    dict
        ``draws`` (pairs where both ran), ``cord_area_fraction_abs_error``
        and ``cst_margin_mm_abs_error`` (``mean`` and ``max``; fraction 0..1
        and mm), ``verdict_agreement`` (share of draws with the same relief,
        CST and ventral-horn verdicts, each) and ``probability_error``
        (reduced minus full, for the three probabilities on these draws).
    """
    f = {(r["point"], r["sample"]): r for r in ok_rows(full_rows)}
    pairs = [(f[(r["point"], r["sample"])], r) for r in ok_rows(reduced_rows) if (r["point"], r["sample"]) in f]
    out = {"draws": len(pairs)}
    if not pairs:
        return out
    for key, name in (("cord_area_fraction", "cord_area_fraction_abs_error"), ("cst_margin_mm", "cst_margin_mm_abs_error")):
        d = [abs(a[f"metric/{key}"] - b[f"metric/{key}"]) for a, b in pairs
             if a.get(f"metric/{key}") is not None and b.get(f"metric/{key}") is not None]
        out[name] = {"mean": float(np.mean(d)) if d else None, "max": float(np.max(d)) if d else None}
    ef, er = events([a for a, _ in pairs], vh_threshold), events([b for _, b in pairs], vh_threshold)
    out["verdict_agreement"] = {k: float(np.mean(ef[k] == er[k])) for k in ef}
    out["probability_error"] = {k: float(er[k].mean() - ef[k].mean()) for k in ef}
    return out


def calibration() -> dict | None:
    """The stored measurement (None when it has not been made)."""
    if not CALIBRATION.is_file():
        return None
    return json.loads(CALIBRATION.read_text())


def describe(err: dict, label: str) -> str:
    """One line: the reduced model's measured error."""
    if not err or not err.get("draws"):
        return f"{label}: not measured"
    c, m, a = err["cord_area_fraction_abs_error"], err["cst_margin_mm_abs_error"], err["verdict_agreement"]

    def num(v, s):
        return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else s.format(v)

    return (f"{label} ({err['draws']} draws): cord fraction |error| mean {num(c['mean'], '{:.4f}')}, "
            f"max {num(c['max'], '{:.4f}')}; CST margin |error| mean {num(m['mean'], '{:.3f}')} mm, "
            f"max {num(m['max'], '{:.3f}')} mm; same verdict relief {a['relief']:.0%}, "
            f"CST {a['cst']:.0%}, ventral horn {a['ventral_horn']:.0%}")


def describe_model(reduced_model: dict) -> str:
    """The reduced model's settings in words (``summary["reduced_model"]``)."""
    rm = reduced_model
    return (f"mesh refine {rm['mesh_refine']:g}, step tolerance {rm['step_tolerance_c']:g} C, "
            f"steps of at most {rm['dt_max_s']:g} s")


def model_lines(reduced_model: dict | None) -> list:
    """What an answer says of its model: the first line, then the measured
    errors of the reduced model (``summary["reduced_model"]``), one a line."""
    rm = reduced_model
    if rm is None:
        return ["full (every draw at the scenario's mesh)"]
    cal = rm["calibration"]
    out = [f"reduced ({describe_model(rm)}); error against the full model:",
           describe(cal and cal.get("error"), "calibration" + (f" ({cal['where']})" if cal else ""))]
    if rm["check"] is not None:
        out.append(describe(rm["check"], "this run's check"))
    return out

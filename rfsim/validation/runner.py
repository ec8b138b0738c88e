"""Run a validation case as rfsim scenarios and return the predicted value.

Derived metrics (besides the keys of the run or prediction summary):

``lesion_length_beyond_tip_mm``
    lesion length minus the exposed tip length (mm).
``lesion_beyond_tip_end_mm``
    how far the lesion reaches past the distal end of the tip, along the
    needle (mm; block runs).
``lesion_radius_beyond_surface_mm``
    half the lesion width minus the electrode radius: the lesion's reach
    sideways from the electrode's surface (mm).
``hemicord_area_fraction``
    2 x ``cord_area_fraction``: the lesioned share of the lesioned half.
``boundary_peak_temperature_c``
    median peak temperature (C) of the tissue cells at the lesion edge,
    0.5 <= Omega <= 2 (Arrhenius models only).
``omega``
    the Arrhenius integral of an exposure case.

Runs are cached by the scenario's full TOML text, so cases that share a
scenario (the default clinical case, a 60 s reference lesion) run it once.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np

from rfsim.cordotomy.insertion3d import impedance_at_depths
from rfsim.cordotomy.domains import CARTESIAN_MESH
from rfsim.errors import ConfigError
from rfsim.physics.damage import DamageSettings, DamageState, damage_table
from rfsim.physics.lesion import axisymmetric_size
from rfsim.prediction import build, impedance_profile, predict
from rfsim.runner import run
from rfsim.scenario.config import Scenario, parse_scenario
from rfsim.scenario.writer import to_toml
from rfsim.validation.cases import Case

_cache: dict = {}


def _merged(base: dict, over: dict | None) -> dict:
    """Scenario tables with ``over``'s tables merged key by key into ``base``'s."""
    out = {k: dict(v) if isinstance(v, dict) else v for k, v in base.items()}
    for k, v in (over or {}).items():
        out[k] = {**out.get(k, {}), **v} if isinstance(v, dict) else v
    return out


def scenario_of(case: Case, variant: str | None = None, physics: dict | None = None) -> Scenario:
    """The scenario of a case (``variant``: ``numerator`` or ``denominator`` of a
    ratio), with ``physics`` (scenario tables, e.g. ``{"damage": {...}}``) merged
    on top: the switch for comparing physics options on the suite."""
    tables = _merged(case.model.get("scenario", {}), case.model.get(variant) if variant else None)
    return parse_scenario(_merged(tables, physics))


def variants(case: Case) -> list:
    """The scenario variants a case runs (:func:`scenario_of`): the numerator and
    the denominator of a ratio, or the one scenario (None)."""
    return ["numerator", "denominator"] if "numerator" in case.model else [None]


def _summary(sc: Scenario):
    key = to_toml(sc)
    if key not in _cache:
        out = predict(sc) if sc.kind == "cordotomy" else run(sc)
        _cache[key] = out
    return _cache[key]


def _metric(case: Case, sc: Scenario, out) -> float:
    name = case.model.get("metric")
    s = out.summary
    if name == "lesion_length_beyond_tip_mm":
        return s["lesion_length_mm"] - sc.electrode.tip_length_m * 1e3
    if name == "lesion_beyond_tip_end_mm":
        d = out.result.domain
        return -axisymmetric_size(d.grid, out.result.damage.criterion(), d.metal).z_bottom_m * 1e3
    if name == "lesion_radius_beyond_surface_mm":
        return 0.5 * s["lesion_width_mm"] - sc.electrode.radius_m * 1e3
    if name == "hemicord_area_fraction":
        return 2.0 * s["cord_area_fraction"]
    if name == "boundary_peak_temperature_c":
        d = out.result.damage
        tissue = ~out.result.domain.metal
        edge = tissue & (d.omega >= 0.5) & (d.omega <= 2.0)
        return float(np.median(d.tpeak[edge])) if edge.any() else math.nan
    if name not in s:
        raise ConfigError(f"{case.name}: model.metric", name, "not a key of the summary nor a derived metric")
    v = s[name]
    return math.nan if v is None else float(v)


def _impedance(case: Case, physics) -> float:
    sc = scenario_of(case, physics=physics)
    sc = replace(sc, model=case.model.get("model", sc.model))
    depth = case.model.get("depth_mm", "placement")
    if sc.model == "axisymmetric":
        key = ("profile", to_toml(sc))
        if key not in _cache:
            _cache[key] = impedance_profile(sc, -1.0, 0.25)
        rows = _cache[key]
        if depth == "placement":
            return rows[-1]["impedance_ohm"]
        return min(rows, key=lambda r: abs(r["depth_mm"] - depth))["impedance_ohm"]
    key = ("3d", to_toml(sc), depth)
    if key not in _cache:
        anatomy, placement, _, _ = build(sc)
        dep = placement.depth_m if depth == "placement" else float(depth) * 1e-3
        mesh = replace(CARTESIAN_MESH, refine=sc.mesh.refine)
        (z,) = impedance_at_depths(anatomy, placement, [dep], mesh, {t.name: t for t in sc.tissues},
                                   sc.numerics.linear_rtol)
        _cache[key] = z + sc.generator.series_resistance_ohm
    return _cache[key]


def _exposure(case: Case, physics) -> float:
    table = _merged({"damage": case.model.get("damage", {})}, physics).get("damage", {})
    settings = DamageSettings(**damage_table(table))
    st = DamageState((1, 1, 1), 37.0, settings)
    temp = np.full((1, 1, 1), float(case.model["temperature_c"]))
    n = int(round(float(case.model["time_s"])))
    for _ in range(n):  # one-second steps at a constant temperature
        st.advance(temp, temp, 1.0)
    return float(st.omega[0, 0, 0])


def predicted(case: Case, physics: dict | None = None) -> float:
    """The model's value of the case's measured quantity."""
    if case.kind == "exposure":
        return _exposure(case, physics)
    if case.kind == "impedance":
        return _impedance(case, physics)
    if "numerator" in case.model:
        num_sc, den_sc = scenario_of(case, "numerator", physics), scenario_of(case, "denominator", physics)
        num, den = _metric(case, num_sc, _summary(num_sc)), _metric(case, den_sc, _summary(den_sc))
        return num / den if den else math.nan
    sc = scenario_of(case, physics=physics)
    return _metric(case, sc, _summary(sc))


def evaluate(case: Case, physics: dict | None = None) -> dict:
    """Run a case and compare: a JSON-ready row (see :mod:`rfsim.validation.report`)."""
    t0 = time.perf_counter()
    value = predicted(case, physics)
    m = case.measured
    err = value - m.reference
    rel = err / m.reference if m.reference else math.nan
    if m.informational:
        verdict = "info"
    elif not math.isfinite(value):
        verdict = "no value"
    else:
        verdict = "within" if m.contains(value) else "outside"
    return {"case": case.name, "kind": case.kind, "title": case.title, "quantity": m.quantity, "unit": m.unit,
            "measured": m.text, "measured_low": m.low if math.isfinite(m.low) else None,
            "measured_high": m.high if math.isfinite(m.high) else None, "reference": m.reference,
            "predicted": value if math.isfinite(value) else None, "error": err if math.isfinite(err) else None,
            "relative_error": rel if math.isfinite(rel) else None, "verdict": verdict,
            "measured_end_point": m.end_point, "model_end_point": case.model.get("end_point", ""),
            "source": case.source["citation"], "read_from": case.source["read_from"],
            "runtime_s": time.perf_counter() - t0}


def clear_cache() -> None:
    """Forget cached runs (after changing defaults in a session)."""
    _cache.clear()

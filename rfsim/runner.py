"""Run a scenario and summarise what it produced.

:func:`run` builds the domain a scenario describes, simulates its protocol and
returns a :class:`Run`: the scenario, the full simulation result and a flat
summary (JSON-ready, units in the key names) that ``rfsim run --json`` prints.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rfsim.version import __version__
from rfsim.scenario.config import Scenario
from rfsim.physics.domain import homogeneous
from rfsim.physics.lesion import axisymmetric_size
from rfsim.physics.plausibility import check_result
from rfsim.physics.resources import estimate_run
from rfsim.physics.simulation import SimulationResult, simulate


@dataclass(eq=False)
class Run:
    """A finished scenario run.

    Attributes
    ----------
    scenario : Scenario
    result : SimulationResult
    summary : dict
        Scalars and small lists, keyed with their units (see ``rfsim run --json``).
    """

    scenario: Scenario
    result: SimulationResult
    summary: dict


def build_domain(scenario: Scenario):
    """The rasterised domain of a homogeneous-block scenario (a cordotomy
    scenario's domain comes from :func:`rfsim.prediction.build`)."""
    if scenario.kind != "homogeneous":
        raise ValueError(f"build_domain takes a homogeneous scenario, not {scenario.kind!r}")
    return homogeneous(scenario.medium, scenario.electrode, scenario.mesh, scenario.temperature_c)


def _finite(x):
    x = float(x)
    return x if math.isfinite(x) else None


def summarize(scenario: Scenario, res: SimulationResult, extra_warnings=()) -> dict:
    """Flat summary of a run: lesion size, electrical and thermal figures (units
    in keys); ``extra_warnings`` (known before the run) follow the checks of
    :func:`rfsim.physics.plausibility.check_result`, which raises for an
    impossible answer."""
    plausibility = check_result(res.series, scenario.protocol, scenario.generator)
    d = res.domain
    s = res.series
    size = axisymmetric_size(d.grid, res.damage.criterion(), d.metal)
    rf = np.isfinite(s["impedance_ohm"])
    per_lesion = []
    for i, st in enumerate(res.after_lesion):
        sz = axisymmetric_size(d.grid, st.criterion(), d.metal)
        per_lesion.append({"lesion": i + 1, **{k: round(v, 6) for k, v in sz.as_mm().items()}})
    e = res.energy_j
    series_ohm = scenario.generator.series_resistance_ohm  # cables and return path (generator reading)
    warnings = []
    reach = max(0.5 * size.width_m, -size.z_bottom_m, size.z_top_m - scenario.electrode.tip_length_m)
    if reach > 0.4 * scenario.mesh.extent_m:
        # the outer boundary is held at the start temperature: too close, it cools the lesion
        warnings.append(f"the lesion reaches {reach * 1e3:.1f} mm from the tip, more than 40 % of the "
                        f"{scenario.mesh.extent_m * 1e3:g} mm to the outer boundary: raise mesh.extent_mm")
    if float(s["max_tissue_temperature_c"].max()) >= 100.0:
        warnings.append("tissue passes 100 C: boiling and an impedance rise are likely; the model does not "
                        "include them")
    warnings += plausibility + list(extra_warnings)
    return {
        "rfsim_version": __version__,
        "scenario_kind": scenario.kind,
        "impedance_ohm": _finite(s["impedance_ohm"][rf][0] + series_ohm) if rf.any() else None,
        "final_impedance_ohm": _finite(s["impedance_ohm"][rf][-1] + series_ohm) if rf.any() else None,
        **size.as_mm(),
        "lesion_criterion": scenario.damage.model,
        "peak_power_w": float(s["power_w"].max()),
        "final_voltage_v": float(s["voltage_v"][rf][-1]) if rf.any() else 0.0,
        "peak_voltage_v": float(s["voltage_v"].max()),
        "final_tip_temperature_c": float(s["tip_temperature_c"][rf][-1]) if rf.any() else None,
        "max_tissue_temperature_c": float(s["max_tissue_temperature_c"].max()),
        "delivered_energy_j": e["electrical"],
        "energy_imbalance_fraction": e["imbalance"] / e["electrical"] if e["electrical"] > 0 else 0.0,
        "cumulative_after_each_lesion": per_lesion,
        "warnings": warnings,
        "cells": d.grid.ncells,
        "min_cell_um": d.grid.min_width * 1e6,
        "steps": res.steps,
        "runtime_s": res.runtime_s,
    }


def run(scenario: Scenario, progress=None, warn=None) -> Run:
    """Run a scenario.

    Parameters
    ----------
    scenario : Scenario
    progress : callable, optional
        progress(t_s, t_end_s), called after every time step.
    warn : callable, optional
        warn(message) for each warning known before the run starts (a long
        run); they are in ``summary["warnings"]`` too.

    Returns
    -------
    Run, or rfsim.prediction.Prediction for a cordotomy scenario
        Both carry ``scenario``, ``result`` and ``summary``.
    """
    if scenario.kind == "cordotomy":  # the cord's anatomy, placement and tract metrics
        from rfsim.prediction import predict

        return predict(scenario, progress, warn)
    domain = build_domain(scenario)
    est = estimate_run(domain.grid.ncells, domain.grid.geometry, scenario.protocol, scenario.generator,
                       scenario.numerics)
    early = [w for w in (est.warning(scenario.numerics.dt_max_s),) if w]
    for w in early if warn is not None else ():
        warn(w)
    res = simulate(domain, scenario.protocol, scenario.generator, scenario.damage, scenario.numerics, progress)
    return Run(scenario, res, summarize(scenario, res, early))

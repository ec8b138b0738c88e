"""Run a scenario and summarise what it produced.

:func:`run` builds the domain a scenario describes, simulates its protocol and
returns a :class:`Run`: the scenario, the full simulation result and a flat
summary (JSON-ready, units in the key names) that ``rfsim run --json`` prints.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import __version__
from .config import Scenario
from .domain import homogeneous
from .lesion import axisymmetric_size
from .simulation import SimulationResult, simulate


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
    """The rasterised domain of a scenario."""
    return homogeneous(scenario.medium, scenario.electrode, scenario.mesh, scenario.temperature_c)


def _finite(x):
    x = float(x)
    return x if math.isfinite(x) else None


def summarize(scenario: Scenario, res: SimulationResult) -> dict:
    """Flat summary of a run: lesion size, electrical and thermal figures (units in keys)."""
    d = res.domain
    s = res.series
    size = axisymmetric_size(d.grid, res.damage.criterion(), d.metal)
    rf = np.isfinite(s["impedance_ohm"])
    per_lesion = []
    for i, st in enumerate(res.after_lesion):
        sz = axisymmetric_size(d.grid, st.criterion(), d.metal)
        per_lesion.append({"lesion": i + 1, **{k: round(v, 6) for k, v in sz.as_mm().items()}})
    e = res.energy_j
    return {
        "rfsim_version": __version__,
        "scenario_kind": scenario.kind,
        "impedance_ohm": _finite(s["impedance_ohm"][rf][0]) if rf.any() else None,
        "final_impedance_ohm": _finite(s["impedance_ohm"][rf][-1]) if rf.any() else None,
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
        "cells": d.grid.ncells,
        "min_cell_um": d.grid.min_width * 1e6,
        "steps": res.steps,
        "runtime_s": res.runtime_s,
    }


def run(scenario: Scenario, progress=None) -> Run:
    """Run a scenario.

    Parameters
    ----------
    scenario : Scenario
    progress : callable, optional
        progress(t_s, t_end_s), called after every time step.

    Returns
    -------
    Run
    """
    domain = build_domain(scenario)
    res = simulate(domain, scenario.protocol, scenario.generator, scenario.damage, scenario.numerics, progress)
    return Run(scenario, res, summarize(scenario, res))

"""Lesion prediction for planners: what lesion a placement and protocol make,
what it takes of the cord and its tracts, and the verdict.

:func:`predict` runs a ``cordotomy`` scenario (default: the leg placement, the
Kanpolat electrode, a test lesion at 80 C for 60 s then two more) and returns a
:class:`Prediction` whose ``summary`` is what ``rfsim predict --json`` prints;
:func:`cross_section` gives what a figure of it shows in the needle's axial
plane.  :func:`impedance_profile` gives the impedance as the electrode advances
from the CSF through the pia into the cord.

A prediction places the needle once (:func:`place`: anatomy, placement and
needle path) and hands the path to everything that needs it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

from rfsim.anatomy.cross_section import Anatomy
from rfsim.anatomy.pam50 import load_pam50
from rfsim.anatomy.parametric import load_parametric
from rfsim.anatomy.patient import load_patient
from rfsim.cordotomy.domains import (CARTESIAN_MESH, axisymmetric_domain, axisymmetric_layers, cartesian_domain,
                                     require_extent)
from rfsim.cordotomy.metrics import tract_metrics
from rfsim.cordotomy.placement import NeedlePath, Placement, needle_path
from rfsim.cordotomy.sampling import raster, sampler_for
from rfsim.errors import ConfigError, keys_as_typed, require_number
from rfsim.physics.domain import layered_axisymmetric
from rfsim.physics.electric import ElectricSolver
from rfsim.physics.generator import Protocol
from rfsim.physics.lesion import LesionSize, axisymmetric_size
from rfsim.physics.plausibility import check_result
from rfsim.physics.resources import estimate_run
from rfsim.cordotomy.insertion3d import impedance_at_depths
from rfsim.physics.simulation import SimulationResult, simulate
from rfsim.scenario.config import PlacementSettings, Scenario
from rfsim.scenario.writer import to_toml
from rfsim.version import __version__
from rfsim.cordotomy.report import html_table, short_text
from rfsim.physics.variables import dataset


@dataclass(eq=False)
class Prediction:
    """A finished prediction.

    Attributes
    ----------
    scenario : Scenario
    anatomy : Anatomy
    placement : Placement
    path : NeedlePath
        The needle of the placement in the anatomy.
    result : SimulationResult
    summary : dict
        JSON-ready: the keys of ``rfsim predict --json`` (docs/prediction.md).
    """

    scenario: Scenario
    anatomy: Anatomy
    placement: Placement
    path: NeedlePath
    result: SimulationResult
    summary: dict

    def __repr__(self) -> str:
        return short_text(self.summary)

    def _repr_html_(self) -> str:
        return html_table(self.summary)

    def to_xarray(self):
        """Fields, series and metrics as an :class:`xarray.Dataset` with named
        dimensions and CF units (:func:`rfsim.physics.variables.dataset`);
        needs xarray."""
        return dataset(self.result, self.summary, self.scenario.text or to_toml(self.scenario))


@dataclass(frozen=True, eq=False)
class CrossSection:
    """A prediction in the axial plane through the middle of the exposed tip,
    on the metrics raster of the whole cord (:func:`rfsim.cordotomy.sampling.raster`).

    Attributes
    ----------
    x_edges_m, y_edges_m : ndarray
        Cell edges (m) along x and y.
    z_m : float
        Height (m) of the plane.
    lesion : ndarray of bool, (nx, ny)
        The cumulative lesion (damage criterion >= 0) at the cell centres.
    peak_temperature_c : ndarray, (nx, ny)
        Peak temperature (C) over the whole protocol at the cell centres.
    regions : Mapping[str, ndarray]
        Area fraction (0..1) of the cord (``"cord"``) and of each tract and
        zone in the cells: the fractions the metrics count the lesion on, so
        that a figure draws the overlap the verdict rests on.
    """

    x_edges_m: np.ndarray
    y_edges_m: np.ndarray
    z_m: float
    lesion: np.ndarray
    peak_temperature_c: np.ndarray
    regions: Mapping = field(default_factory=dict)


def cordotomy_scenario(**placement) -> Scenario:
    """The default cordotomy scenario, with placement settings overridden
    (keys of :class:`rfsim.scenario.config.PlacementSettings`)."""
    return Scenario(kind="cordotomy", protocol=Protocol.clinical(3), placement=PlacementSettings(**placement))


#: Exposed tip (m) that may lie outside the cord before a prediction warns:
#: rounding of a depth typed to 0.01 mm.
TIP_OUTSIDE_TOLERANCE_M = 0.01e-3

#: The names the anatomy and placement code gives what it validates, and the keys
#: of a scenario file they come from (a message names the key the user typed).
SCENARIO_KEYS = {"offset_mm": "placement.offset_mm", "depth_mm": "placement.depth_mm", "side": "placement.side",
                 "target": "placement.target", "tilt_deg[cranio_caudal]": "placement.tilt_cranio_caudal_deg",
                 "tilt_deg[in_plane]": "placement.tilt_in_plane_deg", "level": "anatomy.level",
                 "ap_mm": "anatomy.ap_mm", "rl_mm": "anatomy.rl_mm", "csf_gap_mm": "anatomy.csf_gap_mm",
                 "displacement_mm": "anatomy.displacement_mm", "pam50": "anatomy.pam50_folder"}


@lru_cache(maxsize=8)
def _anatomy(settings, side):
    """Anatomy for the settings (cached: its tract raster is reused between runs)."""
    kw = dict(level=settings.level, ap_mm=settings.ap_mm, rl_mm=settings.rl_mm, csf_gap_mm=settings.csf_gap_mm,
              side=side, displacement_mm=settings.displacement_mm)
    if settings.source == "pam50":
        return load_pam50(settings.pam50_folder or None, **kw)
    if settings.source == "patient":
        del kw["ap_mm"], kw["rl_mm"]  # the images give the cord's size
        return load_patient(settings.patient_folder or None, segmentation=settings.segmentation or None,
                            vertebral_labels=settings.vertebral_labels or None, **kw)
    return load_parametric(**kw)


def place(scenario: Scenario) -> tuple[Anatomy, Placement, NeedlePath]:
    """Anatomy, placement and needle path of a cordotomy scenario; the path
    validates the placement in the anatomy (ConfigError naming the setting)."""
    if scenario.kind != "cordotomy":
        raise ConfigError("scenario.kind", scenario.kind, "rfsim predict needs kind = \"cordotomy\"")
    ps = scenario.placement
    with keys_as_typed(SCENARIO_KEYS):
        anatomy = _anatomy(scenario.anatomy, ps.side)
        placement = Placement.from_mm(side=ps.side, target=ps.target, offset_mm=ps.offset_mm, depth_mm=ps.depth_mm,
                                      tilt_deg=(ps.tilt_cranio_caudal_deg, ps.tilt_in_plane_deg),
                                      electrode=scenario.electrode)
        return anatomy, placement, needle_path(anatomy, placement)


def _tissue_overrides(scenario) -> dict:
    return {t.name: t for t in scenario.tissues}


def build(scenario: Scenario):
    """Anatomy, placement, needle path and domain of a cordotomy scenario."""
    anatomy, placement, path = place(scenario)
    if scenario.model == "axisymmetric":
        domain = axisymmetric_domain(anatomy, placement, scenario.mesh, path=path,
                                     tissues=_tissue_overrides(scenario))
    else:
        # the 3-D grid has its own cell sizes (CARTESIAN_MESH); [mesh] refine scales them
        mesh3d = replace(CARTESIAN_MESH, refine=scenario.mesh.refine)
        domain = cartesian_domain(anatomy, placement, mesh3d, tissues=_tissue_overrides(scenario), path=path)
    return anatomy, placement, path, domain


def _size_and_sampler(domain, damage, path):
    sampler = sampler_for(domain, damage.criterion(), path)
    if domain.grid.geometry == "axisymmetric":  # exact sizes on the (r, z) grid
        return axisymmetric_size(domain.grid, damage.criterion(), domain.metal), sampler
    return sampled_size(sampler, path), sampler


def sampled_size(sampler, path, step_m: float = 0.1e-3) -> LesionSize:
    """Width, length and volume of a lesion from any sampler, on a lattice in
    needle coordinates (for the 3-D model; the axisymmetric model has an exact
    counterpart, :func:`rfsim.physics.lesion.axisymmetric_size`)."""
    d = np.array(path.direction)
    u = np.cross(d, [0.0, 0.0, 1.0]) if abs(d[2]) < 0.9 else np.cross(d, [1.0, 0.0, 0.0])
    u /= np.linalg.norm(u)
    v = np.cross(d, u)
    ext = 8e-3
    s = np.arange(-ext, path.tip_length_m + ext, step_m)
    w = np.arange(-ext, ext + step_m / 2, step_m)
    S, U, V = np.meshgrid(s, w, w, indexing="ij")
    tip = np.array(path.tip_m)
    P = [tip[i] + S * d[i] + U * u[i] + V * v[i] for i in range(3)]
    inside = sampler(*P) >= 0
    rho = np.sqrt(U ** 2 + V ** 2)
    needle = (S > 0) & (rho < path.radius_m)
    tissue = inside & ~needle
    if not tissue.any():
        return LesionSize(0.0, 0.0, 0.0, 0.0, 0.0)
    ss = S[inside]
    return LesionSize(float(2 * rho[inside].max() + step_m), float(ss.max() - ss.min() + step_m),
                      float(tissue.sum() * step_m ** 3), float(ss.min() - step_m / 2), float(ss.max() + step_m / 2))


def predict(scenario: Scenario | None = None, progress=None, warn=None, per_lesion: bool = True) -> Prediction:
    """Predict the lesion of a cordotomy scenario.

    Parameters
    ----------
    scenario : Scenario, optional
        ``kind = "cordotomy"``; default :func:`cordotomy_scenario`.
    progress : callable, optional
        progress(t_s, t_end_s) after every time step.
    warn : callable, optional
        warn(message) for each warning known before the run starts (a long
        run, an exposed tip outside the cord); they are in
        ``summary["warnings"]`` too.
    per_lesion : bool
        Measure the lesion against the tracts after every lesion of the
        protocol (``summary["per_lesion"]``).  False measures the last one
        only (the list then holds that lesion alone), for callers that read
        only the final answer: the metrics take more CPU time than the
        reduced model's simulation.

    Returns
    -------
    Prediction

    Raises
    ------
    ConfigError
        Invalid placement, or a grid larger than the memory available.
    ImplausibleResultError
        An answer no tissue can give (:mod:`rfsim.physics.plausibility`).
    """
    t0 = time.perf_counter()
    scenario = scenario or cordotomy_scenario()
    anatomy, placement, path, domain = build(scenario)
    early = before_run(scenario, path, domain)
    for w in early if warn is not None else ():
        warn(w)
    res = simulate(domain, scenario.protocol, scenario.generator, scenario.damage, scenario.numerics, progress)
    late = check_result(res.series, scenario.protocol, scenario.generator)
    target = placement.target
    measured = []
    for i in range(len(res.after_lesion)) if per_lesion else [len(res.after_lesion) - 1]:
        size, sampler = _size_and_sampler(domain, res.after_lesion[i], path)
        m = tract_metrics(sampler, anatomy, path, size, scenario.verdict, target)
        measured.append({"lesion": i + 1, **size.as_mm(), **m})
    final = dict(measured[-1])
    final.pop("lesion")
    s = res.series
    rf = np.isfinite(s["impedance_ohm"])
    summary = {
        "rfsim_version": __version__,
        "model": scenario.model,
        "anatomy": anatomy.source,
        "side": placement.side,
        "target": target,
        "offset_mm": placement.offset_m * 1e3,
        "depth_mm": placement.depth_m * 1e3,
        "electrode_diameter_mm": placement.electrode.diameter_m * 1e3,
        "tip_length_mm": placement.electrode.tip_length_m * 1e3,
        "set_temperature_c": [les.set_temperature_c for les in scenario.protocol.lesions],
        "duration_s": [les.duration_s for les in scenario.protocol.lesions],
        "lesions": len(scenario.protocol.lesions),
        "impedance_ohm": float(s["impedance_ohm"][rf][0]) + scenario.generator.series_resistance_ohm,
        **final,
        "peak_power_w": float(s["power_w"].max()),
        "final_voltage_v": float(s["voltage_v"][rf][-1]),
        "max_tissue_temperature_c": float(s["max_tissue_temperature_c"].max()),
        "per_lesion": measured,
        "cells": domain.grid.ncells,
        "steps": res.steps,
    }
    if summary["max_tissue_temperature_c"] >= 100.0:
        summary["warnings"] = summary["warnings"] + [
            f"tissue reaches {summary['max_tissue_temperature_c']:.0f} C (at the edge of the exposed tip): "
            "boiling and an impedance rise are likely; the model does not include them"]
    summary["warnings"] = summary["warnings"] + late + early
    summary["runtime_s"] = time.perf_counter() - t0
    return Prediction(scenario, anatomy, placement, path, res, summary)


def before_run(scenario: Scenario, path: NeedlePath, domain) -> list:
    """Warnings about a prediction known before it runs: the exposed tip partly
    outside the cord, and a long run (:mod:`rfsim.physics.resources`)."""
    out = []
    outside_m = path.tip_length_m - path.depth_m
    if outside_m > TIP_OUTSIDE_TOLERANCE_M:
        out.append(f"{outside_m * 1e3:.2f} mm of the {path.tip_length_m * 1e3:g} mm exposed tip lies outside the "
                   f"cord (the tip end is {path.depth_m * 1e3:g} mm past the pia): it heats the pia and the CSF, "
                   "which the thermocouple at the tip end does not sense; place the tip deeper than its length")
    est = estimate_run(domain.grid.ncells, domain.grid.geometry, scenario.protocol, scenario.generator,
                       scenario.numerics)
    long_run = est.warning(scenario.numerics.dt_max_s)
    if long_run:
        out.append(long_run)
    return out


def cross_section(prediction: Prediction) -> CrossSection:
    """The cumulative lesion, the peak temperature and the cord and tract
    fractions in the axial plane through the middle of the exposed tip (the
    plane of the metrics), for figures."""
    dom, dmg, path = prediction.result.domain, prediction.result.damage, prediction.path
    ras = raster(prediction.anatomy)
    z = path.mid_tip_m[2]
    lesion = ras.sample(sampler_for(dom, dmg.criterion(), path), z) >= 0.0
    tpeak = ras.sample(sampler_for(dom, dmg.tpeak, path), z)
    return CrossSection(ras.x_edges, ras.y_edges, z, lesion, tpeak, ras.fractions)


def _tip_tissue(depth_m, pia_m):
    if depth_m < 0:
        return "csf"
    return "pia" if depth_m <= pia_m else "cord"


def impedance_profile(scenario: Scenario | None = None, start_mm: float = -1.0, step_mm: float = 0.25) -> list:
    """Impedance as the electrode advances along its path, in the scenario's
    model (layered or 3-D), plus the generator's series resistance.

    The needle line of the scenario's placement is kept; the tip end moves from
    ``start_mm`` (negative: still in the CSF) through 0 (touching the pia) to
    the placement's depth, in steps of ``step_mm``.

    Returns
    -------
    list of dict
        ``{"depth_mm", "impedance_ohm", "tissue"}`` with tissue ``csf``, ``pia``
        or ``cord`` for where the tip end is.
    """
    scenario = scenario or cordotomy_scenario()
    require_number("start_mm", start_mm)
    require_number("step_mm", step_mm)
    if not -5.0 <= start_mm < 0.0:
        raise ConfigError("start_mm", start_mm, "must lie in [-5, 0) mm (the tip starts in the CSF)")
    if not 0.01 <= step_mm <= 2.0:
        raise ConfigError("step_mm", step_mm, "must lie in [0.01, 2] mm")
    anatomy, placement, path = place(scenario)
    layers = axisymmetric_layers(anatomy, placement, path=path, tissues=_tissue_overrides(scenario))
    if scenario.model == "axisymmetric":
        require_extent(layers, placement.electrode.tip_length_m, scenario.mesh)
    names = [t.name for _, t in layers]
    pia_top = layers[names.index("pia")][0]  # outer pia surface, in tip coordinates of the final placement
    pia_thickness = pia_top - layers[names.index("pia") - 1][0]
    depth_final = placement.depth_m
    depths = np.unique(np.round(np.concatenate([np.arange(start_mm, depth_final * 1e3 + 1e-9, step_mm),
                                                [0.0, depth_final * 1e3]]), 6))
    if scenario.model == "3d":  # the same readings on the 3-D grid (rfsim.cordotomy.insertion3d)
        z3 = impedance_at_depths(anatomy, placement, depths * 1e-3, replace(CARTESIAN_MESH, refine=scenario.mesh.refine),
                                 {t.name: t for t in scenario.tissues}, scenario.numerics.linear_rtol)
        return [{"depth_mm": float(dmm), "impedance_ohm": z + scenario.generator.series_resistance_ohm,
                 "tissue": _tip_tissue(dmm * 1e-3, pia_thickness)} for dmm, z in zip(depths, z3)]
    out = []
    for dmm in depths:
        shift = depth_final - dmm * 1e-3  # how far back the tip is from its final place
        shifted = [(z - shift if math.isfinite(z) else z, t) for z, t in layers]
        # layers now below the tip end by more than the domain are dropped
        shifted = [(z, t) for z, t in shifted if z > -0.5 * scenario.mesh.extent_m] or shifted[-1:]
        dom = layered_axisymmetric(shifted, placement.electrode, scenario.mesh)
        z = ElectricSolver(dom, scenario.numerics.linear_rtol).solve(np.full(dom.grid.shape, dom.temperature_c))
        out.append({"depth_mm": float(dmm),
                    "impedance_ohm": float(z.impedance_ohm) + scenario.generator.series_resistance_ohm,
                    "tissue": _tip_tissue(dmm * 1e-3, pia_thickness)})
    return out

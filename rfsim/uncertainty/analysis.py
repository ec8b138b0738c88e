"""``rfsim predict --uncertainty N`` in Python: N draws over the declared
uncertainties around one placement, and the answer a planner reads.

    from rfsim.uncertainty import predict_uncertainty
    u = predict_uncertainty(scenario, n=200, seed=0)
    u.summary["p_relief"], u.summary["p_relief_ci"]

The draws run on the reduced model unless ``full``; its measured error is in
``summary["reduced_model"]`` (rfsim.uncertainty.fidelity).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, replace

import numpy as np

from rfsim.errors import ConfigError
from rfsim.sweep.execute import start_local_pool, stop_local_pool
from rfsim.sweep.worker import warm_scenario
from rfsim.uncertainty import fidelity
from rfsim.uncertainty.declared import active_uncertainties
from rfsim.uncertainty.draws import (check_draws, draw_runs, draw_values, nominal_text, pam50_folder,
                                    reduced_settings)
from rfsim.uncertainty.engine import check_workers, execute_runs, store_meta
from rfsim.uncertainty.probability_map import SHAPE_3D, extract_lesion_map, extract_lesion_maps, probability
from rfsim.uncertainty.summary import summarize_draws
from rfsim.version import __version__


@dataclass(eq=False)
class UncertaintyResult:
    """A finished uncertainty answer.

    Attributes
    ----------
    scenario : rfsim.scenario.config.Scenario
        The nominal scenario.
    summary : dict
        JSON-ready: the keys of ``rfsim predict --uncertainty N --json``
        (docs/uncertainty.md).
    probability_map : ndarray
        Share of draws lesioned at each cell of the normalised raster
        (rfsim.uncertainty.probability_map).
    rows : list of dict
        One store row per draw.
    volume_probability : ndarray or None
        With ``volume_map``: the share of draws lesioned at each cell of the
        3-D normalised raster (``probability_map.SHAPE_3D``), for NIfTI output.
    """

    scenario: object
    summary: dict
    probability_map: np.ndarray
    rows: list
    volume_probability: np.ndarray | None = None

    def figure(self):
        """The figure of ``rfsim predict --uncertainty N --plot``: the lesion's
        10, 50 and 90 % probability contours over the nominal cross-section
        (a matplotlib Figure)."""
        from rfsim.plots.uncertainty import probability_figure
        from rfsim.prediction import place
        from rfsim.uncertainty.probability_map import on_anatomy

        anatomy, placement, needle = place(self.scenario)
        return probability_figure(anatomy, placement, needle, on_anatomy(self.probability_map, anatomy),
                                  self.summary)


#: Uncertainties of the anatomy itself, which a patient's images fix.
_IMAGE_GIVEN = ("anatomy.ap_mm", "anatomy.rl_mm", "anatomy.source")


def usable_uncertainties(scenario) -> tuple:
    """(active uncertainties, notes): with a patient's images the cord's size
    and the atlas choice are held (the images give them); otherwise the
    anatomy choice is dropped, with a note, when no PAM50 atlas is found on
    this machine."""
    active = active_uncertainties(scenario)
    notes = []
    if scenario.anatomy.source == "patient":
        held = [a.name for a in active if set(a.declared.keys) & set(_IMAGE_GIVEN)]
        if held:
            active = tuple(a for a in active if a.name not in held)
            notes.append(f"{', '.join(held)} held: the patient's images give the cord's size and shape "
                         f"(their segmentation error is not drawn)")
    elif any(a.distribution is None for a in active):
        import importlib.util

        why = ("no PAM50 atlas found (set [anatomy] pam50_folder or $SCT_DIR)" if pam50_folder(scenario) is None
               else "nibabel is not installed (pip install 'rfsim[atlas]')"
               if importlib.util.find_spec("nibabel") is None else "")
        if why:
            active = tuple(a for a in active if a.distribution is not None)
            notes.append(f"anatomy source held at {scenario.anatomy.source}: {why}")
    if not active:
        raise ConfigError("uncertainty", "[uncertainty]", "every uncertainty is held fixed: nothing to draw")
    return active, notes


def predict_uncertainty(scenario=None, n: int = 200, seed: int = 0, workers: int | None = None,
                        scheduler: str | None = None, store=None, full: bool = False, check: int = 0,
                        progress=False, volume_map: bool = False) -> UncertaintyResult:
    """N draws over the declared uncertainties of a cordotomy placement.

    Parameters
    ----------
    scenario : Scenario, optional
        The nominal cordotomy scenario (default: rfsim.prediction.cordotomy_scenario());
        its ``[uncertainty]`` table overrides the declared defaults.
    n : int
        Draws, 1 to 100000.
    seed : int
        Seed of every draw (>= 0): the same seed gives the same answer.
    workers, scheduler, store :
        As :func:`rfsim.uncertainty.engine.execute_runs` (``store`` resumes).
    full : bool
        Run the full model instead of the reduced one.
    check : int
        Also run the first ``check`` draws with the full model and report the
        reduced model's error on them (``reduced_model.check``).
    progress : bool or callable
        True: a progress bar on stderr; a callable: ``progress(done, total)``
        after each draw.
    volume_map : bool
        Also record each draw's lesion in 3-D (``volume_probability``; about
        13 kB a draw in the store), as ``--nifti`` needs.

    Returns
    -------
    UncertaintyResult
    """
    from rfsim.prediction import cordotomy_scenario

    t0 = time.perf_counter()
    scenario = scenario or cordotomy_scenario()
    check_draws(n)
    if isinstance(check, bool) or not isinstance(check, int) or not 0 <= check <= n:
        raise ConfigError("--check", check, f"must be a whole number from 0 to the draws ({n})")
    check_workers(workers)
    pool = _early_pool(scenario, workers, scheduler, full)
    try:
        return _predict(scenario, n, seed, workers, scheduler, store, full, check, progress, volume_map, pool, t0)
    finally:
        if pool is not None:
            stop_local_pool(pool)  # ended already unless something failed or nothing was left to run


def _early_pool(scenario, workers, scheduler, full):
    """The local workers, started before the draws are made so that their
    start-up and warm-up (about a second each) overlap this process's
    (building the nominal placement, making the draws' scenarios); None for
    a Dask cluster or ``workers=0``."""
    if scheduler is not None or workers == 0:
        return None
    try:
        warm = warm_scenario(nominal_text(scenario, reduced=not full))
    except ConfigError:  # the nominal placement is checked (and reported) below; warm up on the first draw
        warm = None
    return start_local_pool(workers or os.cpu_count() or 1, warm)


def _predict(scenario, n, seed, workers, scheduler, store, full, check, progress, volume_map, pool, t0):
    """The rest of :func:`predict_uncertainty`, on the workers of ``pool`` if not None."""
    from rfsim.prediction import build

    anatomy, placement, _, _ = build(scenario)  # the nominal placement must itself be valid
    active, notes = usable_uncertainties(scenario)
    values = draw_values(active, n, seed)
    runs = draw_runs(scenario, active, values, n, reduced=not full)
    if check and not full:
        first = {k: v[:check] for k, v in values.items()}
        extra = draw_runs(scenario, active, first, check, reduced=False, first_index=len(runs))
        runs += [replace(r, point=1) for r in extra]  # point 1: the full-model check
    spec = {"kind": "uncertainty", "base": _base_text(scenario), "n": n, "seed": seed, "full": full,
            "check": check, "uncertainties": [a.as_dict() for a in active]}
    if volume_map:  # rows without the 3-D map cannot serve a run that needs it
        spec["volume_map"] = True
    meta = store_meta(spec, runs, 2 if check and not full else 1, n, seed, [a.name for a in active])
    res = execute_runs(runs, meta, store, workers, scheduler, progress=progress,
                       extract=extract_lesion_maps if volume_map else extract_lesion_map, pool=pool)
    rows = [r for r in res["rows"] if r["point"] == 0]
    vh = scenario.verdict.ventral_horn_warning_fraction
    summary = {"rfsim_version": __version__, "model": scenario.model, "anatomy": scenario.anatomy.source,
               "side": placement.side, "target": placement.target, "offset_mm": placement.offset_m * 1e3,
               "depth_mm": placement.depth_m * 1e3, "seed": seed, **summarize_draws(rows, vh)}
    summary["uncertainties"] = [a.as_dict() for a in active]
    summary["notes"] = notes
    if full:
        summary["reduced_model"] = None
    else:
        cal = fidelity.calibration()
        summary["reduced_model"] = {**reduced_settings(scenario), "calibration": cal, "check": None}
        if check:
            full_rows = [dict(r, point=0) for r in res["rows"] if r["point"] == 1]
            summary["reduced_model"]["check"] = fidelity.compare(full_rows, rows[:check], vh)
    summary["resumed_draws"] = res["resumed"]
    summary["runtime_s"] = time.perf_counter() - t0
    ok = [r for r in rows if r.get("status") == "ok"]
    pmap = probability(r.get("metric/lesion_map") for r in ok)
    vol = probability((r.get("metric/lesion_volume_map") for r in ok), SHAPE_3D) if volume_map else None
    return UncertaintyResult(scenario, summary, pmap, rows, vol)


def _base_text(scenario) -> str:
    from rfsim.scenario.writer import to_toml

    return to_toml(replace(scenario, uncertainty=None))

"""Running draws: through the sweep's workers (local processes, this process,
or a Dask cluster) into the sweep's results store, so that an interrupted
uncertainty, cohort or optimisation run resumes like a sweep.

The store is an ordinary sweep store (:mod:`rfsim.sweep.store`, format
``rfsim-sweep-1``): one row per draw with the draw's values as ``param/NAME``
and the prediction as ``metric/...`` (plus ``metric/lesion_map``, the packed
lesion mask of :mod:`rfsim.uncertainty.probability_map`).  ``rfsim
sweep-report`` reads it too.  Its ``spec`` attribute is the canonical JSON of
what was asked (base scenario, uncertainties, draws, seed, model), so a resume
with other settings is refused.
"""

from __future__ import annotations

import json
import contextlib
import os
import time
from pathlib import Path

from rfsim.errors import ConfigError
from rfsim.sweep.execute import make_tasks, run_tasks_locally, run_tasks_on_dask, run_tasks_serially
from rfsim.sweep.progress import Progress
from rfsim.sweep.lock import StoreLock
from rfsim.sweep.store import SweepWriter, journal_path, prepare
from rfsim.uncertainty import draws


#: The metrics of a draw kept in its row: what the answers read.  Every key of
#: ``rfsim predict --json`` (68 columns with the per-lesion lists) would make
#: each stored row three times as slow to append.
KEEP_METRICS = ("relief_predicted", "cst_spared", "cst_lesioned_fraction", "cst_margin_mm",
                "ventral_horn_lesioned_fraction", "cord_area_fraction", "cord_volume_fraction", "stt_zone_coverage",
                "lesion_width_mm", "lesion_volume_mm3", "lesion_depth_mm", "offset_mm", "depth_mm", "impedance_ohm",
                "lesion_map", "lesion_volume_map")


def _row(run, result: dict) -> dict:
    """A store row (the layout of rfsim.sweep.store), with the metrics of KEEP_METRICS."""
    row = {"run": run.index, "point": run.point, "sample": run.sample}
    row.update({f"param/{k}": v for k, v in run.params})
    row.update(scenario_hash=run.scenario_hash, status=result["status"], error=result["error"])
    for k, v in (result["summary"] or {}).items():
        if k not in KEEP_METRICS:
            continue
        if isinstance(v, dict):
            row.update({f"metric/{k}.{kk}": vv for kk, vv in v.items()})
        else:
            row[f"metric/{k}"] = v
    row.update({f"info/{k}": v for k, v in result.get("info", {}).items()})
    return row


def store_meta(spec: dict, runs, n_points: int, n_samples: int, seed: int, keys) -> dict:
    """The store's root attributes for runs made from ``spec`` (a JSON-able dict).

    A reduced-model spec (``full`` false) records the reduced model's factors,
    so that a store of draws made with other ones is not resumed."""
    if spec.get("full") is False:
        spec = {**spec, "reduced_model": {"mesh_refine": draws.REDUCED_REFINE, "steps": draws.REDUCED_STEPS}}
    return {"spec": json.dumps(spec, sort_keys=True), "spec_text": "", "design_keys": [],
            "uncertain_keys": list(keys), "n_runs": len(runs), "n_points": n_points, "n_samples": n_samples,
            "seed": seed}


def check_workers(workers) -> None:
    """ConfigError naming ``--workers`` unless ``workers`` is None or a whole number >= 0."""
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 0):
        raise ConfigError("--workers", workers, "must be a whole number >= 0 (0: in this process)")


def execute_runs(runs, meta: dict, store=None, workers: int | None = None, scheduler: str | None = None,
                 extract=None, prepare_hook=None, progress=False, pool=None) -> dict:
    """Run ``runs`` (or the part of them not yet in ``store``) and return every row.

    Parameters
    ----------
    runs : list of rfsim.sweep.spec.RunSpec
    meta : dict
        From :func:`store_meta`.
    store : path, optional
        The results store: resumed when it exists (the runs already in it, by
        index and scenario hash, are not run again), created otherwise.
        Without one, rows are kept in memory only (nothing to resume).
    workers : int, optional
        Local worker processes (default: one per core); 0 runs in this process.
    scheduler : str, optional
        Address of a Dask scheduler to run on instead.
    extract, prepare_hook : callable, optional
        Worker hooks (:func:`rfsim.sweep.execute.run_tasks_locally`).
    progress : bool or callable
        True: show progress on stderr; a callable: ``progress(done, total)``
        after each run (the planning page's progress bar).
    pool : optional
        The local workers, started by the caller
        (:func:`rfsim.sweep.execute.start_local_pool`) so that they start up
        while the runs are made; used when there are runs to make locally,
        and otherwise left to the caller to stop.

    Returns
    -------
    dict
        ``rows`` (list of row dicts, in run order), ``ran`` (runs made now),
        ``resumed`` (rows found in the store), ``seconds`` (wall time of the
        runs made now, s).
    """
    check_workers(workers)
    # one writer per store: held from reading the store until its rows are written
    with StoreLock(store, "--store") if store is not None else contextlib.nullcontext():
        existing = []
        if store is not None:
            store = Path(store)
            try:
                existing = prepare(store, meta, resume=True).rows
            except ConfigError as e:
                raise ConfigError("--store", str(store), e.allowed) from None
        # a stored row whose run now has another scenario is run again and
        # replaced, as a sweep's resume does (rfsim.sweep.execute._kept)
        now = {r.index: r.scenario_hash for r in runs}
        existing = [r for r in existing if now.get(r["run"], r["scenario_hash"]) == r["scenario_hash"]]
        done = {(r["run"], r["scenario_hash"]) for r in existing}
        keep = {r.index for r in runs}
        rows = [r for r in existing if r["run"] in keep]
        todo = [r for r in runs if (r.index, r.scenario_hash) not in done]
        stats = {"resumed": len(rows), "ran": 0, "seconds": 0.0}
        t0 = time.perf_counter()
        # without a store nothing can be resumed, so nothing is written (each stored row costs an fsync
        # and two HDF5 flushes)
        with (SweepWriter(store, meta, existing) if store is not None else _Memory()) as writer:
            for r in (r for r in todo if r.error):
                row = _row(r, {"status": "failed", "error": r.error, "summary": None})
                writer.append(row)
                rows.append(row)
            todo = [r for r in todo if not r.error]
            if todo:
                tasks = make_tasks(todo, per_lesion=False)  # a row keeps the final lesion's metrics only
                by_index = {r.index: r for r in todo}
                if scheduler:
                    results = run_tasks_on_dask(tasks, scheduler, extract, prepare_hook)
                elif workers == 0:
                    results = run_tasks_serially(tasks, extract, prepare_hook)
                else:
                    results = run_tasks_locally(tasks, workers or os.cpu_count() or 1, extract, prepare_hook, pool)
                bar = (_Calls(progress, len(runs), len(runs) - len(todo)) if callable(progress)
                       else Progress(len(runs), len(runs) - len(todo)) if progress else None)
                try:
                    for task, result in results:
                        row = _row(by_index[task.index], result)
                        writer.append(row)
                        rows.append(row)
                        stats["ran"] += 1
                        if bar:
                            bar.update(result["status"] == "ok")
                finally:
                    results.close()
                    if bar:
                        bar.close()
    stats["seconds"] = time.perf_counter() - t0
    rows.sort(key=lambda r: r["run"])
    stats["rows"] = rows
    return stats


class _Calls:
    """Progress reported to a function instead of stderr (the methods of Progress that execute_runs uses)."""

    def __init__(self, report, total: int, done: int):
        self.report, self.total, self.done = report, total, done
        report(done, total)

    def update(self, ok: bool):
        self.done += 1
        self.report(self.done, self.total)

    def close(self):
        pass


class _Memory:
    """A stand-in for the store when none is asked for: rows stay in memory."""

    def __enter__(self):
        return self

    def append(self, row):
        pass

    def __exit__(self, *exc):
        return False


def store_is_partial(store) -> bool:
    """True when ``store`` has a journal (an interrupted run to resume)."""
    return journal_path(store).exists()

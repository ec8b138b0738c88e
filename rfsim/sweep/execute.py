"""Running a sweep: workers, the local process pool or a Dask cluster, and the
coordinator that stores one row per run.

Workers receive a run's scenario as TOML text and send back the summary of its
prediction (and any series); only the coordinating process writes the store
(:mod:`rfsim.sweep.store`).  Each worker process warms up once, on its first
task, so that no run pays for loading or compiling the Numba kernels.

The command line imports this package on every command, so the model, Numba,
Dask and tqdm are imported inside the functions that need them.
"""

from __future__ import annotations

import os
import threading
import time
import tomllib
from dataclasses import dataclass

import numpy as np

from rfsim.errors import ConfigError
from rfsim.sweep.progress import Progress
from rfsim.sweep.spec import RunSpec, Sweep
from rfsim.sweep.store import SweepWriter, prepare


# --------------------------------------------------------------------------
# worker side
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Task:
    """What a worker needs for one run (small to pickle: TOML text, not objects).

    Attributes
    ----------
    index : int
        The run's index in the sweep.
    scenario : str
        The run's full scenario (TOML).
    series : tuple of str
        Time series to send back.
    warm : str
        The warm-up scenario (TOML) a fresh worker runs first.
    """

    index: int
    scenario: str
    series: tuple
    warm: str


_WARM_LOCK = threading.Lock()
_WARMED = False


def _jit_specialisations() -> int:
    """Compiled (or cache-loaded) specialisations of rfsim's Numba kernels in
    this process; it must not grow from run to run once a worker is warm."""
    from rfsim.numerics import kernels

    return sum(len(v.overloads) for v in vars(kernels).values() if hasattr(v, "overloads"))


def _warm_up(scenario_toml: str) -> None:
    """Once per worker process: load (or compile) the Numba kernels from the
    on-disk cache and build the anatomy, by a short prediction, so that no run
    pays for it.  Threads of one Dask worker share the process, hence the lock."""
    global _WARMED
    with _WARM_LOCK:
        if _WARMED:
            return
        from rfsim.scenario.config import parse_scenario
        from rfsim.predict import predict

        try:
            predict(parse_scenario(tomllib.loads(scenario_toml)))
        except Exception:  # noqa: BLE001 - a bad first scenario is reported by its own run
            pass
        _WARMED = True


def _execute(task: Task, extract=None, prepare=None) -> dict:
    """Run one prediction; never raises for a failed run (it returns the error).

    ``prepare(scenario) -> scenario`` (optional) changes the scenario in the
    worker before it runs; ``extract(prediction) -> dict`` (optional) adds keys
    to the run's summary.  Both must be module-level functions (pickled)."""
    import socket

    from rfsim.scenario.config import parse_scenario
    from rfsim.predict import predict

    _warm_up(task.warm)
    before = _jit_specialisations()
    t0 = time.perf_counter()
    out = {"status": "ok", "error": "", "summary": None, "series": {}}
    try:
        sc = parse_scenario(tomllib.loads(task.scenario))
        p = predict(prepare(sc) if prepare is not None else sc)
        out["summary"] = {**p.summary, **extract(p)} if extract is not None else p.summary
        out["series"] = {n: np.asarray(p.result.series[n], float) for n in task.series}
    except Exception as e:  # noqa: BLE001 - a failed run is recorded and the sweep goes on
        out["status"], out["error"] = "failed", f"{type(e).__name__}: {e}".replace("\n", " ")
    out["info"] = {"worker": f"{socket.gethostname()}:{os.getpid()}", "wall_s": time.perf_counter() - t0,
                   "jit_new": _jit_specialisations() - before}
    return out


def _warm_scenario(run: RunSpec) -> str:
    """The run's scenario shortened to one brief lesion: enough to load every
    kernel specialisation the sweep uses (same model, same array types)."""
    from rfsim.scenario.config import parse_scenario, to_toml

    data = tomllib.loads(run.scenario)
    les = data["protocol"]["lesion"][0]
    data["protocol"] = {"cooling_s": 1.0, "set_temperature_c": les["set_temperature_c"], "duration_s": 1.0,
                        "lesions": 1}
    data["generator"]["ramp_s"] = min(data["generator"]["ramp_s"], 1.0)
    return to_toml(parse_scenario(data))


def make_tasks(runs, series=()) -> list:
    """The worker tasks of ``runs``, all warming up on a short version of the
    first run's scenario.

    Parameters
    ----------
    runs : list of RunSpec
        Runs with a valid scenario (``error`` empty), at least one, from
        :meth:`rfsim.sweep.spec.Sweep.runs`.
    series : tuple of str
        Time series every run sends back.

    Returns
    -------
    list of Task
    """
    warm = _warm_scenario(runs[0])
    return [Task(r.index, r.scenario, tuple(series), warm) for r in runs]


# --------------------------------------------------------------------------
# executors
# --------------------------------------------------------------------------

def _one_thread():
    """Local worker start-up: the sweep already runs a process per core, so each
    run's kernels keep to one thread instead of competing for the same cores."""
    import numba

    numba.set_num_threads(1)


def _worker(extract, prepare):
    """The function a worker runs per task (with the optional hooks bound)."""
    if extract is None and prepare is None:
        return _execute
    from functools import partial

    return partial(_execute, extract=extract, prepare=prepare)


def run_tasks_serially(tasks, extract=None, prepare=None):
    """Yield (task, result) running each task in this process, in order (for
    tests and tiny runs); results as :func:`run_tasks_locally`."""
    work = _worker(extract, prepare)
    for t in tasks:
        yield t, work(t)


def run_tasks_locally(tasks, workers: int, extract=None, prepare=None):
    """Yield (task, result) as runs finish on ``workers`` local processes.

    Parameters
    ----------
    tasks : list of Task
    workers : int
        Worker processes, >= 1.
    extract, prepare : callable, optional
        Hooks run in the worker (see ``_execute``): module-level functions.

    Yields
    ------
    (Task, dict)
        The task and its result: ``status`` ("ok" or "failed"), ``error``,
        ``summary`` (as ``rfsim predict --json``; None if failed), ``series``
        and ``info`` (``worker``, ``wall_s`` in s, ``jit_new``).
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # spawn (not fork): the coordinator has HDF5 files and threads open, and
    # spawned workers behave the same on every platform
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_one_thread) as pool:
        work = _worker(extract, prepare)
        futures = {pool.submit(work, t): t for t in tasks}
        try:
            for fut in as_completed(futures):
                yield futures.pop(fut), fut.result()
        finally:
            for fut in futures:
                fut.cancel()


def run_tasks_on_dask(tasks, address: str, extract=None, prepare=None):
    """Yield (task, result) as runs finish on the Dask cluster at ``address``
    (``tcp://host:8786``); results and hooks as :func:`run_tasks_locally`."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise ConfigError("--scheduler", address, "needs dask.distributed: pip install \"rfsim[dask]\"") from None
    try:
        client = Client(address, set_as_default=False, timeout="20s")
    except (OSError, TimeoutError) as e:
        raise ConfigError("--scheduler", address, f"no Dask scheduler answers there ({e})") from None
    # as_current: as_completed looks the client up; set_as_default=False kept
    # it from becoming the caller's global default
    with client, client.as_current():
        futures = client.map(_worker(extract, prepare), tasks, pure=False)
        by_key = {f.key: t for f, t in zip(futures, tasks)}
        done = as_completed(futures)
        del futures  # held by as_completed only, so each is released once yielded
        for fut in done:
            yield by_key.pop(fut.key), fut.result()


# --------------------------------------------------------------------------
# the coordinator
# --------------------------------------------------------------------------

def _row(run: RunSpec, result: dict) -> dict:
    """A store row: indices, parameters, hash, status, metrics, run info."""
    row = {"run": run.index, "point": run.point, "sample": run.sample}
    row.update({f"param/{k}": v for k, v in run.params})
    row.update(scenario_hash=run.scenario_hash, status=result["status"], error=result["error"])
    if result["summary"] is not None:
        for k, v in result["summary"].items():
            if isinstance(v, dict):
                row.update({f"metric/{k}.{kk}": vv for kk, vv in v.items()})
            else:
                row[f"metric/{k}"] = v  # lists are stored as JSON
    row.update({f"info/{k}": v for k, v in result.get("info", {}).items()})
    row.update({f"series/{k}": v for k, v in result["series"].items()})
    return row


def run_sweep(spec: Sweep, out, workers: int | None = None, scheduler: str | None = None, resume: bool = False,
              progress: bool = True, log_every_s: float = 10.0) -> dict:
    """Run a sweep and store one row per run in an HDF5 file.

    Parameters
    ----------
    spec : Sweep
    out : path
        The results store (:mod:`rfsim.sweep.store`).  Must not exist unless
        ``resume``.
    workers : int, optional
        Local worker processes (default: one per core).  Ignored with ``scheduler``.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``) to run on instead.
    resume : bool
        Continue an interrupted sweep: runs already in ``out`` (by run index and
        scenario hash) are skipped.
    progress : bool
        Show progress on stderr.
    log_every_s : float
        Seconds between log lines when stderr is not a terminal (s).

    Returns
    -------
    dict
        ``runs`` (total), ``skipped`` (already done), ``ran``, ``failed`` (of
        those run now), ``seconds`` (wall time of the runs, s).
    """
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ConfigError("--workers", workers, "must be a whole number >= 1")
    runs = spec.runs()  # every scenario is built and checked before a file is touched
    meta = {"spec": spec.canonical(), "spec_text": spec.text, "design_keys": list(spec.design_keys),
            "uncertain_keys": list(spec.uncertain_keys), "n_runs": len(runs), "n_points": spec.n_points,
            "n_samples": spec.n_samples, "seed": spec.seed}
    existing = prepare(out, meta, resume)
    done = {(r["run"], r["scenario_hash"]) for r in existing}
    todo = [r for r in runs if (r.index, r.scenario_hash) not in done]
    stats = {"runs": len(runs), "skipped": len(runs) - len(todo), "ran": 0, "failed": 0, "seconds": 0.0}
    with SweepWriter(out, meta, existing) as store:
        # invalid Monte Carlo scenarios fail in the coordinator: no worker needed
        for r in (r for r in todo if r.error):
            store.append(_row(r, {"status": "failed", "error": r.error, "summary": None, "series": {}}))
        todo = [r for r in todo if not r.error]
        stats["failed"] = stats["ran"] = len(runs) - stats["skipped"] - len(todo)
        if not todo:
            return stats
        tasks = make_tasks(todo, spec.series)
        by_index = {r.index: r for r in todo}
        bar = Progress(len(runs), len(runs) - len(todo), every_s=log_every_s) if progress else None
        t0 = time.perf_counter()
        results = (run_tasks_on_dask(tasks, scheduler) if scheduler
                   else run_tasks_locally(tasks, workers or os.cpu_count() or 1))
        try:
            for task, result in results:
                store.append(_row(by_index[task.index], result))
                stats["ran"] += 1
                stats["failed"] += result["status"] != "ok"
                if bar:
                    bar.update(result["status"] == "ok")
        finally:
            results.close()
            if bar:
                bar.close()
        stats["seconds"] = time.perf_counter() - t0
    return stats

"""Running a sweep: the local process pool or a Dask cluster, and the
coordinator that stores one row per run.

The coordinator streams: it builds each run's scenario when a worker is about
to need it (a bounded number of tasks is in flight), so a sweep of millions of
runs starts at once and its memory does not grow with the number of runs.  Only
the coordinating process writes the store (:mod:`rfsim.sweep.store`), and it
holds the store's lock (:mod:`rfsim.sweep.lock`) while it does.  Workers
(:mod:`rfsim.sweep.worker`) get a run's scenario as TOML and send back its
summary.

The command line imports this package on every command, so the model, Dask and
tqdm are imported inside the functions that need them.
"""

from __future__ import annotations

import itertools
import os
import re
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from rfsim.errors import ConfigError
from rfsim.sweep.guard import GUARD_ADVICE, WorkerStartError, check_main_guard
from rfsim.sweep.lock import StoreLock
from rfsim.sweep.parameters import shown
from rfsim.sweep.progress import Progress
from rfsim.sweep.spec import RunSpec, Sweep
from rfsim.sweep.store import SweepWriter, check_store_path, journal_path, prepare
from rfsim.sweep.worker import Task, make_tasks, start_local_worker, task_function

__all__ = ["Task", "check_scheduler", "connect_scheduler", "make_tasks", "run_sweep", "run_tasks_locally", "run_tasks_serially",
           "run_tasks_on_dask", "start_local_pool", "stop_local_pool", "store_row", "sweep_meta"]

#: Most local worker processes (a typo guard: each is a Python process).
MAX_WORKERS = 1024
#: Seconds to wait for a Dask scheduler to answer before giving up.
CONNECT_TIMEOUT_S = 5.0
#: Tasks in flight per worker thread: enough to keep every worker busy while
#: the coordinator stores results, few enough that memory stays flat.
IN_FLIGHT_PER_WORKER = 2
# [protocol://]host:port, host a name, an IPv4 address or a bracketed IPv6 one
_ADDRESS = re.compile(r"^(?:(tcp|tls|ws|wss|ucx)://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$")
# a scheduler in this process (distributed.LocalCluster(processes=False))
_INPROC = re.compile(r"^inproc://[\x21-\x7e]+$")


def _in_flight(tasks, submit, workers: int):
    """Bounded submission: returns ``pending`` (future -> task) and ``top_up()``,
    which submits ``tasks`` through ``submit(task) -> future`` until
    ``IN_FLIGHT_PER_WORKER * workers`` are pending (or the tasks run out)."""
    pending = {}
    tasks = iter(tasks)
    limit = max(1, IN_FLIGHT_PER_WORKER * workers)

    def top_up():
        while len(pending) < limit:
            task = next(tasks, None)
            if task is None:
                return
            pending[submit(task)] = task

    return pending, top_up


def run_tasks_serially(tasks, extract=None, prepare=None):
    """Yield (task, result) running each task in this process, in order (for
    tests and tiny runs); results and hooks as :func:`run_tasks_locally`."""
    work = task_function(extract, prepare)
    for t in tasks:
        yield t, work(t)


def _started() -> None:
    """A task that does nothing: submitting one per worker makes the pool spawn them."""


def start_local_pool(workers: int, warm: str | None = None):
    """``workers`` local worker processes, started now, for :func:`run_tasks_locally`.

    The workers start up (imports, and with ``warm``, a scenario's TOML from
    :func:`rfsim.sweep.worker.warm_scenario`, the warm-up) while the caller
    prepares the tasks: about a second of each worker's time overlaps the
    caller's.  A pool that :func:`run_tasks_locally` did not run must be
    ended with :func:`stop_local_pool`.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    check_main_guard()  # callers other than run_sweep (rfsim.uncertainty) get the same clear error
    # spawn (not fork): the coordinator has HDF5 files and threads open, and
    # spawned workers behave the same on every platform
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=start_local_worker, initargs=(os.getpid(), warm))
    for _ in range(workers):  # a spawn pool starts a worker per task submitted while none is idle
        pool.submit(_started)
    return pool


def stop_local_pool(pool) -> None:
    """End a pool of :func:`start_local_pool` at once, whatever its workers are
    doing (an error before its tasks, or nothing left to run); nothing
    happens to a pool that :func:`run_tasks_locally` has already shut down."""
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        proc.terminate()  # a worker warming up would read the shutdown only after its warm-up
    pool.shutdown(wait=True, cancel_futures=True)


def run_tasks_locally(tasks, workers: int, extract=None, prepare=None, pool=None):
    """Yield (task, result) as runs finish on ``workers`` local processes.

    Parameters
    ----------
    tasks : iterable of Task
        Taken lazily, a few per worker ahead of the runs.
    workers : int
        Worker processes, >= 1.  They end with the calling process, even if it
        is killed (:func:`rfsim.sweep.worker.follow_coordinator`).
    extract, prepare : callable, optional
        Hooks run in the worker (:func:`rfsim.sweep.worker.run_task`):
        module-level functions.
    pool : optional
        A pool of ``workers`` from :func:`start_local_pool`, already
        starting; shut down here like the one made otherwise.

    Yields
    ------
    (Task, dict)
        The task and its result (:func:`rfsim.sweep.worker.run_task`).
    """
    from concurrent.futures import FIRST_COMPLETED, wait

    work = task_function(extract, prepare)
    with pool or start_local_pool(workers) as pool:
        pending, top_up = _in_flight(tasks, lambda t: pool.submit(work, t), workers)
        try:
            top_up()
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    yield pending.pop(fut), fut.result()
                top_up()
        finally:
            for fut in pending:
                fut.cancel()


def check_scheduler(address) -> tuple:
    """(protocol, host, port) of a Dask scheduler address
    (``[tcp|tls|ws|wss|ucx://]host:port``, or ``inproc://...`` in this
    process: host and port None), or ConfigError; checked before anything
    connects or any file is touched."""
    if isinstance(address, str) and _INPROC.match(address):
        return "inproc", None, None
    m = _ADDRESS.match(address) if isinstance(address, str) else None
    if not m or not 1 <= int(m.group(3)) <= 65535:
        raise ConfigError("--scheduler", shown(address), "must be a Dask scheduler address such as "
                                                         "tcp://host:8786 (protocol tcp, tls, ws, wss or ucx; "
                                                         "port 1-65535)")
    return m.group(1) or "tcp", m.group(2).strip("[]"), int(m.group(3))


async def _identity(address: str, timeout_s: float):
    """The scheduler's answer to ``identity`` (nothing from the peer is
    unpickled: a wrong address may be any server)."""
    from distributed.comm import connect

    comm = await connect(address, timeout=timeout_s, deserialize=False)
    try:
        await comm.write({"op": "identity", "reply": True})
        return await comm.read()
    finally:
        comm.abort()


def connect_scheduler(address: str, timeout_s: float | None = None):
    """A ``distributed.Client`` of the scheduler at ``address``; ConfigError if
    Dask is missing or no Dask scheduler answers within ``timeout_s`` seconds
    (default :data:`CONNECT_TIMEOUT_S`).

    The scheduler is asked who it is before a client is made: a client that
    fails to start blocks for its own timeout again when it is collected, and
    a server that is not Dask's makes it fail in arbitrary ways.
    """
    import asyncio
    import socket

    protocol, host, port = check_scheduler(address)
    timeout_s = CONNECT_TIMEOUT_S if timeout_s is None else timeout_s
    try:
        from distributed import Client
    except ImportError:
        raise ConfigError("--scheduler", address, "needs dask.distributed: pip install \"rfsim[dask]\"") from None
    if protocol == "inproc":
        return Client(address, set_as_default=False, timeout=f"{timeout_s}s")
    if protocol != "ucx":
        # a refused port or an unknown host fails here at once, where Dask
        # would retry until its timeout
        try:
            socket.create_connection((host, port), timeout=timeout_s).close()
        except OSError as e:
            raise ConfigError("--scheduler", address, f"cannot connect ({e.strerror or e})") from None
    try:
        reply = asyncio.run(asyncio.wait_for(_identity(address, timeout_s), timeout_s))
    except Exception as e:  # noqa: BLE001 - whatever the peer does, one line
        lines = str(e).strip().splitlines()
        reply = f"{type(e).__name__}: {lines[0][:80] if lines else ''}"
    if not (isinstance(reply, dict) and reply.get("type") == "Scheduler"):
        reason = reply if isinstance(reply, str) else f"it answered {shown(reply)!r}"
        raise ConfigError("--scheduler", address, f"no Dask scheduler answers there within {timeout_s:g} s "
                                                  f"({reason})")
    try:
        return Client(address, set_as_default=False, timeout=f"{timeout_s}s")
    except (OSError, TimeoutError) as e:
        raise ConfigError("--scheduler", address, f"the Dask scheduler stopped answering ({e})") from None


def run_tasks_on_dask(tasks, scheduler, extract=None, prepare=None):
    """Yield (task, result) as runs finish on a Dask cluster; results and
    hooks as :func:`run_tasks_locally`.

    Parameters
    ----------
    tasks : iterable of Task
        Taken lazily, a few per worker thread ahead of the runs.
    scheduler : str or distributed.Client
        The scheduler's address (``tcp://host:8786``), or a client of it (not
        closed here).

    Notes
    -----
    Dask sends results back pickled: run only on a cluster you trust.
    """
    from distributed import as_completed

    work = task_function(extract, prepare)
    own = isinstance(scheduler, str)
    client = connect_scheduler(scheduler) if own else scheduler
    try:
        # as_current: as_completed looks the client up; set_as_default=False kept
        # it from becoming the caller's global default
        with client.as_current():
            # workers may join later: at least 8 threads' worth in flight
            threads = max(8, sum(client.nthreads().values()))
            pending, top_up = _in_flight(tasks, lambda t: client.submit(work, t, pure=False), threads)
            top_up()
            done = as_completed(list(pending))
            for fut in done:
                task = pending.pop(fut)
                result = fut.result()
                before = set(pending)
                top_up()
                for new in set(pending) - before:
                    done.add(new)
                yield task, result
    finally:
        if own:
            client.close()


# --------------------------------------------------------------------------
# the coordinator
# --------------------------------------------------------------------------

def store_row(run: RunSpec, result: dict) -> dict:
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


def _kept(spec: Sweep, found) -> list:
    """The rows found on ``--resume`` that belong to this sweep: the run index
    and scenario hash of the spec's run (their scenarios are built again)."""
    by_run = {r["run"]: r for r in found.rows}
    if not by_run:
        return []
    return [by_run[r.index] for r in spec.iter_runs(select=by_run.__contains__)
            if by_run[r.index]["scenario_hash"] == r.scenario_hash]


def sweep_meta(spec: Sweep) -> dict:
    """The metadata a store keeps of its sweep (:mod:`rfsim.sweep.store`)."""
    return {"spec": spec.canonical(), "spec_text": spec.text, "design_keys": list(spec.design_keys),
            "uncertain_keys": list(spec.uncertain_keys), "n_runs": spec.n_runs, "n_points": spec.n_points,
            "n_samples": spec.n_samples, "seed": spec.seed}


def run_sweep(spec: Sweep, out, workers: int | None = None, scheduler: str | None = None, resume: bool = False,
              progress: bool = True, log_every_s: float = 10.0) -> dict:
    """Run a sweep and store one row per run in an HDF5 file.

    Every refusal (bad spec, a design point the scenario rejects, an ``out``
    that exists without ``resume``, another sweep writing ``out``, a scheduler
    that does not answer) comes before any file is changed.

    Parameters
    ----------
    spec : Sweep
    out : path
        The results store (:mod:`rfsim.sweep.store`).  Must not exist unless
        ``resume``.
    workers : int, optional
        Local worker processes (default: one per core).  Ignored with ``scheduler``.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``) to run on
        instead.  Dask unpickles what the cluster sends back: use only a
        cluster you trust.
    resume : bool
        Continue an interrupted sweep: runs already in ``out`` (by run index and
        scenario hash, with a valid checksum) are skipped; damaged or
        duplicated rows are left out and run again.
    progress : bool
        Show progress on stderr.
    log_every_s : float
        Seconds between log lines when stderr is not a terminal (s).

    Returns
    -------
    dict
        ``runs`` (total), ``skipped`` (already done), ``ran``, ``failed`` (of
        those run now), ``dropped`` (stored rows left out as damaged,
        duplicated or not of this spec), ``seconds`` (wall time of the runs, s).
    """
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or not 1 <= workers <= MAX_WORKERS):
        raise ConfigError("--workers", shown(workers), f"must be a whole number from 1 to {MAX_WORKERS}")
    if scheduler is not None:
        check_scheduler(scheduler)
    else:
        check_main_guard()  # spawned workers import the main script: refuse before a file is touched
    spec.check()  # every design point's scenario, before a file is touched
    check_store_path(out)
    meta = sweep_meta(spec)
    with StoreLock(out):
        found = prepare(out, meta, resume)
        kept = _kept(spec, found)
        client = connect_scheduler(scheduler) if scheduler else None
        try:
            return _coordinate(spec, out, meta, kept, len(found.rows) - len(kept) + found.dropped, workers, client,
                               progress, log_every_s)
        finally:
            if client is not None:
                client.close()


def _coordinate(spec, out, meta, kept, dropped, workers, client, progress, log_every_s) -> dict:
    """Write the store: the kept rows, then every other run as it finishes."""
    done = {r["run"] for r in kept}
    stats = {"runs": spec.n_runs, "skipped": len(kept), "ran": 0, "failed": 0, "dropped": dropped, "seconds": 0.0}
    with SweepWriter(out, meta, kept) as store:
        bar = Progress(spec.n_runs, len(kept), every_s=log_every_s) if progress else None

        def count(ok: bool):
            stats["ran"] += 1
            stats["failed"] += not ok
            if bar:
                bar.update(ok)

        def valid_runs():
            for r in spec.iter_runs(select=lambda i: i not in done):
                if r.error:  # an invalid Monte Carlo scenario fails here: no worker needed
                    store.append(store_row(r, {"status": "failed", "error": r.error, "summary": None, "series": {}}))
                    count(False)
                else:
                    yield r

        running = {}  # run index -> RunSpec, from task creation to its row

        def remembered(runs):
            for r in runs:
                running[r.index] = r
                yield r

        tasks = make_tasks(remembered(valid_runs()), spec.series)
        t0 = time.perf_counter()
        first = next(tasks, None)  # no worker is started when nothing is left to run
        broken = False
        if first is not None:
            tasks = itertools.chain([first], tasks)
            results = (run_tasks_on_dask(tasks, client) if client is not None
                       else run_tasks_locally(tasks, workers or os.cpu_count() or 1))
            try:
                for task, result in results:
                    store.append(store_row(running.pop(task.index), result))
                    count(result["status"] == "ok")
            except BrokenProcessPool:
                if kept or store.rows:  # a store with rows is kept, to resume
                    raise
                broken = True
            finally:
                results.close()
        if bar:
            bar.close()
        stats["seconds"] = time.perf_counter() - t0
    if broken:  # no worker ever answered: leave no stub store behind
        for f in (Path(out), journal_path(out)):
            f.unlink(missing_ok=True)
        raise WorkerStartError(f"the local worker processes died while starting; {GUARD_ADVICE}")
    return stats

"""The worker side of a sweep: what one worker process does with a run.

A worker receives a :class:`Task` (the run's scenario as TOML text, small to
send) and returns the summary of its prediction and any series.  Each worker
process warms up once, on its first task, so that no run pays for loading or
compiling the Numba kernels.  A local worker also follows its coordinator:
when the coordinating process dies, however it dies, the worker ends too
(:func:`follow_coordinator`).

The command line imports this package on every command, so the model is
imported inside the functions that need it.
"""

from __future__ import annotations

import itertools
import os
import signal
import sys
import threading
import time
import tomllib
from dataclasses import dataclass

import numpy as np

#: Seconds between a worker's checks that its coordinator is alive (where the
#: kernel cannot signal it, and as a second line of defence where it can).
PARENT_POLL_S = 1.0


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
    per_lesion : bool
        Measure the lesion after every lesion of the protocol (False: the
        last one only, :func:`rfsim.prediction.predict`).
    """

    index: int
    scenario: str
    series: tuple
    warm: str
    per_lesion: bool = True


# --------------------------------------------------------------------------
# dying with the coordinator
# --------------------------------------------------------------------------

def _kill_me_with_parent() -> None:
    """Linux: ask the kernel to SIGKILL this process when its parent dies."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1  # <linux/prctl.h>
    try:
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):
        pass  # the poll below still ends the worker


def _watch(coordinator: int) -> None:
    while True:
        time.sleep(PARENT_POLL_S)
        if os.getppid() != coordinator:
            os.kill(os.getpid(), signal.SIGKILL)


def follow_coordinator(coordinator: int) -> None:
    """Make this worker process end when the coordinator ``coordinator`` (a pid,
    its parent) ends: at once on Linux (``PR_SET_PDEATHSIG``), and elsewhere
    within :data:`PARENT_POLL_S` seconds (a thread that watches the parent pid;
    orphans are re-parented, so a changed parent pid means it is gone).

    A SIGKILLed coordinator cannot stop its pool; without this its workers
    would wait for tasks for ever (and keep the resource tracker alive).
    """
    _kill_me_with_parent()
    if os.getppid() != coordinator:  # it died before the kernel was asked
        os.kill(os.getpid(), signal.SIGKILL)
    threading.Thread(target=_watch, args=(coordinator,), daemon=True, name="rfsim-follow-coordinator").start()


def start_local_worker(coordinator: int, warm: str | None = None) -> None:
    """Start-up of a local worker process: follow the coordinator, and keep
    each run's kernels to one thread (the sweep already runs a process per
    core, so threads would compete for the same cores).  With ``warm`` (a
    scenario's TOML, :func:`warm_scenario`), warm up now, while the
    coordinator is still preparing the tasks, instead of on the first task."""
    import atexit

    import numba

    follow_coordinator(coordinator)
    numba.set_num_threads(1)
    atexit.register(_exit_at_once)
    if warm is not None:
        _warm_up(warm)


def _exit_at_once() -> None:
    """A local worker's last act once its pool lets it go (every result sent):
    end without tearing the interpreter down.  A warm worker takes 0.3-0.4 s
    to free its compiled kernels and modules, and the coordinator waits for
    its workers to end before it answers."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


# --------------------------------------------------------------------------
# running a task
# --------------------------------------------------------------------------

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
        from rfsim.prediction import predict
        from rfsim.scenario.config import parse_scenario

        try:
            predict(parse_scenario(tomllib.loads(scenario_toml)))
        except Exception:  # noqa: BLE001 - a bad first scenario is reported by its own run
            pass
        _WARMED = True


def run_task(task: Task, extract=None, prepare=None) -> dict:
    """Run one prediction; never raises for a failed run (it returns the error).

    ``prepare(scenario) -> scenario`` (optional) changes the scenario in the
    worker before it runs; ``extract(prediction) -> dict`` (optional) adds keys
    to the run's summary.  Both must be module-level functions (pickled).

    Returns
    -------
    dict
        ``status`` ("ok" or "failed"), ``error``, ``summary`` (as ``rfsim
        predict --json``; None if failed), ``series`` and ``info``
        (``worker``, ``wall_s`` in s, ``jit_new``).
    """
    import socket

    from rfsim.prediction import predict
    from rfsim.scenario.config import parse_scenario

    _warm_up(task.warm)
    before = _jit_specialisations()
    t0 = time.perf_counter()
    out = {"status": "ok", "error": "", "summary": None, "series": {}}
    try:
        sc = parse_scenario(tomllib.loads(task.scenario))
        p = predict(prepare(sc) if prepare is not None else sc, per_lesion=task.per_lesion)
        out["summary"] = {**p.summary, **extract(p)} if extract is not None else p.summary
        out["series"] = {n: np.asarray(p.result.series[n], float) for n in task.series}
    except Exception as e:  # noqa: BLE001 - a failed run is recorded and the sweep goes on
        out["status"], out["error"] = "failed", f"{type(e).__name__}: {e}".replace("\n", " ")
    out["info"] = {"worker": f"{socket.gethostname()}:{os.getpid()}", "wall_s": time.perf_counter() - t0,
                   "jit_new": _jit_specialisations() - before}
    return out


def task_function(extract=None, prepare=None):
    """The function a worker runs per task, with the optional hooks of
    :func:`run_task` bound."""
    if extract is None and prepare is None:
        return run_task
    from functools import partial

    return partial(run_task, extract=extract, prepare=prepare)


def warm_scenario(scenario_toml: str) -> str:
    """A run's scenario (TOML) shortened to one brief lesion: enough to load
    every kernel specialisation the sweep uses (same model, same array types)."""
    from rfsim.scenario.config import parse_scenario
    from rfsim.scenario.writer import to_toml

    data = tomllib.loads(scenario_toml)
    les = data["protocol"]["lesion"][0]
    data["protocol"] = {"cooling_s": 1.0, "set_temperature_c": les["set_temperature_c"], "duration_s": 1.0,
                        "lesions": 1}
    data["generator"]["ramp_s"] = min(data["generator"]["ramp_s"], 1.0)
    return to_toml(parse_scenario(data))


def make_tasks(runs, series=(), per_lesion: bool = True):
    """The worker tasks of ``runs``, lazily, all warming up on a short version
    of the first run's scenario.

    Parameters
    ----------
    runs : iterable of RunSpec
        Runs with a valid scenario (``error`` empty), e.g. from
        :meth:`rfsim.sweep.spec.Sweep.iter_runs`; consumed as tasks are taken.
    series : tuple of str
        Time series every run sends back.
    per_lesion : bool
        As :class:`Task`.

    Returns
    -------
    iterator of Task
        Empty if ``runs`` is.
    """
    runs = iter(runs)
    first = next(runs, None)
    if first is None:
        return iter(())
    warm = warm_scenario(first.scenario)
    return (Task(r.index, r.scenario, tuple(series), warm, per_lesion) for r in itertools.chain([first], runs))

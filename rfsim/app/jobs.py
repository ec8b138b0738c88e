"""The 3-D model on request, in a process of its own, with its progress.

A 3-D prediction takes a minute or so on two cores; run in the server's
process it would hold the model lock and freeze every tab's layered answers.
So each request starts a fresh process (``spawn``: Numba's OpenMP threads do
not survive ``fork``) that rebuilds the scenario from the form, runs
:func:`rfsim.prediction.predict` with a progress callback, makes the page's files
and sends them back through a queue.  One 3-D run at a time: two would share
the two cores and each take twice as long; later requests wait, and say so.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import queue
import threading
import time
from dataclasses import dataclass

from rfsim.app import artifacts
from rfsim.app.results import Entry, keep, scenario_key

_PROGRESS_EVERY_S = 0.5


@dataclass
class Job:
    """State of one 3-D request, as the page polls it.

    Attributes
    ----------
    id : str
    state : {"queued", "running", "done", "failed"}
    fraction : float
        Simulated time done / total (0-1).
    key : str
        The entry's key when done.
    message : str
        What went wrong (failed), or what is happening.
    field : str
        The form field an error is about ('' for none).
    """

    id: str
    state: str = "queued"
    fraction: float = 0.0
    key: str = ""
    message: str = "waiting for the 3-D model before it"
    field: str = ""


def _child(form: dict, out, parent_pid: int) -> None:
    """Runs in the child process: predict in 3-D and send the results.  Ends
    itself if the server that started it is gone."""
    from rfsim.app.form import FormErrors, scenario_from_form
    from rfsim.errors import ConfigError
    from rfsim.prediction import predict

    last = [0.0]

    def progress(t, t_end):
        if os.getppid() != parent_pid:  # the server died without ending us
            os._exit(1)
        now = time.monotonic()
        if now - last[0] >= _PROGRESS_EVERY_S:
            last[0] = now
            out.put(("progress", t / t_end if t_end > 0 else 0.0))

    try:
        sc = scenario_from_form(form, model="3d")
        pr = predict(sc, progress)
        out.put(("progress", 1.0))
        files = {"page": artifacts.figure_png(pr, artifacts.PAGE_DPI),
                 "png": artifacts.figure_png(pr, artifacts.DOWNLOAD_DPI),
                 "json": artifacts.summary_json(pr.summary), "h5": artifacts.result_hdf5(pr)}
        out.put(("done", scenario_key(sc), pr.summary, files))
    except FormErrors as e:
        fid, msg = next(iter(e.messages.items()))
        out.put(("failed", fid, msg))
    except ConfigError as e:
        from rfsim.app.form import field_of, message_of

        out.put(("failed", field_of(e), message_of(e)))
    except Exception as e:  # noqa: BLE001 - reported on the page, the server goes on
        out.put(("failed", "", f"{type(e).__name__}: {e}"))


class Runner:
    """Starts 3-D jobs one after another and keeps their state."""

    def __init__(self):
        self._jobs: dict = {}
        self._lock = threading.Lock()
        self._queue: queue.Queue = queue.Queue()
        self._ids = itertools.count(1)
        self._worker = None

    def submit(self, form: dict) -> str:
        """Queue a 3-D prediction of the form; returns the job's id."""
        job = Job(f"3d-{next(self._ids)}")
        with self._lock:
            self._jobs[job.id] = job
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, name="rfsim-3d", daemon=True)
                self._worker.start()
        self._queue.put((job, dict(form)))
        return job.id

    def status(self, job_id: str) -> Job | None:
        """A copy of the job's state (None for an unknown id)."""
        with self._lock:
            job = self._jobs.get(job_id)
            return None if job is None else Job(**vars(job))

    def _set(self, job, **kw):
        with self._lock:
            for k, v in kw.items():
                setattr(job, k, v)

    def _work(self):
        while True:
            job, form = self._queue.get()
            self._run(job, form)

    def _run(self, job, form):
        ctx = multiprocessing.get_context("spawn")
        out = ctx.Queue()
        proc = ctx.Process(target=_child, args=(form, out, os.getpid()), name=f"rfsim-{job.id}", daemon=True)
        self._set(job, state="running", message="starting the 3-D model")
        proc.start()
        try:
            while True:
                try:
                    msg = out.get(timeout=1.0)
                except queue.Empty:
                    if not proc.is_alive():
                        self._set(job, state="failed", message=f"the 3-D process ended (exit {proc.exitcode})")
                        return
                    continue
                if msg[0] == "progress":
                    self._set(job, fraction=float(msg[1]), message="simulating")
                elif msg[0] == "done":
                    _, key, summary, files = msg
                    keep(Entry(key, summary, None, files))
                    self._set(job, state="done", fraction=1.0, key=key, message="done")
                    return
                else:
                    self._set(job, state="failed", field=msg[1], message=msg[2])
                    return
        finally:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()


RUNNER = Runner()

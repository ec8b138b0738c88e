"""The long answers on request, each in a process of its own, with their
progress: the 3-D model (:data:`KINDS` ``"3d"``) and the probabilities over
the declared uncertainties (``"uncertainty"``).

A 3-D prediction takes a minute or so on two cores, N = 200 uncertainty draws
about as long; run in the server's process they would hold the model lock
and freeze every tab's layered answers.  So each request starts a fresh
process (``spawn``: Numba's OpenMP threads do not survive ``fork``) that
rebuilds the scenario from the form, runs the model with a progress callback,
makes the page's files and sends them back through a queue.  The uncertainty
draws run on worker processes of their own (:mod:`rfsim.uncertainty.engine`),
one per core.  One job at a time: two would share the two cores and each take
twice as long; later requests wait, and say so.
"""

from __future__ import annotations

import atexit
import itertools
import multiprocessing
import multiprocessing.util  # noqa: F401 - its exit handler first, so that Runner.stop runs before it
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
    kind : {"3d", "uncertainty"}
    state : {"queued", "running", "done", "failed"}
    fraction : float
        Simulated time done / total, or draws done / draws (0-1).
    key : str
        The entry's key when done.
    message : str
        What went wrong (failed), or what is happening.
    field : str
        The form field an error is about ('' for none).
    """

    id: str
    kind: str = "3d"
    state: str = "queued"
    fraction: float = 0.0
    key: str = ""
    message: str = "waiting for the job before it"
    field: str = ""


def uncertainty_key(scenario, draws: int, seed: int) -> str:
    """The cache key of an uncertainty answer: placement, draws and seed."""
    return f"uncertainty-{scenario_key(scenario)}-{draws}-{seed}"


def compute_3d(form: dict, options: dict, report) -> tuple:
    """The 3-D prediction of a form: (key, summary, files)."""
    from rfsim.app.form import scenario_from_form
    from rfsim.prediction import predict

    sc = scenario_from_form(form, model="3d")
    pr = predict(sc, lambda t, t_end: report(t / t_end if t_end > 0 else 0.0, "simulating"))
    report(1.0, "writing the files")
    files = {"page": artifacts.figure_png(pr, artifacts.PAGE_DPI),
             "png": artifacts.figure_png(pr, artifacts.DOWNLOAD_DPI),
             "json": artifacts.summary_json(pr.summary), "h5": artifacts.result_hdf5(pr)}
    if artifacts.has_image(pr.summary):
        files["nifti"] = artifacts.nifti_zip(pr)
    return scenario_key(sc), pr.summary, files


def compute_uncertainty(form: dict, options: dict, report) -> tuple:
    """The probabilities of a form's placement (layered model, reduced unless
    the scenario says otherwise): (key, summary, files).  ``options``:
    ``draws``, ``seed`` and optionally ``workers`` (default one per core)."""
    from rfsim.app.form import scenario_from_form
    from rfsim.uncertainty import predict_uncertainty

    sc = scenario_from_form(form)
    n, seed = options["draws"], options["seed"]
    u = predict_uncertainty(sc, n=n, seed=seed, workers=options.get("workers"), progress=lambda done, total: report(
        done / total if total else 0.0, f"draw {done} of {total}"))
    report(1.0, "drawing the figure")
    return uncertainty_key(sc, n, seed), u.summary, {"page": artifacts.probability_png(u)}


#: What a job computes: kind -> function(form, options, report) -> (key, summary, files),
#: ``report(fraction, message)`` giving its progress.
KINDS = {"3d": compute_3d, "uncertainty": compute_uncertainty}


def _child(kind: str, form: dict, options: dict, out, parent_pid: int) -> None:
    """Runs in the child process: compute and send the results.  Ends itself
    if the server that started it is gone."""
    from rfsim.app.form import FormErrors
    from rfsim.errors import ConfigError

    last = [0.0]

    def report(fraction, message):
        if os.getppid() != parent_pid:  # the server died without ending us
            os._exit(1)
        now = time.monotonic()
        if now - last[0] >= _PROGRESS_EVERY_S or fraction >= 1.0:
            last[0] = now
            out.put(("progress", fraction, message))

    try:
        out.put(("done", *KINDS[kind](form, options, report)))
    except FormErrors as e:
        fid, msg = next(iter(e.messages.items()))
        out.put(("failed", fid, msg))
    except ConfigError as e:
        from rfsim.app.form import field_of, message_of

        out.put(("failed", field_of(e), message_of(e)))
    except Exception as e:  # noqa: BLE001 - reported on the page, the server goes on
        out.put(("failed", "", f"{type(e).__name__}: {e}"))


class Runner:
    """Starts jobs one after another and keeps their state."""

    def __init__(self):
        self._jobs: dict = {}
        self._lock = threading.Lock()
        self._queue: queue.Queue = queue.Queue()
        self._ids = itertools.count(1)
        self._worker = None
        self._proc = None
        # runs before multiprocessing's exit handler (registered earlier), which would wait for the running job
        atexit.register(self.stop)

    def submit(self, form: dict, kind: str = "3d", **options) -> str:
        """Queue a job of ``kind`` (:data:`KINDS`) for the form; returns its
        id.  ``options``: ``draws`` and ``seed`` for an uncertainty job."""
        if kind not in KINDS:
            raise ValueError(f"job kind {kind!r}: allowed {', '.join(KINDS)}")
        job = Job(f"{kind}-{next(self._ids)}", kind)
        with self._lock:
            self._jobs[job.id] = job
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, name="rfsim-jobs", daemon=True)
                self._worker.start()
        self._queue.put((job, dict(form), options))
        return job.id

    def stop(self) -> None:
        """End the running job's process (and so its workers)."""
        proc = self._proc
        if proc is not None and proc.is_alive():
            proc.kill()

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
            job, form, options = self._queue.get()
            self._run(job, form, options)

    def _run(self, job, form, options):
        ctx = multiprocessing.get_context("spawn")
        out = ctx.Queue()
        # not a daemon: a daemon process may not start the uncertainty's workers; stop() ends it
        proc = ctx.Process(target=_child, args=(job.kind, form, options, out, os.getpid()), name=f"rfsim-{job.id}",
                           daemon=False)
        self._set(job, state="running", message="starting")
        self._proc = proc
        proc.start()
        try:
            while True:
                try:
                    msg = out.get(timeout=1.0)
                except queue.Empty:
                    if not proc.is_alive():
                        self._set(job, state="failed", message=f"the {job.kind} process ended (exit {proc.exitcode})")
                        return
                    continue
                if msg[0] == "progress":
                    self._set(job, fraction=float(msg[1]), message=msg[2])
                elif msg[0] == "done":
                    _, key, summary, files = msg
                    keep(Entry(key, summary, None, files), job=True)
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

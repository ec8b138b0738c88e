"""Predictions of the planning page, shared safely between browser tabs.

The web server answers each tab on its own thread.  The model is not written
for that: :mod:`rfsim.prediction` caches anatomies at module level (an ``lru_cache``
that may build one twice), each anatomy fills caches of rasters as it is used,
and nothing in the model promises to be re-entrant.  So every model call here
holds :data:`MODEL_LOCK` (a layered prediction takes ~0.5 s: a second tab waits
at most that long), and every figure holds :data:`FIGURE_LOCK` (matplotlib's
font and text caches are shared).  Predictions go before impedance charts
waiting for the model: the chart is the part of an answer a planner can do
without for a moment.  A figure reads the anatomy's raster cache, which the prediction
filled before; were it to fill it, both writers store the same array for the
same key.  The 3-D model runs in its own process instead (:mod:`rfsim.app.jobs`).

Results are kept in a small cache keyed by the full scenario text
(:func:`rfsim.scenario.config.to_toml`): an entry is never changed once made, so
two tabs asking the same question share one answer and tabs asking different
questions cannot see each other's.  The page's figure of a new answer is drawn
at once, on a thread of its own, while the browser is still being told the
verdict and starts fetching it by its address; the impedance chart waits for it (two cores, and the figure is what
the planner waits for).  A tab remembers only the key and its form;
an entry that has left the cache is computed again (the model is
deterministic).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field

from rfsim.app import artifacts
from rfsim.prediction import impedance_profile, predict
from rfsim.scenario.config import Scenario
from rfsim.scenario.writer import to_toml

_log = logging.getLogger(__name__)


class ModelLock:
    """One model call at a time, predictions first: a call made with
    ``urgent=False`` (the impedance chart) waits while a prediction does."""

    def __init__(self):
        self._turn = threading.Condition()
        self._busy = False
        self._urgent_waiting = 0

    @contextmanager
    def hold(self, urgent: bool = True):
        """Hold the model for the ``with`` block."""
        with self._turn:
            self._urgent_waiting += urgent
            try:
                self._turn.wait_for(lambda: not self._busy and (urgent or not self._urgent_waiting))
            finally:
                self._urgent_waiting -= urgent
            self._busy = True
        try:
            yield
        finally:
            with self._turn:
                self._busy = False
                self._turn.notify_all()


MODEL_LOCK = ModelLock()
FIGURE_LOCK = threading.Lock()
CACHE_SIZE = 12  # layered predictions kept
#: Scenarios of layered answers remembered after their prediction has left the
#: cache (a few kB each), so that a figure address asked for late is computed again.
SCENARIO_MEMORY = 500
#: Answers of jobs kept (3-D: ~10-30 MB of files each; uncertainty: a figure),
#: apart from the layered ones so that a planner's changes do not push them out.
JOB_CACHE_SIZE = 6


@dataclass(eq=False)
class Entry:
    """One answer.

    Attributes
    ----------
    key : str
        :func:`scenario_key` of its scenario.
    summary : dict
        The JSON summary of ``rfsim predict --json``.
    prediction : rfsim.prediction.Prediction or None
        The full prediction (None for a 3-D answer made in another process,
        which brings its files instead).
    files : dict
        Made on first request: ``page`` (PNG at :data:`artifacts.PAGE_DPI`),
        ``png``, ``json``, ``h5``, ``nifti`` (zip) -> bytes.  An uncertainty
        answer has its probability figure as ``page``.
    """

    key: str
    summary: dict
    prediction: object = None
    files: dict = field(default_factory=dict)


_entries: OrderedDict = OrderedDict()
_job_entries: OrderedDict = OrderedDict()
_entries_lock = threading.Lock()
_impedance: OrderedDict = OrderedDict()
_scenarios: OrderedDict = OrderedDict()


def scenario_key(scenario: Scenario) -> str:
    """A short key that changes with any setting of the scenario."""
    return hashlib.sha1(to_toml(scenario).encode()).hexdigest()[:16]


def cached(key: str) -> Entry | None:
    """The entry of ``key`` if it is still in the cache."""
    with _entries_lock:
        for kept in (_entries, _job_entries):
            e = kept.get(key)
            if e is not None:
                kept.move_to_end(key)
                return e
        return None


def keep(entry: Entry, job: bool = False) -> Entry:
    """Put an entry in the cache (the oldest leaves when it is full);
    ``job``: an answer of :mod:`rfsim.app.jobs`, kept in a cache of its own."""
    kept, size = (_job_entries, JOB_CACHE_SIZE) if job else (_entries, CACHE_SIZE)
    with _entries_lock:
        kept[entry.key] = entry
        kept.move_to_end(entry.key)
        while len(kept) > size:
            kept.popitem(last=False)
    return entry


def answer(scenario: Scenario) -> Entry:
    """The prediction of a scenario, from the cache or computed now.

    Raises whatever :func:`rfsim.prediction.predict` raises (a
    :class:`~rfsim.errors.ConfigError` for a placement the anatomy rules out).
    """
    key = scenario_key(scenario)
    with _entries_lock:
        _scenarios[key] = scenario
        _scenarios.move_to_end(key)
        while len(_scenarios) > SCENARIO_MEMORY:
            _scenarios.popitem(last=False)
    hit = cached(key)
    if hit is not None:
        return hit
    with MODEL_LOCK.hold():
        hit = cached(key)  # another tab may have made it while this one waited
        if hit is not None:
            return hit
        pr = predict(scenario)
    entry = keep(Entry(key, pr.summary, pr))
    threading.Thread(target=_draw_page, args=(entry,), name="rfsim-page-figure", daemon=True).start()
    return entry


def recall(key: str) -> Entry | None:
    """The entry of ``key``: from the cache, or computed again if it is a
    layered answer whose scenario is remembered; None otherwise (a key never
    answered, or a 3-D or uncertainty answer that has left the cache)."""
    hit = cached(key)
    if hit is not None:
        return hit
    with _entries_lock:
        scenario = _scenarios.get(key)
    return answer(scenario) if scenario is not None else None


def _draw_page(entry: Entry) -> None:
    """Make an entry's page figure ahead of its request (a thread's target)."""
    try:
        file_of(entry, "page")
    except Exception:  # noqa: BLE001 - the request that follows draws again and reports it
        _log.exception("drawing the page figure ahead failed")


def impedance(scenario: Scenario) -> list:
    """:func:`rfsim.prediction.impedance_profile` of a scenario (cached),
    computed when no prediction is waiting for the model."""
    key = scenario_key(scenario)
    with _entries_lock:
        rows = _impedance.get(key)
    if rows is None:
        with MODEL_LOCK.hold(urgent=False):
            with _entries_lock:  # made while this one waited?
                rows = _impedance.get(key)
            if rows is None:
                rows = impedance_profile(scenario)
        with _entries_lock:
            _impedance[key] = rows
            while len(_impedance) > 4 * CACHE_SIZE:
                _impedance.popitem(last=False)
    return rows


def file_of(entry: Entry, kind: str) -> bytes:
    """One of an entry's files (``page``, ``png``, ``json``, ``h5``,
    ``nifti``), made on first request.

    Raises
    ------
    KeyError
        A 3-D entry without that file.
    ConfigError
        ``nifti`` of an anatomy without an image, or without nibabel.
    """
    data = entry.files.get(kind)
    if data is not None:
        return data
    if kind == "json":
        data = artifacts.summary_json(entry.summary)
    elif entry.prediction is None:
        raise KeyError(kind)
    elif kind in ("page", "png"):
        with FIGURE_LOCK:
            data = entry.files.get(kind)  # drawn ahead (_draw_page) while this request waited
            if data is None:
                data = artifacts.figure_png(entry.prediction,
                                            artifacts.PAGE_DPI if kind == "page" else artifacts.DOWNLOAD_DPI)
    elif kind == "h5":
        data = artifacts.result_hdf5(entry.prediction)
    elif kind == "nifti":
        data = artifacts.nifti_zip(entry.prediction)
    else:
        raise KeyError(kind)
    entry.files[kind] = data  # a dict item set is atomic; two makers write equal bytes
    return data


def clear(scenarios: bool = True) -> None:
    """Empty the caches (tests); ``scenarios=False`` keeps the remembered
    scenarios, as when answers leave a full cache."""
    with _entries_lock:
        _entries.clear()
        _job_entries.clear()
        _impedance.clear()
        if scenarios:
            _scenarios.clear()

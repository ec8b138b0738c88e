"""Predictions of the planning page, shared safely between browser tabs.

The web server answers each tab on its own thread.  The model is not written
for that: :mod:`rfsim.prediction` caches anatomies at module level (an ``lru_cache``
that may build one twice), each anatomy fills caches of rasters as it is used,
and nothing in the model promises to be re-entrant.  So every model call here
holds :data:`MODEL_LOCK` (a layered prediction takes ~0.5 s: a second tab waits
at most that long), and every figure holds :data:`FIGURE_LOCK` (pyplot keeps
global state).  A figure reads the anatomy's raster cache, which the prediction
filled before; were it to fill it, both writers store the same array for the
same key.  The 3-D model runs in its own process instead (:mod:`rfsim.app.jobs`).

Results are kept in a small cache keyed by the full scenario text
(:func:`rfsim.scenario.config.to_toml`): an entry is never changed once made, so
two tabs asking the same question share one answer and tabs asking different
questions cannot see each other's.  A tab remembers only the key and its form;
an entry that has left the cache is computed again (the model is
deterministic).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from rfsim.app import artifacts
from rfsim.prediction import impedance_profile, predict
from rfsim.scenario.config import Scenario
from rfsim.scenario.writer import to_toml

MODEL_LOCK = threading.Lock()
FIGURE_LOCK = threading.Lock()
CACHE_SIZE = 12  # predictions kept; a 3-D entry holds its files (~10-30 MB)


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
        ``png``, ``json``, ``h5`` -> bytes.
    """

    key: str
    summary: dict
    prediction: object = None
    files: dict = field(default_factory=dict)


_entries: OrderedDict = OrderedDict()
_entries_lock = threading.Lock()
_impedance: OrderedDict = OrderedDict()


def scenario_key(scenario: Scenario) -> str:
    """A short key that changes with any setting of the scenario."""
    return hashlib.sha1(to_toml(scenario).encode()).hexdigest()[:16]


def cached(key: str) -> Entry | None:
    """The entry of ``key`` if it is still in the cache."""
    with _entries_lock:
        e = _entries.get(key)
        if e is not None:
            _entries.move_to_end(key)
        return e


def keep(entry: Entry) -> Entry:
    """Put an entry in the cache (the oldest leaves when it is full)."""
    with _entries_lock:
        _entries[entry.key] = entry
        _entries.move_to_end(entry.key)
        while len(_entries) > CACHE_SIZE:
            _entries.popitem(last=False)
    return entry


def answer(scenario: Scenario) -> Entry:
    """The prediction of a scenario, from the cache or computed now.

    Raises whatever :func:`rfsim.prediction.predict` raises (a
    :class:`~rfsim.errors.ConfigError` for a placement the anatomy rules out).
    """
    key = scenario_key(scenario)
    hit = cached(key)
    if hit is not None:
        return hit
    with MODEL_LOCK:
        hit = cached(key)  # another tab may have made it while this one waited
        if hit is not None:
            return hit
        pr = predict(scenario)
    return keep(Entry(key, pr.summary, pr))


def impedance(scenario: Scenario) -> list:
    """:func:`rfsim.prediction.impedance_profile` of a scenario (cached)."""
    key = scenario_key(scenario)
    with _entries_lock:
        rows = _impedance.get(key)
    if rows is None:
        with MODEL_LOCK:
            rows = impedance_profile(scenario)
        with _entries_lock:
            _impedance[key] = rows
            while len(_impedance) > 4 * CACHE_SIZE:
                _impedance.popitem(last=False)
    return rows


def file_of(entry: Entry, kind: str) -> bytes:
    """One of an entry's files (``page``, ``png``, ``json``, ``h5``), made on
    first request.

    Raises
    ------
    KeyError
        A 3-D entry without that file.
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
            data = artifacts.figure_png(entry.prediction,
                                        artifacts.PAGE_DPI if kind == "page" else artifacts.DOWNLOAD_DPI)
    elif kind == "h5":
        data = artifacts.result_hdf5(entry.prediction)
    else:
        raise KeyError(kind)
    entry.files[kind] = data  # a dict item set is atomic; two makers write equal bytes
    return data


def clear() -> None:
    """Empty the caches (tests)."""
    with _entries_lock:
        _entries.clear()
        _impedance.clear()

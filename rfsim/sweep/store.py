"""The results store of a sweep: one HDF5 file, one row per run, plus its journal.

Layout of ``sweep.h5`` (written only by the coordinating process, which holds
the store's lock, :mod:`rfsim.sweep.lock`):

* root attributes: ``format`` (:data:`FORMAT`), ``rfsim_version``, ``spec``
  (the resolved spec as canonical JSON, which ``--resume`` compares),
  ``spec_text`` (the spec file), ``design_keys`` and ``uncertain_keys`` (JSON
  lists), ``n_runs``, ``n_points``, ``n_samples``, ``seed``, and
  ``meta_crc32``, the CRC-32 of the others;
* group ``runs/``, attribute ``rows`` (committed rows, written after their
  data), one 1-D dataset per column (:mod:`rfsim.sweep.columns`); rows in
  completion order while the sweep runs, rewritten in run order when it
  completes:

  - ``run``, ``point``, ``sample``: run index, design point, Monte Carlo draw;
  - ``param/KEY``: each varied parameter (file units);
  - ``scenario_hash`` (SHA-256 hex of the full scenario TOML), ``status``
    ("ok" or "failed"), ``error`` (one line; '' if ok);
  - ``metric/NAME``: every key of ``rfsim predict --json``; nested tables
    flattened (``metric/tract_coverage.lateral_corticospinal``), lists as JSON;
  - ``info/worker`` (host:pid), ``info/wall_s`` (s), ``info/jit_new`` (kernel
    specialisations compiled or loaded during the run: 0 on a warm worker);
  - ``series/NAME``: optional time series (variable length);

* dataset ``row_crc32``: the CRC-32 of each row's stored values.

``sweep.h5.journal`` holds the same rows as JSON lines with a checksum each
(:mod:`rfsim.sweep.journal`), written and fsync'ed before the row goes into
the HDF5 file.  HDF5 is not crash-safe: a SIGKILL in the middle of a metadata
write can leave the file unreadable.  The journal is append-only, so after a
crash it is intact up to a possibly truncated last line; ``--resume`` rebuilds
the HDF5 file from it.  It is removed when the sweep completes.

Every row read back is checked against its checksum: :func:`read_sweep` refuses
a damaged store (naming the rows), and ``--resume`` leaves damaged rows out and
runs them again.  Stores of the first format (``rfsim-sweep-1``, no checksums)
can still be read, unchecked, but not resumed.
"""

from __future__ import annotations

import json
import math
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rfsim.errors import ConfigError
from rfsim.sweep.columns import Columns, damaged_rows, decode, read_columns, row_at
from rfsim.sweep.journal import JournalWriter, is_row, journal_path, read_journal
from rfsim.sweep.parameters import shown
from rfsim.version import __version__

FORMAT = "rfsim-sweep-2"
#: Earlier formats that can still be read (not resumed): no checksums.
OLD_FORMATS = ("rfsim-sweep-1",)
_META_CRC = "meta_crc32"

__all__ = ["FORMAT", "SweepWriter", "check_store_path", "journal_path", "prepare", "read_journal", "read_sweep"]


def check_store_path(path, key: str = "--out") -> None:
    """Raise ConfigError unless ``path`` can name a store file: its folder
    exists and it is not a folder or a device.  (A sweep-only check; the
    command line's generic output checks may take it over.)"""
    path = Path(path)
    if not path.parent.is_dir():
        raise ConfigError(key, str(path), f"folder {path.parent} does not exist")
    if path.is_dir():
        raise ConfigError(key, str(path), "is a folder; name a file such as sweep.h5")
    if path.exists() and not path.is_file():
        raise ConfigError(key, str(path), "is not a regular file")


# --------------------------------------------------------------------------
# metadata
# --------------------------------------------------------------------------

def _meta_attrs(meta: dict) -> dict:
    attrs = {"format": FORMAT, "rfsim_version": __version__}
    attrs.update({k: json.dumps(v) if isinstance(v, (list, dict)) else v for k, v in meta.items()})
    return attrs


def _meta_crc(attrs: dict) -> int:
    return zlib.crc32(json.dumps(attrs, sort_keys=True).encode())


def _write_meta(f, meta: dict) -> None:
    attrs = _meta_attrs(meta)
    for k, v in attrs.items():
        f.attrs[k] = v
    f.attrs[_META_CRC] = _meta_crc(attrs)


def _read_meta(f) -> tuple:
    """(metadata with the key lists decoded, True if its checksum holds)."""
    attrs = {k: v.item() if isinstance(v, np.generic) else v for k, v in f.attrs.items()}
    crc = attrs.pop(_META_CRC, None)
    ok = crc is None if attrs.get("format") in OLD_FORMATS else crc == _meta_crc(attrs)
    out = dict(attrs)
    for k in ("design_keys", "uncertain_keys"):
        if k in out:
            out[k] = json.loads(out[k])
    return out, ok


# --------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------

def _first_line(e: Exception) -> str:
    text = str(e).strip().split("\n")[0]
    return text if len(text) <= 120 else text[:117] + "..."


def _load(path, key: str):
    """Metadata and committed columns of a store, as stored; ConfigError (one
    line) if it is not a readable rfsim store."""
    import h5py

    path = Path(path)
    if not path.exists():
        raise ConfigError(key, str(path), "file not found")
    if not path.is_file():
        raise ConfigError(key, str(path), "is not a file (a folder or a device); name a sweep store such as sweep.h5")
    try:
        # locking=False: a report may read the store while a sweep appends to it
        f = h5py.File(path, "r", locking=False)
    except Exception as e:  # noqa: BLE001 - OSError mostly; a damaged superblock may raise others
        raise ConfigError(key, str(path), f"is not a readable HDF5 file ({_first_line(e)})") from None
    try:
        fmt = f.attrs.get("format")
        if fmt != FORMAT and fmt not in OLD_FORMATS:
            raise ConfigError(key, str(path), f"is not an rfsim sweep store (format {FORMAT})")
        meta, meta_ok = _read_meta(f)
        if not meta_ok:
            raise ValueError("its metadata fail their checksum")
        return (meta, *read_columns(f))
    except ConfigError:
        raise
    except Exception as e:  # noqa: BLE001 - h5py raises many types on a damaged file; one line for all
        raise ConfigError(key, str(path), f"is damaged and cannot be read ({type(e).__name__}: "
                                          f"{_first_line(e)})") from None
    finally:
        try:
            f.close()
        except Exception:  # noqa: BLE001 - closing a damaged file may fail too; nothing was written
            pass


def _runs_of(rows, cols) -> str:
    """The run numbers of rows (as far as they are readable), for a message."""
    col = cols.get("run")

    def run(i):
        r = col[i] if col is not None and isinstance(col, np.ndarray) else math.nan
        return str(int(r)) if math.isfinite(r) and r == int(r) and 0 <= r < 2**53 else "?"

    listed = ", ".join(run(i) for i in rows[:5])
    return listed + (", ..." if len(rows) > 5 else "")


def read_sweep(path) -> dict:
    """Read a sweep store, checking every row against its checksum.

    Returns
    -------
    dict
        ``meta`` (root attributes; ``design_keys`` and ``uncertain_keys`` as
        lists), ``n`` (committed rows) and ``columns``: name -> values in run
        order (float arrays with NaN for missing numbers, object arrays of
        strings, lists of parsed JSON or of arrays); ``kinds``: name -> how
        the column was stored (``float``, ``int``, ``bool``, ``str``,
        ``json``, ``array``).

    Raises
    ------
    ConfigError
        If ``path`` is not a readable store, or a row fails its checksum.
    """
    meta, n, cols, kinds, checks = _load(path, "sweep store")
    if checks is not None:
        bad = damaged_rows(n, cols, kinds, checks)
        if bad:
            raise ConfigError("sweep store", str(path), f"is damaged: {len(bad)} of {n} rows fail their checksum "
                                                        f"(runs {_runs_of(bad, cols)}); rfsim sweep SPEC --out "
                                                        f"{path} --resume runs them again")
    for name, kind in kinds.items():
        if kind == "json":
            cols[name] = [decode("json", v) for v in cols[name]]
    order = np.argsort(cols["run"], kind="stable") if n else np.zeros(0, int)
    cols = {k: (v[order] if isinstance(v, np.ndarray) else [v[i] for i in order]) for k, v in cols.items()}
    return {"meta": meta, "n": n, "columns": cols, "kinds": kinds}


def _store_rows(path) -> tuple:
    """Metadata, the rows that hold their checksum, and how many do not."""
    meta, n, cols, kinds, checks = _load(path, "--resume")
    if meta["format"] in OLD_FORMATS:
        return meta, [], 0
    bad = set(damaged_rows(n, cols, kinds, checks))
    rows = [row_at(i, cols, kinds) for i in range(n) if i not in bad]
    good = [r for r in rows if is_row(r)]
    return meta, good, len(bad) + len(rows) - len(good)


# --------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------

@dataclass
class Found:
    """What ``--resume`` found: the valid rows (one per run index, the first
    one stored) and how many rows it left out (damaged or duplicated)."""

    rows: list
    dropped: int = 0


def prepare(path, meta: dict, resume: bool) -> Found:
    """Check that the sweep may write to ``path`` and return the rows already
    done.  Touches no file: a refused sweep leaves everything as it was.  The
    caller holds the store's lock (:class:`rfsim.sweep.lock.StoreLock`).

    Parameters
    ----------
    path : path
        The store.
    meta : dict
        The sweep's metadata; ``meta["spec"]`` must match the store's on resume.
    resume : bool

    Returns
    -------
    Found
    """
    path, journal = Path(path), journal_path(path)
    check_store_path(path)
    if not resume:
        if path.exists() or journal.exists():
            raise ConfigError("--out", str(path), "exists; pass --resume to continue that sweep, or choose a new file")
        return Found([])
    if journal.exists():
        header, rows, bad = read_journal(journal)
        if header is None:
            raise ConfigError("--resume", str(path), f"its journal {journal.name} has no valid header line "
                                                     f"(damaged, edited or of an older rfsim); a sweep store of "
                                                     f"format {FORMAT} cannot be resumed from it")
    elif path.exists():
        header, rows, bad = _store_rows(path)
    else:
        return Found([])
    fmt = header.get("format")
    if fmt in OLD_FORMATS:
        raise ConfigError("--resume", str(path), f"has the older format {fmt}, whose rows carry no checksum; it "
                                                 f"can be read but not resumed: run the sweep into a new --out")
    if fmt != FORMAT:
        raise ConfigError("--resume", str(path), f"is not an rfsim sweep store (format {shown(fmt)!r})")
    if header.get("spec") != meta["spec"]:
        raise ConfigError("--resume", str(path), "was written by a different sweep spec or base scenario; "
                                                 "resume it with its own spec, or choose a new --out")
    first = {}
    for r in rows:
        first.setdefault(r["run"], r)
    return Found(list(first.values()), bad + len(rows) - len(first))


class SweepWriter:
    """Appends rows to the store and its journal (context manager).

    On entry the store is (re)built from ``existing`` rows in a temporary file
    that atomically replaces ``path``, so an interrupted append is never
    continued.  Every :meth:`append` is durable in the journal before it goes
    into the HDF5 file, where it is flushed.  On a clean exit the columns are
    trimmed to the rows, and with every run stored the journal is removed.
    """

    def __init__(self, path, meta: dict, existing=()):
        self.path, self.journal = Path(path), journal_path(path)
        self.meta, self.existing = meta, list(existing)

    def __enter__(self):
        import h5py

        def journal():  # the journal first: from here on it holds every row the store will
            self._journal = JournalWriter(self.journal, {"format": FORMAT, **self.meta}, self.existing)

        _rebuild(self.path, self.meta, self.existing, before_replace=journal)
        self._f = h5py.File(self.path, "a")
        self._cols = Columns(self._f)
        return self

    @property
    def rows(self) -> int:
        return self._cols.n

    def append(self, row: dict) -> None:
        """Store one run's row (durable when this returns)."""
        self._journal.append(row)
        self._cols.append(row)
        self._cols.commit()

    def __exit__(self, *exc):
        try:
            self._cols.trim()
        finally:
            self._f.close()
            self._journal.close()
        if exc[0] is None and self._cols.n >= self.meta["n_runs"]:
            # complete: rows in run order for whoever reads the file directly
            # (h5py, xarray, pandas); the journal still holds every row if this
            # is interrupted, and the replace is atomic
            _, rows, _ = _store_rows(self.path)
            if len(rows) == self._cols.n:  # never rewrite a store that reads back short
                _rebuild(self.path, self.meta, sorted(rows, key=lambda r: r["run"]))
                self.journal.unlink()
        return False


def _rebuild(path, meta: dict, rows, before_replace=None) -> None:
    """Write a store holding ``rows`` (in the order given) in a temporary file
    that atomically replaces ``path``; ``before_replace()`` runs just before."""
    import h5py

    tmp = path.with_name(path.name + ".tmp")
    try:
        with h5py.File(tmp, "w") as f:
            _write_meta(f, meta)
            cols = Columns(f)
            for row in rows:
                cols.append(row)
            cols.trim()
            cols.commit()
        if before_replace is not None:
            before_replace()
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)

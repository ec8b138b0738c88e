"""The results store of a sweep: one HDF5 file, one row per run, plus its journal.

Layout of ``sweep.h5`` (written only by the coordinating process):

* root attributes: ``format`` ("rfsim-sweep-1"), ``rfsim_version``, ``spec``
  (the resolved spec as canonical JSON, which ``--resume`` compares),
  ``spec_text`` (the spec file), ``design_keys`` and ``uncertain_keys`` (JSON
  lists), ``n_runs``, ``n_points``, ``n_samples``, ``seed``;
* group ``runs/``, attribute ``rows`` (committed rows, written after their
  data), one 1-D dataset per column, rows in completion order:

  - ``run``, ``point``, ``sample``: run index, design point, Monte Carlo draw;
  - ``param/KEY``: each varied parameter (file units);
  - ``scenario_hash`` (SHA-256 hex of the full scenario TOML), ``status``
    ("ok" or "failed"), ``error`` (one line; '' if ok);
  - ``metric/NAME``: every key of ``rfsim predict --json``; nested tables
    flattened (``metric/tract_coverage.lateral_corticospinal``), lists as JSON;
  - ``info/worker`` (host:pid), ``info/wall_s`` (s), ``info/jit_new`` (kernel
    specialisations compiled or loaded during the run: 0 on a warm worker);
  - ``series/NAME``: optional time series (variable length).

  Numbers (and true/false as 1/0) are float64 with NaN where a run has no
  value (a failed run has no metrics); each dataset's ``kind`` attribute says
  what it holds: ``float``, ``int``, ``bool``, ``str``, ``json`` or ``array``.

``sweep.h5.journal`` holds the same rows as JSON lines, each written and
fsync'ed before the row goes into the HDF5 file.  HDF5 is not crash-safe: a
SIGKILL in the middle of a metadata write can leave the file unreadable.  The
journal is append-only, so after a crash it is intact up to a possibly
truncated last line; ``--resume`` rebuilds the HDF5 file from it.  It is
removed when the sweep completes.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np

from rfsim.errors import ConfigError
from rfsim.version import __version__

FORMAT = "rfsim-sweep-1"


def journal_path(path) -> Path:
    """Path of the journal next to the store ``path``."""
    path = Path(path)
    return path.with_name(path.name + ".journal")


# --------------------------------------------------------------------------
# journal
# --------------------------------------------------------------------------

def _encode(row: dict) -> str:
    return json.dumps({k: {"__array__": v.tolist()} if isinstance(v, np.ndarray) else v for k, v in row.items()})


def _decode(line: str) -> dict:
    row = json.loads(line)
    return {k: np.asarray(v["__array__"], float) if isinstance(v, dict) and "__array__" in v else v
            for k, v in row.items()}


def read_journal(path):
    """Header and rows of a journal; a truncated last line (a crash while it was
    being written) is dropped.

    Returns
    -------
    (dict, list of dict)
    """
    lines = Path(path).read_text().split("\n")
    try:
        header = json.loads(lines[0])
    except (json.JSONDecodeError, IndexError):
        raise ConfigError("--resume", str(path), "journal has no readable header; not an rfsim sweep journal")
    rows = []
    for i, line in enumerate(lines[1:], start=1):
        if not line:
            continue
        try:
            rows.append(_decode(line))
        except json.JSONDecodeError:
            if i < len(lines) - 1 and any(lines[i + 1:]):  # only the last line may be cut short
                raise ConfigError("--resume", str(path), f"journal line {i + 1} is damaged") from None
    return header, rows


# --------------------------------------------------------------------------
# HDF5 columns
# --------------------------------------------------------------------------

def _kind(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)):
        return "bool"
    if isinstance(v, (int, np.integer)):
        return "int"
    if isinstance(v, (float, np.floating)):
        return "float"
    if isinstance(v, str):
        return "str"
    if isinstance(v, np.ndarray):
        return "array"
    return "json"


def _dtype(kind):
    import h5py

    if kind in ("bool", "int", "float"):
        return np.float64, np.nan
    if kind == "array":
        return h5py.vlen_dtype(np.float64), None
    return h5py.string_dtype(), None


class _Columns:
    """The ``runs/`` group of an open file: appends rows, creating a column the
    first time a value appears (earlier rows get the fill value)."""

    def __init__(self, f):
        self.g = f.require_group("runs")
        self.n = int(self.g.attrs.get("rows", 0))
        self.cols = {}
        self.g.visititems(lambda name, obj: self.cols.__setitem__(name, obj) if hasattr(obj, "shape") else None)

    def _create(self, name, kind):
        dt, fill = _dtype(kind)
        kw = {"fillvalue": fill} if fill is not None else {}
        ds = self.g.create_dataset(name, shape=(self.n,), maxshape=(None,), chunks=(256,), dtype=dt, **kw)
        ds.attrs["kind"] = kind
        self.cols[name] = ds
        return ds

    def append(self, row: dict) -> None:
        n = self.n
        for name, v in row.items():
            kind = _kind(v)
            if kind is None:
                continue
            ds = self.cols.get(name) or self._create(name, kind)
            if ds.attrs["kind"] == "int" and kind == "float":
                ds.attrs["kind"] = "float"  # e.g. a value that was whole in the first rows
        for ds in self.cols.values():
            ds.resize((n + 1,))
        for name, v in row.items():
            if v is None:
                continue
            ds = self.cols[name]
            k = ds.attrs["kind"]
            if k == "json":
                v = json.dumps(v)
            elif k == "str":
                v = str(v)
            elif k in ("bool", "int", "float"):
                v = float(v)
            ds[n] = v
        self.n = n + 1

    def commit(self):
        # data first, then the count that makes it visible
        self.g.file.flush()
        self.g.attrs["rows"] = self.n
        self.g.file.flush()


def _write_meta(f, meta):
    f.attrs["format"] = FORMAT
    f.attrs["rfsim_version"] = __version__
    for k, v in meta.items():
        f.attrs[k] = json.dumps(v) if isinstance(v, (list, dict)) else v


def _read_meta(f) -> dict:
    out = {}
    for k, v in f.attrs.items():
        v = v.item() if isinstance(v, np.generic) else v
        if k in ("design_keys", "uncertain_keys"):
            v = json.loads(v)
        out[k] = v
    return out


def _open_read(path):
    import h5py

    try:
        # locking=False: a report may read the store while a sweep appends to it
        f = h5py.File(path, "r", locking=False)
    except OSError as e:
        raise ConfigError("sweep store", str(path), f"is not a readable HDF5 file ({e})") from None
    if f.attrs.get("format") != FORMAT:
        f.close()
        raise ConfigError("sweep store", str(path), f"is not an rfsim sweep store (format {FORMAT})")
    return f


def _stored_rows(f) -> list:
    """The committed rows of an open store, as row dicts."""
    cols = _Columns.__new__(_Columns)
    cols.g, cols.cols = f["runs"], {}
    f["runs"].visititems(lambda name, obj: cols.cols.__setitem__(name, obj) if hasattr(obj, "shape") else None)
    n = int(f["runs"].attrs.get("rows", 0))
    data = {name: _column(ds, n) for name, ds in cols.cols.items()}
    rows = []
    for i in range(n):
        row = {}
        for name, col in data.items():
            v = col[i]
            kind = cols.cols[name].attrs["kind"]
            if kind in ("bool", "int", "float"):
                if math.isnan(v):
                    continue
                v = bool(v) if kind == "bool" else int(v) if kind == "int" else float(v)
            elif kind in ("str", "json") and v is None:
                continue
            row[name] = v
        rows.append(row)
    return rows


def _column(ds, n):
    kind = ds.attrs["kind"]
    n = min(n, ds.shape[0])
    if kind in ("bool", "int", "float"):
        return np.asarray(ds[:n], float)
    if kind == "array":
        return [np.asarray(x, float) for x in ds[:n]]
    vals = [x.decode() if isinstance(x, bytes) else str(x) for x in ds[:n]]
    if kind == "json":
        return [json.loads(x) if x else None for x in vals]
    return np.array(vals, dtype=object)


# --------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------

def prepare(path, meta: dict, resume: bool) -> list:
    """Check that the sweep may write to ``path`` and return the rows already
    done.  Touches no file: a refused sweep leaves everything as it was.

    Parameters
    ----------
    path : path
        The store.
    meta : dict
        The sweep's metadata; ``meta["spec"]`` must match the store's on resume.
    resume : bool

    Returns
    -------
    list of dict
        Rows already stored (empty for a new sweep).
    """
    path, journal = Path(path), journal_path(path)
    if not path.parent.is_dir():
        raise ConfigError("--out", str(path), f"folder {path.parent} does not exist")
    if not resume:
        if path.exists() or journal.exists():
            raise ConfigError("--out", str(path), "exists; pass --resume to continue that sweep, or choose a new file")
        return []
    if journal.exists():
        header, rows = read_journal(journal)
    elif path.exists():
        with _open_read(path) as f:
            header, rows = _read_meta(f), _stored_rows(f)
    else:
        return []
    if header.get("format") != FORMAT:
        raise ConfigError("--resume", str(path), f"is not an rfsim sweep store (format {FORMAT})")
    if header.get("spec") != meta["spec"]:
        raise ConfigError("--resume", str(path), "was written by a different sweep spec or base scenario; "
                                                 "resume it with its own spec, or choose a new --out")
    return rows


class SweepWriter:
    """Appends rows to the store and its journal (context manager).

    On entry the store is (re)built from ``existing`` rows in a temporary file
    that atomically replaces ``path``, so an interrupted append is never
    continued.  Every :meth:`append` is durable in the journal before it goes
    into the HDF5 file, where it is flushed.  On a clean exit with every run
    stored the journal is removed.
    """

    def __init__(self, path, meta: dict, existing=()):
        self.path, self.journal = Path(path), journal_path(path)
        self.meta, self.existing = meta, list(existing)

    def __enter__(self):
        import h5py

        tmp = self.path.with_name(self.path.name + ".tmp")
        with h5py.File(tmp, "w") as f:
            _write_meta(f, self.meta)
            cols = _Columns(f)
            for row in self.existing:
                cols.append(row)
            cols.commit()
        jtmp = self.journal.with_name(self.journal.name + ".tmp")
        with open(jtmp, "w") as j:
            j.write(json.dumps({"format": FORMAT, **self.meta}) + "\n")
            j.writelines(_encode(r) + "\n" for r in self.existing)
            j.flush()
            os.fsync(j.fileno())
        # the journal first: from here on it holds every row the store will
        os.replace(jtmp, self.journal)
        os.replace(tmp, self.path)
        self._j = open(self.journal, "a")
        self._f = h5py.File(self.path, "a")
        self._cols = _Columns(self._f)
        return self

    @property
    def rows(self) -> int:
        return self._cols.n

    def append(self, row: dict) -> None:
        """Store one run's row (durable when this returns)."""
        self._j.write(_encode(row) + "\n")
        self._j.flush()
        os.fsync(self._j.fileno())
        self._cols.append(row)
        self._cols.commit()

    def __exit__(self, *exc):
        self._f.close()
        self._j.close()
        if exc[0] is None and self._cols.n >= self.meta["n_runs"]:
            self.journal.unlink()
        return False


# --------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------

def read_sweep(path) -> dict:
    """Read a sweep store.

    Returns
    -------
    dict
        ``meta`` (root attributes; ``design_keys`` and ``uncertain_keys`` as
        lists), ``n`` (committed rows) and ``columns``: name -> values in run
        order (float arrays with NaN for missing numbers, object arrays of
        strings, lists of parsed JSON or of arrays).
    """
    with _open_read(path) as f:
        meta = _read_meta(f)
        g = f["runs"]
        n = int(g.attrs.get("rows", 0))
        cols = {}
        g.visititems(lambda name, obj: cols.__setitem__(name, _column(obj, n)) if hasattr(obj, "shape") else None)
    order = np.argsort(cols["run"], kind="stable") if n else np.zeros(0, int)
    cols = {k: (v[order] if isinstance(v, np.ndarray) else [v[i] for i in order]) for k, v in cols.items()}
    return {"meta": meta, "n": n, "columns": cols}

"""The columns of a sweep store: one 1-D HDF5 dataset per row key, and a
checksum per row.

A row is a dict (``run``, ``param/KEY``, ``metric/NAME``...; see
:mod:`rfsim.sweep.store`).  Each key becomes a dataset of group ``runs/`` the
first time a value appears; its ``kind`` attribute says how to read it back:
``float``, ``int`` and ``bool`` are float64 with NaN where a row has no value,
``str`` and ``json`` are UTF-8 strings, ``array`` is a variable-length float64
array.  Datasets grow in blocks of :data:`GROW` rows; the ``rows`` attribute of
``runs/`` counts the committed rows, written after their data.

The root dataset ``row_crc32`` holds, per row, the CRC-32 of the row's values as
stored (column name, type and bytes of every value the row has), so that a
damaged store is reported instead of being read back as numbers.
"""

from __future__ import annotations

import json
import math
import struct
import zlib

import numpy as np

#: Rows a column grows by at a time (a multiple of the HDF5 chunk).
GROW = 1024
#: The root dataset of row checksums.
CHECKS = "row_crc32"
_NUMERIC = ("bool", "int", "float")
_KINDS = _NUMERIC + ("str", "json", "array")


def kind_of(v) -> str | None:
    """How a row value is stored (None: not stored)."""
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

    if kind in _NUMERIC:
        return np.float64, np.nan
    if kind == "array":
        return h5py.vlen_dtype(np.float64), None
    return h5py.string_dtype(), None


def stored(kind: str, v):
    """A row value in the form its column stores it."""
    if kind == "json":
        return json.dumps(v)
    if kind == "str":
        return str(v)
    if kind in _NUMERIC:
        return float(v)
    return np.asarray(v, float)


def _missing(kind, v) -> bool:
    """True for a stored value that stands for "no value" (the fill)."""
    if kind in _NUMERIC:
        return math.isnan(v)
    return len(v) == 0


def row_crc(values) -> int:
    """CRC-32 of a row's stored values.

    Parameters
    ----------
    values : iterable of (str, str, value)
        (column name, kind, stored value) of the row; missing values (NaN,
        '' or an empty array) are left out, so a column created after the row
        was written does not change its checksum.
    """
    crc = 0
    for name, kind, v in sorted(values, key=lambda x: x[0]):
        if _missing(kind, v):
            continue
        if kind in _NUMERIC:
            tag, data = b"n", struct.pack("<d", v)
        elif kind == "array":
            tag, data = b"a", np.ascontiguousarray(v, "<f8").tobytes()
        else:
            tag, data = b"s", v.encode("utf-8", "surrogatepass")
        crc = zlib.crc32(name.encode("utf-8", "surrogatepass") + b"\0" + tag + struct.pack("<Q", len(data)), crc)
        crc = zlib.crc32(data, crc)
    return crc


class Columns:
    """The columns of an open store (``h5py.File``), for appending rows."""

    def __init__(self, f):
        self.f = f
        self.g = f.require_group("runs")
        self.n = int(self.g.attrs.get("rows", 0))
        self.cols = {}
        self.g.visititems(lambda name, obj: self.cols.__setitem__(name, obj) if hasattr(obj, "shape") else None)
        # each column's kind attribute, read once: an HDF5 attribute read costs
        # ~0.1 ms, and every row read each column's twice
        self.kinds = {name: ds.attrs["kind"] for name, ds in self.cols.items()}
        if CHECKS not in f:
            f.create_dataset(CHECKS, shape=(self.n,), maxshape=(None,), chunks=(256,), dtype=np.int64,
                             fillvalue=-1)
        self.checks = f[CHECKS]
        self.size = self.checks.shape[0]
        from h5py import h5s

        self._one = h5s.create_simple((1,))  # the memory side of a one-number write

    def _create(self, name, kind):
        dt, fill = _dtype(kind)
        kw = {"fillvalue": fill} if fill is not None else {}
        ds = self.g.create_dataset(name, shape=(self.size,), maxshape=(None,), chunks=(256,), dtype=dt, **kw)
        ds.attrs["kind"] = kind
        self.cols[name], self.kinds[name] = ds, kind
        return ds

    def _resize(self, size):
        for ds in (*self.cols.values(), self.checks):
            ds.resize((size,))
        self.size = size

    def append(self, row: dict) -> None:
        """Write one row (not yet committed: see :meth:`commit`)."""
        n = self.n
        for name, v in row.items():
            kind = kind_of(v)
            if kind is None:
                continue
            ds = self.cols.get(name) or self._create(name, kind)
            if self.kinds[name] == "int" and kind == "float":
                ds.attrs["kind"] = self.kinds[name] = "float"  # e.g. a value that was whole in the first rows
        if n >= self.size:
            self._resize(n + GROW)
        values = []
        for name, v in row.items():
            if v is None:
                continue
            kind = self.kinds[name]
            v = stored(kind, v)
            if kind in _NUMERIC:  # float64: h5py's low-level write, a quarter of the cost of ds[n] = v
                ds = self.cols[name].id
                space = ds.get_space()
                space.select_hyperslab((n,), (1,))
                ds.write(self._one, space, np.array([v], np.float64))
            else:
                self.cols[name][n] = v
            values.append((name, kind, v))
        self.checks[n] = row_crc(values)
        self.n = n + 1

    def commit(self) -> None:
        """Make the appended rows visible: data first, then the count."""
        self.f.flush()
        self.g.attrs["rows"] = self.n
        self.f.flush()

    def trim(self) -> None:
        """Shrink every column to the committed rows (on a clean close)."""
        if self.size != self.n:
            self._resize(self.n)


# --------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------

def _column(ds, n):
    kind = ds.attrs["kind"]
    if kind not in _KINDS:
        raise ValueError(f"unknown column kind {kind!r}")
    if kind in _NUMERIC:
        return np.asarray(ds[:n], float)
    if kind == "array":
        return [np.asarray(x, float) for x in ds[:n]]
    vals = [x.decode() if isinstance(x, bytes) else str(x) for x in ds[:n]]
    return np.array(vals, dtype=object)


def read_columns(f) -> tuple:
    """The committed rows of an open store, column by column, as stored.

    Returns
    -------
    (int, dict, dict, numpy.ndarray or None)
        Row count ``n``; column name -> values (float arrays, object arrays of
        strings (JSON still as text), lists of arrays); column name -> kind;
        the row checksums (None in a store of the first format, which had none).
    """
    g = f["runs"]
    n = int(g.attrs.get("rows", 0))
    dsets = {}
    g.visititems(lambda name, obj: dsets.__setitem__(name, obj) if hasattr(obj, "shape") else None)
    n = min([n, *(ds.shape[0] for ds in dsets.values())])
    cols = {name: _column(ds, n) for name, ds in dsets.items()}
    kinds = {name: ds.attrs["kind"] for name, ds in dsets.items()}
    checks = np.asarray(f[CHECKS][:n]) if CHECKS in f else None
    if checks is not None and len(checks) < n:
        raise ValueError(f"{len(checks)} row checksums for {n} rows")
    return n, cols, kinds, checks


def damaged_rows(n, cols, kinds, checks) -> list:
    """Indices of the rows whose values do not match their checksum."""
    bad = []
    for i in range(n):
        crc = row_crc((name, kinds[name], col[i]) for name, col in cols.items())
        if crc != checks[i]:
            bad.append(i)
    return bad


def decode(kind: str, v):
    """A stored value as the row held it (None where the row has none)."""
    if kind in _NUMERIC:
        if math.isnan(v):
            return None
        return bool(v) if kind == "bool" else int(v) if kind == "int" else float(v)
    if kind == "json":
        return json.loads(v) if v else None
    return v


def row_at(i, cols, kinds) -> dict:
    """Row ``i`` as a row dict (missing numbers and JSON left out; strings kept,
    '' included, as they were appended)."""
    row = {}
    for name, col in cols.items():
        v = decode(kinds[name], col[i])
        if v is not None:
            row[name] = v
    return row

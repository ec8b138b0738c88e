"""The journal of a sweep store: the same rows as JSON lines, each with its
checksum, appended and fsync'ed before the row goes into the HDF5 file.

``sweep.h5.journal`` starts with a header line (``format`` and the sweep's
metadata); then one line per row.  Every line is a JSON object whose last key,
``crc32``, is the CRC-32 of the line's JSON text without that key, so a line
that was cut short by a crash, damaged on disk or edited by hand is recognised
and never read back as numbers.  Time series are written as
``{"__array__": [...]}``.
"""

from __future__ import annotations

import json
import os
import zlib
from pathlib import Path

import numpy as np

#: The keys every row has, and what they hold.
_ROW_TYPES = {"run": int, "point": int, "sample": int, "scenario_hash": str, "status": str, "error": str}


def journal_path(path) -> Path:
    """Path of the journal next to the store ``path``."""
    path = Path(path)
    return path.with_name(path.name + ".journal")


def encode(obj: dict) -> str:
    """One journal line (without the newline): ``obj`` as JSON with its checksum."""
    text = json.dumps({k: {"__array__": v.tolist()} if isinstance(v, np.ndarray) else v for k, v in obj.items()})
    # the checksum joins the object as its last key (obj is never empty)
    return f'{text[:-1]}, "crc32": {zlib.crc32(text.encode())}}}'


def decode(line: str) -> dict | None:
    """The object of a journal line, or None if the line is not one that
    :func:`encode` wrote (cut short, damaged or edited)."""
    try:
        obj = json.loads(line)
    except (json.JSONDecodeError, RecursionError):
        return None
    if not isinstance(obj, dict) or not isinstance(obj.get("crc32"), int):
        return None
    crc = obj.pop("crc32")
    # json.dumps(json.loads(text)) == text for what encode wrote (floats are
    # written as their shortest repr, keys keep their order)
    if zlib.crc32(json.dumps(obj).encode()) != crc:
        return None
    return {k: np.asarray(v["__array__"], float) if isinstance(v, dict) and "__array__" in v else v
            for k, v in obj.items()}


def is_row(row: dict) -> bool:
    """True if ``row`` has the keys and types every stored row has."""
    for key, typ in _ROW_TYPES.items():
        v = row.get(key)
        if not isinstance(v, typ) or isinstance(v, bool):
            return False
    return row["run"] >= 0 and row["status"] in ("ok", "failed")


def read_journal(path) -> tuple:
    """Header and rows of a journal.

    A line that fails its checksum is left out and counted: a truncated last
    line is what a crash leaves; elsewhere it is damage or a hand edit.

    Returns
    -------
    (dict or None, list of dict, int)
        The header (None if the first line is not a valid header), the valid
        rows in file order, and the number of lines left out (not counting a
        cut-short last line).
    """
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        lines = f.read().split("\n")
    header = decode(lines[0])
    rows, bad = [], 0
    last = max((i for i, line in enumerate(lines) if line), default=0)
    for i, line in enumerate(lines[1:], start=1):
        if not line:
            continue
        row = decode(line)
        if row is not None and is_row(row):
            rows.append(row)
        elif i < last:  # only the last line may be cut short by a crash
            bad += 1
    return header, rows, bad


class JournalWriter:
    """Writes a journal: the header and rows already done to a temporary file
    that replaces ``path`` atomically, then appends rows durably."""

    def __init__(self, path, header: dict, rows=()):
        self.path = Path(path)
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            with open(tmp, "w", encoding="utf-8") as j:
                j.write(encode(header) + "\n")
                j.writelines(encode(r) + "\n" for r in rows)
                j.flush()
                os.fsync(j.fileno())
            os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)
        self._j = open(self.path, "a", encoding="utf-8")

    def append(self, row: dict) -> None:
        """Append one row; durable when this returns."""
        self._j.write(encode(row) + "\n")
        self._j.flush()
        os.fsync(self._j.fileno())

    def close(self) -> None:
        self._j.close()

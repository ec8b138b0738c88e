"""Checking the files a user asks rfsim to write, before any work is done.

The counterpart of :mod:`rfsim.inputs`: one check for every output path
(``--out``, ``--plot``, ``--json FILE``), run before the computation whose
result it will hold, so that a path that cannot be written costs no simulation
and leaves nothing behind.  The path is written exactly as given: its extension
must name a format the writer supports (nothing ever appends one, so
``--plot adir`` cannot quietly become ``adir.png``), it must not be a directory,
its folder must exist, and the file must be creatable (tried, then removed).
Each failure is a :class:`~rfsim.errors.ConfigError` naming the flag.
"""

from __future__ import annotations

import os
from pathlib import Path

from rfsim.errors import ConfigError

#: Extensions of the HDF5 results files (:mod:`rfsim.io`).
HDF5_SUFFIXES = (".h5", ".hdf5")
#: Extension of JSON files.
JSON_SUFFIXES = (".json",)


def check_output(path, key: str, suffixes) -> Path:
    """``path`` as a :class:`~pathlib.Path` once it is known that it can be written.

    Parameters
    ----------
    path : str or Path
        The file as the user gave it.
    key : str
        The flag it came from (``--out``), which leads the error message.
    suffixes : sequence of str
        Extensions the format accepts, lower case with the dot (``.png``).

    Raises
    ------
    ConfigError
        No or another extension; a directory or a device; a folder that does
        not exist or is not a folder; a file that cannot be created or opened
        for writing (permission, read-only file system, ``/proc``).  An
        existing file is opened without truncation and left unchanged; a new
        one is created and removed again.
    """
    text = os.fspath(path)
    allowed = ", ".join(suffixes)
    if not text or "\0" in text:
        raise ConfigError(key, text, f"must be a file path ending in {allowed}")
    p = Path(text)
    suffix = p.suffix.lower()
    if p.is_dir():
        raise ConfigError(key, text, f"is a directory: give a file path ending in {allowed}")
    if suffix not in suffixes:
        why = "has no extension" if not suffix else f"extension {p.suffix} is not supported"
        raise ConfigError(key, text, f"{why}: allowed {allowed} (the file is written exactly where given)")
    if p.exists() and not p.is_file():
        raise ConfigError(key, text, "is not a regular file (a device or a pipe)")
    folder = p.parent
    if not folder.exists():
        raise ConfigError(key, text, f"folder {str(folder)!r} does not exist")
    if not folder.is_dir():
        raise ConfigError(key, text, f"{str(folder)!r} is not a folder")
    _try_to_write(p, key)
    return p


def _try_to_write(p: Path, key: str) -> None:
    """Open ``p`` for writing without changing it: a new file is created and
    removed, an existing one opened without truncation.  Permissions alone do
    not answer this (root may write anywhere but a read-only file system)."""
    existed = p.exists()
    flags = os.O_WRONLY if existed else os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        fd = os.open(p, flags, 0o666)
    except OSError as e:
        raise ConfigError(key, str(p), f"cannot be written ({e.strerror or e})") from None
    os.close(fd)
    if not existed:
        try:
            p.unlink()
        except OSError:  # created but not removable: leave it rather than fail after the check
            pass

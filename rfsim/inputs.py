"""Reading the files a user names: scenario, sweep spec, anatomy data.

One reader for every TOML file, so that every file gets the same checks: it
exists and is a regular file, it is no larger than :data:`MAX_INPUT_BYTES`, it
is UTF-8 text, and it is valid TOML that is not absurdly nested.  Each failure
is a :class:`~rfsim.errors.ConfigError` naming what the user typed, never a
traceback (a directory, a binary file or ``/dev/zero`` given as a scenario used
to end in IsADirectoryError, UnicodeDecodeError or MemoryError).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from rfsim.errors import ConfigError

#: Largest input file read (bytes).  The biggest real input, a sweep spec with
#: long zipped lists, is a few kB; 1 MiB leaves room and keeps a mistaken
#: argument (an image, a device) from being read into memory.
MAX_INPUT_BYTES = 1 << 20


def read_text(path, key: str) -> str:
    """The text of the file ``path`` (UTF-8), or ConfigError naming ``key``.

    Parameters
    ----------
    path : str or Path
        The file as the user gave it.
    key : str
        What the file is to the user (a flag such as ``--config`` or a key such
        as ``sweep.base``); it leads the error message.
    """
    p = Path(path)
    try:
        if not p.exists():
            raise ConfigError(key, str(path), "file not found")
        if not p.is_file():
            raise ConfigError(key, str(path), "must be a regular file (this is a directory or a device)")
        with open(p, "rb") as f:
            raw = f.read(MAX_INPUT_BYTES + 1)
    except PermissionError:
        raise ConfigError(key, str(path), "cannot be read (permission denied)") from None
    except OSError as e:
        raise ConfigError(key, str(path), f"cannot be read ({e.strerror or e})") from None
    if len(raw) > MAX_INPUT_BYTES:
        raise ConfigError(key, str(path), f"is larger than {MAX_INPUT_BYTES // 1024} KiB; not a TOML file of rfsim")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError(key, str(path), f"is not UTF-8 text (byte {e.start})") from None


def parse_toml(text: str, key: str, where: str) -> dict:
    """``text`` parsed as TOML, or ConfigError naming ``key`` and ``where``."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(key, where, f"is not valid TOML ({e})") from None
    except RecursionError:
        raise ConfigError(key, where, "is not valid TOML for rfsim (nested too deeply)") from None


def read_toml(path, key: str) -> tuple[dict, str]:
    """Read and parse a TOML file: returns (data, text)."""
    text = read_text(path, key)
    return parse_toml(text, key, str(path)), text

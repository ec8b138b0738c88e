"""Named errors of rfsim.

Every problem a user can cause (bad scenario keys, values out of range, a file
that cannot be read or written) is a :class:`ConfigError`; the command line
turns it into a one-line message and exit status 2.  Numerical trouble is a
:class:`NumericalError` and is never swallowed: a result is either right to the
stated tolerance or it does not exist (exit status 3).
"""

from __future__ import annotations

import math
from contextlib import contextmanager

#: Longest value shown in a message (characters of its repr); a longer one is
#: cut there and ends in "...", so a 10 MB value still gives a short line.
MAX_SHOWN_VALUE = 60
#: Longest key shown in a message (a key the user typed can be any string).
MAX_SHOWN_KEY = 100


def one_line(text: str, limit: int | None = None) -> str:
    """``text`` on one line: line breaks and other control characters escaped
    (as Python writes them in a string literal), cut to ``limit`` characters
    with "..." appended when longer."""
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
    if limit is not None and len(text) > limit:
        text = text[:limit] + "..."
    return text


def shown(value) -> str:
    """A value as a message shows it: its repr, on one line, shortened."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a message must never fail to format
        text = f"<{type(value).__name__}>"
    return one_line(text, MAX_SHOWN_VALUE)


class RfsimError(Exception):
    """Base class of all errors rfsim raises on purpose."""


class ConfigError(RfsimError, ValueError):
    """Invalid input: names the key, the value given and what is allowed.

    The message is one line ``key = value: allowed``: the key as the user typed
    it (a scenario key with its file units, such as ``mesh.extent_mm``, or a
    command-line flag such as ``--depth``), the value in those units, shortened
    to :data:`MAX_SHOWN_VALUE` characters, and what is allowed.
    """

    def __init__(self, key: str, value, allowed: str):
        self.key, self.value, self.allowed = key, value, allowed
        super().__init__(f"{one_line(str(key), MAX_SHOWN_KEY)} = {shown(value)}: {one_line(str(allowed))}")

    def renamed(self, key: str) -> "ConfigError":
        """The same error under another name (the one the user typed)."""
        return ConfigError(key, self.value, self.allowed)


@contextmanager
def keys_as_typed(names: dict):
    """Re-raise a :class:`ConfigError` whose key is in ``names`` under the name
    the user typed (``names[key]``): a lower layer names what it validates
    (``depth_mm``), the layer that read it knows where it came from
    (``placement.depth_mm`` in a scenario file, ``--depth`` on the command line)."""
    try:
        yield
    except ConfigError as e:
        if e.key in names:
            raise e.renamed(names[e.key]) from None
        raise


class NumericalError(RfsimError, ArithmeticError):
    """A field became NaN or infinite, or a solver failed; says where and when."""


class ConvergenceError(NumericalError):
    """An iterative linear solve did not reach its tolerance."""


class NonFiniteError(NumericalError):
    """NaN or infinity appeared in a field."""


class ImplausibleResultError(NumericalError):
    """A finished run whose answer no tissue can give (say, tissue hundreds of
    degrees above the generator's set point): reported instead of the result."""


def require_number(key: str, value, lo: float | None = None, hi: float | None = None, *,
                   lo_open: bool = False, unit: str = "") -> float:
    """``value`` as a float, or :class:`ConfigError` naming ``key``.

    Rejects bools, non-numbers, NaN and infinities, and values outside
    [lo, hi] ((lo, hi] with ``lo_open``).  ``unit`` is appended to the range in
    the message.  The one check every validated setting goes through.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(key, value, "must be a finite number")
    try:
        finite = math.isfinite(value)
    except OverflowError:  # an int too large for a float (TOML allows 2**63 - 1)
        finite = False
    if not finite:
        raise ConfigError(key, value, "must be a finite number")
    if (lo is not None and (value <= lo if lo_open else value < lo)) or (hi is not None and value > hi):
        left = "(" if lo_open else "["
        lo_s = "-inf" if lo is None else f"{lo:g}"
        hi_s = "inf" if hi is None else f"{hi:g}"
        raise ConfigError(key, value, f"must lie in {left}{lo_s}, {hi_s}]{' ' + unit if unit else ''}")
    return float(value)

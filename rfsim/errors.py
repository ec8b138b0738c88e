"""Named errors of rfsim.

Every problem a user can cause (bad scenario keys, values out of range) is a
:class:`ConfigError`; the command line turns it into a one-line message and exit
status 2.  Numerical trouble is a :class:`NumericalError` and is never swallowed:
a result is either right to the stated tolerance or it does not exist.
"""


class RfsimError(Exception):
    """Base class of all errors rfsim raises on purpose."""


class ConfigError(RfsimError, ValueError):
    """Invalid input: names the key, the value given and what is allowed."""

    def __init__(self, key: str, value, allowed: str):
        self.key, self.value, self.allowed = key, value, allowed
        super().__init__(f"{key} = {value!r}: {allowed}")


class NumericalError(RfsimError, ArithmeticError):
    """A field became NaN or infinite, or a solver failed; says where and when."""


class ConvergenceError(NumericalError):
    """An iterative linear solve did not reach its tolerance."""


class NonFiniteError(NumericalError):
    """NaN or infinity appeared in a field."""


def require_number(key: str, value, lo: float | None = None, hi: float | None = None, *,
                   lo_open: bool = False, unit: str = "") -> float:
    """``value`` as a float, or :class:`ConfigError` naming ``key``.

    Rejects bools, non-numbers, NaN and infinities, and values outside
    [lo, hi] ((lo, hi] with ``lo_open``).  ``unit`` is appended to the range in
    the message.  The one check every validated setting goes through.
    """
    import math

    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(key, value, "must be a finite number")
    if (lo is not None and (value <= lo if lo_open else value < lo)) or (hi is not None and value > hi):
        left = "(" if lo_open else "["
        lo_s = "-inf" if lo is None else f"{lo:g}"
        hi_s = "inf" if hi is None else f"{hi:g}"
        raise ConfigError(key, value, f"must lie in {left}{lo_s}, {hi_s}]{' ' + unit if unit else ''}")
    return float(value)

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

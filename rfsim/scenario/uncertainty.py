"""The ``[uncertainty]`` table of a cordotomy scenario: overrides of the
declared uncertainties that ``rfsim predict --uncertainty N`` draws.

Each key names one declared uncertainty (the list and the defaults, with their
sources, are in :mod:`rfsim.uncertainty.declared` and docs/uncertainty.md) and
gives either a distribution table as in a sweep spec (``{dist = "normal",
mean = 0.0, sd = 0.3}``), or ``false`` to hold that input at its nominal value.
``anatomy_pam50_probability`` is a number in [0, 1] instead.

This layer checks the shape (known names, tables of numbers); the numbers of a
distribution are checked when the uncertainty layer builds it, before anything
runs, with the same one-line message naming the key.
"""

from __future__ import annotations

from dataclasses import dataclass

from rfsim.errors import ConfigError, require_number

#: The declared uncertainties a scenario may override, in the order they are
#: listed (kept here, in the scenario vocabulary, so a scenario file is checked
#: without the layers above).
UNCERTAINTY_NAMES = ("offset_error_mm", "depth_error_mm", "cord_displacement_mm", "cord_ap_mm", "cord_rl_mm",
                     "anatomy_pam50_probability", "white_matter_sigma_factor", "grey_matter_sigma_factor",
                     "white_matter_perfusion_factor", "grey_matter_perfusion_factor",
                     "white_matter_k_factor", "grey_matter_k_factor", "arrhenius_a_factor")
_DIST_KEYS = ("dist", "mean", "sd", "median", "sigma", "lower", "upper")


@dataclass(frozen=True)
class UncertaintySettings:
    """Overrides of declared uncertainties (file units).

    Attributes
    ----------
    entries : tuple of (str, value)
        (name, table) with the table as a tuple of (key, value) pairs, or
        (name, False) to hold that input fixed; for
        ``anatomy_pam50_probability`` the value is a number in [0, 1].
    """

    entries: tuple = ()

    def __post_init__(self):
        for name, value in self.entries:
            key = f"uncertainty.{name}"
            if name not in UNCERTAINTY_NAMES:
                raise ConfigError(key, value, f"unknown uncertainty; allowed: {', '.join(UNCERTAINTY_NAMES)}")
            if name == "anatomy_pam50_probability":
                require_number(key, value, 0.0, 1.0, unit="(a probability)")
            elif value is not False:
                if not isinstance(value, tuple):
                    raise ConfigError(key, value, "must be a table {dist = \"normal\" | \"lognormal\" | "
                                                  "\"uniform\", ...} or false (held fixed)")
                for k, v in value:
                    if k not in _DIST_KEYS:
                        raise ConfigError(f"{key}.{k}", v, f"unknown key; allowed: {', '.join(_DIST_KEYS)}")
                    if k == "dist":
                        if not isinstance(v, str):
                            raise ConfigError(f"{key}.dist", v, "must be \"normal\", \"lognormal\" or \"uniform\"")
                    else:
                        require_number(f"{key}.{k}", v)

    def get(self, name: str):
        """The override of ``name`` (a dict, False or a number), or None."""
        for n, v in self.entries:
            if n == name:
                return dict(v) if isinstance(v, tuple) else v
        return None

    @classmethod
    def from_table(cls, table: dict) -> "UncertaintySettings":
        """From a scenario file's ``[uncertainty]`` table."""
        out = []
        for name, v in table.items():
            if isinstance(v, dict):
                v = tuple(v.items())
            elif v is True:
                raise ConfigError(f"uncertainty.{name}", v, "give a distribution table, or false to hold it fixed")
            out.append((name, v))
        return cls(tuple(out))

    def toml_lines(self, fmt) -> list:
        """The table as TOML lines (inline tables), with ``fmt`` formatting a value."""
        if not self.entries:
            return []
        lines = ["[uncertainty]"]
        for name, v in self.entries:
            if isinstance(v, tuple):
                v = "{" + ", ".join(f"{k} = {fmt(x)}" for k, x in v) + "}"
            else:
                v = fmt(v)
            lines.append(f"{name} = {v}")
        return lines + [""]

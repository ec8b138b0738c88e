"""Validation cases: the TOML files of ``rfsim/validation/cases``, read and checked.

A case file has four tables:

``[case]``
    ``kind`` (``block``: a homogeneous block through :func:`rfsim.runner.run`;
    ``cordotomy``: :func:`rfsim.prediction.predict`; ``impedance``: a reading of
    :func:`rfsim.prediction.impedance_profile`; ``exposure``: the damage model at a
    constant temperature), ``title`` and ``quick`` (part of the test subset).
``[source]``
    ``citation``, ``read_from`` (abstract, full text, a table or a figure),
    ``quote`` (verbatim), optionally ``url``.
``[conditions]``
    ``text``: the conditions as the source gives them, and what the run
    assumes where the source is silent (marked [assumed]).
``[measured]``
    ``quantity``, ``unit``, ``end_point`` and one of: ``value`` with ``spread``
    (a number: +-) or ``tolerance`` (our reading tolerance where the source
    gives none, with ``tolerance_note``); ``low`` and ``high``; ``min``; ``max``.
    ``informational = true`` reports without a pass or fail.
``[model]``
    ``metric`` (a key of the run's summary, or a derived one: see
    :mod:`rfsim.validation.runner`), ``end_point``, and the scenario as the
    tables of a scenario file under ``[model.scenario]``; for a ratio,
    ``[model.numerator]`` and ``[model.denominator]`` override tables of it.
    Impedance cases give ``model`` and ``depth_mm`` (a number or
    ``"placement"``); exposure cases ``temperature_c`` and ``time_s``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from rfsim.errors import ConfigError
from rfsim.inputs import read_toml

CASES_DIR = Path(__file__).resolve().parent / "cases"
KINDS = ("block", "cordotomy", "impedance", "exposure")


@dataclass(frozen=True)
class Measured:
    """A measured value and the interval that counts as agreement.

    Attributes
    ----------
    quantity, unit, end_point : str
    low, high : float
        The interval (-inf / inf for a one-sided bound).
    reference : float
        The value errors are taken from: the value, the middle of a range, or
        the bound of a one-sided case.
    text : str
        The measurement as printed (e.g. ``48.3 +- 1.7``, ``1.11-1.20``, ``< 200``).
    informational : bool
        No pass or fail (no measurement to compare with).
    """

    quantity: str
    unit: str
    end_point: str
    low: float
    high: float
    reference: float
    text: str
    informational: bool = False

    def contains(self, x: float) -> bool:
        """Whether ``x`` lies in the interval."""
        return self.low <= x <= self.high

    @property
    def two_sided(self) -> bool:
        """Whether the interval has both ends (a value with its spread, or a range)."""
        return math.isfinite(self.low) and math.isfinite(self.high)


@dataclass(frozen=True)
class Case:
    """One validation case (see the module text for the file format)."""

    name: str
    kind: str
    title: str
    quick: bool
    source: dict
    conditions: str
    measured: Measured
    model: dict
    path: str


def _measured(name: str, m: dict) -> Measured:
    key = f"{name}: measured"
    for k in ("quantity", "unit", "end_point"):
        if not isinstance(m.get(k), str):
            raise ConfigError(f"{key}.{k}", m.get(k), "must be a string")
    g = {k: m[k] for k in ("value", "low", "high", "min", "max") if k in m}
    for k, v in g.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ConfigError(f"{key}.{k}", v, "must be a finite number")
    common = dict(quantity=m["quantity"], unit=m["unit"], end_point=m["end_point"],
                  informational=bool(m.get("informational", False)))
    if "value" in g:
        v = float(g["value"])
        half = m.get("spread") if isinstance(m.get("spread"), (int, float)) else m.get("tolerance")
        if half is None:
            if not common["informational"]:
                raise ConfigError(f"{key}.spread", m.get("spread"), "a value needs a numeric spread or a tolerance")
            half = 0.0
        return Measured(low=v - half, high=v + half, reference=v, text=f"{v:g} +- {half:g}", **common)
    if "low" in g and "high" in g:
        lo, hi = float(g["low"]), float(g["high"])
        return Measured(low=lo, high=hi, reference=0.5 * (lo + hi), text=f"{lo:g}-{hi:g}", **common)
    if "min" in g:
        return Measured(low=float(g["min"]), high=math.inf, reference=float(g["min"]), text=f">= {g['min']:g}",
                        **common)
    if "max" in g:
        return Measured(low=-math.inf, high=float(g["max"]), reference=float(g["max"]), text=f"<= {g['max']:g}",
                        **common)
    raise ConfigError(key, sorted(m), "give value (+ spread or tolerance), low and high, min, or max")


def load_case(path) -> Case:
    """Read and check one case file."""
    path = Path(path)
    data, _ = read_toml(path, "validation case")
    name = path.stem
    for t in ("case", "source", "conditions", "measured", "model"):
        if not isinstance(data.get(t), dict):
            raise ConfigError(f"{name}: [{t}]", data.get(t), "a case file needs this table")
    c = data["case"]
    if c.get("kind") not in KINDS:
        raise ConfigError(f"{name}: case.kind", c.get("kind"), f"allowed: {', '.join(KINDS)}")
    for k in ("citation", "read_from", "quote"):
        if not isinstance(data["source"].get(k), str):
            raise ConfigError(f"{name}: source.{k}", data["source"].get(k), "must be a string")
    return Case(name=name, kind=c["kind"], title=str(c.get("title", name)), quick=bool(c.get("quick", False)),
                source=dict(data["source"]), conditions=str(data["conditions"].get("text", "")),
                measured=_measured(name, data["measured"]), model=dict(data["model"]), path=str(path))


def case_names() -> list:
    """Names of the packaged cases, sorted."""
    return sorted(p.stem for p in CASES_DIR.glob("*.toml"))


def load_cases(names=None, quick: bool = False, key: str = "--case") -> list:
    """The packaged cases, all or the named ones (or the quick subset).

    Raises
    ------
    ConfigError
        For a name that is not a case, under ``key`` (the option that named
        it); the message lists the valid names.
    """
    valid = case_names()
    if names:
        for n in names:
            if n not in valid:
                raise ConfigError(key, n, f"not a validation case; valid: {', '.join(valid)}")
    else:
        names = valid
    cases = [load_case(CASES_DIR / f"{n}.toml") for n in names]
    return [c for c in cases if c.quick] if quick else cases

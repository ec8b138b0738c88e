"""Parameter sweeps and uncertainty: many predictions from one spec.

A sweep spec (TOML, or the same dict from Python) names a base cordotomy
scenario and the parameters to vary, by dotted keys of the scenario-file
vocabulary (``placement.offset_mm``, ``tissues.white_matter.sigma_s_per_m``...):

* ``[grid]``: lists whose Cartesian product is taken;
* ``[zip]`` (or ``[[zip]]``): lists of equal length taken together;
* ``[sample]``: ``n`` random or Latin-hypercube samples of ranges or distributions;
* ``[monte_carlo]``: ``n`` draws of uncertain parameters (normal, lognormal or
  uniform, optionally bounded) repeated at every design point.

The design points ("placements") are the product of the grid, the zipped groups
and the samples; every design point is run once per Monte Carlo draw.  Draws
come from a seed, one independent stream per parameter, so a sweep is
reproducible run for run and adding a parameter does not change the draws of
the others.

:func:`run_sweep` runs it on local worker processes (default) or on a Dask
cluster and appends one row per run to an HDF5 store (:mod:`rfsim.sweep.store`).
The module is imported by the command line on every command, so it imports only
the standard library and NumPy at module level.  See docs/sweeps.md.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
import os
import sys
import threading
import time
import tomllib
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rfsim.errors import ConfigError, require_number
from rfsim.inputs import read_toml

DISTRIBUTIONS = ("normal", "lognormal", "uniform")
METHODS = ("random", "lhs")
#: Largest number of runs of one sweep: a guard against a typo that would
#: build millions of scenarios before the first run.
MAX_RUNS = 10_000_000
_DIST_KEYS = {"normal": ("dist", "mean", "sd", "lower", "upper"),
              "lognormal": ("dist", "median", "sigma", "lower", "upper"),
              "uniform": ("dist", "lower", "upper")}
# The protocol keys parse_scenario accepts instead of a [[protocol.lesion]] list.
_UNIFORM_PROTOCOL = ("set_temperature_c", "duration_s", "lesions")
_SECTIONS = ("sweep", "base", "grid", "zip", "sample", "monte_carlo", "output")


# --------------------------------------------------------------------------
# parameter names
# --------------------------------------------------------------------------

def parameter_names() -> dict:
    """Every key a sweep can vary, grouped by scenario section.

    Returns
    -------
    dict of str -> tuple of str
        Section (``placement``, ``tissues.white_matter``...) -> its keys.
    """
    from dataclasses import fields

    from rfsim.scenario import config as C
    from rfsim.physics.damage import DamageSettings
    from rfsim.physics.generator import GeneratorSettings
    from rfsim.cordotomy.verdict import VerdictSettings
    from rfsim.physics.simulation import NumericsSettings
    from rfsim.physics.tissue import TISSUES

    out = {"scenario": ("model",),
           "electrode": tuple(C._ELECTRODE_KEYS) + tuple(C._METAL_KEYS),
           "protocol": _UNIFORM_PROTOCOL + ("cooling_s",),
           "mesh": tuple(C._MESH_KEYS)}
    for sec, cls in (("generator", GeneratorSettings), ("damage", DamageSettings),
                     ("numerics", NumericsSettings), ("anatomy", C.AnatomySettings),
                     ("placement", C.PlacementSettings), ("verdict", VerdictSettings)):
        out[sec] = tuple(f.name for f in fields(cls))
    for name in TISSUES:
        out[f"tissues.{name}"] = C._TISSUE_PROPS
    return out


def check_parameter(key: str, where: str) -> None:
    """Raise ConfigError unless ``key`` is a parameter a sweep can vary.

    Parameters
    ----------
    key : str
        Dotted key, e.g. ``placement.offset_mm``.
    where : str
        The spec table it came from (for the message), e.g. ``grid``.
    """
    names = parameter_names()
    if not isinstance(key, str) or "." not in key:
        raise ConfigError(f"{where}.{key}", key, "parameters are dotted scenario keys such as placement.offset_mm")
    section, _, name = key.rpartition(".")
    if section not in names:
        raise ConfigError(f"{where}.{key}", section, f"unknown scenario section; allowed: {', '.join(names)}")
    if name not in names[section]:
        raise ConfigError(f"{where}.{key}", name, f"unknown key; valid keys in [{section}]: "
                                                  f"{', '.join(names[section])}")


# --------------------------------------------------------------------------
# distributions and sampling
# --------------------------------------------------------------------------

def _phi(x: float) -> float:
    """Standard normal CDF (stdlib only, so validation needs no SciPy)."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _finite(key, v):
    return require_number(key, v)


@dataclass(frozen=True)
class Distribution:
    """Distribution of one uncertain parameter, optionally truncated.

    Attributes
    ----------
    dist : {"normal", "lognormal", "uniform"}
    mean, sd : float
        ``normal``: mean and standard deviation (> 0), in the parameter's unit.
    median, sigma : float
        ``lognormal``: median (> 0, the parameter's unit) and the standard
        deviation of its logarithm (> 0, dimensionless).
    lower, upper : float or None
        Bounds (the parameter's unit): required for ``uniform``; for the others
        they truncate the distribution (sampled by inverse CDF on the truncated
        range, so no draw is rejected and the stream stays reproducible).
    key : str
        Where the distribution was given, for messages.
    """

    dist: str
    mean: float | None = None
    sd: float | None = None
    median: float | None = None
    sigma: float | None = None
    lower: float | None = None
    upper: float | None = None
    key: str = field(default="distribution", compare=False)

    def __post_init__(self):
        k = self.key
        if self.dist not in DISTRIBUTIONS:
            raise ConfigError(f"{k}.dist", self.dist, f"allowed: {', '.join(DISTRIBUTIONS)}")
        need = [n for n in _DIST_KEYS[self.dist][1:] if n not in ("lower", "upper") or self.dist == "uniform"]
        for n in ("mean", "sd", "median", "sigma", "lower", "upper"):
            v = getattr(self, n)
            if n in need and v is None:
                raise ConfigError(f"{k}.{n}", None, f"required for dist = \"{self.dist}\" "
                                                    f"(keys: {', '.join(_DIST_KEYS[self.dist])})")
            if v is not None and n not in _DIST_KEYS[self.dist]:
                raise ConfigError(f"{k}.{n}", v, f"not a key of dist = \"{self.dist}\"; "
                                                 f"allowed: {', '.join(_DIST_KEYS[self.dist])}")
            if v is not None:
                object.__setattr__(self, n, _finite(f"{k}.{n}", v))
        if self.sd is not None and self.sd <= 0:
            raise ConfigError(f"{k}.sd", self.sd, "must be > 0 (standard deviation)")
        if self.sigma is not None and self.sigma <= 0:
            raise ConfigError(f"{k}.sigma", self.sigma, "must be > 0 (standard deviation of the logarithm)")
        if self.median is not None and self.median <= 0:
            raise ConfigError(f"{k}.median", self.median, "must be > 0 (a lognormal value is positive)")
        if self.dist == "lognormal" and self.lower is not None and self.lower <= 0:
            raise ConfigError(f"{k}.lower", self.lower, "must be > 0 for a lognormal (its values are positive)")
        if self.lower is not None and self.upper is not None and not self.lower < self.upper:
            raise ConfigError(f"{k}.lower", self.lower, f"must be below upper = {self.upper:g}")
        a, b = self._cdf_range()
        if not b - a > 1e-12:
            raise ConfigError(f"{k}.lower" if self.lower is not None else f"{k}.upper",
                              self.lower if self.lower is not None else self.upper,
                              "the bounds leave the distribution no probability (move them toward the centre)")

    def _standard(self, x):
        """Standardised value: z for normal and lognormal."""
        if self.dist == "normal":
            return (x - self.mean) / self.sd
        return (math.log(x) - math.log(self.median)) / self.sigma

    def _cdf_range(self):
        if self.dist == "uniform":
            return 0.0, 1.0
        a = 0.0 if self.lower is None else _phi(self._standard(self.lower))
        b = 1.0 if self.upper is None else _phi(self._standard(self.upper))
        return a, b

    def ppf(self, u) -> np.ndarray:
        """Inverse CDF: values (the parameter's unit) at probabilities ``u`` in (0, 1)."""
        u = np.asarray(u, float)
        if self.dist == "uniform":
            return self.lower + u * (self.upper - self.lower)
        from scipy.special import ndtri

        a, b = self._cdf_range()
        z = ndtri(a + u * (b - a))
        x = self.mean + self.sd * z if self.dist == "normal" else self.median * np.exp(self.sigma * z)
        # round-off in ndtri near the bounds must not step outside them
        return np.clip(x, -np.inf if self.lower is None else self.lower, np.inf if self.upper is None else self.upper)

    @classmethod
    def from_table(cls, key: str, table) -> "Distribution":
        """From a spec entry: a table ``{dist = ..., ...}`` or a range ``[low, high]`` (uniform)."""
        if isinstance(table, list):
            if len(table) != 2:
                raise ConfigError(key, table, "a range is [low, high]; or give a table {dist = \"normal\", ...}")
            return cls("uniform", lower=table[0], upper=table[1], key=key)
        if not isinstance(table, dict):
            raise ConfigError(key, table, "must be [low, high] or a table {dist = \"normal\" | \"lognormal\" | "
                                          "\"uniform\", ...}")
        dist = table.get("dist")
        if dist not in DISTRIBUTIONS:
            raise ConfigError(f"{key}.dist", dist, f"allowed: {', '.join(DISTRIBUTIONS)}")
        for n in table:
            if n not in _DIST_KEYS[dist]:
                raise ConfigError(f"{key}.{n}", table[n], f"unknown key for dist = \"{dist}\"; "
                                                          f"allowed: {', '.join(_DIST_KEYS[dist])}")
        return cls(**table, key=key)

    def as_dict(self) -> dict:
        return {n: getattr(self, n) for n in _DIST_KEYS[self.dist] if getattr(self, n) is not None}


# Streams of the two sampled sections are independent of each other.
_STREAM = {"sample": 1, "monte_carlo": 2}


@dataclass(frozen=True)
class Sampling:
    """``n`` random or Latin-hypercube draws of some parameters.

    Attributes
    ----------
    section : {"sample", "monte_carlo"}
        Which spec table this is (it selects the random streams).
    n : int
        Number of draws, >= 1.
    method : {"random", "lhs"}
        Independent uniform probabilities, or Latin hypercube: each
        parameter's probabilities fall one in each of ``n`` equal strata, in an
        independently shuffled order.
    parameters : tuple of (str, Distribution)
    """

    section: str
    n: int
    method: str = "random"
    parameters: tuple = ()

    def __post_init__(self):
        s = self.section
        if s not in _STREAM:
            raise ConfigError("section", s, f"allowed: {', '.join(_STREAM)}")
        if isinstance(self.n, bool) or not isinstance(self.n, int) or not 1 <= self.n <= MAX_RUNS:
            raise ConfigError(f"{s}.n", self.n, f"must be a whole number from 1 to {MAX_RUNS}")
        if self.method not in METHODS:
            raise ConfigError(f"{s}.method", self.method, f"allowed: {', '.join(METHODS)}")
        if not self.parameters:
            raise ConfigError(s, f"[{s}]", "names no parameter to draw (add e.g. \"placement.offset_mm\" = [1.0, 2.0])")
        for key, d in self.parameters:
            check_parameter(key, s)
            if not isinstance(d, Distribution):
                raise ConfigError(f"{s}.{key}", d, "must be an rfsim.sweep.core.Distribution")

    def draw(self, seed: int) -> dict:
        """The draws: parameter -> array of ``n`` values (reproducible for ``seed``)."""
        out = {}
        for key, d in self.parameters:
            # one stream per (seed, section, parameter name): adding or removing a
            # parameter leaves the draws of the others unchanged
            rng = np.random.default_rng(np.random.SeedSequence([seed, _STREAM[self.section],
                                                                zlib.crc32(key.encode())]))
            if self.method == "lhs":
                u = (rng.permutation(self.n) + rng.random(self.n)) / self.n
            else:
                u = rng.random(self.n)
            out[key] = d.ppf(u)
        return out

    def as_dict(self) -> dict:
        return {"n": self.n, "method": self.method, **{k: d.as_dict() for k, d in self.parameters}}


# --------------------------------------------------------------------------
# the sweep
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class RunSpec:
    """One run of a sweep.

    Attributes
    ----------
    index : int
        Position in the sweep (design point major, Monte Carlo draw minor).
    point : int
        Design point ("placement").
    sample : int
        Monte Carlo draw (0 without ``[monte_carlo]``).
    params : tuple of (str, value)
        The varied parameters, in spec order (file units).
    scenario : str
        The full scenario as TOML (:func:`rfsim.scenario.config.to_toml`), or '' if the
        parameters make an invalid scenario.
    scenario_hash : str
        SHA-256 hex digest of ``scenario`` (of the parameter set if invalid).
    error : str
        Why the scenario is invalid ('' if valid).
    """

    index: int
    point: int
    sample: int
    params: tuple
    scenario: str
    scenario_hash: str
    error: str = ""


def _flatten(table: dict, prefix: str = "") -> dict:
    """Nested spec tables -> dotted keys (``placement.offset_mm = [..]`` written
    unquoted in TOML nests; quoted it does not: both mean the same)."""
    out = {}
    for k, v in table.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and "dist" not in v:
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def _uniform_protocol(data: dict) -> dict:
    """The scenario dict with a [[protocol.lesion]] list of equal lesions
    rewritten as set_temperature_c/duration_s/lesions (so they can be swept)."""
    prot = data.get("protocol", {})
    les = prot.get("lesion")
    if les and all(x == les[0] for x in les):
        data["protocol"] = {"cooling_s": prot.get("cooling_s", 30.0), **les[0], "lesions": len(les)}
    return data


def _merge(data: dict, inline: dict) -> dict:
    """``[base]`` inline table over the base scenario dict (table by table)."""
    for sec, table in inline.items():
        if not isinstance(table, dict) or not isinstance(data.get(sec), dict):
            data[sec] = copy.deepcopy(table)
        elif sec == "protocol" and set(table) & (set(_UNIFORM_PROTOCOL) | {"lesion"}):
            # a new protocol replaces the lesion list, keeping only the cooling
            data[sec] = {"cooling_s": data[sec].get("cooling_s", 30.0), **copy.deepcopy(table)}
        elif sec == "tissues":
            for name, props in table.items():
                data[sec].setdefault(name, {}).update(props if isinstance(props, dict) else {"": props})
        else:
            data[sec].update(table)
    return data


def _set(data: dict, key: str, value) -> None:
    section, _, name = key.rpartition(".")
    node = data
    for part in section.split("."):
        node = node.setdefault(part, {})
    node[name] = value


def _plain(v):
    """A NumPy scalar as the Python value TOML and JSON expect."""
    return v.item() if isinstance(v, np.generic) else v


@dataclass(frozen=True)
class Sweep:
    """A validated sweep specification.

    Attributes
    ----------
    base : rfsim.scenario.config.Scenario
        The cordotomy scenario every run starts from.
    grid : tuple of (str, tuple)
        Parameters whose value lists are crossed (first key varies slowest).
    zipped : tuple of tuple of (str, tuple)
        Groups of parameters whose equal-length lists are taken together.
    sample : Sampling or None
        Random or Latin-hypercube design points.
    monte_carlo : Sampling or None
        Uncertain parameters, drawn ``n`` times at every design point.
    seed : int
        Seed of every draw (>= 0).
    series : tuple of str
        Optional per-run time series to store (names of
        :data:`rfsim.physics.simulation.SERIES`).
    text : str
        The spec's TOML text ('' if built in Python).
    """

    base: object = None
    grid: tuple = ()
    zipped: tuple = ()
    sample: Sampling | None = None
    monte_carlo: Sampling | None = None
    seed: int = 0
    series: tuple = ()
    text: str = field(default="", repr=False, compare=False)

    def __post_init__(self):
        from rfsim.scenario.config import Scenario
        from rfsim.physics.simulation import SERIES

        if self.base is None:
            from rfsim.predict import cordotomy_scenario

            object.__setattr__(self, "base", cordotomy_scenario())
        if not isinstance(self.base, Scenario) or self.base.kind != "cordotomy":
            raise ConfigError("sweep.base", getattr(self.base, "kind", self.base),
                              "a sweep runs rfsim predict: the base needs scenario.kind = \"cordotomy\"")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ConfigError("sweep.seed", self.seed, "must be a whole number >= 0")
        seen = {}
        for where, key in self._keys():
            check_parameter(key, where)
            if key in seen:
                raise ConfigError(f"{where}.{key}", key, f"already varied in [{seen[key]}]; vary a parameter once")
            seen[key] = where
        for key, values in self.grid:
            self._check_list("grid", key, values)
        for group in self.zipped:
            lengths = {len(v) for _, v in group}
            for key, values in group:
                self._check_list("zip", key, values)
            if len(lengths) > 1:
                raise ConfigError("zip", {k: len(v) for k, v in group}, "zipped lists must have equal lengths")
        base = self.base_data()
        for s in (self.sample, self.monte_carlo):
            for key, _ in (s.parameters if s else ()):
                if not self._real(base, key):
                    raise ConfigError(f"{s.section}.{key}", _lookup(base, key),
                                      "only real-valued parameters can be drawn; list its values in [grid]")
                if key.startswith("protocol.") and key != "protocol.cooling_s":
                    self._check_protocol(base, s.section, key)
        for key, _ in self.grid + tuple(kv for g in self.zipped for kv in g):
            if key.startswith("protocol.") and key != "protocol.cooling_s":
                self._check_protocol(base, "grid", key)
        for s in self.series:
            if s not in SERIES:
                raise ConfigError("output.series", s, f"allowed: {', '.join(SERIES)}")
        if self.n_runs > MAX_RUNS:
            raise ConfigError("sweep", self.n_runs, f"runs; at most {MAX_RUNS} in one sweep")

    def _keys(self):
        yield from (("grid", k) for k, _ in self.grid)
        yield from (("zip", k) for g in self.zipped for k, _ in g)
        for s in (self.sample, self.monte_carlo):
            yield from ((s.section, k) for k, _ in (s.parameters if s else ()))

    @staticmethod
    def _check_list(where, key, values):
        if not isinstance(values, tuple) or not values:
            raise ConfigError(f"{where}.{key}", list(values) if isinstance(values, (list, tuple)) else values,
                              "must be a non-empty list of values")
        for v in values:
            if isinstance(v, (dict, list, tuple)):
                raise ConfigError(f"{where}.{key}", v, "list values must be numbers, strings or booleans")

    @staticmethod
    def _real(base, key):
        v = _lookup(base, key)
        return v is None or (isinstance(v, float))

    @staticmethod
    def _check_protocol(base, where, key):
        if "lesion" in base.get("protocol", {}):
            raise ConfigError(f"{where}.{key}", key, "the base protocol has lesions that differ; sweeping "
                                                     "it needs a base with set_temperature_c/duration_s/lesions")

    @property
    def n_points(self) -> int:
        """Number of design points (placements)."""
        n = math.prod(len(v) for _, v in self.grid)
        n *= math.prod(len(g[0][1]) for g in self.zipped)
        return n * (self.sample.n if self.sample else 1)

    @property
    def n_samples(self) -> int:
        """Monte Carlo draws per design point (1 without ``[monte_carlo]``)."""
        return self.monte_carlo.n if self.monte_carlo else 1

    @property
    def n_runs(self) -> int:
        return self.n_points * self.n_samples

    @property
    def design_keys(self) -> tuple:
        return tuple(k for w, k in self._keys() if w != "monte_carlo")

    @property
    def uncertain_keys(self) -> tuple:
        return tuple(k for w, k in self._keys() if w == "monte_carlo")

    def base_data(self) -> dict:
        """The base scenario as a scenario-file dict (file units)."""
        from rfsim.scenario.config import to_toml

        return _uniform_protocol(tomllib.loads(to_toml(self.base)))

    def points(self) -> list:
        """The design points: a list of dicts parameter -> value, in run order."""
        axes = [[((k, v),) for v in values] for k, values in self.grid]
        axes += [list(zip(*[[(k, v) for v in values] for k, values in group])) for group in self.zipped]
        if self.sample:
            draws = self.sample.draw(self.seed)
            axes.append([tuple((k, float(draws[k][i])) for k, _ in self.sample.parameters)
                         for i in range(self.sample.n)])
        return [dict(kv for part in combo for kv in part) for combo in itertools.product(*axes)]

    def runs(self) -> list:
        """Every run, with its full scenario and hash.  Design points whose
        values make an invalid scenario raise ConfigError (they are the user's
        explicit choices); a Monte Carlo draw that does is a failed run."""
        from rfsim.scenario.config import parse_scenario, to_toml

        base = self.base_data()
        draws = self.monte_carlo.draw(self.seed) if self.monte_carlo else {}
        out = []
        for p, point in enumerate(self.points()):
            point = {k: self._value(base, k, v) for k, v in point.items()}
            self._scenario(base, point, parse_scenario, to_toml, strict=True)
            for s in range(self.n_samples):
                params = dict(point)
                params.update({k: float(draws[k][s]) for k in draws})
                text, error = self._scenario(base, params, parse_scenario, to_toml, strict=not draws)
                digest = hashlib.sha256((text or json.dumps(params, sort_keys=True)).encode()).hexdigest()
                out.append(RunSpec(len(out), p, s, tuple(params.items()), text, digest, error))
        return out

    def _value(self, base, key, v):
        v = _plain(v)
        # 2 and 2.0 must make the same scenario (and hash) for a real-valued key
        if self._real(base, key) and isinstance(v, int) and not isinstance(v, bool):
            return float(v)
        return v

    @staticmethod
    def _scenario(base, params, parse, to_toml, strict):
        data = copy.deepcopy(base)
        for k, v in params.items():
            _set(data, k, v)
        try:
            return to_toml(parse(data)), ""
        except ConfigError as e:
            if strict:
                raise ConfigError(e.key, e.value, f"{e.allowed} (sweep parameters "
                                                  f"{json.dumps(params)})") from None
            return "", f"ConfigError: {e}"

    def canonical(self) -> str:
        """The resolved spec as canonical JSON: equal for sweeps that run the
        same scenarios (``--resume`` checks it)."""
        from rfsim.scenario.config import to_toml

        return json.dumps({"base": to_toml(self.base), "grid": [[k, list(v)] for k, v in self.grid],
                           "zip": [[[k, list(v)] for k, v in g] for g in self.zipped],
                           "sample": self.sample.as_dict() if self.sample else None,
                           "monte_carlo": self.monte_carlo.as_dict() if self.monte_carlo else None,
                           "seed": self.seed, "series": list(self.series)}, sort_keys=True)


def _lookup(data, key):
    node = data
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _table(data, name):
    t = data.get(name, {})
    if not isinstance(t, dict):
        raise ConfigError(name, t, f"must be a table [{name}]")
    return t


def _sampling(section, table) -> Sampling | None:
    if not table:
        return None
    table = dict(table)
    n, method = table.pop("n", None), table.pop("method", "random")
    if n is None:
        raise ConfigError(f"{section}.n", None, "required: the number of draws")
    params = tuple((k, Distribution.from_table(f"{section}.{k}", v)) for k, v in _flatten(table).items())
    return Sampling(section, n, method, params)


def parse_sweep(data: dict, base_dir=".", text: str = "") -> Sweep:
    """Build a :class:`Sweep` from a parsed spec (the dict of the TOML file).

    Parameters
    ----------
    data : dict
        Tables ``sweep`` (``seed``, ``base`` = path of a cordotomy scenario),
        ``base`` (inline scenario tables over it), ``grid``, ``zip`` (a table or
        an array of tables), ``sample``, ``monte_carlo``, ``output``
        (``series``); see docs/sweeps.md.
    base_dir : path
        Folder that a relative ``sweep.base`` path is relative to.
    text : str
        The spec's text, kept with the results.
    """
    from rfsim.scenario.config import load_scenario, parse_scenario, to_toml
    from rfsim.predict import cordotomy_scenario

    for k in data:
        if k not in _SECTIONS:
            raise ConfigError(k, data[k] if not isinstance(data[k], dict) else f"[{k}]",
                              f"unknown table; allowed: {', '.join(_SECTIONS)}")
    head = _table(data, "sweep")
    for k in head:
        if k not in ("seed", "base"):
            raise ConfigError(f"sweep.{k}", head[k], "unknown key; valid keys in [sweep]: seed, base")
    if "base" in head:
        if not isinstance(head["base"], str):
            raise ConfigError("sweep.base", head["base"], "must be the path of a cordotomy scenario file")
        path = Path(base_dir) / head["base"]
        if not path.is_file():
            raise ConfigError("sweep.base", head["base"], f"no such scenario file ({path})")
        base = load_scenario(path)
    else:
        base = cordotomy_scenario()
    if base.kind != "cordotomy":
        raise ConfigError("sweep.base", base.kind, "a sweep runs rfsim predict: the base needs "
                                                   "scenario.kind = \"cordotomy\"")
    inline = _table(data, "base")
    if inline:
        base = parse_scenario(_merge(_uniform_protocol(tomllib.loads(to_toml(base))), inline))
    zips = data.get("zip", [])
    zips = [zips] if isinstance(zips, dict) else zips
    if not isinstance(zips, list) or not all(isinstance(z, dict) for z in zips):
        raise ConfigError("zip", zips, "must be a table [zip] or an array of tables [[zip]]")
    out = _table(data, "output")
    for k in out:
        if k != "series":
            raise ConfigError(f"output.{k}", out[k], "unknown key; valid keys in [output]: series")
    series = out.get("series", [])
    if not isinstance(series, list):
        raise ConfigError("output.series", series, "must be a list of series names")

    def lists(table):
        return tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in _flatten(table).items())

    return Sweep(base=base, grid=lists(_table(data, "grid")),
                 zipped=tuple(lists(z) for z in zips if z),
                 sample=_sampling("sample", _table(data, "sample")),
                 monte_carlo=_sampling("monte_carlo", _table(data, "monte_carlo")),
                 seed=head.get("seed", 0), series=tuple(series), text=text)


def load_sweep(path) -> Sweep:
    """Read and validate a sweep spec file (TOML)."""
    data, text = read_toml(path, "sweep spec")
    return parse_sweep(data, Path(path).parent, text)


# --------------------------------------------------------------------------
# worker side
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class _Task:
    """What a worker needs for one run (small to pickle: TOML text, not objects)."""

    index: int
    scenario: str
    series: tuple
    warm: str


_WARM_LOCK = threading.Lock()
_WARMED = False


def _jit_specialisations() -> int:
    """Compiled (or cache-loaded) specialisations of rfsim's Numba kernels in
    this process; it must not grow from run to run once a worker is warm."""
    from rfsim.numerics import kernels

    return sum(len(v.overloads) for v in vars(kernels).values() if hasattr(v, "overloads"))


def _warm_up(scenario_toml: str) -> None:
    """Once per worker process: load (or compile) the Numba kernels from the
    on-disk cache and build the anatomy, by a short prediction, so that no run
    pays for it.  Threads of one Dask worker share the process, hence the lock."""
    global _WARMED
    with _WARM_LOCK:
        if _WARMED:
            return
        from rfsim.scenario.config import parse_scenario
        from rfsim.predict import predict

        try:
            predict(parse_scenario(tomllib.loads(scenario_toml)))
        except Exception:  # noqa: BLE001 - a bad first scenario is reported by its own run
            pass
        _WARMED = True


def _execute(task: _Task) -> dict:
    """Run one prediction; never raises for a failed run (it returns the error)."""
    import socket

    from rfsim.scenario.config import parse_scenario
    from rfsim.predict import predict

    _warm_up(task.warm)
    before = _jit_specialisations()
    t0 = time.perf_counter()
    out = {"status": "ok", "error": "", "summary": None, "series": {}}
    try:
        p = predict(parse_scenario(tomllib.loads(task.scenario)))
        out["summary"] = p.summary
        out["series"] = {n: np.asarray(p.result.series[n], float) for n in task.series}
    except Exception as e:  # noqa: BLE001 - a failed run is recorded and the sweep goes on
        out["status"], out["error"] = "failed", f"{type(e).__name__}: {e}".replace("\n", " ")
    out["info"] = {"worker": f"{socket.gethostname()}:{os.getpid()}", "wall_s": time.perf_counter() - t0,
                   "jit_new": _jit_specialisations() - before}
    return out


def _warm_scenario(run: RunSpec) -> str:
    """The run's scenario shortened to one brief lesion: enough to load every
    kernel specialisation the sweep uses (same model, same array types)."""
    data = tomllib.loads(run.scenario)
    les = data["protocol"]["lesion"][0]
    data["protocol"] = {"cooling_s": 1.0, "set_temperature_c": les["set_temperature_c"], "duration_s": 1.0,
                        "lesions": 1}
    data["generator"]["ramp_s"] = min(data["generator"]["ramp_s"], 1.0)
    from rfsim.scenario.config import parse_scenario, to_toml

    return to_toml(parse_scenario(data))


# --------------------------------------------------------------------------
# executors
# --------------------------------------------------------------------------

def _one_thread():
    """Local worker start-up: the sweep already runs a process per core, so each
    run's kernels keep to one thread instead of competing for the same cores."""
    import numba

    numba.set_num_threads(1)


def _local(tasks, workers):
    """Yield (task, result) as runs finish on ``workers`` local processes."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # spawn (not fork): the coordinator has HDF5 files and threads open, and
    # spawned workers behave the same on every platform
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_one_thread) as pool:
        futures = {pool.submit(_execute, t): t for t in tasks}
        try:
            for fut in as_completed(futures):
                yield futures.pop(fut), fut.result()
        finally:
            for fut in futures:
                fut.cancel()


def _dask(tasks, address):
    """Yield (task, result) as runs finish on the Dask cluster at ``address``."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise ConfigError("--scheduler", address, "needs dask.distributed: pip install \"rfsim[dask]\"") from None
    try:
        client = Client(address, set_as_default=False, timeout="20s")
    except (OSError, TimeoutError) as e:
        raise ConfigError("--scheduler", address, f"no Dask scheduler answers there ({e})") from None
    # as_current: as_completed looks the client up; set_as_default=False kept
    # it from becoming the caller's global default
    with client, client.as_current():
        futures = client.map(_execute, tasks, pure=False)
        by_key = {f.key: t for f, t in zip(futures, tasks)}
        done = as_completed(futures)
        del futures  # held by as_completed only, so each is released once yielded
        for fut in done:
            yield by_key.pop(fut.key), fut.result()


# --------------------------------------------------------------------------
# progress
# --------------------------------------------------------------------------

class _Progress:
    """A tqdm bar with rate and ETA on a terminal; otherwise a plain log line
    every ``every_s`` seconds (batch jobs and CI logs get no control codes)."""

    def __init__(self, total, done, stream=None, every_s=10.0):
        self.stream = stream or sys.stderr
        self.total, self.done, self.failed, self.new = total, done, 0, 0
        self.t0 = self.last = time.perf_counter()
        self.every_s = every_s
        self.bar = None
        if self.stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=done, unit="run", file=self.stream, dynamic_ncols=True,
                            smoothing=0.1)

    def update(self, ok: bool):
        self.done += 1
        self.new += 1
        self.failed += not ok
        now = time.perf_counter()
        if self.bar is not None:
            self.bar.update(1)
            if self.failed:
                self.bar.set_postfix(failed=self.failed, refresh=False)
        elif now - self.last >= self.every_s or self.done == self.total:
            self.last = now
            self.log()

    def log(self):
        el = time.perf_counter() - self.t0
        rate = self.new / el * 60 if el > 0 else 0.0
        eta = (self.total - self.done) / (rate / 60) if rate > 0 else float("inf")
        print(f"rfsim sweep: {self.done}/{self.total} runs ({self.failed} failed), {rate:.1f} runs/min, "
              f"elapsed {el:.0f} s, eta {eta:.0f} s", file=self.stream, flush=True)

    def close(self):
        if self.bar is not None:
            self.bar.close()


# --------------------------------------------------------------------------
# the coordinator
# --------------------------------------------------------------------------

def _row(run: RunSpec, result: dict) -> dict:
    """A store row: indices, parameters, hash, status, metrics, run info."""
    row = {"run": run.index, "point": run.point, "sample": run.sample}
    row.update({f"param/{k}": v for k, v in run.params})
    row.update(scenario_hash=run.scenario_hash, status=result["status"], error=result["error"])
    if result["summary"] is not None:
        for k, v in result["summary"].items():
            if isinstance(v, dict):
                row.update({f"metric/{k}.{kk}": vv for kk, vv in v.items()})
            else:
                row[f"metric/{k}"] = v  # lists are stored as JSON
    row.update({f"info/{k}": v for k, v in result.get("info", {}).items()})
    row.update({f"series/{k}": v for k, v in result["series"].items()})
    return row


def run_sweep(spec: Sweep, out, workers: int | None = None, scheduler: str | None = None, resume: bool = False,
              progress: bool = True, log_every_s: float = 10.0) -> dict:
    """Run a sweep and store one row per run in an HDF5 file.

    Parameters
    ----------
    spec : Sweep
    out : path
        The results store (:mod:`rfsim.sweep.store`).  Must not exist unless
        ``resume``.
    workers : int, optional
        Local worker processes (default: one per core).  Ignored with ``scheduler``.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``) to run on instead.
    resume : bool
        Continue an interrupted sweep: runs already in ``out`` (by run index and
        scenario hash) are skipped.
    progress : bool
        Show progress on stderr.
    log_every_s : float
        Seconds between log lines when stderr is not a terminal (s).

    Returns
    -------
    dict
        ``runs`` (total), ``skipped`` (already done), ``ran``, ``failed`` (of
        those run now), ``seconds`` (wall time of the runs, s).
    """
    from rfsim.sweep.store import SweepWriter, prepare

    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ConfigError("--workers", workers, "must be a whole number >= 1")
    runs = spec.runs()  # every scenario is built and checked before a file is touched
    meta = {"spec": spec.canonical(), "spec_text": spec.text, "design_keys": list(spec.design_keys),
            "uncertain_keys": list(spec.uncertain_keys), "n_runs": len(runs), "n_points": spec.n_points,
            "n_samples": spec.n_samples, "seed": spec.seed}
    existing = prepare(out, meta, resume)
    done = {(r["run"], r["scenario_hash"]) for r in existing}
    todo = [r for r in runs if (r.index, r.scenario_hash) not in done]
    stats = {"runs": len(runs), "skipped": len(runs) - len(todo), "ran": 0, "failed": 0, "seconds": 0.0}
    with SweepWriter(out, meta, existing) as store:
        # invalid Monte Carlo scenarios fail in the coordinator: no worker needed
        for r in (r for r in todo if r.error):
            store.append(_row(r, {"status": "failed", "error": r.error, "summary": None, "series": {}}))
        todo = [r for r in todo if not r.error]
        stats["failed"] = stats["ran"] = len(runs) - stats["skipped"] - len(todo)
        if not todo:
            return stats
        warm = _warm_scenario(todo[0])
        tasks = [_Task(r.index, r.scenario, spec.series, warm) for r in todo]
        by_index = {r.index: r for r in todo}
        bar = _Progress(len(runs), len(runs) - len(todo), every_s=log_every_s) if progress else None
        t0 = time.perf_counter()
        results = _dask(tasks, scheduler) if scheduler else _local(tasks, workers or os.cpu_count() or 1)
        try:
            for task, result in results:
                store.append(_row(by_index[task.index], result))
                stats["ran"] += 1
                stats["failed"] += result["status"] != "ok"
                if bar:
                    bar.update(result["status"] == "ok")
        finally:
            results.close()
            if bar:
                bar.close()
        stats["seconds"] = time.perf_counter() - t0
    return stats

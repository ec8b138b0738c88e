"""A validated sweep specification and the runs it makes.

A sweep spec names a base cordotomy scenario and the parameters to vary, by
dotted keys of the scenario-file vocabulary (:mod:`rfsim.sweep.parameters`):

* ``[grid]``: lists whose Cartesian product is taken;
* ``[zip]`` (or ``[[zip]]``): lists of equal length taken together;
* ``[sample]``: ``n`` random or Latin-hypercube samples of ranges or distributions;
* ``[monte_carlo]``: ``n`` draws of uncertain parameters (normal, lognormal or
  uniform, optionally bounded) repeated at every design point
  (:mod:`rfsim.sweep.distributions`).

The design points ("placements") are the product of the grid, the zipped groups
and the samples; every design point is run once per Monte Carlo draw.
:meth:`Sweep.check` builds and checks every design point's scenario before
anything runs; :meth:`Sweep.iter_runs` then yields the runs one at a time, each
with its full scenario, so that a sweep of millions of runs never holds them
all.  :func:`rfsim.sweep.parse.parse_sweep` builds a :class:`Sweep` from a spec
file or dict.  See docs/sweeps.md.

The scenario modules are imported inside the methods: the command line imports
this package on every command, so it imports only the standard library and
NumPy at module level.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
import tomllib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from rfsim.errors import ConfigError
from rfsim.sweep.distributions import Sampling
from rfsim.sweep.parameters import (MAX_RUNS, MAX_SEED, check_parameter, get_key, has_control, set_key, shown,
                                    uniform_protocol)

if TYPE_CHECKING:
    from rfsim.scenario.config import Scenario


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
        The full scenario as TOML (:func:`rfsim.scenario.writer.to_toml`), or '' if the
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
        :data:`rfsim.physics.series.SERIES`).
    text : str
        The spec's TOML text ('' if built in Python).
    """

    base: Scenario | None = None
    grid: tuple = ()
    zipped: tuple = ()
    sample: Sampling | None = None
    monte_carlo: Sampling | None = None
    seed: int = 0
    series: tuple = ()
    text: str = field(default="", repr=False, compare=False)

    def __post_init__(self):
        from rfsim.scenario.config import Scenario
        from rfsim.physics.series import SERIES

        if self.base is None:
            from rfsim.prediction import cordotomy_scenario

            object.__setattr__(self, "base", cordotomy_scenario())
        if not isinstance(self.base, Scenario) or self.base.kind != "cordotomy":
            raise ConfigError("sweep.base", getattr(self.base, "kind", self.base),
                              "a sweep runs rfsim predict: the base needs scenario.kind = \"cordotomy\"")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed <= MAX_SEED:
            raise ConfigError("sweep.seed", shown(self.seed),
                              f"must be a whole number from 0 to {MAX_SEED} (2**63 - 1)")
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
        try:
            base = self.base_data()
        except tomllib.TOMLDecodeError:
            # the scenario's text values are written back to TOML unescaped
            raise ConfigError("sweep.base", "scenario", "a text value holds a control character (newline, "
                                                        "tab, ...)") from None
        for s in (self.sample, self.monte_carlo):
            for key, _ in (s.parameters if s else ()):
                if not self._real(base, key):
                    raise ConfigError(f"{s.section}.{key}", get_key(base, key),
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
            raise ConfigError(f"{where}.{key}", shown(list(values) if isinstance(values, (list, tuple)) else values),
                              "must be a non-empty list of values")
        for v in values:
            if isinstance(v, (dict, list, tuple)):
                raise ConfigError(f"{where}.{key}", shown(v), "list values must be numbers, strings or booleans")
            if isinstance(v, str) and has_control(v):
                raise ConfigError(f"{where}.{key}", shown(v), "text must not contain control characters "
                                                              "(newline, tab, ...)")

    @staticmethod
    def _real(base, key):
        v = get_key(base, key)
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
        """Number of runs: design points x Monte Carlo draws."""
        return self.n_points * self.n_samples

    @property
    def design_keys(self) -> tuple:
        """The parameters that make the design points, in spec order."""
        return tuple(k for w, k in self._keys() if w != "monte_carlo")

    @property
    def uncertain_keys(self) -> tuple:
        """The parameters drawn by Monte Carlo, in spec order."""
        return tuple(k for w, k in self._keys() if w == "monte_carlo")

    def base_data(self) -> dict:
        """The base scenario as a scenario-file dict (file units)."""
        from rfsim.scenario.writer import to_toml

        return uniform_protocol(tomllib.loads(to_toml(self.base)))

    def iter_points(self):
        """Yield the design points in run order: dicts parameter -> value (as
        given; drawn values as floats).  Lazy: a ``[sample]`` of millions of
        points is drawn a chunk at a time."""
        axes = [[((k, v),) for v in values] for k, values in self.grid]
        axes += [list(zip(*[[(k, v) for v in values] for k, values in group])) for group in self.zipped]
        # the sample varies fastest: it is the innermost loop, redrawn for every
        # combination of the grid and zip axes (the same draws each time)
        for combo in itertools.product(*axes):
            fixed = dict(kv for part in combo for kv in part)
            if not self.sample:
                yield fixed
                continue
            for draw in self.sample.iter_draws(self.seed):
                yield {**fixed, **draw}

    def points(self) -> list:
        """The design points: a list of dicts parameter -> value, in run order."""
        return list(self.iter_points())

    def check(self) -> None:
        """Build every design point's scenario; ConfigError for the first that
        is invalid (design points are the user's explicit choices).  Monte Carlo
        draws are not built: one that makes an invalid scenario is a failed run.
        Memory does not grow with the number of points."""
        from rfsim.scenario.config import parse_scenario
        from rfsim.scenario.writer import to_toml

        base = self.base_data()
        for point in self.iter_points():
            point = {k: self._value(base, k, v) for k, v in point.items()}
            self._scenario(base, point, parse_scenario, to_toml, strict=True)

    def iter_runs(self, select=None):
        """Yield the runs in order, each with its full scenario and hash, one at
        a time: a design point's scenario raises ConfigError if invalid; a Monte
        Carlo draw that makes an invalid scenario is a failed run (``error``).

        Parameters
        ----------
        select : callable, optional
            ``select(index)`` -> bool: build only the runs it accepts (the
            others are skipped without building their scenarios).  Default: all.

        Yields
        ------
        RunSpec
        """
        from rfsim.scenario.config import parse_scenario
        from rfsim.scenario.writer import to_toml

        base = self.base_data()
        n = self.n_samples
        for p, point in enumerate(self.iter_points()):
            point = {k: self._value(base, k, v) for k, v in point.items()}
            if not self.monte_carlo:
                if select is None or select(p):
                    text, error = self._scenario(base, point, parse_scenario, to_toml, strict=True)
                    yield self._run(p, p, 0, point, text, error)
                continue
            self._scenario(base, point, parse_scenario, to_toml, strict=True)
            for s, draw in enumerate(self.monte_carlo.iter_draws(self.seed)):
                i = p * n + s
                if select is not None and not select(i):
                    continue
                params = {**point, **draw}
                text, error = self._scenario(base, params, parse_scenario, to_toml, strict=False)
                yield self._run(i, p, s, params, text, error)

    def runs(self) -> list:
        """Every run (:meth:`iter_runs` as a list: for small sweeps and tests)."""
        return list(self.iter_runs())

    @staticmethod
    def _run(index, point, sample, params, text, error) -> RunSpec:
        digest = hashlib.sha256((text or json.dumps(params, sort_keys=True)).encode()).hexdigest()
        return RunSpec(index, point, sample, tuple(params.items()), text, digest, error)

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
            set_key(data, k, v)
        try:
            return to_toml(parse(data)), ""
        except ConfigError as e:
            if strict:
                given = json.dumps(params)
                given = given if len(given) <= 160 else given[:140] + f"... ({len(given)} characters)"
                raise ConfigError(e.key, shown(e.value), f"{e.allowed} (sweep parameters {given})") from None
            return "", f"ConfigError: {e}"

    def canonical(self) -> str:
        """The resolved spec as canonical JSON: equal for sweeps that run the
        same scenarios (``--resume`` checks it)."""
        from rfsim.scenario.writer import to_toml

        return json.dumps({"base": to_toml(self.base), "grid": [[k, list(v)] for k, v in self.grid],
                           "zip": [[[k, list(v)] for k, v in g] for g in self.zipped],
                           "sample": self.sample.as_dict() if self.sample else None,
                           "monte_carlo": self.monte_carlo.as_dict() if self.monte_carlo else None,
                           "seed": self.seed, "series": list(self.series)}, sort_keys=True)

"""Distributions of uncertain parameters and the draws of a sweep from one seed.

A ``[sample]`` or ``[monte_carlo]`` table of a sweep spec names parameters with
a range ``[low, high]`` or a distribution (normal, lognormal or uniform,
optionally bounded) and a number of draws.  Draws come from the sweep's seed, one
independent stream per parameter, so a sweep is reproducible run for run and
adding a parameter does not change the draws of the others.  Validation needs
only the standard library; SciPy is imported when values are drawn.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field

import numpy as np

from rfsim.errors import ConfigError, require_number
from rfsim.sweep.parameters import MAX_RUNS, check_parameter

DISTRIBUTIONS = ("normal", "lognormal", "uniform")
METHODS = ("random", "lhs")
_DIST_KEYS = {"normal": ("dist", "mean", "sd", "lower", "upper"),
              "lognormal": ("dist", "median", "sigma", "lower", "upper"),
              "uniform": ("dist", "lower", "upper")}
#: Draws generated at once (per parameter): bounds the memory of a long sweep.
DRAW_CHUNK = 1 << 16
# Streams of the two sampled sections are independent of each other.
_STREAM = {"sample": 1, "monte_carlo": 2}


def _phi(x: float) -> float:
    """Standard normal CDF (stdlib only, so validation needs no SciPy)."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


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
                object.__setattr__(self, n, require_number(f"{k}.{n}", v))
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
        """The spec entry as a table (for the canonical spec)."""
        return {n: getattr(self, n) for n in _DIST_KEYS[self.dist] if getattr(self, n) is not None}


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
                raise ConfigError(f"{s}.{key}", d, "must be an rfsim.sweep.Distribution")

    def _probabilities(self, key: str, seed: int):
        """Yield the probabilities of parameter ``key``, in chunks of at most
        :data:`DRAW_CHUNK` (the same numbers as one call for all ``n``: the
        generator's stream does not depend on how it is cut)."""
        # one stream per (seed, section, parameter name): adding or removing a
        # parameter leaves the draws of the others unchanged
        rng = np.random.default_rng(np.random.SeedSequence([seed, _STREAM[self.section], zlib.crc32(key.encode())]))
        # a Latin hypercube needs its whole permutation: 8 bytes per draw
        strata = rng.permutation(self.n) if self.method == "lhs" else None
        for start in range(0, self.n, DRAW_CHUNK):
            u = rng.random(min(DRAW_CHUNK, self.n - start))
            yield u if strata is None else (strata[start:start + len(u)] + u) / self.n

    def draw_chunks(self, seed: int):
        """Yield the draws in order, a chunk at a time: dicts parameter -> array
        of at most :data:`DRAW_CHUNK` values (so that ``n`` = 10 million draws
        never sit in memory at once)."""
        streams = [(key, d, self._probabilities(key, seed)) for key, d in self.parameters]
        for _ in range(0, self.n, DRAW_CHUNK):
            yield {key: d.ppf(next(u)) for key, d, u in streams}

    def iter_draws(self, seed: int):
        """Yield the ``n`` draws one by one: dicts parameter -> float (file units)."""
        for chunk in self.draw_chunks(seed):
            keys = list(chunk)
            for values in zip(*(chunk[k].tolist() for k in keys)):
                yield dict(zip(keys, values))

    def draw(self, seed: int) -> dict:
        """The draws: parameter -> array of ``n`` values (reproducible for ``seed``)."""
        chunks = list(self.draw_chunks(seed))
        return {key: np.concatenate([c[key] for c in chunks]) for key, _ in self.parameters}

    def as_dict(self) -> dict:
        """The spec table (for the canonical spec)."""
        return {"n": self.n, "method": self.method, **{k: d.as_dict() for k, d in self.parameters}}

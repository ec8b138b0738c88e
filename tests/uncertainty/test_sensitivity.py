"""Morris screening through the same code path as rfsim sensitivity, on a cheap function."""

import numpy as np
import pytest

from rfsim.errors import ConfigError
from rfsim.sweep.distributions import Distribution
from rfsim.uncertainty.sensitivity import analyse

pytest.importorskip("SALib")


def test_morris_ranks_a_cheap_function():
    names = ["a", "b", "c"]
    dists = [Distribution("uniform", lower=0.0, upper=1.0), Distribution("normal", mean=0.0, sd=1.0),
             Distribution("uniform", lower=-1.0, upper=1.0)]
    calls = []

    def evaluate(v):
        calls.append(len(v["a"]))
        y = 4.0 * v["a"] + 0.5 * v["b"] + 0.0 * v["c"]
        y2 = v["a"] * v["c"]
        y2[0] = np.nan  # a failed run is set to the median and counted
        return {"y": y, "y2": y2}

    out = analyse(names, dists, evaluate, trajectories=6, seed=2)
    assert out["runs"] == calls[0] == 6 * (len(names) + 1)
    idx = {r["name"]: r for r in out["indices"]["y"]}
    # a linear input's effect across its 2.5-97.5 % range is its slope times that range
    assert idx["a"]["mu_star"] == pytest.approx(4.0 * 0.95, rel=1e-6)
    assert idx["c"]["mu_star"] == pytest.approx(0.0, abs=1e-12)
    assert [r["name"] for r in out["indices"]["y"]][0] == "a"
    assert out["failed"] == {"y": 0, "y2": 1}
    again = analyse(names, dists, evaluate, trajectories=6, seed=2)
    assert again["indices"] == out["indices"]


def test_trajectories_checked():
    with pytest.raises(ConfigError) as e:
        analyse(["a", "b"], [Distribution("uniform", lower=0, upper=1)] * 2, lambda v: {}, trajectories=1)
    assert e.value.key == "--trajectories"

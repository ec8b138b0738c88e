"""Distributions and draws (rfsim.sweep.distributions): reproducible per seed
and per parameter, Latin-hypercube strata, bounds."""

import numpy as np
import pytest

from rfsim.sweep import Distribution, parse_sweep

from .support import SHORT, short_spec


def test_draws_are_reproducible_per_seed_and_per_parameter():
    mc = {"n": 50, "damage.arrhenius_ea_j_per_mol": {"dist": "normal", "mean": 2.577e5, "sd": 2e3}}
    a, b = short_spec(monte_carlo=mc), short_spec(monte_carlo=mc)
    assert [r.scenario_hash for r in a.runs()] == [r.scenario_hash for r in b.runs()]
    c = parse_sweep({"base": SHORT, "sweep": {"seed": 1}, "monte_carlo": mc})
    assert a.monte_carlo.draw(0)["damage.arrhenius_ea_j_per_mol"][0] != \
        c.monte_carlo.draw(1)["damage.arrhenius_ea_j_per_mol"][0]
    more = short_spec(monte_carlo={**mc, "anatomy.displacement_mm": [0.0, 1.0]})
    np.testing.assert_array_equal(a.monte_carlo.draw(0)["damage.arrhenius_ea_j_per_mol"],
                                  more.monte_carlo.draw(0)["damage.arrhenius_ea_j_per_mol"])


def test_latin_hypercube_puts_one_draw_in_each_stratum():
    sp = short_spec(sample={"n": 40, "method": "lhs", "placement.offset_mm": [1.0, 3.0],
                            "placement.depth_mm": {"dist": "normal", "mean": 2.5, "sd": 0.3}})
    d = sp.sample.draw(9)
    strata = np.floor((d["placement.offset_mm"] - 1.0) / 2.0 * 40).astype(int)
    assert sorted(strata) == list(range(40))
    from scipy.special import ndtr

    u = ndtr((d["placement.depth_mm"] - 2.5) / 0.3)
    assert sorted(np.floor(u * 40).astype(int)) == list(range(40))


def test_distributions_honour_bounds_and_centre():
    u = np.random.default_rng(0).random(4000)
    ln = Distribution("lognormal", median=0.1, sigma=0.3)
    assert np.median(ln.ppf(u)) == pytest.approx(0.1, rel=0.03)
    tn = Distribution("normal", mean=0.0, sd=1.0, lower=0.5, upper=1.0)
    x = tn.ppf(u)
    assert x.min() >= 0.5 and x.max() <= 1.0 and x.min() < 0.51 and x.max() > 0.99
    assert Distribution("uniform", lower=2, upper=4).ppf([0.25]) == pytest.approx([2.5])


@pytest.mark.parametrize("method", ["random", "lhs"])
def test_draws_made_a_chunk_at_a_time_equal_the_draws_made_at_once(method, monkeypatch):
    """Streaming keeps results bit-identical: the chunks are the numbers the
    former all-at-once draw gave (its formula, written out here)."""
    import zlib

    from rfsim.sweep import distributions

    monkeypatch.setattr(distributions, "DRAW_CHUNK", 1000)
    n, key = 2517, "damage.arrhenius_ea_j_per_mol"
    sp = short_spec(monte_carlo={"n": n, "method": method, key: {"dist": "normal", "mean": 2.577e5, "sd": 1e3,
                                                                  "lower": 2.56e5}})
    rng = np.random.default_rng(np.random.SeedSequence([7, 2, zlib.crc32(key.encode())]))
    u = (rng.permutation(n) + rng.random(n)) / n if method == "lhs" else rng.random(n)
    expected = sp.monte_carlo.parameters[0][1].ppf(u)
    np.testing.assert_array_equal(sp.monte_carlo.draw(7)[key], expected)
    assert [d[key] for d in sp.monte_carlo.iter_draws(7)] == expected.tolist()

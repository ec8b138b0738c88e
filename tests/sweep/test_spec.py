"""The sweep spec: the design in run order, equal scenarios for equal values,
the template, and bad input (rfsim.sweep.spec and rfsim.sweep.parse)."""

import hashlib
import tomllib

import pytest

from rfsim.errors import ConfigError
from rfsim.scenario.config import parse_scenario
from rfsim.scenario.writer import to_toml
from rfsim.sweep import load_sweep, parse_sweep

from .support import SHORT, short_spec


def test_grid_zip_and_sample_make_the_design_in_order():
    sp = short_spec(grid={"placement": {"offset_mm": [1.0, 2.0]}, "placement.depth_mm": [2.0, 2.5, 3.0]},
                    zip={"electrode.diameter_mm": [0.3, 0.4], "electrode.tip_length_mm": [2.0, 3.0]},
                    sample={"n": 4, "method": "lhs", "protocol.set_temperature_c": [75.0, 85.0]})
    pts = sp.points()
    assert sp.n_points == len(pts) == 2 * 3 * 2 * 4 and sp.n_runs == sp.n_points
    assert [p["placement.offset_mm"] for p in pts[:2]] == [1.0, 1.0]  # first key slowest
    assert {(p["electrode.diameter_mm"], p["electrode.tip_length_mm"]) for p in pts} == {(0.3, 2.0), (0.4, 3.0)}
    runs = sp.runs()
    sc = parse_scenario(tomllib.loads(runs[5].scenario))
    assert sc.protocol.lesions[0].set_temperature_c == pytest.approx(runs[5].params[-1][1])
    assert sc.electrode.diameter_m == pytest.approx(dict(runs[5].params)["electrode.diameter_mm"] * 1e-3)
    assert runs[0].scenario_hash == hashlib.sha256(to_toml(parse_scenario(tomllib.loads(runs[0].scenario)))
                                                   .encode()).hexdigest()
    assert len({r.scenario_hash for r in runs}) == len(runs)


def test_whole_and_real_numbers_make_the_same_scenario():
    a = short_spec(grid={"placement.offset_mm": [2]}).runs()[0]
    b = short_spec(grid={"placement.offset_mm": [2.0]}).runs()[0]
    assert a.scenario_hash == b.scenario_hash


def test_template_is_a_valid_spec(tmp_path):
    from rfsim.scenario.writer import template

    p = tmp_path / "t.toml"
    p.write_text(template("sweep"))
    sp = load_sweep(p)
    assert (sp.n_points, sp.n_samples) == (9, 20)
    assert len(sp.runs()) == 180


# ----------------------------------------------------------------- bad input

BAD = [
    ({"grid": {"placement.offest_mm": [1.0]}}, "grid.placement.offest_mm", "valid keys in [placement]"),
    ({"grid": {"placment.offset_mm": [1.0]}}, "grid.placment.offset_mm", "unknown scenario section"),
    ({"grid": {"placement.offset_mm": []}}, "grid.placement.offset_mm", "non-empty list"),
    ({"grid": {"placement.offset_mm": ["abc"]}}, "placement.offset_mm", "finite number"),
    ({"zip": {"electrode.diameter_mm": [0.3, 0.4], "electrode.tip_length_mm": [2.0]}}, "zip", "equal lengths"),
    ({"monte_carlo": {"n": 2, "placement.offset_mm": {"dist": "uniform", "lower": 3.0, "upper": 1.0}}},
     "monte_carlo.placement.offset_mm.lower", "below upper"),
    ({"monte_carlo": {"n": 2, "damage.arrhenius_a_per_s": {"dist": "lognormal", "median": 1e39, "sigma": -1}}},
     "monte_carlo.damage.arrhenius_a_per_s.sigma", "> 0"),
    ({"monte_carlo": {"n": 2, "anatomy.displacement_mm": {"dist": "normal", "mean": 0, "sd": 1, "lower": 40}}},
     "monte_carlo.anatomy.displacement_mm.lower", "no probability"),
    ({"monte_carlo": {"n": 2, "anatomy.displacement_mm": {"dist": "beta", "a": 1}}},
     "monte_carlo.anatomy.displacement_mm.dist", "normal, lognormal, uniform"),
    ({"monte_carlo": {"n": 0, "anatomy.displacement_mm": [0, 1]}}, "monte_carlo.n", "whole number"),
    ({"sample": {"n": 3, "placement.target": [0, 1]}}, "sample.placement.target", "real-valued"),
    ({"grids": {}}, "grids", "unknown table"),
    ({"output": {"series": ["temperature"]}}, "output.series", "tip_temperature_c"),
]


@pytest.mark.parametrize("tables, key, allowed", BAD, ids=[b[1] for b in BAD])
def test_bad_specs_name_key_value_and_what_is_allowed(tables, key, allowed):
    with pytest.raises(ConfigError) as e:
        parse_sweep({"base": SHORT, **tables}).runs()
    assert e.value.key.startswith(key) and allowed in str(e.value)


# ----------------------------------------------------------------- streaming

def test_runs_stream_in_order_and_select_skips_without_building():
    sp = short_spec(grid={"placement.offset_mm": [1.0, 2.0]},
                    monte_carlo={"n": 3, "anatomy.displacement_mm": [0.0, 1.0]})
    every = sp.runs()
    assert [r.index for r in every] == list(range(6)) and [(r.point, r.sample) for r in every][3] == (1, 0)
    assert list(sp.iter_runs()) == every
    assert list(sp.iter_runs(select=lambda i: i in (1, 4))) == [every[1], every[4]]


def test_a_ten_million_run_sweep_streams(tmp_path, capsys):
    """Issue 16: a Monte Carlo sweep of n = 10,000,000 built every scenario
    before the first run (2 GB after 170 s).  Now the dry run checks the one
    design point and the runs come one at a time; memory stays flat."""
    import time
    import tracemalloc

    from rfsim.cli.main import main

    spec = tmp_path / "big.toml"
    spec.write_text('[base]\nprotocol = {set_temperature_c = 80.0, duration_s = 20.0, lesions = 1}\n'
                    '[grid]\n"placement.offset_mm" = [1.5]\n'
                    '[monte_carlo]\nn = 10_000_000\n'
                    '"tissues.white_matter.sigma_s_per_m" = {dist = "lognormal", median = 0.095, sigma = 0.3}\n')
    main(["sweep", str(spec), "--out", str(tmp_path / "o.h5"), "--dry-run"])  # imports, once
    capsys.readouterr()
    tracemalloc.start()
    t0 = time.perf_counter()
    assert main(["sweep", str(spec), "--out", str(tmp_path / "o.h5"), "--dry-run"]) == 0
    seconds = time.perf_counter() - t0
    dry_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.reset_peak()
    sp = load_sweep(spec)
    first = []
    for run in sp.iter_runs():
        first.append(run.scenario_hash)
        if len(first) == 200:
            break
    run_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "1 design points x 10000000 samples = 10000000 runs" in capsys.readouterr().out
    assert seconds < 5 and dry_peak < 20e6, (seconds, dry_peak)
    assert run_peak < 40e6, run_peak  # a chunk of draws, not 10 million scenarios
    assert len(set(first)) == 200 and not list(tmp_path.glob("o.h5*"))

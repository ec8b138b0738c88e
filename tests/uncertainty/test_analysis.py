"""rfsim predict --uncertainty: reproducible for a seed, resumable, bad input in one line."""

import json

import pytest

from rfsim.cli.main import main
from rfsim.errors import ConfigError
from rfsim.prediction import cordotomy_scenario
from rfsim.uncertainty import engine, predict_uncertainty

N = 3


def _strip(s):
    return {k: v for k, v in s.items() if k not in ("runtime_s", "resumed_draws")}


@pytest.fixture(scope="module")
def answer():
    return predict_uncertainty(cordotomy_scenario(), n=N, seed=7, workers=0)


def test_keys_and_reproducibility(answer):
    s = answer.summary
    for k in ("p_relief", "p_cst_reached", "p_ventral_horn"):
        assert 0.0 <= s[k] <= 1.0
        lo, hi = s[f"{k}_ci"]
        assert lo <= s[k] <= hi
    assert set(s["cord_area_fraction_percentiles"]) == {"p5", "p25", "p50", "p75", "p95"}
    assert s["draws"] == N and s["reduced_model"]["mesh_refine"] == 0.5
    assert (s["reduced_model"]["step_tolerance_c"], s["reduced_model"]["dt_max_s"]) == (1.0, 8.0)
    assert answer.probability_map.max() == 1.0  # the tip's own surroundings are lesioned in every draw
    again = predict_uncertainty(cordotomy_scenario(), n=N, seed=7, workers=0)
    assert json.dumps(_strip(again.summary)) == json.dumps(_strip(s))


def test_interrupted_run_resumes(answer, tmp_path, monkeypatch):
    store = tmp_path / "u.h5"
    real = engine.run_tasks_serially

    def stop_after_one(tasks, extract=None, prepare=None):
        for i, item in enumerate(real(tasks, extract, prepare)):
            if i == 1:
                raise KeyboardInterrupt
            yield item

    monkeypatch.setattr(engine, "run_tasks_serially", stop_after_one)
    with pytest.raises(KeyboardInterrupt):
        predict_uncertainty(cordotomy_scenario(), n=N, seed=7, workers=0, store=store)
    assert engine.store_is_partial(store)
    monkeypatch.setattr(engine, "run_tasks_serially", real)
    done = predict_uncertainty(cordotomy_scenario(), n=N, seed=7, workers=0, store=store)
    assert done.summary["resumed_draws"] == 1
    assert _strip(done.summary) == _strip(answer.summary)
    assert not engine.store_is_partial(store)
    # a store of another question is refused, naming the flag
    assert main(["predict", "--uncertainty", "2", "--seed", "8", "--workers", "0", "--store", str(store)]) == 2
    # so is a store of the same question asked of another reduced model (its draws ran otherwise)
    from rfsim.uncertainty import draws

    monkeypatch.setattr(draws, "REDUCED_STEPS", 1.0)
    with pytest.raises(ConfigError, match="different sweep spec"):
        predict_uncertainty(cordotomy_scenario(), n=N, seed=7, workers=0, store=store)


@pytest.mark.parametrize("argv, key", [
    (["--uncertainty", "0"], "--uncertainty"),
    (["--uncertainty", "100000000"], "--uncertainty"),
    (["--uncertainty", "2", "--seed", "-1"], "--seed"),
    (["--uncertainty", "2", "--check", "5"], "--check"),
    (["--uncertainty", "2", "--workers", "-2"], "--workers"),
])
def test_bad_input_one_line_exit_2(argv, key, capsys):
    assert main(["predict", *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and key in err[0]


def test_bad_distribution_in_scenario_file(tmp_path, capsys):
    f = tmp_path / "s.toml"
    f.write_text('[scenario]\nkind = "cordotomy"\n[uncertainty]\n'
                 'depth_error_mm = {dist = "uniform", lower = 0.2, upper = 0.8}\n')
    assert main(["predict", "--config", str(f), "--uncertainty", "2", "--workers", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "uncertainty.depth_error_mm.lower" in err[0] and "0.2" in err[0]


def test_figure_draws_probability_contours(answer, tmp_path):
    from rfsim.plots.uncertainty import probability_figure
    from rfsim.prediction import build
    from rfsim.uncertainty.probability_map import on_anatomy

    anatomy, placement, needle, _ = build(cordotomy_scenario())
    fig = probability_figure(anatomy, placement, needle, on_anatomy(answer.probability_map, anatomy), answer.summary)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert {"lesioned in 10% of draws", "lesioned in 50% of draws", "lesioned in 90% of draws"} <= set(labels)
    fig.savefig(tmp_path / "u.png")


@pytest.mark.slow
def test_dask_gives_the_local_answer(answer):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster:
        u = predict_uncertainty(cordotomy_scenario(), n=N, seed=7, scheduler=cluster.scheduler_address)
    assert _strip(u.summary) == _strip(answer.summary)
    assert (u.probability_map == answer.probability_map).all()


def test_progress_can_be_reported_to_a_function(answer):
    """The planning page's progress bar: progress(done, total) once before the
    draws and after each, and the same answer as without it."""
    calls = []
    u = predict_uncertainty(cordotomy_scenario(), n=N, seed=7, workers=0,
                            progress=lambda done, total: calls.append((done, total)))
    assert calls == [(k, N) for k in range(N + 1)]
    assert json.dumps(_strip(u.summary)) == json.dumps(_strip(answer.summary))


def test_model_lines_are_what_the_command_line_prints(answer, capsys):
    from rfsim.cli.uncertainty import print_uncertainty
    from rfsim.uncertainty.fidelity import model_lines

    lines = model_lines(answer.summary["reduced_model"])
    assert lines[0].startswith("reduced (mesh refine 0.5, step tolerance 1 C, steps of at most 8 s)") and lines[1].startswith("calibration")
    print_uncertainty(answer.summary)
    out = capsys.readouterr().out
    assert all(line in out for line in lines)
    assert model_lines(None) == ["full (every draw at the scenario's mesh)"]


def test_each_row_is_that_of_a_whole_prediction(answer):
    """The draws measure only the final lesion (Task.per_lesion): every stored
    metric, and the lesion map, as a whole prediction of the draw's scenario
    (every lesion measured) gives them."""
    from rfsim.prediction import predict
    from rfsim.uncertainty.draws import draw_runs, draw_values
    from rfsim.uncertainty.analysis import usable_uncertainties
    from rfsim.uncertainty.probability_map import extract_lesion_map

    sc = cordotomy_scenario()
    active, _ = usable_uncertainties(sc)
    runs = draw_runs(sc, active, draw_values(active, N, 7), N)
    for run, row in zip(runs, answer.rows):
        p = predict(load_scenario_text(run.scenario))
        assert len(p.summary["per_lesion"]) == 3
        whole = engine._row(run, {"status": "ok", "error": "", "summary": {**p.summary, **extract_lesion_map(p)}})
        assert {k: v for k, v in whole.items() if not k.startswith("info/")} == \
               {k: v for k, v in row.items() if not k.startswith("info/")}


def load_scenario_text(text):
    import tomllib

    from rfsim.scenario.config import parse_scenario

    return parse_scenario(tomllib.loads(text))


def test_local_workers_start_before_the_draws_and_give_the_serial_answer(answer, monkeypatch):
    """The local workers are started (and warm up on the nominal scenario)
    while the draws' scenarios are made, not after; the answer is that of
    the draws run in this process, and no draw loads a kernel (warm workers)."""
    import multiprocessing

    from rfsim.uncertainty import analysis

    seen = []
    real = analysis.draw_runs

    def draw_runs(*a, **k):
        seen.append(len(multiprocessing.active_children()))
        return real(*a, **k)

    monkeypatch.setattr(analysis, "draw_runs", draw_runs)
    u = predict_uncertainty(cordotomy_scenario(), n=N, seed=7, workers=2)
    assert seen == [2]
    assert json.dumps(_strip(u.summary)) == json.dumps(_strip(answer.summary))
    assert (u.probability_map == answer.probability_map).all()
    assert [r["info/jit_new"] for r in u.rows] == [0] * N
    assert multiprocessing.active_children() == []


def test_a_bad_nominal_placement_ends_the_early_workers_at_once():
    """The workers start before the nominal placement is checked; a bad one
    ends them without waiting for their warm-up (exit 2 as before)."""
    import multiprocessing
    import time

    t0 = time.perf_counter()
    with pytest.raises(ConfigError, match="placement.depth_mm"):
        predict_uncertainty(cordotomy_scenario(depth_mm=9.0), n=N, seed=7, workers=2)
    assert multiprocessing.active_children() == []
    assert main(["predict", "--uncertainty", "2", "--depth", "9"]) == 2
    assert multiprocessing.active_children() == []
    assert time.perf_counter() - t0 < 20.0  # a hung pool would wait for ever


def test_a_stored_row_of_another_scenario_is_run_again_not_kept_beside(tmp_path):
    """Resuming, a row whose run now has another scenario is replaced: the
    answer and the store hold one row per run, as a sweep's resume does."""
    from dataclasses import replace

    from rfsim.sweep.store import read_sweep
    from rfsim.uncertainty.declared import active_uncertainties
    from rfsim.uncertainty.draws import draw_runs, draw_values

    sc = cordotomy_scenario()
    active = active_uncertainties(sc)
    runs = draw_runs(sc, active, draw_values(active, 2, 0), 2)
    meta = engine.store_meta({"kind": "test", "full": False}, runs, 1, 2, 0, [])
    store = tmp_path / "u.h5"
    engine.execute_runs(runs, meta, store, workers=0)
    changed = [runs[0], replace(runs[1], scenario_hash="0" * 64)]
    res = engine.execute_runs(changed, meta, store, workers=0)
    assert (res["resumed"], res["ran"]) == (1, 1)
    assert sorted((r["run"], r["scenario_hash"]) for r in res["rows"]) == [(0, runs[0].scenario_hash), (1, "0" * 64)]
    assert sorted(read_sweep(store)["columns"]["run"].tolist()) == [0, 1]

"""rfsim.bench: the quick benchmark runs, prints the expected rows, and rfsim and
FiPy agree on the peer problem (so the suite cannot rot)."""

import numpy as np
import pytest

import rfsim.bench as bench


def test_peer_problem_is_heterogeneous():
    pb = bench.PeerProblem(16)
    sigma = pb.sigma(pb.initial_c)
    assert set(np.unique(pb.label)) == {0, 1, 2, 3}
    assert sigma.max() / sigma.min() > 50  # fat vs CSF, and the warm spot
    assert pb.electrode.any() and not pb.electrode.all()


@pytest.mark.slow
def test_quick_report_rows_and_agreement():
    with_fipy = bench.have_fipy()
    solver = bench.fipy_solvers()[0][0] if with_fipy else None
    table, fig = bench.report(sizes=(12,), repeats=1, steps=2, operator_n=24, lesion=False,
                              fipy_solver=solver)
    expected = ["operator apply_operator", "of the triad", "first JIT compilation",
                "12^3 potential solve, rfsim", "12^3 heat step, rfsim", "12^3 memory, rfsim"]
    if with_fipy:
        expected += ["12^3 potential solve, FiPy", "12^3 heat step, FiPy", "12^3 memory, FiPy",
                     "12^3 agreement | PASSED", "12^3 speed-up, potential solve", "12^3 speed-up, heat step"]
    for row in expected:
        assert row in table, row
    assert table.count("\n| ") >= len(expected) - 1  # one markdown row each
    r = fig["peer"][0]
    assert fig["operator_cells_per_s"] > 0 and fig["triad_gb_per_s"] > 0
    if with_fipy:
        assert r["agree"], r
        assert r["potential_error"] <= bench.POTENTIAL_AGREEMENT
        assert r["temperature_error_k"] <= bench.TEMPERATURE_AGREEMENT_K
        assert r["potential_ratio"] > 0 and r["heat_ratio"] > 0


def test_cli_registers_bench():
    from rfsim.cli.main import build_parser

    args = build_parser().parse_args(["bench", "--quick", "--no-fipy"])
    assert args.quick and args.no_fipy and callable(args.func)


@pytest.mark.skipif(not bench.have_fipy(), reason="FiPy is not installed")
def test_fipy_twin_matches_rfsim_in_process():
    """The two discretisations are the same discrete system: agreement to solver
    tolerance on a small grid, in this process (no workers)."""
    pb = bench.PeerProblem(8, steps=2)
    a = bench.run_rfsim(pb, 1)
    b = bench.run_fipy(pb, 1, bench.fipy_solvers()[0][0])
    assert np.abs(a["phi"] - b["phi"]).max() <= 1e-6 * np.abs(a["phi"]).max()
    assert np.abs(a["T"] - b["T"]).max() <= 1e-3

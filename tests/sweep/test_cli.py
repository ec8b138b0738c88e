"""``rfsim sweep`` and ``rfsim sweep-report`` in a subprocess: bad input exits 2
with one line and leaves the store alone; the report prints the table and
writes the figure."""

import pytest

from .support import cli


@pytest.mark.slow
def test_cli_bad_input_exits_2_with_one_line_and_leaves_the_store_alone(tmp_path, baseline):
    store = tmp_path / "sweep.h5"
    store.write_bytes(baseline[0].read_bytes())
    before = store.read_bytes()
    cases = {"malformed.toml": "[grid\n", "unknown.toml": '[grid]\n"placement.ofset_mm" = [1.0]\n',
             "empty.toml": '[grid]\n"placement.offset_mm" = []\n',
             "bounds.toml": '[monte_carlo]\nn = 2\n"anatomy.displacement_mm" = {dist = "uniform", lower = 2, '
                            'upper = 1}\n'}
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        for extra in ((), ("--resume",)):
            r = cli("sweep", tmp_path / name, "--out", store, *extra)
            assert r.returncode == 2, (name, r.stderr)
            assert r.stderr.count("\n") == 1 and r.stderr.startswith("rfsim: error: "), r.stderr
    (tmp_path / "ok.toml").write_text('[base]\nprotocol = {duration_s = 20.0, lesions = 1}\n'
                                      '[grid]\n"placement.offset_mm" = [1.0]\n')
    r = cli("sweep", tmp_path / "ok.toml", "--out", store)  # exists, no --resume
    assert r.returncode == 2 and "--resume" in r.stderr
    r = cli("sweep", tmp_path / "ok.toml", "--out", store, "--resume")  # a different spec
    assert r.returncode == 2 and "different sweep spec" in r.stderr
    assert store.read_bytes() == before


@pytest.mark.slow
def test_report_prints_the_table_and_writes_the_figure(baseline, tmp_path):
    png = tmp_path / "report.png"
    r = cli("sweep-report", baseline[0], "--plot", png)
    assert r.returncode == 0, r.stderr
    assert "P(relief)" in r.stdout and len(r.stdout.splitlines()) == 1 + 4 + 1
    assert png.stat().st_size > 10_000

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


def test_report_replaces_its_own_figure_and_no_other_file(baseline, tmp_path, capsys):
    from PIL import Image

    from rfsim.cli.main import main

    store, other, figure = tmp_path / "sweep.h5", tmp_path / "other.h5", tmp_path / "sweep.png"
    store.write_bytes(baseline[0].read_bytes())
    other.write_bytes(baseline[0].read_bytes())
    assert main(["sweep-report", str(store)]) == 0
    assert main(["sweep-report", str(store)]) == 0  # the default figure it wrote for this store: replaced
    with Image.open(figure) as im:
        assert im.text["Source"] == "sweep.h5" and im.text["Software"] == "rfsim sweep-report"
    assert main(["sweep-report", str(other), "--plot", str(figure)]) == 0  # named with --plot: replaced
    capsys.readouterr()
    assert main(["sweep-report", str(store)]) == 2  # now a figure of other.h5: kept
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "exists and is not a figure of this store" in err
    with Image.open(figure) as im:
        assert im.text["Source"] == "other.h5"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.h5", "sweep.h5", "sweep.png"]


@pytest.mark.slow
def test_damaged_store_is_reported_and_resume_repairs_it(baseline, spec_file, tmp_path):
    """Issue 16: 4 KB overwritten in the middle of a complete store gave a
    normal-looking table, and --resume carried the garbage on."""
    import h5py

    from .support import rows

    store = tmp_path / "sweep.h5"
    store.write_bytes(baseline[0].read_bytes())
    with h5py.File(store, "r") as f:
        offset = f["runs/metric/tract_coverage.lateral_corticospinal"].id.get_chunk_info(0).byte_offset
    with open(store, "r+b") as f:
        f.seek(offset)
        f.write(bytes(range(256)) * 16)
    r = cli("sweep-report", store, "--no-plot")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "fail their checksum" in r.stderr, r.stderr
    assert r.stdout == ""
    r = cli("sweep", spec_file, "--out", store, "--resume", "--workers", "2", timeout=300)
    assert r.returncode == 0, r.stderr
    assert "left out and run again" in r.stderr
    assert rows(store) == rows(baseline[0])

"""Sweep rows in run order in the file itself, and the store as a pandas
DataFrame (rfsim.sweep.to_dataframe) with typed columns (issue 14, item 4)."""

import h5py
import numpy as np
import pytest

from rfsim.errors import ConfigError
from rfsim.sweep import read_sweep, run_sweep, to_dataframe
from rfsim.sweep.store import journal_path

from .support import fake_result, fake_tasks_run, mc_spec

pd = pytest.importorskip("pandas")  # the test extra brings it (with xarray)


@pytest.fixture
def finished(tmp_path, monkeypatch):
    """A sweep of 12 fake runs whose results arrive out of run order."""
    from rfsim.sweep import execute

    monkeypatch.setattr(execute, "run_tasks_locally", fake_tasks_run)
    spec = mc_spec(4)
    out = tmp_path / "s.h5"
    run_sweep(spec, out, progress=False)
    return spec, out


def test_a_completed_store_holds_its_rows_in_run_order(finished, tmp_path, monkeypatch):
    spec, out = finished
    with h5py.File(out, "r") as f:  # as h5py, xarray or pandas would read it: no sorting by rfsim
        stored = f["runs/run"][: f["runs"].attrs["rows"]]
    np.testing.assert_array_equal(stored, np.arange(12))
    assert not journal_path(out).exists()
    # the fake pool really did deliver them out of order: a store cut off mid-sweep keeps that order
    from rfsim.sweep import execute

    def first_five(tasks, *a):
        for i, item in enumerate(fake_tasks_run(tasks, *a)):
            if i == 5:
                raise KeyboardInterrupt
            yield item

    monkeypatch.setattr(execute, "run_tasks_locally", first_five)
    part = tmp_path / "part.h5"
    with pytest.raises(KeyboardInterrupt):
        run_sweep(spec, part, progress=False)
    with h5py.File(part, "r") as f:
        partial = list(f["runs/run"][: f["runs"].attrs["rows"]])
    assert partial == [2, 1, 0, 5, 4]


def test_to_dataframe_types_every_column_as_it_was_stored(finished):
    spec, out = finished
    df = to_dataframe(out)
    assert list(df.index) == list(range(12)) and df.index.name == "run"
    assert str(df["point"].dtype) == "Int64" and str(df["sample"].dtype) == "Int64"
    assert str(df["status"].dtype) == "string"
    assert str(df["metric/relief_predicted"].dtype) == "boolean"
    assert str(df["metric/lesions"].dtype) == "Int64"
    assert df["metric/lesion_volume_mm3"].dtype == float
    for run in range(12):
        expect = fake_result(run)
        if expect["status"] == "ok":
            s = expect["summary"]
            assert df.loc[run, "metric/relief_predicted"] == s["relief_predicted"]
            assert df.loc[run, "metric/lesion_volume_mm3"] == pytest.approx(s["lesion_volume_mm3"])
            assert df.loc[run, "metric/warnings"] == s["warnings"]  # JSON decoded
        else:  # a failed run has no metrics: missing, not a number
            assert df.loc[run, "metric/relief_predicted"] is pd.NA
            assert df.loc[run, "error"] == expect["error"]
    np.testing.assert_allclose(df.loc[3, "series/tip_temperature_c"],
                               fake_result(3)["series"]["tip_temperature_c"])
    # the design values and the store's metadata come along
    offsets = read_sweep(out)["columns"]["param/placement.offset_mm"]
    np.testing.assert_array_equal(df["param/placement.offset_mm"].to_numpy(), offsets)
    assert df.attrs["n_runs"] == 12


def test_to_dataframe_of_a_missing_store_is_one_line(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        to_dataframe(tmp_path / "none.h5")

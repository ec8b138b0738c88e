"""Tests of rfsim.io (HDF5 results in CF/netCDF conventions), of
rfsim.physics.variables and of the notebook views of a Prediction."""

import json
from dataclasses import replace

import h5py
import numpy as np
import pytest


@pytest.fixture(scope="module")
def prediction():
    from rfsim.physics.generator import Lesion, Protocol
    from rfsim.prediction import cordotomy_scenario, predict

    return predict(replace(cordotomy_scenario(), protocol=Protocol((Lesion(80.0, 20.0), Lesion(80.0, 20.0)), 10.0)))


@pytest.fixture(scope="module")
def result_file(prediction, tmp_path_factory):
    from rfsim.io import write_result

    return write_result(tmp_path_factory.mktemp("io") / "result.h5", prediction)


def test_xarray_opens_named_dimensions_with_units(result_file, prediction):
    xr = pytest.importorskip("xarray")
    pytest.importorskip("h5netcdf")
    with xr.open_dataset(result_file, engine="h5netcdf") as ds:
        assert not [d for d in ds.dims if str(d).startswith("phony_dim")]
        assert set(ds.dims) == {"r", "theta", "z", "time_s"}
        assert ds["temperature_c"].dims == ("r", "theta", "z")
        assert ds["power_w"].dims == ("time_s",)
        for name in list(ds.data_vars) + list(ds.coords):
            assert "units" in ds[name].attrs and "long_name" in ds[name].attrs, name
        assert ds["peak_temperature_c"].attrs["units"] == "degC" and ds["r"].attrs["units"] == "m"
        np.testing.assert_allclose(ds["r"].values, prediction.result.domain.grid.centers[0])
        assert ds["label"].dtype == np.int16 and ds["label"].attrs["flag_meanings"].split()[0] == "metal"
        assert ds["lesion_index"].dtype.kind == "i"  # whole numbers stay whole
        assert ds.attrs["Conventions"] == "CF-1.10"
        # the peak temperature at the hottest cell is what the summary reports for tissue or metal
        assert float(ds["peak_temperature_c"].max()) >= prediction.summary["max_tissue_temperature_c"] - 1e-9
    with xr.open_dataset(result_file, engine="h5netcdf", group="fields") as f:
        assert f["omega"].dims == ("r", "theta", "z")


def test_metrics_are_typed(result_file, prediction):
    with h5py.File(result_file, "r") as f:
        m = f["metrics"]
        assert isinstance(m.attrs["relief_predicted"], np.bool_)
        assert isinstance(m.attrs["lesions"], np.integer) and m.attrs["lesions"] == 2
        assert isinstance(m.attrs["cord_area_fraction"], np.floating)
        assert m["tract_coverage"].attrs["lateral_spinothalamic"] == \
            pytest.approx(prediction.summary["tract_coverage"]["lateral_spinothalamic"])
        assert list(m["per_lesion"]) == ["1", "2"]
        assert f["series/lesion_index"].dtype.kind == "i"
        assert f["fields/temperature_c"].attrs["units"] == "degC"


def test_read_result_round_trip(result_file, prediction):
    from rfsim.io import read_result

    r = read_result(result_file)
    assert r["format"] == "rfsim-result-2"
    assert r["metrics"] == prediction.summary and r["summary"] == prediction.summary
    assert type(r["metrics"]["relief_predicted"]) is bool and type(r["metrics"]["cells"]) is int
    assert r["units"]["fields/temperature_c"] == "C" and r["units"]["series/impedance_ohm"] == "ohm"
    np.testing.assert_array_equal(r["fields"]["omega"], prediction.result.damage.omega)


def test_tree_keeps_types(tmp_path):
    from rfsim.io import read_tree, write_tree

    tree = {"a": 1, "b": 2.5, "c": True, "d": None, "e": "text", "f": [1.0, 2.0], "g": [], "h": ["x", "y"],
            "i": {"j": 0.1, "k": False}, "l": [{"m": 1, "n": None}, {"m": 2, "n": 3.0}], "o": [1, 2],
            "p": [True, False], "q": [None, 1.5]}
    with h5py.File(tmp_path / "t.h5", "w") as f:
        write_tree(f.create_group("t"), tree)
    with h5py.File(tmp_path / "t.h5", "r") as f:
        back = read_tree(f["t"])
    assert back == tree
    assert [type(back[k]) for k in "abcde"] == [int, float, bool, type(None), str]


def _write_v1(path, prediction):
    """A results file as rfsim 0.1 wrote it (format rfsim-result-1)."""
    res, d = prediction.result, prediction.result.domain
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "rfsim-result-1"
        f.attrs["rfsim_version"] = "0.1.0"
        f.attrs["scenario"] = "[scenario]\nkind = \"cordotomy\"\n"
        f.attrs["summary"] = json.dumps(prediction.summary)
        g = f.create_group("grid")
        g.attrs["geometry"] = d.grid.geometry
        for i, e in enumerate(d.grid.edges):
            g.create_dataset(f"edges{i}", data=e).attrs["unit"] = "m"
        fl = f.create_group("fields")
        for name, data, unit in (("temperature_c", res.temperature_c, "C"), ("omega", res.damage.omega, "1"),
                                 ("label", d.label, "1")):
            fl.create_dataset(name, data=data).attrs["unit"] = unit
        fl["label"].attrs["names"] = json.dumps(list(d.names))
        se = f.create_group("series")
        for name in ("time_s", "power_w"):
            se.create_dataset(name, data=res.series[name]).attrs["unit"] = "s" if name == "time_s" else "W"
        mg = f.create_group("metrics")
        mg.attrs["units"] = "fractions 0..1"
        for k, v in prediction.summary.items():
            mg.attrs[k] = json.dumps(v)


def test_reads_previous_format(tmp_path, prediction):
    from rfsim.io import read_result

    _write_v1(tmp_path / "old.h5", prediction)
    r = read_result(tmp_path / "old.h5")
    assert r["format"] == "rfsim-result-1"
    assert r["metrics"] == prediction.summary
    assert r["units"]["fields/temperature_c"] == "C" and r["units"]["series/power_w"] == "W"
    with h5py.File(tmp_path / "bad.h5", "w") as f:
        f.attrs["format"] = "rfsim-result-9"
    with pytest.raises(ValueError, match="format 'rfsim-result-9'; readable: rfsim-result-1, rfsim-result-2"):
        read_result(tmp_path / "bad.h5")


def test_homogeneous_run_file(tmp_path):
    xr = pytest.importorskip("xarray")
    pytest.importorskip("h5netcdf")
    from rfsim.io import read_result, write_result
    from rfsim.physics.generator import Lesion, Protocol
    from rfsim.runner import run
    from rfsim.scenario.config import Scenario

    r = run(Scenario(protocol=Protocol((Lesion(70.0, 5.0),), 2.0)))
    write_result(tmp_path / "run.h5", r)
    assert "metrics" not in read_result(tmp_path / "run.h5")
    with xr.open_dataset(tmp_path / "run.h5", engine="h5netcdf") as ds:
        assert ds["omega"].dims == ("r", "theta", "z") and ds["time_s"].attrs["units"] == "s"


def test_prediction_views(prediction):
    text = repr(prediction)
    assert len(text) < 500 and text.startswith("Prediction(") and "relief" in text
    html = prediction._repr_html_()
    assert "<table>" in html and "cord cross-section lesioned" in html and len(html) < 5000


def test_to_xarray(prediction):
    pytest.importorskip("xarray")
    ds = prediction.to_xarray()
    assert ds["temperature_c"].dims == ("r", "theta", "z") and ds["temperature_c"].attrs["units"] == "degC"
    assert ds.attrs["relief_predicted"] is prediction.summary["relief_predicted"]
    assert ds.attrs["lesions"] == 2 and isinstance(ds.attrs["lesions"], int)
    assert list(ds["lesion"].values) == [1, 2]
    assert ds["tract_coverage"].sel(tract="lateral_spinothalamic") == \
        pytest.approx(prediction.summary["tract_coverage"]["lateral_spinothalamic"])
    assert ds["relief_predicted_after_lesion"].dtype == bool
    assert ds["cord_area_fraction_after_lesion"].values[-1] == pytest.approx(prediction.summary["cord_area_fraction"])


def test_to_xarray_without_xarray(prediction, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "xarray", None)
    with pytest.raises(ImportError, match="pip install xarray"):
        prediction.to_xarray()

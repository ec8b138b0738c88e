"""HDF5 results files.

Layout of ``rfsim-result-2`` (netCDF-4 compatible: ``xarray.open_dataset(path,
engine="h5netcdf")`` gives the fields and series with named dimensions,
coordinates and units):

* root attributes: ``format`` ("rfsim-result-2"), ``rfsim_version``,
  ``Conventions`` ("CF-1.10"), ``title``, ``scenario`` (the full scenario as
  TOML text), ``summary`` (the JSON summary);
* root dimension coordinates (HDF5 dimension scales) at cell centres: ``x, y,
  z`` (3-D grid) or ``r, theta, z`` (axisymmetric), and ``time_s``;
* root variables (hard links to the datasets of ``fields/`` and ``series/``):
  every field on the grid's dimensions, every series on ``time_s``;
* ``grid/``: ``geometry`` attribute, cell edges ``edges0``, ``edges1``,
  ``edges2``;
* ``fields/``: ``temperature_c`` (final), ``peak_temperature_c``, ``omega``,
  ``cem43_min``, ``potential_v`` (last powered step), ``label`` (tissue index,
  -1 metal; ``names`` attribute as JSON, and CF ``flag_values``/``flag_meanings``);
* ``series/``: the time series of :data:`rfsim.physics.series.SERIES`
  (``lesion_index`` as integers);
* ``metrics/`` (predictions): the summary as typed attributes (floats, ints,
  booleans, strings, arrays; an empty attribute for None), nested tables as
  subgroups, ``per_lesion`` as subgroups ``1``, ``2``...; ``needle/``: tip
  end, direction and pia entry (m).

Every dataset carries CF ``units`` (UDUNITS spelling, ``degC``) and
``long_name``.  :func:`read_result` reads this layout and the previous one
(``rfsim-result-1``: ``unit`` attributes, metrics as JSON strings).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from rfsim.physics.series import SERIES
from rfsim.physics.variables import (FIELDS, SERIES_NAMES, cf_units, column, field_arrays, grid_dimensions,
                                     rfsim_units, series_arrays)
from rfsim.scenario.writer import to_toml
from rfsim.version import __version__

FORMAT = "rfsim-result-2"
#: Formats read_result understands, oldest first.
READABLE = ("rfsim-result-1", FORMAT)
#: Marks a metrics subgroup that holds a list of tables (``per_lesion``).
_LIST = "rfsim_list_of_tables"


def _attrs(ds, units, long_name):
    ds.attrs["units"] = units
    ds.attrs["long_name"] = long_name


def write_result(path, run) -> Path:
    """Write a :class:`rfsim.runner.Run` or :class:`rfsim.prediction.Prediction` to an
    HDF5 file (overwritten).  A prediction adds the groups ``metrics/`` (its
    summary, typed) and ``needle/``."""
    import h5py

    path = Path(path)
    res, d = run.result, run.result.domain
    with h5py.File(path, "w", track_order=True) as f:
        f.attrs["format"] = FORMAT
        f.attrs["rfsim_version"] = __version__
        f.attrs["Conventions"] = "CF-1.10"
        f.attrs["title"] = f"rfsim {run.scenario.kind} result"
        f.attrs["scenario"] = run.scenario.text or to_toml(run.scenario)
        f.attrs["summary"] = json.dumps(run.summary)
        scales = []
        for name, centres, units, long_name in grid_dimensions(d.grid):
            ds = f.create_dataset(name, data=centres)
            ds.make_scale(name)
            _attrs(ds, units, long_name + " (cell centre)")
            scales.append(ds)
        g = f.create_group("grid")
        g.attrs["geometry"] = d.grid.geometry
        for i, (e, (name, _, units, _)) in enumerate(zip(d.grid.edges, grid_dimensions(d.grid))):
            ds = g.create_dataset(f"edges{i}", data=e)
            ds.make_scale(f"{name}_edges")
            _attrs(ds, units, f"cell edges along {name}")
        fl = f.create_group("fields", track_order=True)
        for name, data in field_arrays(res).items():
            ds = fl.create_dataset(name, data=data, compression="gzip", compression_opts=4)
            for axis, scale in enumerate(scales):
                ds.dims[axis].attach_scale(scale)
            _attrs(ds, *FIELDS[name][:2])
            f[name] = ds
        lab = fl["label"]
        lab.attrs["names"] = json.dumps(list(d.names))
        lab.attrs["flag_values"] = np.arange(-1, len(d.names), dtype=lab.dtype)
        lab.attrs["flag_meanings"] = " ".join(["metal"] + [n.replace(" ", "_") for n in d.names])
        se = f.create_group("series", track_order=True)
        series = series_arrays(res)
        time = f.create_dataset("time_s", data=series["time_s"])
        time.make_scale("time_s")
        _attrs(time, "s", SERIES_NAMES["time_s"])
        se["time_s"] = time
        for name in SERIES:
            if name == "time_s":
                continue
            ds = se.create_dataset(name, data=series[name])
            ds.dims[0].attach_scale(time)
            _attrs(ds, cf_units(SERIES[name]), SERIES_NAMES[name])
            f[name] = ds
        if hasattr(run, "path"):  # a prediction
            mg = f.create_group("metrics", track_order=True)
            mg.attrs["units"] = "fractions 0..1; lengths mm; volumes mm^3; see docs/prediction.md"
            write_tree(mg, run.summary)
            ng = f.create_group("needle")
            axis = ng.create_dataset("axis", data=np.array(["x", "y", "z"], dtype=h5py.string_dtype()))
            axis.make_scale("axis")
            for k, long_name in (("tip_m", "distal end of the exposed tip"),
                                 ("direction", "unit vector from the tip back along the shaft"),
                                 ("entry_m", "where the needle meets the outer surface of the pia")):
                ds = ng.create_dataset(k, data=np.asarray(getattr(run.path, k), float))
                ds.dims[0].attach_scale(axis)
                _attrs(ds, "m" if k.endswith("_m") else "1", long_name + " (cross-section axes)")
    return path


def write_tree(group, tree: dict) -> None:
    """Write a JSON-like dict as typed HDF5 attributes and subgroups.

    Numbers keep their type (bool, int64, float64), None becomes an empty
    attribute, lists of scalars become arrays, dicts become subgroups and lists
    of dicts subgroups ``1``, ``2``... of a group marked as a list.
    """
    import h5py

    for k, v in tree.items():
        if isinstance(v, dict):
            write_tree(group.create_group(k, track_order=True), v)
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            sub = group.create_group(k, track_order=True)
            sub.attrs[_LIST] = np.bool_(True)
            for i, row in enumerate(v):
                write_tree(sub.create_group(str(i + 1), track_order=True), row)
        elif v is None:
            group.attrs[k] = h5py.Empty("f8")
        elif isinstance(v, bool):
            group.attrs[k] = np.bool_(v)
        elif isinstance(v, int):
            group.attrs[k] = np.int64(v)
        elif isinstance(v, float):
            group.attrs[k] = np.float64(v)
        elif isinstance(v, str):
            group.attrs[k] = v
        elif isinstance(v, list) and all(isinstance(x, str) for x in v):
            group.attrs.create(k, np.array(v, dtype=object), dtype=h5py.string_dtype())
        elif isinstance(v, list):
            group.attrs[k] = column(v)
        else:
            raise TypeError(f"cannot store metric {k!r} of type {type(v).__name__}")


def _value(v):
    """An HDF5 attribute value as the Python value write_tree was given."""
    import h5py

    if isinstance(v, h5py.Empty):
        return None
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, np.ndarray):
        if v.dtype.kind == "f":
            return [None if np.isnan(x) else float(x) for x in v]
        return [_value(x) for x in v.tolist()]
    if isinstance(v, np.generic):
        return v.item()
    return v


def read_tree(group) -> dict | list:
    """Read what :func:`write_tree` wrote (a list for groups marked as lists)."""
    if group.attrs.get(_LIST, False):
        return [read_tree(group[k]) for k in sorted(group, key=int)]
    out = {k: _value(v) for k, v in group.attrs.items() if k != "units" or group.name != "/metrics"}
    for k, sub in group.items():
        out[k] = read_tree(sub)
    return out


def read_result(path) -> dict:
    """Read a results file (``rfsim-result-2``, or ``-1`` of rfsim before 0.2).

    Returns
    -------
    dict
        ``scenario`` (TOML text), ``summary`` (dict), ``metrics`` (predictions
        only: the same summary read from the metrics group), ``rfsim_version``,
        ``format``, ``grid`` (geometry and edges, m), ``fields`` and ``series``
        (name -> array), ``units`` (dataset path -> unit in rfsim's spelling,
        ``C`` for degrees Celsius).
    """
    import h5py

    with h5py.File(path, "r") as f:
        fmt = f.attrs.get("format")
        fmt = fmt.decode() if isinstance(fmt, bytes) else fmt
        if fmt not in READABLE:
            raise ValueError(f"{path} is not an rfsim results file this version reads (format {fmt!r}; "
                             f"readable: {', '.join(READABLE)})")
        old = fmt == "rfsim-result-1"
        out = {"scenario": str(f.attrs["scenario"]), "summary": json.loads(f.attrs["summary"]),
               "rfsim_version": str(f.attrs["rfsim_version"]), "format": fmt, "units": {}}
        out["grid"] = {"geometry": str(f["grid"].attrs["geometry"]),
                       "edges": tuple(np.asarray(f["grid"][f"edges{i}"]) for i in range(3))}
        for group in ("fields", "series"):
            out[group] = {k: np.asarray(v) for k, v in f[group].items()}
            out["units"].update({f"{group}/{k}": str(v.attrs["unit"]) if old else rfsim_units(str(v.attrs["units"]))
                                 for k, v in f[group].items()})
        out["fields_label_names"] = json.loads(f["fields/label"].attrs["names"])
        if "metrics" in f:
            if old:
                out["metrics"] = {k: json.loads(v) for k, v in f["metrics"].attrs.items() if k != "units"}
            else:
                out["metrics"] = read_tree(f["metrics"])
    return out

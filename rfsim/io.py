"""HDF5 results files.

Layout (every dataset carries a ``unit`` attribute):

* root attributes: ``rfsim_version``, ``format`` ("rfsim-result-1"), ``scenario``
  (the full scenario as TOML text), ``summary`` (the JSON summary);
* ``grid/``: ``geometry`` attribute, ``edges0``, ``edges1``, ``edges2`` (m);
* ``fields/``: ``temperature_c`` (final), ``peak_temperature_c``, ``omega``,
  ``cem43_min``, ``potential_v`` (last powered step), ``label`` (tissue index, -1
  metal) with a ``names`` attribute;
* ``series/``: the time series of :data:`rfsim.physics.series.SERIES`;
* ``metrics/`` (predictions): every metric as a JSON attribute; ``needle/``:
  tip end, direction and pia entry (m).

:func:`read_result` reads it back into plain dicts and arrays.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from rfsim.version import __version__
from rfsim.scenario.config import to_toml
from rfsim.physics.series import SERIES

FORMAT = "rfsim-result-1"


def write_result(path, run) -> Path:
    """Write a :class:`rfsim.run.Run` or :class:`rfsim.predict.Prediction` to an
    HDF5 file (overwritten).  A prediction adds the group ``metrics/`` with
    each lesion's cumulative metrics as JSON attributes, and the needle path."""
    import h5py

    path = Path(path)
    res, d = run.result, run.result.domain
    with h5py.File(path, "w") as f:
        f.attrs["format"] = FORMAT
        f.attrs["rfsim_version"] = __version__
        f.attrs["scenario"] = run.scenario.text or to_toml(run.scenario)
        f.attrs["summary"] = json.dumps(run.summary)
        g = f.create_group("grid")
        g.attrs["geometry"] = d.grid.geometry
        for i, e in enumerate(d.grid.edges):
            ds = g.create_dataset(f"edges{i}", data=e)
            ds.attrs["unit"] = "rad" if (d.grid.geometry == "axisymmetric" and i == 1) else "m"
        fl = f.create_group("fields")
        for name, data, unit in (("temperature_c", res.temperature_c, "C"),
                                 ("peak_temperature_c", res.damage.tpeak, "C"),
                                 ("omega", res.damage.omega, "1"),
                                 ("cem43_min", res.damage.cem43, "min"),
                                 ("potential_v", res.potential_v, "V"),
                                 ("label", d.label, "1")):
            ds = fl.create_dataset(name, data=data, compression="gzip", compression_opts=4)
            ds.attrs["unit"] = unit
        fl["label"].attrs["names"] = json.dumps(list(d.names))
        se = f.create_group("series")
        for name, unit in SERIES.items():
            ds = se.create_dataset(name, data=res.series[name])
            ds.attrs["unit"] = unit
        if hasattr(run, "path"):  # a prediction
            mg = f.create_group("metrics")
            mg.attrs["units"] = "fractions 0..1; lengths mm; volumes mm^3; see docs/prediction.md"
            for k, v in run.summary.items():
                mg.attrs[k] = json.dumps(v)
            ng = f.create_group("needle")
            for k in ("tip_m", "direction", "entry_m"):
                ds = ng.create_dataset(k, data=np.asarray(getattr(run.path, k)))
                ds.attrs["unit"] = "m" if k.endswith("_m") else "1"
    return path


def read_result(path) -> dict:
    """Read a results file.

    Returns
    -------
    dict
        ``scenario`` (TOML text), ``summary`` (dict), ``metrics`` (predictions
        only: the same summary read from the metrics group), ``rfsim_version``,
        ``grid`` (geometry and edges, m), ``fields`` and ``series`` (name ->
        array), ``units`` (dataset path -> unit).
    """
    import h5py

    with h5py.File(path, "r") as f:
        if f.attrs.get("format") != FORMAT:
            raise ValueError(f"{path} is not an rfsim results file")
        out = {"scenario": str(f.attrs["scenario"]), "summary": json.loads(f.attrs["summary"]),
               "rfsim_version": str(f.attrs["rfsim_version"]), "units": {}}
        out["grid"] = {"geometry": str(f["grid"].attrs["geometry"]),
                       "edges": tuple(np.asarray(f["grid"][f"edges{i}"]) for i in range(3))}
        for group in ("fields", "series"):
            out[group] = {k: np.asarray(v) for k, v in f[group].items()}
            out["units"].update({f"{group}/{k}": str(v.attrs["unit"]) for k, v in f[group].items()})
        out["fields_label_names"] = json.loads(f["fields/label"].attrs["names"])
        if "metrics" in f:
            out["metrics"] = {k: json.loads(v) for k, v in f["metrics"].attrs.items() if k != "units"}
    return out

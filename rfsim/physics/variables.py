"""Names, units and long names of what a simulation produces, and the result
as a labelled dataset.

One table serves every writer and reader: the HDF5 results file
(:mod:`rfsim.io`) and :func:`dataset` (an :class:`xarray.Dataset`, for
notebooks).  Units follow the CF conventions (UDUNITS spellings: ``degC``, not
rfsim's ``C``); dimensions are named ``x, y, z`` (Cartesian grid, m) or
``r, theta, z`` (axisymmetric grid: radius and height along the needle, m, and
the azimuth, rad) at cell centres, and ``time_s`` for the time series.
"""

from __future__ import annotations

import numpy as np

from rfsim.physics.series import SERIES

#: Field name -> (CF units, long name, attribute path on SimulationResult).
FIELDS = {
    "temperature_c": ("degC", "temperature at the end of the protocol", "temperature_c"),
    "peak_temperature_c": ("degC", "peak temperature over the protocol", "damage.tpeak"),
    "omega": ("1", "Arrhenius damage integral Omega", "damage.omega"),
    "cem43_min": ("min", "cumulative equivalent minutes at 43 degC", "damage.cem43"),
    "potential_v": ("V", "electric potential at the last powered step", "potential_v"),
    "label": ("1", "tissue of the cell (-1: electrode metal)", "domain.label"),
}
#: Series name -> long name (units from SERIES).
SERIES_NAMES = {
    "time_s": "time from the start of the protocol",
    "tip_temperature_c": "temperature at the electrode's sensor",
    "set_point_c": "generator set temperature",
    "voltage_v": "RF voltage (rms)",
    "current_a": "RF current (rms)",
    "power_w": "delivered RF power",
    "impedance_ohm": "impedance (NaN while the power is off)",
    "max_tissue_temperature_c": "hottest tissue temperature",
    "lesion_index": "lesion of the protocol under way (1, 2...; 0 before the first)",
}
#: Series stored as whole numbers (the simulation records every series as float).
INTEGER_SERIES = ("lesion_index",)
#: rfsim unit spellings that differ from UDUNITS.
_CF_UNITS = {"C": "degC"}


def cf_units(unit: str) -> str:
    """The CF (UDUNITS) spelling of an rfsim unit (``C`` -> ``degC``)."""
    return _CF_UNITS.get(unit, unit)


def rfsim_units(units: str) -> str:
    """The rfsim spelling of a CF unit (``degC`` -> ``C``), as ``read_result`` reports units."""
    return {v: k for k, v in _CF_UNITS.items()}.get(units, units)


def grid_dimensions(grid) -> tuple:
    """((name, cell centres, CF units, long name), ...) for the three grid axes."""
    if grid.geometry == "axisymmetric":
        spec = (("r", "m", "distance from the needle axis"), ("theta", "rad", "azimuth about the needle axis"),
                ("z", "m", "distance from the tip end back along the needle"))
    else:
        spec = (("x", "m", "lateral, toward the lesion side (cross-section axes)"),
                ("y", "m", "anterior"), ("z", "m", "cranial, along the cord"))
    return tuple((n, np.asarray(c, float), u, ln) for (n, u, ln), c in zip(spec, grid.centers))


def field_arrays(result) -> dict:
    """Field name -> cell array of a SimulationResult (see FIELDS)."""
    out = {}
    for name, (_, _, attr) in FIELDS.items():
        v = result
        for part in attr.split("."):
            v = getattr(v, part)
        out[name] = np.asarray(v)
    return out


def series_arrays(result) -> dict:
    """Series name -> 1-D array, whole-number series as integers."""
    return {k: (np.asarray(result.series[k]).astype(np.int32) if k in INTEGER_SERIES
                else np.asarray(result.series[k], float)) for k in SERIES}


def metric_units(key: str) -> str:
    """CF units of a summary key, from the unit in its name (``_mm``, ``_mm3``...)."""
    for suffix, units in (("_mm3", "mm3"), ("_mm", "mm"), ("_ohm", "ohm"), ("_w", "W"), ("_v", "V"),
                          ("_c", "degC"), ("_s", "s"), ("_j", "J")):
        if key.endswith(suffix):
            return units
    return "1"


def column(values) -> np.ndarray:
    """A list of scalars as a typed array: bool, int64, or float64 with None as NaN."""
    if all(isinstance(x, (bool, np.bool_)) for x in values):
        return np.array(values, bool)
    if all(isinstance(x, (int, np.integer)) and not isinstance(x, bool) for x in values):
        return np.array(values, np.int64)
    return np.array([np.nan if x is None else float(x) for x in values], float)


def _xarray():
    try:
        import xarray
    except ImportError:
        raise ImportError("to_xarray needs xarray: pip install xarray (and h5netcdf to open results files)") from None
    return xarray


def dataset(result, summary: dict | None = None, scenario_text: str = ""):
    """The result as an :class:`xarray.Dataset`.

    Fields on the grid's named dimensions, series on ``time_s``, each with
    ``units`` and ``long_name``.  From ``summary`` (a prediction's), scalar
    entries become attributes (None left out and listed in
    ``undefined_metrics``); dicts of numbers become variables on a dimension of
    their keys (``tract``, ``zone``); lists of numbers per lesion, and
    ``per_lesion``, become variables on ``lesion``.
    """
    xr = _xarray()
    dims = grid_dimensions(result.domain.grid)
    names = tuple(d[0] for d in dims)
    coords = {n: (n, c, {"units": u, "long_name": ln}) for n, c, u, ln in dims}
    series = series_arrays(result)
    coords["time_s"] = ("time_s", series["time_s"], {"units": "s", "long_name": SERIES_NAMES["time_s"]})
    data = {}
    label_names = list(result.domain.names)
    for name, arr in field_arrays(result).items():
        units, long_name, _ = FIELDS[name]
        attrs = {"units": units, "long_name": long_name}
        if name == "label":
            attrs.update(flag_values=np.arange(-1, len(label_names), dtype=np.int16),
                         flag_meanings=" ".join(["metal"] + [n.replace(" ", "_") for n in label_names]))
        data[name] = (names, arr, attrs)
    for name, arr in series.items():
        if name != "time_s":
            data[name] = ("time_s", arr, {"units": cf_units(SERIES[name]), "long_name": SERIES_NAMES[name]})
    attrs = {"scenario": scenario_text}
    if summary:
        undefined = []
        for k, v in summary.items():
            if v is None:
                undefined.append(k)
            elif isinstance(v, (bool, int, float, str)):
                attrs[k] = v
            elif isinstance(v, dict) and all(isinstance(x, (int, float)) for x in v.values()):
                dim = "zone" if "zone" in k else "tract"
                coords.setdefault(dim, (dim, list(v)))
                data[k] = (dim, np.array(list(v.values()), float), {"units": "1", "long_name": k.replace("_", " ")})
            elif k == "warnings":
                attrs[k] = [str(w) for w in v]
            elif isinstance(v, list) and v and all(isinstance(x, (int, float)) for x in v):
                data[k] = ("lesion", column(v), {"units": metric_units(k), "long_name": k.replace("_", " ")})
            elif k == "per_lesion" and v:
                for key in v[0]:
                    col = [row.get(key) for row in v]
                    if key == "lesion" or not all(x is None or isinstance(x, (int, float)) for x in col):
                        continue
                    data[f"{key}_after_lesion"] = ("lesion", column(col),
                                                   {"units": metric_units(key),
                                                    "long_name": f"{key.replace('_', ' ')} after each lesion"})
                coords["lesion"] = ("lesion", np.array([row["lesion"] for row in v], np.int32))
        attrs["undefined_metrics"] = undefined
    return xr.Dataset(data_vars=data, coords=coords, attrs=attrs)

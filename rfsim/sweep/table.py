"""A sweep store as a pandas DataFrame, for notebooks.

One row per run, in run order, indexed by ``run``; one column per stored
column (``point``, ``sample``, ``param/KEY``, ``metric/NAME``, ``status``...,
names as in :mod:`rfsim.sweep.store`).  Integers and booleans come back as
pandas' nullable ``Int64`` and ``boolean`` (a run that failed has no metrics:
``<NA>``, not NaN turned into a number), strings as ``string``, JSON values
decoded, time series as arrays.  Units are those of the file (``param/`` in
the spec's units, metrics as in ``rfsim predict --json``).
"""

from __future__ import annotations

import numpy as np

from rfsim.errors import ConfigError
from rfsim.sweep.store import read_sweep


def to_dataframe(store):
    """The rows of a sweep store as a ``pandas.DataFrame``.

    Parameters
    ----------
    store : str or Path
        A sweep store (``rfsim sweep SPEC --out FILE.h5``), checked row by row
        as :func:`rfsim.sweep.read_sweep` does.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``run``; ``df.attrs`` holds the store's metadata.

    Raises
    ------
    ConfigError
        If pandas is missing, or the store cannot be read.
    """
    try:
        import pandas as pd
    except ImportError:
        raise ConfigError("to_dataframe", "pandas", "is not installed; install it with "
                                                    "pip install 'rfsim[xarray]'") from None
    data = read_sweep(store)
    cols = {}
    for name, values in data["columns"].items():
        kind = data["kinds"][name]
        if kind == "int":
            cols[name] = pd.array([None if np.isnan(v) else int(v) for v in values], dtype="Int64")
        elif kind == "bool":
            cols[name] = pd.array([None if np.isnan(v) else bool(v) for v in values], dtype="boolean")
        elif kind == "str":
            cols[name] = pd.array(list(values), dtype="string")
        elif kind == "float":
            cols[name] = np.asarray(values, float)
        else:  # json (decoded) and arrays: Python objects per row
            cols[name] = pd.Series(list(values), dtype=object).to_numpy()
    df = pd.DataFrame(cols).set_index("run", drop=True)
    df.attrs = dict(data["meta"])
    return df

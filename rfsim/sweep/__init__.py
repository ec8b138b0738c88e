"""Parameter sweeps and uncertainty: many predictions from one spec.

The package reads as the pipeline of a sweep:

* :mod:`~rfsim.sweep.parameters`: which dotted scenario keys a sweep can vary;
* :mod:`~rfsim.sweep.distributions`: distributions of uncertain parameters and
  the draws from one seed;
* :mod:`~rfsim.sweep.spec`: the validated sweep and its runs;
* :mod:`~rfsim.sweep.parse`: a spec file (TOML) or dict into a sweep;
* :mod:`~rfsim.sweep.worker`: what a worker process does with one run;
* :mod:`~rfsim.sweep.execute`: local processes or Dask, and the coordinator that
  streams the runs to them (:mod:`~rfsim.sweep.progress` reports on it);
* :mod:`~rfsim.sweep.store`: the HDF5 results store
  (:mod:`~rfsim.sweep.columns`, with a checksum per row) and its journal
  (:mod:`~rfsim.sweep.journal`), one writer at a time (:mod:`~rfsim.sweep.lock`);
* :mod:`~rfsim.sweep.report`: probabilities per design point with Wilson intervals;
* :mod:`~rfsim.sweep.table`: a store as a pandas DataFrame (:func:`to_dataframe`).

The command line imports this package on every command, so its modules import
only the standard library and NumPy at module level.  See docs/sweeps.md.
"""

from rfsim.sweep.distributions import Distribution
from rfsim.sweep.execute import run_sweep
from rfsim.sweep.parse import load_sweep, parse_sweep
from rfsim.sweep.report import summarize
from rfsim.sweep.store import read_sweep
from rfsim.sweep.table import to_dataframe

__all__ = ["Distribution", "load_sweep", "parse_sweep", "read_sweep", "run_sweep", "summarize", "to_dataframe"]

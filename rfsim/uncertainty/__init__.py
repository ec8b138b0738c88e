"""Uncertainty of a cordotomy prediction: draws over the declared
uncertainties, probabilities a planner can read, which inputs decide them, a
virtual cohort and the safest placement (docs/uncertainty.md).

The pipeline, one job per module:

* :mod:`~rfsim.uncertainty.declared`: the declared uncertainties, their
  default distributions and sources, and a scenario's overrides;
* :mod:`~rfsim.uncertainty.draws`: draws from one seed, and the scenarios they make;
* :mod:`~rfsim.uncertainty.engine`: running draws on the sweep's workers into
  a resumable sweep store;
* :mod:`~rfsim.uncertainty.summary`: probabilities with Wilson intervals, percentiles;
* :mod:`~rfsim.uncertainty.probability_map`: the lesion's probability in the cross-section;
* :mod:`~rfsim.uncertainty.fidelity`: the reduced model and its measured error;
* :mod:`~rfsim.uncertainty.analysis`: ``rfsim predict --uncertainty N``;
* :mod:`~rfsim.uncertainty.sensitivity`: Morris indices (SALib);
* :mod:`~rfsim.uncertainty.cohort`: virtual patients against published series;
* :mod:`~rfsim.uncertainty.optimize`: the placement that maximises P(relief)
  under a bound on P(corticospinal tract reached).

The command line imports this package only inside the commands that use it.
"""

from rfsim.uncertainty.analysis import UncertaintyResult, predict_uncertainty

__all__ = ["UncertaintyResult", "predict_uncertainty"]

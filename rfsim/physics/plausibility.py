"""Is a finished run physically plausible?  Warnings, or an error when no tissue
could give the answer.

Checked on every run (:func:`check_result`), from its time series:

* **The set point reached.**  A temperature-controlled lesion whose tip never
  gets within :data:`SET_POINT_TOLERANCE_C` of its set temperature is smaller
  than the planner thinks (a voltage limit of 1e-6 V, or a perfusion of 1e9,
  once gave "no lesion" without a word).  Warning.
* **Tissue hotter than the set point.**  The thermocouple sits at the tip end
  (by default; ``[electrode] thermocouple_position``); the hottest tissue lies
  at the edges of the exposed tip, a few degrees above it (0.7 C in the default
  prediction).  More than :data:`HOT_MARGIN_C` above
  the highest set point means the sensor no longer sees where the heat is (a
  tip edge in the pia or the CSF).  Warning; from 100 C on, the boiling
  warning of :mod:`rfsim.prediction` and :mod:`rfsim.runner` says it instead.
* **Tissue hotter than any tissue can be.**  Above :data:`ABSURD_TISSUE_C` the
  answer is not a lesion prediction: tissue chars and vaporises long before,
  and the impedance rise that follows makes a real generator cut out.  Valid
  inputs stay far below (the hottest seen, 186 C, is a 2 mm tip placed 2.0 mm
  deep with its proximal edge in the pia, docs/robustness.md); a metal of
  k = 1e9 W/m/K and rho c = 1e-9 J/m^3/K once gave 2,129 C.  Raises
  :class:`~rfsim.errors.ImplausibleResultError` (exit status 3).
"""

from __future__ import annotations

import numpy as np

from rfsim.errors import ImplausibleResultError

#: How close (C) the tip must come to each lesion's set temperature.  The exact
#: controller holds it to solver tolerance, the PID settles within 0.5 C
#: (tests/physics/test_generator.py); 1 C leaves room for both.
SET_POINT_TOLERANCE_C = 1.0
#: Tissue more than this (C) above the highest set point earns a warning: twice
#: the PID's overshoot and over ten times the default's 0.7 C, so that it speaks
#: only when the hottest tissue is somewhere the thermocouple cannot sense.
HOT_MARGIN_C = 10.0
#: Water boils at 100 C; above it the model (no vaporisation) only warns.
BOILING_C = 100.0
#: Hottest tissue (C) rfsim reports a result for; see the module docstring.
ABSURD_TISSUE_C = 300.0


def check_result(series: dict, protocol, generator) -> list:
    """Warnings about a finished run; raises when its answer is impossible.

    Parameters
    ----------
    series : dict
        The run's time series (:data:`rfsim.physics.series.SERIES`).
    protocol : rfsim.physics.generator.Protocol
    generator : rfsim.physics.generator.GeneratorSettings

    Returns
    -------
    list of str
        One line per finding, for ``summary["warnings"]``.

    Raises
    ------
    ImplausibleResultError
        Tissue above :data:`ABSURD_TISSUE_C`.
    """
    set_points = [les.set_temperature_c for les in protocol.lesions]
    hottest = float(np.max(series["max_tissue_temperature_c"]))
    if not hottest <= ABSURD_TISSUE_C:
        raise ImplausibleResultError(
            f"tissue reaches {hottest:.0f} C under a set point of {max(set_points):g} C, above the "
            f"{ABSURD_TISSUE_C:g} C at which tissue has charred and vaporised: the material properties or "
            "the mesh are outside what the model can answer (docs/robustness.md); no result is reported")
    warnings = []
    on = np.isfinite(series["set_point_c"])
    for i, set_c in enumerate(set_points):
        rows = on & (series["lesion_index"] == i)
        if not rows.any():
            continue
        reached = float(series["tip_temperature_c"][rows].max())
        if reached < set_c - SET_POINT_TOLERANCE_C:
            warnings.append(f"lesion {i + 1}: the tip reached {reached:.1f} C, not the set {set_c:g} C "
                            f"({_held_back_by(series, rows, generator)}): the lesion is smaller than one at "
                            "the set point")
    if max(set_points) + HOT_MARGIN_C < hottest < BOILING_C:
        warnings.append(f"tissue reaches {hottest:.1f} C, {hottest - max(set_points):.1f} C above the set "
                        f"point: the thermocouple at the tip end does not sense the hottest tissue")
    return warnings


def _held_back_by(series, rows, generator) -> str:
    """Which generator limit kept the tip from its set point."""
    v = float(series["voltage_v"][rows].max())
    p = float(series["power_w"][rows].max())
    if v >= 0.999 * generator.voltage_limit_v:
        return f"held at the voltage limit, generator.voltage_limit_v = {generator.voltage_limit_v:g} V"
    if p >= 0.999 * generator.power_limit_w:
        return f"held at the power limit, generator.power_limit_w = {generator.power_limit_w:g} W"
    return "the heat is carried away faster than the generator's limits let it be delivered"

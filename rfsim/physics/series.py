"""The time series of a run: their names and units, and the recorder that fills them.

One row at the start and one after every step; results files and sweeps store
them under the names of :data:`SERIES`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from rfsim.numerics.kernels import masked_max

if TYPE_CHECKING:
    from rfsim.physics.trackers import Step

SERIES = {  # name: unit
    "time_s": "s", "tip_temperature_c": "C", "set_point_c": "C", "voltage_v": "V", "current_a": "A",
    "power_w": "W", "impedance_ohm": "ohm", "max_tissue_temperature_c": "C", "lesion_index": "1",
}


class SeriesRecorder:
    """Records :data:`SERIES` at the start and after every step.

    The set point is NaN while the power is off, and so is the impedance (no
    current flows to measure it by).

    Parameters
    ----------
    sensor : tuple of int
        Index of the thermocouple cell.
    tissue : bool cell array
        Cells over which the maximum tissue temperature is taken.
    temperature_c : cell array
        Initial temperature (C).
    set_point_c : float
        Set point recorded at the start (C).
    """

    def __init__(self, sensor: tuple, tissue: np.ndarray, temperature_c: np.ndarray, set_point_c: float):
        self.sensor = sensor
        self.tissue = tissue
        self._tissue_flat = np.ascontiguousarray(tissue, dtype=bool).ravel()
        self.columns = {k: [] for k in SERIES}
        self._row(0.0, temperature_c, set_point_c, 0.0, None, 0)

    def _row(self, t_s, T, set_c, v, unit, lesion):
        g = unit.conductance_s if unit is not None else math.nan
        rec = self.columns
        rec["time_s"].append(t_s)
        rec["tip_temperature_c"].append(float(T[self.sensor]))
        rec["set_point_c"].append(set_c)
        rec["voltage_v"].append(v)
        rec["current_a"].append(v * g if unit is not None else 0.0)
        rec["power_w"].append(v * v * unit.power_per_v2 if unit is not None else 0.0)
        rec["impedance_ohm"].append(1.0 / g if unit is not None else math.nan)
        flat = T.ravel()
        rec["max_tissue_temperature_c"].append(masked_max(flat, flat, self._tissue_flat, False))
        rec["lesion_index"].append(lesion)

    def handle(self, step: Step):
        seg = step.segment
        self._row(step.t_s, step.temperature_new_c, seg.target(step.t_s) if seg.rf else math.nan,
                  math.sqrt(step.v2), step.unit, seg.lesion)

    def finalize(self) -> dict:
        """The series as float arrays, by name (units in :data:`SERIES`)."""
        return {k: np.asarray(v, dtype=float) for k, v in self.columns.items()}

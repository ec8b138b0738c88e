"""The time series recorder."""

import math
from types import SimpleNamespace

import numpy as np

from rfsim.physics.generator import Protocol
from rfsim.physics.series import SERIES, SeriesRecorder
from rfsim.physics.trackers import Step


def test_rows_at_the_start_with_the_power_on_and_off():
    sensor, tissue = (0,), np.array([False, True, True])
    T0 = np.full(3, 37.0)
    rec = SeriesRecorder(sensor, tissue, T0, 37.0)
    on, off = Protocol.clinical(1, cooling_s=5.0).segments(10.0, 37.0)
    unit = SimpleNamespace(conductance_s=0.01, power_per_v2=0.01)
    T1 = np.array([45.0, 50.0, 40.0])
    rec.handle(Step(1, 5.0, 5.0, None, T0, T1, None, on, unit, 16.0, ""))
    rec.handle(Step(2, 75.0, 5.0, None, T1, T0 + 1, None, off, None, 0.0, ""))
    s = rec.finalize()
    assert list(s) == list(SERIES)
    assert all(v.dtype == float and v.shape == (3,) for v in s.values())
    np.testing.assert_array_equal(s["time_s"], [0.0, 5.0, 75.0])
    np.testing.assert_array_equal(s["tip_temperature_c"], [37.0, 45.0, 38.0])
    np.testing.assert_array_equal(s["max_tissue_temperature_c"], [37.0, 50.0, 38.0])
    assert s["set_point_c"][0] == 37.0 and s["set_point_c"][1] == on.target(5.0) and math.isnan(s["set_point_c"][2])
    np.testing.assert_allclose(s["voltage_v"], [0.0, 4.0, 0.0])
    np.testing.assert_allclose(s["current_a"], [0.0, 0.04, 0.0])
    np.testing.assert_allclose(s["power_w"], [0.0, 0.16, 0.0])
    assert np.isnan(s["impedance_ohm"][[0, 2]]).all() and s["impedance_ohm"][1] == 100.0
    np.testing.assert_array_equal(s["lesion_index"], [0, 0, 0])

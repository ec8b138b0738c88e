"""Tests of rfsim.physics.plausibility on made-up time series: the set point
not reached, tissue above it, and an impossible answer."""

import math

import numpy as np
import pytest

from rfsim.errors import ImplausibleResultError
from rfsim.physics.generator import GeneratorSettings, Protocol
from rfsim.physics.plausibility import ABSURD_TISSUE_C, HOT_MARGIN_C, check_result


def series(tip, tissue, voltage=10.0, power=1.0, lesions=1):
    n = len(tip)
    return {"tip_temperature_c": np.array(tip, float), "max_tissue_temperature_c": np.array(tissue, float),
            "set_point_c": np.array([math.nan] + [80.0] * (n - 1)), "voltage_v": np.full(n, voltage),
            "power_w": np.full(n, power), "lesion_index": np.zeros(n)}


def test_a_run_at_its_set_point_has_nothing_to_say():
    assert check_result(series([37, 60, 80, 80], [37, 61, 80.7, 80.7]), Protocol(), GeneratorSettings()) == []


def test_a_set_point_not_reached_is_a_warning_naming_the_limit():
    w = check_result(series([37, 37.0, 37.0], [37, 37, 37], voltage=1e-6), Protocol(),
                     GeneratorSettings(voltage_limit_v=1e-6))
    assert len(w) == 1 and "lesion 1: the tip reached 37.0 C, not the set 80 C" in w[0]
    assert "generator.voltage_limit_v = 1e-06 V" in w[0]


def test_tissue_well_above_the_set_point_is_a_warning():
    hot = 80.0 + HOT_MARGIN_C + 5.0
    w = check_result(series([37, 80, 80], [37, 90, hot]), Protocol(), GeneratorSettings())
    assert len(w) == 1 and f"tissue reaches {hot:.1f} C, 15.0 C above the set point" in w[0]
    # from 100 C on, the boiling warning of predict and run speaks instead
    assert check_result(series([37, 80, 80], [37, 90, 150]), Protocol(), GeneratorSettings()) == []


def test_an_impossible_answer_is_an_error():
    with pytest.raises(ImplausibleResultError, match="2129 C under a set point of 80 C"):
        check_result(series([37, 80, 80], [37, 900, 2129]), Protocol(), GeneratorSettings())
    with pytest.raises(ImplausibleResultError):
        check_result(series([37, 80, 80], [37, 80, math.nan]), Protocol(), GeneratorSettings())
    check_result(series([37, 80, 80], [37, 80, ABSURD_TISSUE_C]), Protocol(), GeneratorSettings())

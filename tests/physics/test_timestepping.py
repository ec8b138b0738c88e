"""The step-size rule and the BDF2 time levels of the loop."""

import math

import numpy as np
import pytest

from rfsim.physics.timestepping import (FIRST_GROWTH, MAX_GROWTH, MIN_GROWTH, SAFETY, StepSizeRule, TimeLevels,
                                        on_ladder)

RULE = StepSizeRule(initial_s=0.05, max_s=4.0, tolerance_c=0.5)


@pytest.mark.parametrize("k", range(-3, 13))
def test_steps_on_the_ladder_stay_there_and_others_round_down(k):
    rung = 0.05 * math.sqrt(2.0) ** k
    assert on_ladder(rung, 0.05) == pytest.approx(rung, rel=1e-14)
    between = rung * 1.3  # below the next rung, sqrt(2) up
    assert on_ladder(between, 0.05) == pytest.approx(rung, rel=1e-14)


def test_fit_caps_the_step_and_lands_on_events_without_a_sliver():
    assert RULE.fit(1.0, 0.0, 10.0) == 1.0
    assert RULE.fit(1.0, 0.0, 10.0, cap_s=0.05) == 0.05
    assert RULE.fit(1.0, 2.0, 2.5) == 0.5  # cut short at the event
    assert RULE.fit(1.0, 2.0, 3.2) == pytest.approx(1.2)  # stretched: 0.2 s would be left
    assert RULE.fit(1.0, 2.0, 3.3) == 1.0  # 0.3 s left is no sliver


def levels_with_history(dt_prev):
    lv = TimeLevels(np.array([1.0, 2.0]))
    lv.T_prev, lv.dt_prev_s = np.array([0.0, 0.0]), dt_prev
    return lv


def test_growth_follows_the_error_estimate():
    assert RULE.growth(TimeLevels(np.zeros(2)), np.ones(2), 0.1) == FIRST_GROWTH  # no estimate yet
    lv = levels_with_history(1.0)
    extrapolated = np.array([2.0, 4.0])  # linear in time: no error
    assert RULE.growth(lv, extrapolated, 1.0) == MAX_GROWTH
    # an error of exactly the tolerance (estimate = deviation x w / (1 + 2 w), w = 1)
    assert RULE.growth(lv, extrapolated + 3 * RULE.tolerance_c, 1.0) == pytest.approx(SAFETY)
    assert RULE.growth(lv, extrapolated + 1e3, 1.0) == MIN_GROWTH


def test_next_step_is_on_the_ladder_and_at_most_the_largest():
    lv = levels_with_history(1.0)
    # doubled to 6 s, held at dt_max = 4 s, down to the rung below it: 0.05 s x 2^6
    assert RULE.next(lv, np.array([4.0, 8.0]), 3.0) == pytest.approx(3.2, rel=1e-14)
    dt = RULE.next(TimeLevels(np.zeros(2)), np.ones(2), 0.05)  # x 1.5, down to the rung below
    assert dt == pytest.approx(0.05 * math.sqrt(2.0))


def test_time_levels_move_on_and_restart():
    T0, T1 = np.zeros(3), np.ones(3)
    lv = TimeLevels(T0)
    assert lv.T_prev is None and lv.dt_prev_s is None and lv.guess is None
    lv.advance(T1, 0.5, None, 1.0)
    assert lv.T is T1 and lv.T_prev is T0 and lv.dt_prev_s == 0.5
    np.testing.assert_array_equal(lv.guess, 2.0 * (T1 - T0))  # the step's change, extrapolated
    inc = np.full(3, 0.25)
    lv.advance(T1 + 1, 1.0, inc, 0.5)
    np.testing.assert_array_equal(lv.guess, 0.5 * inc)  # the first solve's increment, extrapolated
    lv.restart()
    assert lv.T_prev is None and lv.dt_prev_s is None and lv.guess is None
    assert lv.T is not None

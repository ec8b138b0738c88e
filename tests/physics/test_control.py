"""Generator control objects of the loop (their closed-loop behaviour is in test_generator.py)."""

import math

import numpy as np
import pytest

from rfsim.physics.control import ExactControl, PIDControl, generator_control
from rfsim.physics.domain import MeshSettings, homogeneous
from rfsim.physics.electric import ElectricSolver
from rfsim.physics.electrode import Electrode
from rfsim.physics.generator import GeneratorSettings, Protocol
from rfsim.physics.heat import HeatSolver
from rfsim.physics.timestepping import TimeLevels
from rfsim.physics.tissue import tissue


@pytest.fixture(scope="module")
def parts():
    d = homogeneous(tissue("spinal_cord"), Electrode(), MeshSettings(growth=1.4))
    T = np.full(d.grid.shape, d.temperature_c)
    return d, HeatSolver(d), ElectricSolver(d).solve(T)


def test_mode_picks_the_control_and_its_step_limit(parts):
    d, heat, _ = parts
    exact = generator_control(GeneratorSettings(), heat, d.sensor)
    pid = generator_control(GeneratorSettings(mode="pid", control_period_s=0.1), heat, d.sensor)
    assert isinstance(exact, ExactControl) and exact.max_step_s == math.inf
    assert isinstance(pid, PIDControl) and pid.max_step_s == 0.1


def test_exact_control_puts_the_tip_on_the_set_point(parts):
    d, heat, unit = parts
    seg = Protocol().segments(10.0, d.temperature_c)[0]
    levels = TimeLevels(np.full(d.grid.shape, d.temperature_c))
    control = ExactControl(GeneratorSettings(), heat, d.sensor)
    perfused = np.ones(d.grid.shape, bool)
    T_new, v2, inc = control.step(levels, seg, 0.0, 1.0, unit, perfused, "")
    assert 0 < v2 < GeneratorSettings().max_v2(unit.power_per_v2)
    assert T_new[d.sensor] == pytest.approx(seg.target(1.0), abs=1e-9)
    # the increment is the step without Joule heat: Joule heat only warms
    assert (T_new >= levels.T + inc - 1e-12).all()


def test_pid_control_is_reset_at_each_segment(parts):
    d, heat, unit = parts
    seg = Protocol().segments(10.0, d.temperature_c)[0]
    settings = GeneratorSettings(mode="pid")
    perfused = np.ones(d.grid.shape, bool)
    hot = TimeLevels(np.full(d.grid.shape, d.temperature_c + 1.0))  # above the first set point
    cold = TimeLevels(np.full(d.grid.shape, d.temperature_c))

    def v2(control, levels, t):
        return control.step(levels, seg, t, 0.05, unit, perfused, "")[1]

    control = PIDControl(settings, heat, d.sensor)
    assert v2(control, hot, 0.0) == 0.0  # error < 0: the voltage is held at zero
    fresh = v2(PIDControl(settings, heat, d.sensor), cold, 5.0)
    assert v2(control, cold, 5.0) > 0 and v2(control, cold, 5.0) != fresh  # the integral carries on
    control.start_segment()
    assert v2(control, cold, 5.0) == fresh

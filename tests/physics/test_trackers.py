"""The trackers of the time loop: finiteness check, damage, heat balance."""

from types import SimpleNamespace

import numpy as np
import pytest

from rfsim.errors import NonFiniteError
from rfsim.physics.damage import DamageSettings, DamageState
from rfsim.physics.generator import Protocol
from rfsim.physics.trackers import DamageTracker, EnergyLedger, FinitenessCheck, Step, ends_lesion


def make_step(T_old, T_new, segment=None, unit=None, v2=0.0, dt=1.0, dt_prev=None, perfused=None):
    perfused = np.ones(T_new.shape, bool) if perfused is None else perfused
    return Step(3, 1.5, dt, dt_prev, T_old, T_new, perfused, segment, unit, v2, "at step 3, t = 1.5 s")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_finiteness_check_names_the_step(bad):
    T = np.full(4, 37.0)
    FinitenessCheck().handle(make_step(T, T + 1))
    T_bad = T.copy()
    T_bad[2] = bad
    with pytest.raises(NonFiniteError, match=r"temperature at step 3, t = 1.5 s is not finite"):
        FinitenessCheck().handle(make_step(T, T_bad))


def test_lesions_end_after_their_cooling_or_their_power():
    cooled = Protocol.clinical(2, cooling_s=10.0).segments(10.0, 37.0)
    assert [ends_lesion(s, cooled) for s in cooled] == [False, True, False, True]
    back_to_back = Protocol.clinical(2, cooling_s=0.0).segments(10.0, 37.0)
    assert [ends_lesion(s, back_to_back) for s in back_to_back] == [True, True]


@pytest.mark.parametrize("shutoff", [True, False])
def test_damage_tracker_keeps_each_lesion_and_stops_perfusion(shutoff):
    segments = Protocol.clinical(2, cooling_s=10.0).segments(10.0, 37.0)
    tracker = DamageTracker(DamageState((2,), 37.0, DamageSettings()), shutoff, segments)
    assert tracker.perfused().all()
    T0, T1 = np.full(2, 37.0), np.array([37.0, 90.0])
    tracker.handle(make_step(T0, T1, dt=60.0))
    assert tracker.state.coagulated().tolist() == [False, True]
    assert tracker.perfused().tolist() == ([True, False] if shutoff else [True, True])
    for s in segments:
        tracker.end_segment(s)
    assert len(tracker.after_lesion) == 2
    assert tracker.after_lesion[0] is not tracker.state
    np.testing.assert_array_equal(tracker.after_lesion[0].omega, tracker.state.omega)


def test_energy_ledger_balances_a_lossless_step():
    cap = np.array([1.0, 3.0])
    heat = SimpleNamespace(capacity=cap, boundary_loss=lambda T: 0.0, perfusion_loss=lambda T, perfused: 0.0,
                           content_change=lambda T_new, T: float((cap * (T_new - T)).sum()))
    T0, T1 = np.full(2, 37.0), np.full(2, 38.0)
    ledger = EnergyLedger(heat, T0)
    unit = SimpleNamespace(power_per_v2=0.5)
    ledger.handle(make_step(T0, T1, unit=unit, v2=4.0, dt=2.0))  # 2 W for 2 s into 4 J/K
    e = ledger.finalize(T1)
    assert list(e) == ["electrical", "boundary", "perfusion", "scheme_stored", "stored", "imbalance",
                       "scheme_imbalance"]
    assert e["electrical"] == 4.0 and e["stored"] == 4.0 and e["scheme_stored"] == 4.0
    assert e["imbalance"] == 0.0 and e["scheme_imbalance"] == 0.0

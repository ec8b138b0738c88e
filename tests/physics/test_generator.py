"""Generator control on the default electrode in a homogeneous cord-like block."""

import numpy as np
import pytest

from rfsim.physics.domain import MeshSettings, homogeneous
from rfsim.physics.electrode import Electrode
from rfsim.errors import ConfigError
from rfsim.physics.generator import GeneratorSettings, Lesion, Protocol
from rfsim.physics.simulation import simulate
from rfsim.physics.tissue import tissue


@pytest.fixture(scope="module")
def domain():
    return homogeneous(tissue("spinal_cord"), Electrode(), MeshSettings(growth=1.3))


def hold(series, after_s):
    rf = np.isfinite(series["set_point_c"])
    return rf & (series["time_s"] >= after_s)


def test_exact_mode_holds_set_point(domain):
    r = simulate(domain, Protocol((Lesion(80.0, 30.0),), cooling_s=5.0), GeneratorSettings(ramp_s=10.0))
    s = r.series
    h = hold(s, 10.0)
    assert h.sum() > 5
    assert np.abs(s["tip_temperature_c"][h] - 80.0).max() < 0.01
    # during the ramp the tip follows the set point too
    ramp = np.isfinite(s["set_point_c"]) & (s["time_s"] < 10.0)
    assert np.abs(s["tip_temperature_c"][ramp] - s["set_point_c"][ramp]).max() < 0.01
    # power off while cooling
    off = ~np.isfinite(s["set_point_c"])
    assert (s["power_w"][off][1:] == 0).all()


def test_pid_overshoots_then_settles(domain):
    g = GeneratorSettings(mode="pid")
    r = simulate(domain, Protocol((Lesion(80.0, 40.0),), cooling_s=0.0), g)
    s = r.series
    T = s["tip_temperature_c"]
    assert T[hold(s, 10.0)].max() > 80.2  # a real loop overshoots
    assert np.abs(T[hold(s, 30.0)] - 80.0).max() < 0.5
    assert np.diff(s["time_s"]).max() <= g.control_period_s + 1e-12


@pytest.mark.parametrize("mode", ["exact", "pid"])
def test_limits_are_honoured(domain, mode):
    g = GeneratorSettings(mode=mode, power_limit_w=0.15, voltage_limit_v=12.0)
    r = simulate(domain, Protocol((Lesion(80.0, 10.0),), cooling_s=0.0), g)
    s = r.series
    assert s["power_w"].max() <= 0.15 * (1 + 1e-9)
    assert s["voltage_v"].max() <= 12.0 * (1 + 1e-9)
    assert s["tip_temperature_c"].max() < 79.0  # too little power to reach the set point


def test_protocol_of_three_lesions_accumulates(domain):
    p = Protocol.clinical(3, duration_s=20.0, cooling_s=10.0)
    r = simulate(domain, p)
    assert len(r.after_lesion) == 3
    vols = [(st.lesion() & domain.tissue_mask).sum() for st in r.after_lesion]
    assert vols[0] > 0 and vols[0] <= vols[1] <= vols[2]
    assert set(np.unique(r.series["lesion_index"])) == {0, 1, 2}
    # every lesion's ramp starts from the tip's temperature (repeat lesions start warm),
    # and exact control tracks the set point throughout
    s = r.series
    rf = np.isfinite(s["set_point_c"])
    assert np.abs(s["tip_temperature_c"][rf] - s["set_point_c"][rf]).max() < 0.01
    assert np.isclose(r.series["time_s"][-1], 3 * (10 + 20 + 10))


@pytest.mark.parametrize("kw,key", [({"mode": "bang"}, "generator.mode"),
                                    ({"power_limit_w": 0.0}, "generator.power_limit_w"),
                                    ({"ramp_s": float("inf")}, "generator.ramp_s")])
def test_bad_generator_settings(kw, key):
    with pytest.raises(ConfigError, match=key):
        GeneratorSettings(**kw)


def test_bad_protocols():
    with pytest.raises(ConfigError, match="at least one lesion"):
        Protocol(())
    with pytest.raises(ConfigError, match="set_temperature_c"):
        Lesion(37.0, 60.0)
    with pytest.raises(ConfigError, match="duration_s"):
        Lesion(80.0, 601.0)


@pytest.mark.parametrize("temps, times, text", [
    ([80.0, 80.0, 80.0], [60.0, 60.0, 60.0], "3 x 80 C for 60 s"),
    ([80.0], [60.0], "1 x 80 C for 60 s"),
    ([70.0, 80.0, 90.0], [60.0, 60.0, 60.0], "70, 80, 90 C for 60 s each"),
    ([80.0, 80.0], [30.0, 60.0], "2 x 80 C for 30, 60 s"),
    ([70.0, 80.0], [30.0, 60.0], "70 C for 30 s, 80 C for 60 s"),
])
def test_a_protocol_in_words_names_every_set_point(temps, times, text):
    from rfsim.physics.generator import Lesion, Protocol, describe_protocol

    assert describe_protocol(temps, times) == text
    assert Protocol(tuple(Lesion(t, d) for t, d in zip(temps, times))).describe() == text

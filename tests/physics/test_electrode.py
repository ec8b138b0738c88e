"""Tests of rfsim.physics.electrode and of where rfsim.physics.domain puts the
electrode's thermocouple (the cell that controls the generator)."""

from dataclasses import replace

import numpy as np
import pytest

from rfsim.errors import ConfigError
from rfsim.physics.domain import MeshSettings, electrode_masks_axisymmetric, homogeneous
from rfsim.physics.electrode import THERMOCOUPLE_POSITIONS, Electrode
from rfsim.physics.generator import Lesion, Protocol
from rfsim.physics.simulation import simulate
from rfsim.physics.tissue import tissue

MESH = MeshSettings(growth=1.3)


def test_thermocouple_position_default_and_distance():
    assert Electrode().thermocouple_position == "tip_end" and Electrode().thermocouple_m == 0.0
    el = Electrode(0.7e-3, 5e-3, thermocouple_position="middle")
    assert el.thermocouple_m == pytest.approx(2.5e-3)
    assert Electrode.from_gauge(20, 10e-3, thermocouple_position="middle").thermocouple_m == pytest.approx(5e-3)


@pytest.mark.parametrize("bad", ["centre", "", 0.5, None])
def test_bad_thermocouple_position_names_the_key(bad):
    with pytest.raises(ConfigError) as e:
        Electrode(thermocouple_position=bad)
    msg = str(e.value)
    assert "electrode.thermocouple_position" in msg and ", ".join(THERMOCOUPLE_POSITIONS) in msg
    assert "\n" not in msg


def test_default_thermocouple_cell_is_the_first_metal_cell_on_the_axis():
    """Unchanged by default: the rule before the position became a setting."""
    d = homogeneous(tissue("spinal_cord"), Electrode(), MESH)
    zc = d.grid.centers[2]
    assert d.sensor == (0, 0, int(np.argmax(zc > 0.0)))


def test_middle_thermocouple_sits_half_way_up_the_exposed_tip():
    el = Electrode(thermocouple_position="middle")
    d = homogeneous(tissue("spinal_cord"), el, MESH)
    zc = d.grid.centers[2]
    k = d.sensor[2]
    assert d.sensor[:2] == (0, 0) and d.exposed[d.sensor]
    # the exposed cell whose centre is nearest L / 2
    assert abs(zc[k] - 0.5 * el.tip_length_m) == pytest.approx(np.abs(zc[d.exposed[0, 0]] - 0.5 * el.tip_length_m).min())
    assert d.sensor != homogeneous(tissue("spinal_cord"), Electrode(), MESH).sensor


def test_thermocouple_away_from_the_hottest_point_gives_a_larger_lesion():
    """The generator holds its thermocouple at the set point.  In the tip-end
    run the middle of the tip is cooler than the set point, so a thermocouple
    there asks for more power: the tip end then runs hotter than the set point
    and the lesion is larger."""
    set_c, prot = 80.0, Protocol((Lesion(80.0, 30.0),))
    out = {}
    for pos in THERMOCOUPLE_POSITIONS:
        d = homogeneous(tissue("spinal_cord").with_(perfusion_ml_per_min_kg=0.0),
                        Electrode(thermocouple_position=pos), MESH)
        out[pos] = (d, simulate(d, prot))
    (d_end, r_end), (d_mid, r_mid) = out["tip_end"], out["middle"]
    mid_cell = d_mid.sensor
    assert r_end.damage.tpeak[mid_cell] < set_c - 0.5  # the middle is cooler than the tip end
    assert r_mid.damage.tpeak[mid_cell] == pytest.approx(set_c, abs=0.1)
    assert r_mid.damage.tpeak[d_end.sensor] > set_c + 0.5
    lesion = [np.sum((r.damage.criterion() >= 0) * d.grid.volume * ~d.metal) for d, r in (out["tip_end"], out["middle"])]
    assert lesion[1] > lesion[0]


def test_masks_follow_the_electrode_without_a_domain():
    g = homogeneous(tissue("spinal_cord"), Electrode(), MESH).grid
    for pos in THERMOCOUPLE_POSITIONS:
        el = replace(Electrode(), thermocouple_position=pos)
        metal, exposed, sensor = electrode_masks_axisymmetric(g, el)
        assert metal[sensor] and exposed[sensor]

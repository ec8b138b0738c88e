"""Tests of rfsim.cordotomy.placement: the surgeon's placement, its defaults, and
the needle path that validates it in the anatomy."""

import math

import numpy as np
import pytest

from rfsim.anatomy.parametric import load_parametric
from rfsim.cordotomy.placement import Placement, needle_path
from rfsim.errors import ConfigError


@pytest.fixture(scope="module")
def anat():
    return load_parametric()


def test_defaults():
    leg, arm = Placement.default("leg"), Placement.default("arm")
    assert leg.offset_m == pytest.approx(1.5e-3) and arm.offset_m == pytest.approx(2.5e-3)
    assert leg.electrode.diameter_m == pytest.approx(0.40e-3)
    assert leg.electrode.tip_length_m == pytest.approx(2e-3)
    assert leg.tilt_deg == (0.0, 0.0)


def test_needle_geometry(anat):
    p = Placement.default("leg")
    n = needle_path(anat, p)
    assert n.entry_m[1] == pytest.approx(anat.dentate_m[1] + 1.5e-3)
    assert n.direction == pytest.approx((1.0, 0.0, 0.0))
    assert math.dist(n.tip_m, n.entry_m) == pytest.approx(p.depth_m)
    # the entry is on the outer pial surface
    ex, ey = n.entry_m[:2]
    assert anat.outline.contains(ex - 2e-6, ey, anat.pia_thickness_m)
    assert not anat.outline.contains(ex + 2e-6, ey, anat.pia_thickness_m)
    assert anat.outline.contains(n.tip_m[0], n.tip_m[1]) and n.tip_m[0] > 0
    # the default leg placement reaches the spinothalamic tract
    pts = n.point(np.linspace(0, n.tip_length_m, 21))
    assert anat.regions["lateral_spinothalamic"].sample(pts[0], pts[1]).mean() > 0.5


def test_tilt_moves_the_tip(anat):
    p = Placement.from_mm(depth_mm=2.0, tilt_deg=(10.0, 5.0))
    n = needle_path(anat, p)
    assert n.tip_m[2] == pytest.approx(2e-3 * math.sin(math.radians(10)))
    assert n.tip_m[1] > n.entry_m[1]  # positive in-plane tilt heads anterior
    assert np.linalg.norm(n.direction) == pytest.approx(1.0)


@pytest.mark.parametrize("kw,key,words", [
    (dict(depth_mm=0.0), "depth_mm", "past the pia"),
    (dict(depth_mm=-1.0), "depth_mm", "past the pia"),
    (dict(depth_mm=7.0), "depth_mm", "midline"),
    (dict(depth_mm=0.03), "depth_mm", "outside the cord"),
    (dict(tilt_deg=(30.0, 0.0)), "tilt_deg[cranio_caudal]", "bone"),
    (dict(tilt_deg=(0.0, 40.0)), "tilt_deg[in_plane]", "bone"),
    (dict(offset_mm=5.0), "offset_mm", "misses the cord"),
    (dict(target="foot"), "target", "leg"),
    (dict(side="up"), "side", "right"),
])
def test_rejected_placements(anat, kw, key, words):
    with pytest.raises(ConfigError) as e:
        needle_path(anat, Placement.from_mm(**kw))
    assert e.value.key == key
    assert words in str(e.value)


def test_tip_beyond_far_surface_near_the_front(anat):
    # a steep in-plane tilt near the anterior surface leaves the cord before the midline
    off = 3.0 - anat.dentate_m[1] * 1e3  # enters at y = 3 mm, 0.9 mm below the front
    needle_path(anat, Placement.from_mm(offset_mm=off, depth_mm=1.5, tilt_deg=(0.0, 15.0)))
    with pytest.raises(ConfigError, match="beyond its far surface"):
        needle_path(anat, Placement.from_mm(offset_mm=off, depth_mm=4.0, tilt_deg=(0.0, 15.0)))
    with pytest.raises(ConfigError, match="misses the cord"):  # heads out of the cord at once
        needle_path(anat, Placement.from_mm(offset_mm=off, depth_mm=1.0, tilt_deg=(0.0, 29.0)))


def test_side_must_match(anat):
    with pytest.raises(ConfigError, match="side"):
        needle_path(anat, Placement.from_mm(side="left"))


def test_missing_the_target_is_not_an_error(anat):
    n = needle_path(anat, Placement.from_mm(offset_mm=-1.5, depth_mm=2.0))  # through the corticospinal tract
    assert anat.regions["lateral_corticospinal"].sample(n.tip_m[0], n.tip_m[1]) == 1.0


def test_from_mm_takes_the_electrode_itself():
    from rfsim.physics.electrode import Electrode
    from rfsim.physics.tissue import Metal

    el = Electrode(0.5e-3, 3e-3, Metal(k_w_per_m_k=20.0))
    p = Placement.from_mm(target="arm", electrode=el)
    assert p.electrode is el
    assert (p.offset_m, p.depth_m) == (pytest.approx(2.5e-3), pytest.approx(3.0e-3))
    with pytest.raises(ConfigError, match="not both"):
        Placement.from_mm(electrode=el, tip_mm=2.0)
    with pytest.raises(ConfigError) as e:
        Placement.from_mm(offset_mm="near")
    assert e.value.key == "offset_mm"


@pytest.mark.parametrize("kw,key,words", [
    (dict(offset_mm=7.0), "offset_mm", "[-4, 6] mm anterior to the dentate ligament"),
    (dict(depth_mm=0.0), "depth_mm", "(0, 12] mm past the pia"),
    (dict(tilt_deg=(70.0, 0.0)), "tilt_deg[cranio_caudal]", "[-60, 60] deg"),
])
def test_out_of_range_messages_name_the_key_range_and_unit(kw, key, words):
    with pytest.raises(ConfigError) as e:
        Placement.from_mm(**kw)
    assert e.value.key == key and words in str(e.value)


def test_docs_state_the_code_defaults():
    """docs/anatomy.md states the default offset and depth of the code's tables."""
    from pathlib import Path

    from rfsim.cordotomy.placement import DEFAULT_DEPTH_MM, DEFAULT_OFFSET_MM

    doc = (Path(__file__).resolve().parents[2] / "docs" / "anatomy.md").read_text()
    for table in (DEFAULT_OFFSET_MM, DEFAULT_DEPTH_MM):
        assert f"leg {table['leg']:g} mm, arm {table['arm']:g} mm" in doc

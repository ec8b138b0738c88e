"""Tests of rfsim.cordotomy.placement: surgeon's placement, validation, rasterisation."""

import math
import time

import numpy as np
import pytest

from rfsim.anatomy.model import load_parametric
from rfsim.physics.domain import MeshSettings
from rfsim.errors import ConfigError
from rfsim.cordotomy.placement import (Placement, axisymmetric_domain, axisymmetric_layers, cartesian_domain,
                             needle_path)


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


def test_axisymmetric_layers(anat):
    # the default leg needle, continued medially, meets the ventral horn ~1 mm past the tip
    layers = axisymmetric_layers(anat, Placement.default("leg"))
    names = [t.name for _, t in layers]
    assert names == ["grey_matter", "white_matter", "pia", "csf", "dura", "muscle"]
    assert -1.5e-3 < layers[0][0] < 0.0
    front = axisymmetric_layers(anat, Placement.from_mm(offset_mm=2.9, depth_mm=2.0))  # ventral funiculus only
    assert [t.name for _, t in front] == names[1:]
    layers = layers[1:]
    z = [zt for zt, _ in layers]
    assert np.all(np.diff(z[:-1]) > 0) and z[-1] == math.inf
    p = Placement.default("leg")
    assert z[1] == pytest.approx(p.depth_m, abs=3e-6)  # pia outer surface at the stated depth
    n = needle_path(anat, p)
    # CSF: from the pia to the dura along y = entry height
    a_in, b_in = anat.dura_inner_semi_axes_m
    x_dura = a_in * math.sqrt(1 - (n.entry_m[1] / b_in) ** 2)
    assert z[2] - z[1] == pytest.approx(x_dura - n.entry_m[0], abs=3e-6)
    assert z[3] - z[2] == pytest.approx(anat.dura_thickness_m, rel=0.05)
    deep = axisymmetric_layers(anat, Placement.from_mm(depth_mm=3.5))  # tip in the ventral horn
    assert deep[0][1].name == "grey_matter" and deep[0][0] > 0
    d = axisymmetric_domain(anat, Placement.default("leg"))
    assert set(d.names) == set(names)


def test_cartesian_domain(anat):
    p = Placement.default("leg")
    t0 = time.perf_counter()
    d = cartesian_domain(anat, p, half_length_m=5e-3)
    elapsed = time.perf_counter() - t0
    g = d.grid
    assert elapsed < 5.0
    assert g.open_sides == (True, True, True, True, False, False)
    # cord volume: area x length (cells outside the metal)
    cord = np.isin(d.label, [d.names.index("white_matter"), d.names.index("grey_matter")])
    vol = (g.volume * cord).sum()
    assert vol == pytest.approx(anat.cord_area_m2 * 10e-3, rel=0.03)
    # electrode: exposed volume ~ pi a^2 L, metal reaches the lateral boundary
    a, L = p.electrode.radius_m, p.electrode.tip_length_m
    assert (g.volume * d.exposed).sum() == pytest.approx(math.pi * a * a * L, rel=0.25)
    assert d.metal[-1].any() and not d.metal[0].any()
    assert d.metal[d.sensor]
    n = needle_path(anat, p)
    assert abs(g.centers[0][d.sensor[0]] - n.tip_m[0]) < 0.1e-3


def test_cartesian_rasterisation_is_fast_for_a_million_cells(anat):
    mesh = MeshSettings(min_cell_m=30e-6, interface_cell_m=60e-6, growth=1.12, max_cell_m=1.5e-3, extent_m=20e-3)
    t0 = time.perf_counter()
    d = cartesian_domain(anat, Placement.default("leg"), mesh, half_length_m=10e-3)
    elapsed = time.perf_counter() - t0
    assert d.grid.ncells > 5e5
    assert elapsed < 15.0

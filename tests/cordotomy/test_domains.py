"""Tests of rfsim.cordotomy.domains: the layers met along the needle, and the
axisymmetric and 3-D domains of a placement."""

import math
import time

import numpy as np
import pytest

from rfsim.anatomy.parametric import load_parametric
from rfsim.cordotomy.domains import axisymmetric_domain, axisymmetric_layers, cartesian_domain
from rfsim.cordotomy.placement import Placement, needle_path
from rfsim.physics.domain import MeshSettings


@pytest.fixture(scope="module")
def anat():
    return load_parametric()


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


def test_layers_are_kept_per_needle_line_and_take_tissue_overrides(monkeypatch):
    """A second call at the same needle line reads the layers kept on the
    anatomy (no sampling along the needle), with that call's own tissues."""
    from dataclasses import replace

    from rfsim.physics.tissue import tissue

    anat = load_parametric(csf_gap_mm=5.0)  # a fresh anatomy: nothing kept yet
    p = Placement.default("leg")
    first = axisymmetric_layers(anat, p)
    wetter = replace(tissue("csf"), sigma_s_per_m=2.5)
    monkeypatch.setattr(type(anat), "tissue_weights", None)  # sampling the anatomy again would now fail
    again = axisymmetric_layers(anat, p, tissues={"csf": wetter})
    assert [z for z, _ in again] == [z for z, _ in first]
    assert [t for _, t in again if t.name == "csf"] == [wetter]
    assert [t for _, t in first if t.name == "csf"] == [tissue("csf")]
    with pytest.raises(TypeError):  # another needle line samples the anatomy
        axisymmetric_layers(anat, Placement.from_mm(depth_mm=3.0))


def test_cartesian_thermocouple_follows_the_electrode_setting(anat):
    """The 3-D thermocouple cell: by default the metal cell nearest the tip end
    along the needle (the rule before the position became a setting); with
    ``thermocouple_position = "middle"`` the metal cell nearest half way up the
    exposed tip."""
    from dataclasses import replace

    p = Placement.default("leg")
    n = needle_path(anat, p)
    L = p.electrode.tip_length_m
    sensors = {}
    for pos in ("tip_end", "middle"):
        pp = replace(p, electrode=replace(p.electrode, thermocouple_position=pos))
        d = cartesian_domain(anat, pp, half_length_m=5e-3)
        xc, yc, zc = d.grid.centers
        X, Y, Z = np.meshgrid(xc, yc, zc, indexing="ij")
        s = sum((c - t) * u for c, t, u in zip((X, Y, Z), n.tip_m, n.direction))
        assert d.metal[d.sensor]
        if pos == "tip_end":
            assert d.sensor == np.unravel_index(int(np.argmin(np.where(d.metal, s, np.inf))), d.grid.shape)
        else:
            h = max(np.diff(d.grid.edges[a])[d.sensor[a]] for a in range(3))
            assert abs(s[d.sensor] - 0.5 * L) <= h and d.exposed[d.sensor]
        sensors[pos] = d.sensor
    assert sensors["tip_end"] != sensors["middle"]


def test_layers_labelled_block_by_block_equal_the_whole_line_labelled():
    """_layer_tops labels the needle line only as far as its walks go
    (_LabelsAlong); the layers are those of the whole line labelled at once,
    to the last bit, for cords, displacements, sides and placements drawn at
    random (placements the anatomy refuses are skipped), whatever the block."""
    from rfsim.cordotomy.domains import _layer_tops
    from rfsim.errors import ConfigError

    rng = np.random.default_rng(3)
    compared = 0
    for i in range(12):
        an = load_parametric(ap_mm=rng.uniform(7.0, 11.4), rl_mm=rng.uniform(9.0, 14.0),
                             displacement_mm=rng.uniform(0.0, 2.5), side=("right", "left")[i % 2])
        try:
            pl = Placement.from_mm(side=an.side, target="leg", offset_mm=rng.uniform(-2.0, 3.0),
                                   depth_mm=rng.uniform(0.5, 4.0), tilt_deg=(0.0, 0.0))
            path = needle_path(an, pl)
        except ConfigError:
            continue
        whole = _layer_tops(an, path, pl, block=10**9)
        assert _layer_tops(an, path, pl) == whole
        assert _layer_tops(an, path, pl, block=7) == whole
        compared += 1
    assert compared >= 6

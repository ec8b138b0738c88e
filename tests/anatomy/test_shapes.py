"""Tests of rfsim.anatomy.shapes: membership of the reference-cord shapes, the
outline's area, and band limits that split a region by area."""

import importlib.util
import math

import numpy as np
import pytest

from rfsim.anatomy.shapes import (BandRegion, Ellipse, Outline, Polygon, Sector, ShapeRegion, SplitRegion,
                                  band_limits)


def test_shape_membership():
    u, v = np.array([0.5, 1.5, 0.5, -0.5]), np.array([0.5, 0.5, 1.5, 0.5])
    square = Polygon(((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)))
    assert square.contains(u, v).tolist() == [True, False, False, False]
    tilted = Ellipse((0.0, 0.0), (2.0, 0.5), 90.0)  # long axis along v
    assert tilted.contains(np.array([0.0, 0.0]), np.array([1.9, -2.1])).tolist() == [True, False]
    # the anterior-lateral quadrant of an a x b ellipse, between rho 0.5 and 1
    s = Sector((0.0, 90.0), (0.5, 1.0))
    a, b = 5.0, 4.0
    assert s.contains(np.array([3.0, 1.0, 3.0]), np.array([2.0, 1.0, -2.0]), a, b).tolist() == [True, False, False]


def test_outline_of_an_ellipse():
    o = Outline.ellipse(5e-3, 4e-3)
    assert o.area_m2 == pytest.approx(math.pi * 5e-3 * 4e-3, rel=1e-4)
    assert o.radius(0.0) == pytest.approx(5e-3) and o.radius(math.pi / 2) == pytest.approx(4e-3)
    assert o.contains(np.array([4.9e-3, 5.1e-3]), np.zeros(2)).tolist() == [True, False]
    assert o.contains(5.05e-3, 0.0, grow_m=0.1e-3)


def test_band_limits_split_by_area():
    """A disc split along +x into halves: the limit is its centre line; the two
    bands are disjoint, cover it, and have equal areas."""
    o = Outline.ellipse(2e-3, 2e-3)
    disc = ShapeRegion("disc", (Ellipse((0.0, 0.0), (2.0, 2.0), 0.0),), (1.0, 1.0), (2.0, 2.0), o,
                       both_sides=True)
    lim = band_limits(disc, 0.0, [0.5, 0.5], (-2.1e-3, 2.1e-3, -2.1e-3, 2.1e-3))
    assert lim[0] == -np.inf and lim[-1] == np.inf and lim[1] == pytest.approx(0.0, abs=2e-5)
    x = np.linspace(-2e-3, 2e-3, 201)
    X, Y = np.meshgrid(x, x, indexing="ij")
    halves = [BandRegion(f"b{i}", disc, 0.0, lim[i], lim[i + 1]).sample(X, Y) for i in range(2)]
    assert np.array_equal(halves[0] + halves[1], disc.sample(X, Y))
    assert halves[0].sum() == pytest.approx(halves[1].sum(), rel=0.02)
    front = SplitRegion("front", disc, 0.0, np.inf).sample(X, Y)
    assert front.sum() == pytest.approx(halves[0].sum(), rel=0.02) and front[Y < 0].max() == 0.0


def _anatomies():
    from rfsim.anatomy.parametric import load_parametric

    yield load_parametric(ap_mm=7.6, rl_mm=12.3, displacement_mm=1.0)
    from sct_folders import PAM50

    if PAM50.is_dir() and importlib.util.find_spec("nibabel"):
        from rfsim.anatomy.pam50 import load_pam50

        yield load_pam50(PAM50, ap_mm=8.4, rl_mm=11.0, side="left")


def test_regions_sampled_together_equal_each_sampled_alone():
    """region_fractions samples every region at one set of Points, which share
    their parts (a tract's exclusions, the outline, the grey matter of both
    sides): the numbers are those of each region sampled on its own."""
    x, y = np.linspace(-7e-3, 7e-3, 43), np.linspace(-5.5e-3, 5.5e-3, 37)
    for anatomy in _anatomies():
        together = anatomy.region_fractions(x, y, n_sub=2)
        assert set(together) == set(anatomy.regions)
        for name, f in together.items():
            alone = anatomy.region_fractions(x, y, names=[name], n_sub=2)[name]
            assert np.array_equal(f, alone), (anatomy.source, name)
            assert 0 < f.sum() and f.max() <= 1.0, (anatomy.source, name)


def test_a_region_sampled_alone_equals_it_sampled_with_every_test_everywhere():
    """ShapeRegion.sample (a zone's limits, an area) tests the cord outline
    and the regions a tract excludes only where its own shapes hold; the
    values are those of every test made at every point (sample_at), to the
    last bit, on a fine grid over the cord of each anatomy."""
    from rfsim.anatomy.shapes import Points

    X, Y = np.meshgrid(np.arange(-6e-3, 6e-3, 23e-6), np.arange(-5e-3, 5e-3, 19e-6), indexing="ij")
    tested = 0
    for anatomy in _anatomies():
        for name, r in anatomy.regions.items():
            if isinstance(r, ShapeRegion):
                alone = r.sample(X, Y)
                assert np.array_equal(alone, r.sample_at(Points(X, Y))), name
                assert alone.any(), name
                tested += 1
    assert tested >= 8


@pytest.mark.parametrize("dtype", [float, np.float32, bool])
def test_one_subsample_per_cell_is_its_own_mean(dtype, rng):
    """region_fractions with n_sub = 1 (the metrics raster) takes each point's
    membership as its cell's fraction without averaging: the mean of one
    value, in the dtype mean gives; each region's array is its own."""
    from rfsim.anatomy.cross_section import Anatomy

    v = (rng.random((5, 6)) < 0.5) if dtype is bool else rng.random((5, 6)).astype(dtype)
    mean = v.reshape(5, 1, 6, 1).mean(axis=(-3, -1))
    one = Anatomy._average(v, 5, 6, 1)
    assert one.dtype == mean.dtype and np.array_equal(one, mean)
    for anatomy in _anatomies():
        fr = anatomy.region_fractions(np.linspace(-7e-3, 7e-3, 43), np.linspace(-5.5e-3, 5.5e-3, 37), n_sub=1)
        arrays = list(fr.values())
        assert not any(np.shares_memory(a, b) for i, a in enumerate(arrays) for b in arrays[i + 1:])

import numpy as np
import pytest

from rfsim.numerics.grid import axisymmetric_grid, cartesian_grid, graded_edges


def test_graded_edges_hit_breakpoints_and_grade_smoothly():
    e = graded_edges([0.0, 2e-4, 40e-3], [(2e-4, 20e-6)], growth=1.15, h_max=2e-3)
    assert e[0] == 0.0 and e[-1] == 40e-3 and 2e-4 in e
    w = np.diff(e)
    assert w.min() <= 20e-6 * 1.001
    assert w.max() <= 2e-3 * 1.001
    ratio = w[1:] / w[:-1]
    assert ratio.max() < 1.2 and ratio.min() > 1 / 1.2


def test_refine_halves_cells():
    kw = dict(breakpoints=[0, 1e-3, 1e-2], anchors=[(1e-3, 1e-5)], growth=1.2, h_max=1e-3)
    n1 = len(graded_edges(**kw)) - 1
    n2 = len(graded_edges(**kw, refine=2)) - 1
    assert 1.8 < n2 / n1 < 2.2


def test_axisymmetric_volumes_and_areas():
    r = np.array([0.0, 1.0, 3.0])
    z = np.array([0.0, 2.0, 5.0])
    g = axisymmetric_grid(r, z)
    assert g.shape == (2, 1, 2)
    assert np.isclose(g.volume.sum(), np.pi * 9 * 5)
    # radial faces: 2 pi r dz; the axis face has zero area
    assert np.allclose(g.area[0][:, 0, 1], [0.0, 2 * np.pi * 1 * 3, 2 * np.pi * 3 * 3])
    assert np.allclose(g.area[2][:, 0, 0], [np.pi, np.pi * 8])
    assert not g.area[1].any()
    assert g.open_sides == (False, True, False, False, True, True)


def test_cartesian_volumes_and_areas():
    g = cartesian_grid([0, 1, 3], [0, 2], [0, 1, 2, 4])
    assert np.isclose(g.volume.sum(), 3 * 2 * 4)
    assert np.allclose(g.area[0][:, 0, 2], 2 * 2)
    assert g.area[0].shape == (3, 1, 3)


def test_grid_is_immutable():
    g = cartesian_grid([0, 1], [0, 1], [0, 1])
    with pytest.raises(ValueError):
        g.volume[0, 0, 0] = 2.0
    with pytest.raises(AttributeError):
        g.geometry = "axisymmetric"


def test_bad_edges_rejected():
    with pytest.raises(ValueError):
        cartesian_grid([0, 1, 1], [0, 1], [0, 1])
    with pytest.raises(ValueError):
        axisymmetric_grid([0.1, 1], [0, 1])

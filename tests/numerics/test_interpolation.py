"""The needle interpolation kernel against its NumPy twin."""

import numpy as np
import pytest

from rfsim.numerics.interpolation import needle_bilinear, needle_bilinear_np


@pytest.mark.parametrize("order", ["raster", "shuffled"])
def test_needle_bilinear_is_its_twin_to_the_bit(order, rng):
    """Points on a raster plane (the walk from the last interval takes a step
    or two) and the same points in random order (it walks far), inside the grid
    and beyond it on every side, and on the centres themselves."""
    rc = np.cumsum(rng.uniform(0.5e-5, 4e-5, 30))
    zc = np.cumsum(rng.uniform(0.5e-5, 4e-5, 60)) - 1.2e-3
    f = rng.normal(size=(rc.size, zc.size))
    tip = np.array([0.3e-3, -0.2e-3, 0.1e-3])
    d = np.array([0.8, 0.6, 0.0])
    x, y = np.meshgrid(np.linspace(-2e-3, 2e-3, 41), np.linspace(-2e-3, 2e-3, 37), indexing="ij")
    x, y = x.ravel(), y.ravel()
    z = np.full_like(x, 0.25e-3)
    # points whose rho or s falls exactly on a centre: the interval boundary case
    s_on, rho_on = zc[[0, 7, 30, -1]], rc[[0, 3, 12, -1]]
    u = np.array([-d[1], d[0], 0.0])  # across the needle, in the plane z = tip z
    on = tip[:, None] + np.outer(d, np.repeat(s_on, 4)) + np.outer(u, np.tile(rho_on, 4))
    x, y, z = np.concatenate([x, on[0]]), np.concatenate([y, on[1]]), np.concatenate([z, on[2]])
    if order == "shuffled":
        p = rng.permutation(x.size)
        x, y, z = x[p], y[p], z[p]
    fast, ref = np.empty(x.size), np.empty(x.size)
    needle_bilinear(f, rc, zc, tip, d, x, y, z, fast)
    needle_bilinear_np(f, rc, zc, tip, d, x, y, z, ref)
    assert np.array_equal(fast, ref)
    # both sides of the grid in rho and s are reached, so the clipping is exercised
    s = (x - tip[0]) * d[0] + (y - tip[1]) * d[1] + (z - tip[2]) * d[2]
    assert s.min() < zc[0] and s.max() > zc[-1]
    assert np.hypot(x - tip[0] - s * d[0], y - tip[1] - s * d[1]).max() > rc[-1]
    assert np.ptp(fast) > 0

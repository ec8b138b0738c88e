"""The compiled ellipse test against its NumPy twin (to the last bit)."""

import math

import numpy as np
import pytest

from rfsim.numerics.shapes import in_ellipse, in_ellipse_np


@pytest.mark.parametrize("angle_deg", [0.0, 30.0, 119.0, -90.0])
def test_in_ellipse_matches_its_twin(angle_deg, rng):
    u, v = rng.uniform(-3, 3, 20_000), rng.uniform(-3, 3, 20_000)
    args = (u, v, 0.4, -0.2, math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg)), 1.7, 0.6)
    out, twin = np.empty(u.size, bool), np.empty(u.size, bool)
    in_ellipse(*args, out)
    in_ellipse_np(*args, twin)
    assert np.array_equal(out, twin)
    assert 0 < out.sum() < u.size  # both sides of the boundary were tested


def _periodic_cases(rng):
    """Angles (rad) at which a periodic table is read: random, in order (as
    a raster's rows give them), at the table's points and their neighbours,
    at multiples of the period and its ends, far outside, and NaN."""
    phi = np.linspace(-np.pi, np.pi, 1440, endpoint=False)
    near = np.concatenate([phi, np.nextafter(phi, np.inf), np.nextafter(phi, -np.inf)])
    special = np.array([0.0, -0.0, np.pi, -np.pi, 2 * np.pi, -2 * np.pi, 1e-300, -1e-300, 7.5e3, -3e5,
                        np.nextafter(np.pi, 0), np.nextafter(-np.pi, 0), np.nan, np.inf, -np.inf])
    return phi, [rng.uniform(-4, 4, 50_000), np.sort(rng.uniform(-np.pi, np.pi, 5_000)),
                 np.arctan2(*np.meshgrid(np.linspace(-5, 5, 201), np.linspace(-6, 6, 241))).ravel(), near, special]


def test_periodic_interp_is_np_interp_with_a_period(rng):
    """periodic_interp on periodic_table's table gives np.interp(period=) to the
    last bit: an ellipse's radius table (the parametric cord), a jagged one (a
    patient's outline), and one given out of order with a repeated angle."""
    from rfsim.numerics.shapes import periodic_interp, periodic_table

    phi, cases = _periodic_cases(rng)
    a, b = 5.5e-3, 4.0e-3
    tables = [(phi, a * b / np.hypot(b * np.cos(phi), a * np.sin(phi))),
              (phi, 4e-3 + 1e-4 * rng.standard_normal(phi.size)),
              (np.concatenate([phi[::-1], [0.3, 0.3]]), rng.uniform(3e-3, 6e-3, phi.size + 2))]
    for xp, fp in tables:
        ext = periodic_table(xp, fp, 2 * np.pi)
        for x in cases:
            out = np.empty(x.size)
            periodic_interp(x, *ext, 2 * np.pi, out)
            with np.errstate(invalid="ignore"):  # inf % period
                twin = np.interp(x, xp, fp, period=2 * np.pi)
            assert np.array_equal(out.view(np.int64), twin.view(np.int64))  # every bit, NaN and -0.0 too

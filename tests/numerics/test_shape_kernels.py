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

"""Heat stepper: the variable-step BDF2 coefficients.  The analytic spheres are in
tests/verification/test_analytic_heat.py, the order in time in
tests/verification/test_convergence.py."""

import numpy as np

from rfsim.physics.heat import bdf2_coefficients


def test_bdf2_coefficients_are_consistent():
    for w in (0.5, 1.0, 1.7):
        a0, a1, a2 = bdf2_coefficients(w, 1.0)
        assert np.isclose(a0 - a1 + a2, 0.0)  # constants are steady
        # exact on t^2: a0 t1^2 - a1 t0^2 + a2 tm^2 = dt * 2 t1 with t1 = 0 + w, t0 = 0, tm = -1
        assert np.isclose(a0 * w * w + a2 * 1.0, w * 2 * w)

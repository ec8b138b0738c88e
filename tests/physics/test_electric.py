"""Electric solver: conductivity against temperature.  The analytic sphere and spheroid
and the conservation checks are in tests/verification/test_analytic_electric.py."""

import numpy as np

from conftest import sphere_domain
from rfsim.physics.electric import ElectricSolver


def test_conductivity_rises_with_temperature():
    from rfsim.physics.tissue import Tissue

    d = sphere_domain(tissue=Tissue("m", 0.5, 0.5, 1e3, 4e3, sigma_temp_coeff_per_c=0.02), extent=0.05)
    es = ElectricSolver(d)
    z37 = es.solve(np.full(d.grid.shape, 37.0)).impedance_ohm
    z47 = es.solve(np.full(d.grid.shape, 47.0)).impedance_ohm
    assert abs(z37 / z47 - 1.2) < 1e-6  # sigma x (1 + 0.02 x 10) everywhere

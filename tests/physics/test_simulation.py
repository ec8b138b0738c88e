import numpy as np
import pytest

from rfsim.physics.domain import MeshSettings, homogeneous
from rfsim.physics.electrode import Electrode
from rfsim.errors import ConvergenceError, NonFiniteError
from rfsim.physics.generator import Lesion, Protocol
from rfsim.physics.heat import HeatSolver
from rfsim.physics.simulation import NumericsSettings, simulate
from rfsim.physics.tissue import tissue


def test_nan_in_a_field_raises_a_named_error(monkeypatch):
    d = homogeneous(tissue("spinal_cord"), Electrode(), MeshSettings(growth=1.4))
    real = HeatSolver.step
    calls = {"n": 0}

    def poisoned(self, *a, **k):
        T, R = real(self, *a, **k)
        calls["n"] += 1
        if calls["n"] == 3:
            T = T.copy()
            T[0, 0, 0] = np.nan
        return T, R

    monkeypatch.setattr(HeatSolver, "step", poisoned)
    with pytest.raises(NonFiniteError, match=r"step 3, t = "):
        simulate(d, Protocol((Lesion(80.0, 5.0),)))


def test_solver_that_does_not_converge_raises():
    d = homogeneous(tissue("spinal_cord"), Electrode(), MeshSettings(growth=1.4))
    with pytest.raises(ConvergenceError, match=r"step \d+, t = .* s: CG stopped"):
        simulate(d, Protocol((Lesion(80.0, 5.0),)), numerics=NumericsSettings(linear_maxiter=1, linear_rtol=1e-14))

"""The lagged potential: re-solved only when the tissue has moved enough."""

import numpy as np

from rfsim.physics.coupling import LaggedPotential


class CountingSolver:
    def __init__(self):
        self.calls = 0

    def solve(self, temperature_c, where="", coagulated=None):
        self.calls += 1
        self.coagulated = coagulated
        return ("unit", self.calls)


def test_resolves_only_when_some_tissue_cell_moved_more_than_the_threshold():
    tissue = np.array([True, True, False])
    lp = LaggedPotential(CountingSolver(), tissue, 0.25)
    T = np.full(3, 37.0)
    first = lp.at(T)
    assert lp.at(T + np.array([0.2, 0.1, 5.0])) is first  # within 0.25 C in tissue; metal ignored
    second = lp.at(T + np.array([0.3, 0.0, 0.0]))
    assert second is not first and lp.solver.calls == 2
    assert lp.at(T + np.array([0.4, 0.0, 0.0])) is second  # measured from the last solve


def test_zero_threshold_resolves_whenever_the_tissue_changes():
    lp = LaggedPotential(CountingSolver(), np.ones(2, bool), 0.0)
    T = np.full(2, 37.0)
    lp.at(T)
    lp.at(T + 1e-9)
    lp.at(T + 2e-9)
    assert lp.solver.calls == 3


def test_resolves_when_more_tissue_has_coagulated_and_passes_the_region_on():
    lp = LaggedPotential(CountingSolver(), np.ones(3, bool), 0.25)
    T = np.full(3, 37.0)
    none = np.zeros(3, bool)
    first = lp.at(T, coagulated=none)
    assert lp.at(T, coagulated=none) is first  # same temperatures, same region
    grown = np.array([True, False, False])
    assert lp.at(T, coagulated=grown) is not first and lp.solver.calls == 2
    assert lp.solver.coagulated is grown  # the solver sees the region
    assert lp.at(T, coagulated=grown.copy()) is not None and lp.solver.calls == 2

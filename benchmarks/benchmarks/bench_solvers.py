"""Time and iterations of one potential solve (``ElectricSolver.solve``) and one
heat step (``HeatSolver.step``) on the axisymmetric homogeneous block at three
resolutions (``MeshSettings.refine`` 0.5, 1 = the default 20 um, 2)."""

from . import _common  # noqa: F401

import numpy as np

from rfsim.physics.domain import MeshSettings, homogeneous
from rfsim.physics.electric import ElectricSolver
from rfsim.physics.electrode import Electrode
from rfsim.physics.heat import HeatSolver
from rfsim.physics.tissue import tissue

REFINES = [0.5, 1.0, 2.0]


def _domain(refine):
    return homogeneous(tissue("spinal_cord"), Electrode(), MeshSettings(refine=refine))


def _warm(domain):
    """A temperature field (C) as midway through a lesion: 80 C at the tip,
    falling off over ~1 mm, so that sigma(T) varies as in a run."""
    r, _, z = domain.grid.mesh()
    return 37.0 + 43.0 * np.exp(-(r ** 2 + z ** 2) / (2 * 1e-3 ** 2))


class Potential:
    """``cold``: a fresh solver (its preconditioner, an exact factorisation, is
    built in the timed region); ``warm``: the factorisation of an earlier
    temperature field reused, as the simulator does from step to step."""

    params = [REFINES, ["cold", "warm"]]
    param_names = ["refine", "start"]
    timeout = 300

    def setup(self, refine, start):
        self.domain = _domain(refine)
        self.T0 = np.full(self.domain.grid.shape, 37.0)
        self.T1 = _warm(self.domain)
        self.solver = ElectricSolver(self.domain)
        self.solver.solve(self.T0)  # compile, and factorise at 37 C

    def _solve(self, start):
        s = ElectricSolver(self.domain) if start == "cold" else self.solver
        s._phi = None  # no warm start from the previous answer: a changed field
        s.solve(self.T1)
        return s.pcg.last_iterations

    def time_solve(self, refine, start):
        self._solve(start)

    def track_iterations(self, refine, start):
        return self._solve(start)

    track_iterations.unit = "iterations"

    def track_cells(self, refine, start):
        return self.domain.grid.ncells

    track_cells.unit = "cells"


class HeatStep:
    """One BDF2 heat step of 0.5 s with the Joule source, after a first step of
    the same size (so the step's factorisation is cached, as in a run)."""

    params = [REFINES]
    param_names = ["refine"]
    timeout = 300

    def setup(self, refine):
        d = _domain(refine)
        self.T = _warm(d)
        self.q = ElectricSolver(d).solve(self.T).joule * 100.0  # 10 V
        self.perfused = np.ones(d.grid.shape, bool)
        self.hs = HeatSolver(d)
        self._step()

    def _step(self):
        self.hs.step(self.T, self.T, 0.5, 0.5, self.perfused, source=self.q)
        return self.hs.pcg.last_iterations

    def time_step(self, refine):
        self._step()

    def track_iterations(self, refine):
        return self._step()

    track_iterations.unit = "iterations"

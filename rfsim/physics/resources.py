"""What a run will cost, known before it starts: memory (refused when the
machine has not got it) and time (a warning when it is long).

The figures are measured, not derived, and say "about": a run's memory is its
cell count times :data:`BYTES_PER_CELL` of its geometry, its time the expected
number of steps times the cells times :data:`SECONDS_PER_CELL_STEP`.  Both were
measured on the 2-core development machine (docs/robustness.md):

* layered (axisymmetric) grids keep exact sparse factorisations of their
  operators as preconditioners, several at once (one per step size in use):
  10.5-14 kB per cell at 6,000-94,000 cells; 1.0-2.8e-5 s per cell and step;
* 3-D grids use multigrid: 1,008 MB at 948,854 cells (docs/model3d.md), about
  1.1 kB per cell; 33 s for 65 steps there, 5.3e-7 s per cell and step.

A grid of ``max_cell_mm = 0.1`` and ``extent_mm = 500`` (5e7 cells, hundreds of
GB) used to die of a MemoryError traceback after 37 s; it is now refused in
one line before anything is allocated.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from rfsim.errors import ConfigError

#: Peak memory per cell (bytes) by grid geometry, rounded up from the measurements above.
BYTES_PER_CELL = {"axisymmetric": 16_000, "cartesian": 1_200}
#: Run time per cell and time step (s), by grid geometry (measured above, the faster end).
SECONDS_PER_CELL_STEP = {"axisymmetric": 1.0e-5, "cartesian": 5.3e-7}
#: Steps a lesion takes when the step size is free to grow (the default
#: prediction: 186 steps for its three lesions).
STEPS_PER_LESION = 62
#: A run expected to take longer than this (s) is announced before it starts.
LONG_RUN_S = 600.0


def available_memory_bytes() -> int | None:
    """Memory this process may still use (bytes): the kernel's MemAvailable,
    lowered to the room left under a cgroup limit (containers); None where
    neither can be read."""
    avail = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    avail = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):
        pass
    if avail is None:
        try:
            avail = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            return None
    try:
        with open("/sys/fs/cgroup/memory.max") as f:
            limit = f.read().strip()
        if limit != "max":
            with open("/sys/fs/cgroup/memory.current") as f:
                avail = min(avail, int(limit) - int(f.read().strip()))
    except (OSError, ValueError):
        pass
    return avail


def require_memory(cells: int, geometry: str, settings: str, remedy: str) -> None:
    """ConfigError naming the mesh settings when a grid of ``cells`` cells would
    need more memory than the machine has available; called by the domain
    builders once the cell edges are known and before any cell array exists.

    Parameters
    ----------
    cells : int
    geometry : {"axisymmetric", "cartesian"}
    settings : str
        The mesh settings as the user typed them (``"max_cell_mm = 0.1, ..."``).
    remedy : str
        Which settings to change.
    """
    need = cells * BYTES_PER_CELL[geometry]
    avail = available_memory_bytes()
    if avail is not None and need > avail:
        raise ConfigError("mesh", settings, f"the grid would have {cells:.3g} cells and need about "
                                            f"{need / 1e9:.3g} GB, more than the {max(avail, 0) / 1e9:.3g} GB "
                                            f"available: {remedy}")


@dataclass(frozen=True)
class RunEstimate:
    """What a run is expected to cost.

    Attributes
    ----------
    cells : int
    steps : int
        Expected time steps: the usual count per lesion, or the protocol's
        length over ``numerics.dt_max_s`` when that caps the step.
    seconds : float
        Expected run time (s) on a machine like the development one.
    memory_bytes : int
    """

    cells: int
    steps: int
    seconds: float
    memory_bytes: int

    def warning(self, dt_max_s: float) -> str | None:
        """One line announcing a long run (:data:`LONG_RUN_S`), or None."""
        if self.seconds <= LONG_RUN_S:
            return None
        hours = self.seconds / 3600.0
        took = f"{hours:.1f} hours" if hours >= 1.0 else f"{self.seconds / 60.0:.0f} minutes"
        return (f"this run is expected to take about {took} ({self.steps:,} time steps of at most "
                f"numerics.dt_max_s = {dt_max_s:g} s, {self.cells:,} cells)")


def estimate_run(cells: int, geometry: str, protocol, generator, numerics) -> RunEstimate:
    """Expected steps, time and memory of simulating ``protocol`` on a grid.

    Parameters
    ----------
    cells : int
    geometry : {"axisymmetric", "cartesian"}
    protocol : rfsim.physics.generator.Protocol
    generator : rfsim.physics.generator.GeneratorSettings
    numerics : rfsim.physics.simulation.NumericsSettings
    """
    n = len(protocol.lesions)
    total_s = sum(generator.ramp_s + les.duration_s + protocol.cooling_s for les in protocol.lesions)
    steps = max(STEPS_PER_LESION * n, math.ceil(total_s / numerics.dt_max_s))
    return RunEstimate(cells, steps, steps * cells * SECONDS_PER_CELL_STEP[geometry],
                       cells * BYTES_PER_CELL[geometry])

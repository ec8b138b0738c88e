"""Impedance of the 3-D model as the electrode advances along its needle line.

:func:`rfsim.prediction.impedance_profile` moves the tip of the layered model
through CSF, pia and cord; this module does the same on the 3-D Cartesian grid,
so both models can be checked against the impedance bands surgeons use
(Shepherd et al., AJNR 2017: < 200 ohm in CSF, < 400 ohm at the pial surface,
> 700 ohm in the cord).  The needle line is the placement's; only the tip end
moves back along it (a negative depth: the tip end is still in the CSF).

The grid is :func:`rfsim.cordotomy.domains.cartesian_domain`'s with the tip
drawn back along the line.
"""

from __future__ import annotations

import numpy as np

from rfsim.anatomy.cross_section import Anatomy
from rfsim.cordotomy.domains import cartesian_domain
from rfsim.cordotomy.placement import NeedlePath, Placement, needle_path
from rfsim.physics.domain import Domain, MeshSettings
from rfsim.physics.electric import ElectricSolver


def domain_at_depth(anatomy: Anatomy, placement: Placement, depth_m: float, mesh: MeshSettings | None = None,
                    half_length_m: float = 10e-3, n_sub: int = 3, tissues=None,
                    path: NeedlePath | None = None) -> Domain:
    """3-D domain with the tip end ``depth_m`` past the pia (m; < 0: in the
    CSF) on the needle line of ``placement``.

    At the placement's own depth this is :func:`cartesian_domain`'s domain
    (the same grid anchors are used at every depth, so readings differ by the
    electrode's position only, not by a changed grid)."""
    return cartesian_domain(anatomy, placement, mesh, half_length_m, n_sub, tissues,
                            path=path, withdrawn_m=placement.depth_m - depth_m)


def impedance_at_depths(anatomy: Anatomy, placement: Placement, depths_m, mesh: MeshSettings | None = None,
                        tissues=None, rtol: float = 1e-6) -> list:
    """Tissue impedance (ohm) of the 3-D model at body temperature with the tip
    end at each of ``depths_m`` (m past the pia) along the placement's line."""
    out = []
    path = needle_path(anatomy, placement)
    for dep in depths_m:
        dom = domain_at_depth(anatomy, placement, float(dep), mesh, tissues=tissues, path=path)
        unit = ElectricSolver(dom, rtol).solve(np.full(dom.grid.shape, dom.temperature_c))
        out.append(float(unit.impedance_ohm))
    return out

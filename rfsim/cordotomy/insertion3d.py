"""Impedance of the 3-D model as the electrode advances along its needle line.

:func:`rfsim.predict.impedance_profile` moves the tip of the layered model
through CSF, pia and cord; this module does the same on the 3-D Cartesian grid,
so both models can be checked against the impedance bands surgeons use
(Shepherd et al., AJNR 2017: < 200 ohm in CSF, < 400 ohm at the pial surface,
> 700 ohm in the cord).  The needle line is the placement's; only the tip end
moves back along it (a negative depth: the tip end is still in the CSF).

The grid is built as :func:`rfsim.cordotomy.placement.cartesian_domain` builds
it, for a tip anywhere on the line (that function validates a tip inside the
cord, which the first readings of an insertion are not).
"""

from __future__ import annotations

import numpy as np

from rfsim.anatomy.model import Anatomy
from rfsim.cordotomy.placement import (CARTESIAN_MESH, Placement, axisymmetric_layers, cartesian_domain,
                                       needle_path)
from rfsim.errors import ConfigError
from rfsim.numerics.grid import cartesian_grid, graded_edges
from rfsim.physics.domain import Domain, MeshSettings, surface_walls
from rfsim.physics.electric import ElectricSolver
from rfsim.physics.tissue import tissue


def _cylinder_distance(rx, ry, rz, d, a):
    """Signed distance (m) to a semi-infinite cylinder of radius a along d with
    a flat end at the origin; negative inside (as in placement.cartesian_domain)."""
    s = rx * d[0] + ry * d[1] + rz * d[2]
    rho = np.sqrt(np.maximum((rx - s * d[0]) ** 2 + (ry - s * d[1]) ** 2 + (rz - s * d[2]) ** 2, 0.0))
    dr, ds = rho - a, -s
    outside = np.hypot(np.maximum(dr, 0.0), np.maximum(ds, 0.0))
    return outside + np.minimum(np.maximum(dr, ds), 0.0)


def domain_at_depth(anatomy: Anatomy, placement: Placement, depth_m: float, mesh: MeshSettings | None = None,
                    half_length_m: float = 10e-3, n_sub: int = 3, tissues=None) -> Domain:
    """3-D domain with the tip end ``depth_m`` past the pia (m; < 0: in the
    CSF) on the needle line of ``placement``.

    At the placement's own depth this is :func:`cartesian_domain`'s domain
    (the same grid anchors are used at every depth, so readings differ by the
    electrode's position only, not by a changed grid)."""
    mesh = mesh or CARTESIAN_MESH
    tissues = tissues or {}
    if depth_m == placement.depth_m:
        return cartesian_domain(anatomy, placement, mesh, half_length_m, n_sub, tissues)
    path = needle_path(anatomy, placement)
    d = np.array(path.direction)
    tip = np.array(path.tip_m) + (placement.depth_m - depth_m) * d
    if tip[0] <= 0:
        raise ConfigError("depth_mm", depth_m * 1e3, "puts the tip across the midline")
    a, L, E = path.radius_m, path.tip_length_m, mesh.extent_m
    hmin, hif = mesh.min_cell_m, mesh.interface_cell_m
    prox = tip + L * d
    layers = axisymmetric_layers(anatomy, placement)  # interfaces along the line, final-tip coordinates
    tip_final = np.array(path.tip_m)
    x_if = [float(tip_final[0] + zt * d[0]) for zt, _ in layers[:-1]]
    xa = [(tip[0], hmin), (prox[0], hmin)] + [(x, hif) for x in x_if if abs(x - tip[0]) < E]
    x = graded_edges([tip[0] - E, tip[0] + E], xa, mesh.growth, mesh.max_cell_m, mesh.refine)
    ya = [(tip[1] - a, hmin), (tip[1] + a, hmin), (prox[1], hmin)]
    y = graded_edges([tip[1] - E, tip[1] + E], ya, mesh.growth, mesh.max_cell_m, mesh.refine)
    za = [(tip[2] - a, hmin), (tip[2] + a, hmin), (prox[2], hmin)]
    z = graded_edges([tip[2] - half_length_m, tip[2] + half_length_m], za, mesh.growth, mesh.max_cell_m,
                     mesh.refine)
    grid = cartesian_grid(x, y, z, open_sides=(True, True, True, True, False, False))
    frac2d = anatomy.tissue_fractions(x, y, n_sub=n_sub)
    names = anatomy.tissue_names
    f = np.empty((len(names),) + grid.shape)
    for i, n in enumerate(names):
        f[i] = frac2d[n][:, :, None]

    def signed_distance(px, py, pz):
        return _cylinder_distance(px - tip[0], py - tip[1], pz - tip[2], d, a)

    xc, yc, zc = grid.centers
    metal = signed_distance(xc[:, None, None], yc[None, :, None], zc[None, None, :]) < 0.0
    rx, ry, rz = xc - tip[0], yc - tip[1], zc - tip[2]
    s = rx[:, None, None] * d[0] + ry[None, :, None] * d[1] + rz[None, None, :] * d[2]
    exposed = metal & (s < L)
    sensor = np.unravel_index(int(np.argmin(np.where(metal, s, np.inf))), grid.shape)
    return Domain.from_fractions(grid, f, [tissues.get(n) or tissue(n) for n in names], metal, exposed, sensor,
                                 placement.electrode, anisotropic=True,
                                 wall=surface_walls(grid, metal, signed_distance))


def impedance_at_depths(anatomy: Anatomy, placement: Placement, depths_m, mesh: MeshSettings | None = None,
                        tissues=None, rtol: float = 1e-6) -> list:
    """Tissue impedance (ohm) of the 3-D model at body temperature with the tip
    end at each of ``depths_m`` (m past the pia) along the placement's line."""
    out = []
    for dep in depths_m:
        dom = domain_at_depth(anatomy, placement, float(dep), mesh, tissues=tissues)
        unit = ElectricSolver(dom, rtol).solve(np.full(dom.grid.shape, dom.temperature_c))
        out.append(float(unit.impedance_ohm))
    return out

"""Lesion geometry from a damage criterion field on the axisymmetric grid.

The criterion (see :meth:`rfsim.physics.damage.DamageState.criterion`) is >= 0 inside
the lesion.  Edges are placed between cell centres by linear interpolation of the
criterion, so sizes converge faster than the cell staircase would allow.

Definitions (all in metres here; reported in mm):

* width: the largest diameter of the lesion across the electrode axis,
  2 max_z r_edge(z);
* length: the extent of the lesion along the axis, z_top - z_bottom;
* volume: the tissue volume inside the lesion (the electrode excluded),
  sum over grid rows of pi (r_edge^2 - r_inner^2) dz.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rfsim.numerics.grid import Grid


@dataclass(frozen=True)
class LesionSize:
    """Size of a lesion (SI units).

    Attributes
    ----------
    width_m : float
        Largest diameter across the electrode axis (m).
    length_m : float
        Extent along the electrode axis (m).
    volume_m3 : float
        Tissue volume of the lesion (m^3).
    z_bottom_m, z_top_m : float
        Axial extent (m; z = 0 at the distal tip end, +z along the shaft).
    """

    width_m: float
    length_m: float
    volume_m3: float
    z_bottom_m: float
    z_top_m: float

    def as_mm(self) -> dict:
        """The sizes in mm and mm^3, keyed as in the JSON output."""
        return {"lesion_width_mm": self.width_m * 1e3, "lesion_length_mm": self.length_m * 1e3,
                "lesion_volume_mm3": self.volume_m3 * 1e9}


def _crossing(x0, x1, f0, f1):
    """Position between x0 (f0 >= 0) and x1 (f1 < 0) where f crosses zero."""
    return x0 + (x1 - x0) * f0 / (f0 - f1)


def axisymmetric_size(grid: Grid, criterion, metal) -> LesionSize:
    """Width, length and volume of the lesion ``criterion >= 0`` in tissue cells.

    Parameters
    ----------
    grid : Grid (axisymmetric)
    criterion : cell array, >= 0 inside the lesion
    metal : bool cell array, electrode cells (never lesion)
    """
    if grid.geometry != "axisymmetric":
        raise ValueError("axisymmetric_size needs an axisymmetric grid")
    f = np.where(metal, -np.inf, criterion)[:, 0, :]  # (nr, nz)
    m = metal[:, 0, :]
    rc, zc = grid.centers[0], grid.centers[2]
    re, ze = grid.edges[0], grid.edges[2]
    inside = f >= 0
    if not inside.any():
        return LesionSize(0.0, 0.0, 0.0, 0.0, 0.0)
    nr, nz = f.shape
    width, volume = 0.0, 0.0
    for k in np.flatnonzero(inside.any(axis=0)):
        col = inside[:, k]
        i = int(np.flatnonzero(col)[-1])  # outermost lesion cell of this row
        r_out = _crossing(rc[i], rc[i + 1], f[i, k], f[i + 1, k]) if i + 1 < nr else re[-1]
        r_out = max(r_out, rc[i]) if i + 1 < nr else r_out
        # inner edge: the electrode surface, the axis, or an interpolated crossing
        i0 = int(np.flatnonzero(col)[0])
        if i0 == 0:
            r_in = 0.0
        elif m[i0 - 1, k]:
            r_in = re[i0]
        else:
            r_in = _crossing(rc[i0], rc[i0 - 1], f[i0, k], f[i0 - 1, k])
        width = max(width, 2.0 * r_out)
        volume += np.pi * (r_out ** 2 - r_in ** 2) * (ze[k + 1] - ze[k])
    zb, zt = np.inf, -np.inf
    for i in np.flatnonzero(inside.any(axis=1)):
        ks = np.flatnonzero(inside[i])
        k0, k1 = int(ks[0]), int(ks[-1])
        lo = ze[k0] if k0 == 0 or m[i, k0 - 1] else _crossing(zc[k0], zc[k0 - 1], f[i, k0], f[i, k0 - 1])
        hi = ze[k1 + 1] if k1 == nz - 1 or m[i, k1 + 1] else _crossing(zc[k1], zc[k1 + 1], f[i, k1], f[i, k1 + 1])
        zb, zt = min(zb, lo), max(zt, hi)
    return LesionSize(float(width), float(zt - zb), float(volume), float(zb), float(zt))

"""Face conductances of a grid from cell properties: the one assembly that the
electric and heat solvers (and the benchmarks) use.

The conductance of the face between cells L and R is the series conductance of
the two half cells, A / (h_L/p_L + h_R/p_R) (harmonic mean), plus a coating
resistance where metal meets tissue; boundary faces of open (Dirichlet) sides
conduct from the cell centre to the face (:func:`rfsim.numerics.kernels.face_conductance`).
Faces cut by an electrode surface that does not follow the grid then get the
true distances to that surface instead of the staircase half widths
(:func:`apply_walls`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from rfsim.numerics.jit import readonly_view
from rfsim.numerics.kernels import face_conductance, face_conductance_np

if TYPE_CHECKING:
    from rfsim.numerics.grid import Grid


def assemble_conductances(grid: Grid, p, metal=None, skin=None, *, metal_boundary=True, wall=None, out=None,
                          twin=False):
    """Face conductances (S or W/K) of ``grid`` for a cell conductivity field.

    Parameters
    ----------
    grid : Grid
        Supplies half widths, face areas and which sides are open.
    p : cell array, or a tuple of three cell arrays
        Conductivity (S/m for the potential, W/m/K for heat); a tuple gives one
        per grid axis (faces normal to axis a use ``p[a]``: an anisotropic
        medium whose principal axes are grid axes).
    metal : bool cell array, optional
        Electrode cells (default: none).
    skin : cell array, optional
        Coating resistance-area of each cell (ohm m^2 or m^2 K/W), added across
        faces between metal and non-metal (default: zero).
    metal_boundary : bool
        Whether a metal cell's boundary face on an open side conducts (heat:
        yes; potential: no, the electrode is not the return).
    wall : tuple, optional
        Cut-cell data of a surface that does not follow the grid, as
        :func:`rfsim.physics.domain.surface_walls` returns it (see :func:`apply_walls`).
    out : tuple of three face arrays, optional
        Filled in place and returned (default: new arrays).
    twin : bool
        Use the NumPy twin of the kernel (no compilation; same answers).

    Returns
    -------
    tuple of three face arrays
        Conductances of the faces normal to each axis (S or W/K).
    """
    ps = tuple(p) if isinstance(p, (tuple, list)) else (p, p, p)
    ps = tuple(readonly_view(np.asarray(a)) for a in ps)  # one compiled specialisation
    metal = np.zeros(grid.shape, bool) if metal is None else metal
    skin = np.zeros(grid.shape) if skin is None else skin
    G = tuple(np.zeros(a.shape) for a in grid.area) if out is None else out
    kernel = face_conductance_np if twin else face_conductance
    kernel(*ps, metal, skin, *grid.half, *grid.area, np.array(grid.open_sides, dtype=np.int64), metal_boundary, *G)
    apply_walls(G, grid.area, wall, ps, skin)
    return G


def apply_walls(G, area, wall, p, skin):
    """Overwrite the conductances of cut-cell faces.

    Parameters
    ----------
    G : tuple of face arrays, modified in place
    area : tuple of face area arrays (m^2), the grid's
    wall : tuple or None
        (axis, face flat index, tissue cell flat index, metal cell flat index,
        tissue-side distance m, metal-side distance m), arrays of equal length
        (:func:`rfsim.physics.domain.surface_walls`).
    p : cell array, or a tuple of three (one per axis, anisotropic)
        Conductivity.
    skin : cell array, coating resistance-area
    """
    if wall is None or len(wall[0]) == 0:
        return
    ax, face, t, m, dt, dm = wall
    ps = tuple(p) if isinstance(p, (tuple, list)) else (p, p, p)
    sf = skin.ravel()
    for a in range(3):
        sel = ax == a
        if not sel.any():
            continue
        pf = ps[a].ravel()
        f = face[sel].astype(np.int64)
        r = dt[sel] / pf[t[sel]] + dm[sel] / pf[m[sel]] + sf[t[sel]] + sf[m[sel]]
        G[a].ravel()[f] = area[a].ravel()[f] / r

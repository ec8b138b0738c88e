"""The domains a placement implies, for both models.

* The layered axisymmetric model: the tissues met along the needle
  (:func:`axisymmetric_layers`), from the tip end outward, as the layers of
  :func:`rfsim.physics.domain.layered_axisymmetric` (:func:`axisymmetric_domain`).
* The 3-D model: the cross-section extruded along the cord with the electrode as
  a cylinder along the needle (:func:`cartesian_domain`, mesh defaults
  :data:`CARTESIAN_MESH`).

Every builder takes the anatomy and the placement, and optionally the needle
path when the caller has it already (``path``, which must be
``needle_path(anatomy, placement)``); without it the path is computed, which
validates the placement.  ``tissues`` (name -> Tissue) replaces the built-in
properties of those tissues.
"""

from __future__ import annotations

import math

import numpy as np

from rfsim.anatomy.cross_section import Anatomy
from rfsim.cordotomy.placement import NeedlePath, Placement, needle_path
from rfsim.errors import ConfigError
from rfsim.numerics.grid import cartesian_grid, graded_edges
from rfsim.physics.domain import Domain, MeshSettings, layered_axisymmetric, surface_walls
from rfsim.physics.resources import require_memory
from rfsim.physics.tissue import tissue


#: Samples of the needle line labelled at a time by :func:`_layer_tops` (1 um
#: apart); each further block along a walk is twice the last.
LABEL_BLOCK = 2048


class _LabelsAlong:
    """Tissue labels (indices into ``anatomy.tissue_names``) and x (m) at the
    samples ``z`` (m) of the needle line, computed block by block as the walks
    of :func:`_layer_tops` reach them.  A label depends on its own point only,
    so they are those of the whole line labelled at once; the walks stop at
    the dura and at the midline, so most of the line (which runs twice the
    cord's width past either end) is never labelled.  The labelled samples
    are one run ``[lo, hi)``, which each request must touch."""

    def __init__(self, anatomy, path, z):
        self.anatomy, self.path, self.z = anatomy, path, z
        self.lab = np.empty(z.size, np.intp)
        self.x = np.empty(z.size)
        self.lo = self.hi = None

    def _label(self, a, b):
        if b > a:
            p = self.path.point(self.z[a:b])
            self.lab[a:b] = self.anatomy.tissue_at(p[0], p[1])
            self.x[a:b] = p[0]

    def ensure(self, a: int, b: int) -> None:
        """Label samples a to b - 1."""
        if self.lo is None:
            self._label(a, b)
            self.lo, self.hi = a, b
            return
        assert a <= self.hi and b >= self.lo, "a request must touch the labelled run"
        if a < self.lo:
            self._label(a, self.lo)
            self.lo = a
        if b > self.hi:
            self._label(self.hi, b)
            self.hi = b


def _first_up(labels: _LabelsAlong, start, want, block: int):
    """Index of the first sample at or above ``start`` whose label is not in
    ``want`` (None if none, or if ``start`` is None)."""
    n = labels.z.size
    a = start
    while a is not None and a < n:
        b = min(n, a + block)
        labels.ensure(a, b)
        idx = np.nonzero(~np.isin(labels.lab[a:b], want))[0]
        if idx.size:
            return a + int(idx[0])
        a, block = b, 2 * block
    return None


def _first_grey_inward(labels: _LabelsAlong, top: int, cord, grey, block: int):
    """The first grey-matter sample going inward (down) from sample ``top`` - 1,
    on this side of the midline (x > 0) and before the needle line leaves the
    cord (a label not in ``cord``); None if there is none."""
    b = top
    while b > 0:
        a = max(0, b - block)
        labels.ensure(a, b)
        idx = np.arange(b - 1, a - 1, -1)
        lab = labels.lab[idx]
        ok = np.isin(lab, cord) & (labels.x[idx] > 0)
        hit = np.nonzero(~ok | (lab == grey))[0]
        if hit.size:  # grey before the walk stops, or the stop
            return int(idx[hit[0]]) if ok[hit[0]] else None
        b, block = a, 2 * block
    return None


def axisymmetric_layers(anatomy: Anatomy, placement: Placement, *, path: NeedlePath | None = None,
                        tissues: dict | None = None) -> list:
    """Tissue layers met along the needle, for :func:`rfsim.physics.domain.layered_axisymmetric`.

    z = 0 at the distal tip end, +z back along the shaft (lateral).  Layers from
    the deepest: grey matter (if the needle line meets it before the midline or
    the far cord surface, along or beyond the tip), cord white matter, pia, CSF,
    dura and the tissue beyond; each entry is (z of its upper surface in m,
    Tissue), the last extends to the boundary.

    Parameters
    ----------
    anatomy : Anatomy
    placement : Placement
    path : NeedlePath, optional
        ``needle_path(anatomy, placement)`` if the caller has it.
    tissues : dict, optional
        name -> Tissue replacing the built-in properties of that tissue.

    Returns
    -------
    list of (float, Tissue)
    """
    path = path if path is not None else needle_path(anatomy, placement)
    tissues = tissues or {}
    # the same needle line in the same anatomy meets the same layers: kept on
    # the (cached) anatomy, so that a new protocol or new tissue properties at
    # a placement do not sample the anatomy along the needle again
    layers = anatomy.cached(("needle-layers", path.tip_m, path.direction),
                            lambda: _layer_tops(anatomy, path, placement))
    return [(zt, tissues.get(n) or tissue(n)) for zt, n in layers]


def _layer_tops(anatomy, path, placement, block: int = LABEL_BLOCK) -> tuple:
    """(z of the upper surface in m, tissue name) of each layer along ``path``,
    as :func:`axisymmetric_layers` describes them; the line is labelled
    ``block`` samples at a time as the walks need it (:class:`_LabelsAlong`)."""
    names = anatomy.tissue_names
    WM, GM, PIA, CSF, DURA = (names.index(n) for n in ("white_matter", "grey_matter", "pia", "csf", "dura"))
    step = 1e-6
    z = np.arange(-2.0 * anatomy.rl_m, 3.0 * anatomy.rl_m + anatomy.csf_gap_m + anatomy.displacement_m, step)
    labels = _LabelsAlong(anatomy, path, z)
    i0 = int(np.searchsorted(z, 0.0))
    # the tip end is in the cord: walk outward through cord, pia, CSF, dura
    j_cord = _first_up(labels, i0, [WM, GM], block)
    j_pia = _first_up(labels, j_cord, [PIA], block)
    j_csf = _first_up(labels, j_pia, [CSF], block)
    j_dura = _first_up(labels, j_csf, [DURA], block)
    if None in (j_cord, j_pia, j_csf, j_dura):
        raise ConfigError("placement", placement, "the needle does not pass cord, pia, CSF and dura in order")
    tops = [(z[j_cord] - step / 2, "white_matter"), (z[j_pia] - step / 2, "pia"), (z[j_csf] - step / 2, "csf"),
            (z[j_dura] - step / 2, "dura")]
    # grey matter: the first grey sample going inward from the cord surface,
    # on this side of the midline and before the needle line leaves the cord
    g = _first_grey_inward(labels, j_cord, [WM, GM], GM, block)
    layers = []
    if g is not None:
        layers.append((float(z[g] + step / 2), "grey_matter"))
    layers += [(float(t), n) for t, n in tops]
    layers.append((math.inf, anatomy.beyond_tissue))
    return tuple(layers)


def axisymmetric_domain(anatomy: Anatomy, placement: Placement, mesh: MeshSettings = MeshSettings(), *,
                        path: NeedlePath | None = None, tissues: dict | None = None, **kw) -> Domain:
    """Axisymmetric domain of the layers met along the needle
    (:func:`axisymmetric_layers`, with ``path`` and ``tissues`` as there);
    other keywords go to layered_axisymmetric."""
    layers = axisymmetric_layers(anatomy, placement, path=path, tissues=tissues)
    require_extent(layers, placement.electrode.tip_length_m, mesh)
    return layered_axisymmetric(layers, placement.electrode, mesh, **kw)


def require_extent(layers, tip_length_m: float, mesh: MeshSettings) -> None:
    """ConfigError naming ``mesh.extent_mm`` unless the layered domain holds every
    layer interface: :func:`rfsim.physics.domain.layered_axisymmetric` spans z
    from -extent to max(extent, tip + extent / 2), and only knows that it has too
    little room, not which setting of the user's gave it so little."""
    tops = [z for z, _ in layers[:-1]]
    if not tops:
        return
    top, bottom = max(tops), min(tops)
    need_m = max(min(top, 2.0 * (top - tip_length_m)) if top > tip_length_m else 0.0, -bottom)
    if mesh.extent_m <= need_m:
        raise ConfigError("mesh.extent_mm", round(mesh.extent_m * 1e3, 9),
                          f"too small for this placement: the tissues met along the needle (cord, pia, CSF, dura) "
                          f"reach {top * 1e3:.2f} mm from the tip end; give more than "
                          f"{math.ceil(need_m * 1e5) / 1e2:.2f} mm (default {MeshSettings().extent_m * 1e3:g})")


#: Mesh defaults of the 3-D grid: coarser than the axisymmetric default so that
#: the grid stays near 1e6 cells.  47 um asked gives cells of at most 50 um at
#: the tip (graded_edges rounds to whole cells); with the cut-cell walls the
#: impedance is then within 2 % of a grid-independent value (docs/model3d.md).
CARTESIAN_MESH = MeshSettings(min_cell_m=47e-6, interface_cell_m=100e-6, growth=1.2, max_cell_m=2e-3,
                              extent_m=30e-3)


def cartesian_domain(anatomy: Anatomy, placement: Placement, mesh: MeshSettings | None = None,
                     half_length_m: float = 10e-3, n_sub: int = 3, tissues=None, *,
                     path: NeedlePath | None = None, withdrawn_m: float = 0.0, **kw) -> Domain:
    """3-D domain: the cross-section extruded along the cord (z) with the
    electrode as a cylinder along the needle.

    Parameters
    ----------
    mesh : MeshSettings, optional
        Cell sizes (default :data:`CARTESIAN_MESH`); x and y span
        ``mesh.extent_m`` either side of the tip end.
    half_length_m : float
        Half-length (m) of the cord segment along z, centred on the tip end;
        the z ends are insulating and adiabatic (the cord continues).
    n_sub : int
        Subsamples per cell along x and y for partial volumes.
    tissues : dict, optional
        name -> Tissue replacing the built-in properties of that tissue.
    path : NeedlePath, optional
        ``needle_path(anatomy, placement)`` if the caller has it.
    withdrawn_m : float
        The tip drawn back this far along the needle line (m), for readings
        while the electrode advances; the grid keeps the anchors of the final
        placement, so readings differ by the electrode's position only.
    kw
        ``temperature_c``, ``arterial_c`` for Domain.

    Returns
    -------
    Domain
        Built with Domain.from_fractions from the tissue fractions of the
        cross-section; metal = cell centres inside the electrode cylinder,
        exposed = the distal ``tip_length`` of it, sensor = the metal cell
        nearest the thermocouple along the needle (the tip end by default;
        ``electrode.thermocouple_position``).  White matter is anisotropic (``sigma_ratio``
        along z, the cord axis).  The cylinder's true surface is given to the
        solvers as cut-cell walls (:func:`rfsim.physics.domain.surface_walls`), so the
        staircase of cell centres does not set the impedance: at the default
        mesh the impedance is within 2 % of the grid-aligned axisymmetric model
        of the same electrode (tests/test_model3d.py).
    """
    mesh = mesh or CARTESIAN_MESH
    if isinstance(half_length_m, bool) or not isinstance(half_length_m, (int, float)) \
            or not 2e-3 <= half_length_m <= 0.1:
        raise ConfigError("half_length_mm", half_length_m * 1e3 if isinstance(half_length_m, (int, float))
                          else half_length_m, "must lie in [2, 100] mm")
    path = path if path is not None else needle_path(anatomy, placement)
    d = np.array(path.direction)
    tip_final = np.array(path.tip_m)
    tip = tip_final + withdrawn_m * d
    if tip[0] <= 0:
        raise ConfigError("depth_mm", round((placement.depth_m - withdrawn_m) * 1e3, 6),
                          "puts the tip across the midline")
    a, L, E = path.radius_m, path.tip_length_m, mesh.extent_m
    hmin, hif = mesh.min_cell_m, mesh.interface_cell_m
    prox = tip + L * d
    # interfaces met by the needle (cord surface, pia, dura) as x anchors
    layers = axisymmetric_layers(anatomy, placement, path=path)
    x_if = [float(tip_final[0] + zt * d[0]) for zt, _ in layers[:-1]]
    xa = [(tip[0], hmin), (prox[0], hmin)] + [(x, hif) for x in x_if if abs(x - tip[0]) < E]
    x = graded_edges([tip[0] - E, tip[0] + E], xa, mesh.growth, mesh.max_cell_m, mesh.refine)
    ya = [(tip[1] - a, hmin), (tip[1] + a, hmin), (prox[1], hmin)]
    y = graded_edges([tip[1] - E, tip[1] + E], ya, mesh.growth, mesh.max_cell_m, mesh.refine)
    za = [(tip[2] - a, hmin), (tip[2] + a, hmin), (prox[2], hmin)]
    z = graded_edges([tip[2] - half_length_m, tip[2] + half_length_m], za, mesh.growth, mesh.max_cell_m, mesh.refine)
    require_memory((x.size - 1) * (y.size - 1) * (z.size - 1), "cartesian", f"refine = {mesh.refine:g}",
                   "lower [mesh] refine (the 3-D grid's cell sizes are rfsim.cordotomy.domains.CARTESIAN_MESH)")
    grid = cartesian_grid(x, y, z, open_sides=(True, True, True, True, False, False))
    frac2d = anatomy.tissue_fractions(x, y, n_sub=n_sub)
    names = anatomy.tissue_names
    f = np.empty((len(names),) + grid.shape)
    for i, n in enumerate(names):
        f[i] = frac2d[n][:, :, None]

    def signed_distance(px, py, pz):
        """Distance (m) to the electrode: a cylinder of radius a from the tip
        end (s = 0) back along the shaft, negative inside the metal."""
        return _cylinder_distance(px - tip[0], py - tip[1], pz - tip[2], d, a)

    xc, yc, zc = grid.centers
    metal = signed_distance(xc[:, None, None], yc[None, :, None], zc[None, None, :]) < 0.0
    rx, ry, rz = xc - tip[0], yc - tip[1], zc - tip[2]
    s = rx[:, None, None] * d[0] + ry[None, :, None] * d[1] + rz[None, None, :] * d[2]
    if not metal.any():
        raise ConfigError("mesh.min_cell_m", mesh.min_cell_m, "too coarse: no cell centre inside the electrode")
    exposed = metal & (s < L)
    # the thermocouple: the metal cell nearest its distance from the tip end
    # along the needle (at the tip end, s > 0 in the metal: the smallest s)
    flat = np.where(metal, np.abs(s - placement.electrode.thermocouple_m), np.inf)
    sensor = np.unravel_index(int(np.argmin(flat)), grid.shape)
    tissues = tissues or {}
    return Domain.from_fractions(grid, f, [tissues.get(n) or tissue(n) for n in names], metal, exposed, sensor,
                                 placement.electrode, anisotropic=True,
                                 wall=surface_walls(grid, metal, signed_distance), **kw)


def _cylinder_distance(rx, ry, rz, d, a):
    """Signed distance (m) from points (rx, ry, rz), relative to the tip end,
    to a semi-infinite cylinder of radius ``a`` (m) along the unit vector ``d``
    with a flat end at the tip; negative inside."""
    s = rx * d[0] + ry * d[1] + rz * d[2]
    rho = np.sqrt(np.maximum((rx - s * d[0]) ** 2 + (ry - s * d[1]) ** 2 + (rz - s * d[2]) ** 2, 0.0))
    dr, ds = rho - a, -s
    outside = np.hypot(np.maximum(dr, 0.0), np.maximum(ds, 0.0))
    return outside + np.minimum(np.maximum(dr, ds), 0.0)

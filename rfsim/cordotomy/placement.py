"""Electrode placement as the surgeon states it, and the domains it implies.

The surgeon gives the side, the target (``leg`` or ``arm`` fibres of the
spinothalamic tract), how far anterior to the dentate ligament the needle enters
the cord (``offset``), how deep the tip end goes past the pia (``depth``), the
electrode (Kanpolat kit defaults: 0.40 mm diameter, 2 mm exposed tip) and an
optional tilt.  The needle comes from lateral (x > 0) toward medial in the axial
plane.

Geometry (metres, cross-section axes of :mod:`rfsim.anatomy.model`): the needle meets
the outer surface of the pia at the entry point (x_e, y_d + offset, 0), where y_d
is the height of the dentate ligament's attachment.  With no tilt it runs along
-x.  ``tilt_deg = (cranio_caudal, in_plane)``: a positive cranio-caudal tilt
sends the tip cranially (+z) as it advances, a positive in-plane tilt sends it
anteriorly (+y); both rotate the needle about the entry point.

Rules (each breach raises :class:`rfsim.errors.ConfigError` with the limit):

* the tip end must lie inside the cord (depth > 0 and not beyond the far
  surface) and in the lesion half (x > 0): it may not cross the midline;
* the needle must meet the cord at the stated offset;
* the shaft must pass through the bony window between the C1 posterior arch and
  the C2 lamina: a slot of height ``bone.height_m`` at ``bone.lateral_m`` from the
  midline (an assumption documented in ``meshes/c1c2.toml``), so the
  cranio-caudal tilt is limited; the in-plane tilt is limited to
  ``bone.max_in_plane_deg``.

A placement that misses the target tract is not an error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from rfsim.anatomy.model import SIDES, Anatomy
from rfsim.physics.domain import Domain, MeshSettings, layered_axisymmetric, surface_walls
from rfsim.physics.electrode import KANPOLAT_DIAMETER_MM, KANPOLAT_TIP_MM, Electrode
from rfsim.errors import ConfigError, require_number
from rfsim.numerics.grid import cartesian_grid, graded_edges
from rfsim.physics.tissue import tissue

TARGETS = ("leg", "arm")
#: Offset anterior to the dentate ligament (mm): leg 1-2 mm, arm 2-3 mm
#: (Shepherd et al., AJNR 2017); the middle of each range.
DEFAULT_OFFSET_MM = {"leg": 1.5, "arm": 2.5}
#: Depth of the tip end past the pia (mm).  Assumption: the exposed tip (2 mm)
#: plus the pia (0.05 mm) lies wholly inside the cord with ~0.45 mm to spare.
#: Shallower, the tip's proximal edge sits in the pia and drives current through
#: it into the CSF: at 2.0 mm the pia there reaches 186 C in the model.  The arm
#: placement is 0.5 mm deeper (its target lies ventromedial).
DEFAULT_DEPTH_MM = {"leg": 2.5, "arm": 3.0}
_MAX_TILT_DEG = 60.0


def _mm(v_m):
    """A length in m back in the mm the user typed (rounded past float noise),
    for messages; anything that is not a number is passed through."""
    if isinstance(v_m, bool) or not isinstance(v_m, (int, float)) or not math.isfinite(v_m):
        return v_m
    return round(v_m * 1e3, 9)


def _num(key, v, lo, hi, unit):
    return require_number(key, v, lo, hi, unit=unit)


@dataclass(frozen=True)
class Placement:
    """Where and how the electrode goes in (validated on construction).

    Attributes
    ----------
    side : {"right", "left"}
        The subject's side being lesioned (contralateral to the pain).
    target : {"leg", "arm"}
        Somatotopic target in the spinothalamic tract.
    offset_m : float
        Needle entry anterior to the dentate ligament (m), -4 to 6 mm.
    depth_m : float
        Distance (m) of the tip end past the pia along the needle, > 0.
    electrode : Electrode
        Diameter and exposed tip length.
    tilt_deg : tuple of float
        (cranio-caudal, in-plane) tilt of the needle (degrees).
    """

    side: str = "right"
    target: str = "leg"
    offset_m: float = DEFAULT_OFFSET_MM["leg"] * 1e-3
    depth_m: float = DEFAULT_DEPTH_MM["leg"] * 1e-3
    electrode: Electrode = field(default_factory=Electrode)
    tilt_deg: tuple = (0.0, 0.0)

    def __post_init__(self):
        if self.side not in SIDES:
            raise ConfigError("side", self.side, f"allowed: {', '.join(SIDES)}")
        if self.target not in TARGETS:
            raise ConfigError("target", self.target, f"allowed: {', '.join(TARGETS)}")
        _num("offset_mm", _mm(self.offset_m), -4.0, 6.0, "mm anterior to the dentate ligament")
        d = self.depth_m
        if isinstance(d, bool) or not isinstance(d, (int, float)) or not math.isfinite(d) or d <= 0:
            raise ConfigError("depth_mm", _mm(d), "must be > 0 mm: the tip must be past the pia, inside the cord")
        _num("depth_mm", _mm(d), 0.0, 12.0, "past the pia")
        if not isinstance(self.electrode, Electrode):
            raise ConfigError("electrode", self.electrode, "must be an rfsim.physics.electrode.Electrode")
        t = self.tilt_deg
        if isinstance(t, (int, float)) and not isinstance(t, bool):
            t = (float(t), 0.0)
        if not isinstance(t, (tuple, list)) or len(t) != 2:
            raise ConfigError("tilt_deg", self.tilt_deg, "must be (cranio_caudal, in_plane) in degrees")
        t = tuple(_num(k, v, -_MAX_TILT_DEG, _MAX_TILT_DEG, "deg")
                  for k, v in zip(("tilt_deg[cranio_caudal]", "tilt_deg[in_plane]"), t))
        object.__setattr__(self, "tilt_deg", t)

    @classmethod
    def default(cls, target: str = "leg", side: str = "right") -> "Placement":
        """The usual placement for a target: offset leg 1.5 mm / arm 2.5 mm,
        depth leg 2.0 mm / arm 2.5 mm, Kanpolat electrode, no tilt."""
        if target not in TARGETS:
            raise ConfigError("target", target, f"allowed: {', '.join(TARGETS)}")
        return cls.from_mm(side=side, target=target)

    @classmethod
    def from_mm(cls, *, side="right", target="leg", offset_mm=None, depth_mm=None, diameter_mm=None,
                tip_mm=None, tilt_deg=(0.0, 0.0)) -> "Placement":
        """Placement from millimetres (None: the target's default).

        Parameters
        ----------
        offset_mm : float
            Entry anterior to the dentate ligament (mm).
        depth_mm : float
            Tip end past the pia (mm).
        diameter_mm, tip_mm : float
            Electrode diameter and exposed tip length (mm); Kanpolat kit 0.40, 2.
        tilt_deg : (float, float)
            Cranio-caudal and in-plane tilt (degrees).
        """
        if target not in TARGETS:
            raise ConfigError("target", target, f"allowed: {', '.join(TARGETS)}")
        off = DEFAULT_OFFSET_MM[target] if offset_mm is None else offset_mm
        dep = DEFAULT_DEPTH_MM[target] if depth_mm is None else depth_mm
        for k, v in (("offset_mm", off), ("depth_mm", dep)):
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise ConfigError(k, v, "must be a number (mm)")
        el = Electrode((KANPOLAT_DIAMETER_MM if diameter_mm is None else diameter_mm) * 1e-3,
                       (KANPOLAT_TIP_MM if tip_mm is None else tip_mm) * 1e-3)
        return cls(side, target, off * 1e-3, dep * 1e-3, el, tuple(tilt_deg))


@dataclass(frozen=True)
class NeedlePath:
    """The needle in cross-section coordinates (m).

    Attributes
    ----------
    tip_m : tuple
        Distal end of the exposed tip (x, y, z), m.
    direction : tuple
        Unit vector from the tip back along the shaft (lateral, x > 0).
    entry_m : tuple
        Where the needle meets the outer surface of the pia (x, y, z), m.
    depth_m : float
        Distance (m) from the tip end to the pia along the needle.
    tip_length_m : float
        Exposed tip length (m).
    radius_m : float
        Electrode radius (m).
    """

    tip_m: tuple
    direction: tuple
    entry_m: tuple
    depth_m: float
    tip_length_m: float
    radius_m: float

    def point(self, s_m):
        """Points (3, ...) in m at distance(s) s_m from the tip end back along the shaft."""
        s = np.asarray(s_m, float)
        return np.array([self.tip_m[i] + s * self.direction[i] for i in range(3)])

    @property
    def tip_proximal_m(self) -> tuple:
        """Proximal end (x, y, z) in m of the exposed tip."""
        return tuple(float(v) for v in self.point(self.tip_length_m))


def needle_path(anatomy: Anatomy, placement: Placement) -> NeedlePath:
    """The needle of a placement in an anatomy; validates the placement.

    Raises
    ------
    ConfigError
        Side mismatch, needle missing the cord, tip outside the cord or across
        the midline, or the shaft through bone.
    """
    if placement.side != anatomy.side:
        raise ConfigError("side", placement.side, f"must match the anatomy's lesion side ({anatomy.side!r})")
    cc, ip = (math.radians(t) for t in placement.tilt_deg)
    bone = anatomy.bone
    if abs(placement.tilt_deg[1]) > bone.max_in_plane_deg:
        raise ConfigError("tilt_deg[in_plane]", placement.tilt_deg[1],
                          f"the shaft would pass through bone (lateral masses): at most +-{bone.max_in_plane_deg:g} deg")
    y_e = anatomy.dentate_m[1] + placement.offset_m
    x_e = anatomy.pia_crossing_x(y_e)
    if x_e is None or x_e <= 0:
        y0, y1 = anatomy.outline.points()[1].min(), anatomy.outline.points()[1].max()
        lo = (y0 - anatomy.dentate_m[1]) * 1e3
        hi = (y1 - anatomy.dentate_m[1]) * 1e3
        raise ConfigError("offset_mm", round(float(placement.offset_m) * 1e3, 6),
                          f"the needle misses the cord: allowed ({lo:.2f}, {hi:.2f}) mm from the dentate ligament")
    # direction from the tip back along the shaft (lateral)
    d = np.array([math.cos(cc) * math.cos(ip), -math.cos(cc) * math.sin(ip), -math.sin(cc)])
    entry = np.array([x_e, y_e, 0.0])
    tip = entry - placement.depth_m * d
    # how far the needle can go: to the far surface of the cord or to the midline
    s = np.linspace(0.0, 2.0 * anatomy.rl_m, 8001)
    pts = entry[:, None] - s[None, :] * d[:, None]
    inside = anatomy.outline.contains(pts[0], pts[1]) & (pts[0] > 0)
    # first step past the pia's inner surface, then the first step outside again
    first_in = int(np.argmax(inside)) if inside.any() else None
    if first_in is None:
        raise ConfigError("offset_mm", round(float(placement.offset_m) * 1e3, 6), "the needle misses the cord")
    out_after = np.nonzero(~inside[first_in:])[0]
    s_max = s[first_in + out_after[0]] if out_after.size else s[-1]
    crosses_mid = out_after.size and pts[0, first_in + out_after[0]] <= 0
    tip_inside = bool(anatomy.outline.contains(tip[0], tip[1])) and tip[0] > 0
    if not tip_inside or placement.depth_m > s_max:
        if placement.depth_m > s[first_in] and crosses_mid:
            why = f"puts the tip across the midline into the other half of the cord: at most {s_max * 1e3:.2f} mm"
        elif placement.depth_m <= s[first_in]:
            why = f"leaves the tip in the pia, outside the cord: must exceed {s[first_in] * 1e3:.2f} mm"
        else:
            why = f"puts the tip outside the cord (beyond its far surface): at most {s_max * 1e3:.2f} mm"
        raise ConfigError("depth_mm", round(float(placement.depth_m) * 1e3, 6), why)
    # bone: the shaft must pass through the C1-C2 window (a slot centred on z = 0)
    x_w = bone.lateral_m + anatomy.displacement_m  # the bone stays with the dura
    if d[0] <= 0:
        raise ConfigError("tilt_deg", placement.tilt_deg, "the needle must come from lateral")
    s_w = (x_w - tip[0]) / d[0]
    z_w = tip[2] + s_w * d[2]
    half = 0.5 * bone.height_m - placement.electrode.radius_m
    if abs(z_w) > half:
        lim = math.degrees(math.atan(half / max(x_w - x_e, 1e-9)))
        raise ConfigError("tilt_deg[cranio_caudal]", placement.tilt_deg[0],
                          f"the shaft would pass through bone (C1 arch / C2 lamina): the C1-C2 window allows "
                          f"at most +-{lim:.1f} deg here")
    return NeedlePath(tuple(float(v) for v in tip), tuple(float(v) for v in d), tuple(float(v) for v in entry),
                      float(placement.depth_m), placement.electrode.tip_length_m, placement.electrode.radius_m)


def _labels_along(anatomy, path, z):
    p = path.point(z)
    return anatomy.tissue_at(p[0], p[1])


def axisymmetric_layers(anatomy: Anatomy, placement: Placement) -> list:
    """Tissue layers met along the needle, for :func:`rfsim.physics.domain.layered_axisymmetric`.

    z = 0 at the distal tip end, +z back along the shaft (lateral).  Layers from
    the deepest: grey matter (if the needle line meets it before the midline or
    the far cord surface, along or beyond the tip), cord white matter, pia, CSF,
    dura and the tissue beyond; each entry is (z of its upper surface in m,
    Tissue), the last extends to the boundary.

    Returns
    -------
    list of (float, Tissue)
    """
    path = needle_path(anatomy, placement)
    names = anatomy.tissue_names
    WM, GM, PIA, CSF, DURA = (names.index(n) for n in ("white_matter", "grey_matter", "pia", "csf", "dura"))
    step = 1e-6
    z = np.arange(-2.0 * anatomy.rl_m, 3.0 * anatomy.rl_m + anatomy.csf_gap_m + anatomy.displacement_m, step)
    lab = _labels_along(anatomy, path, z)
    p = path.point(z)
    i0 = int(np.searchsorted(z, 0.0))

    def first_up(start, want):
        """Index of the first sample at or above ``start`` whose label is not in want."""
        idx = np.nonzero(~np.isin(lab[start:], want))[0]
        return start + int(idx[0]) if idx.size else None

    # the tip end is in the cord: walk outward through cord, pia, CSF, dura
    j_cord = first_up(i0, [WM, GM])
    j_pia = first_up(j_cord, [PIA])
    j_csf = first_up(j_pia, [CSF])
    j_dura = first_up(j_csf, [DURA])
    if None in (j_cord, j_pia, j_csf, j_dura):
        raise ConfigError("placement", placement, "the needle does not pass cord, pia, CSF and dura in order")
    tops = [(z[j_cord] - step / 2, "white_matter"), (z[j_pia] - step / 2, "pia"), (z[j_csf] - step / 2, "csf"),
            (z[j_dura] - step / 2, "dura")]
    # grey matter: the first grey sample going inward from the cord surface,
    # on this side of the midline and before the needle line leaves the cord
    inward = np.arange(j_cord - 1, -1, -1)
    ok = np.isin(lab[inward], [WM, GM]) & (p[0, inward] > 0)
    stop = np.nonzero(~ok)[0]
    inward = inward[: stop[0]] if stop.size else inward
    g = inward[lab[inward] == GM]
    layers = []
    if g.size:
        layers.append((float(z[g[0]] + step / 2), tissue("grey_matter")))
    layers += [(float(t), tissue(n)) for t, n in tops]
    layers.append((math.inf, tissue(anatomy.beyond_tissue)))
    return layers


def axisymmetric_domain(anatomy: Anatomy, placement: Placement, mesh: MeshSettings = MeshSettings(), **kw) -> Domain:
    """Axisymmetric domain of the layers met along the needle
    (:func:`axisymmetric_layers`); keywords go to layered_axisymmetric."""
    return layered_axisymmetric(axisymmetric_layers(anatomy, placement), placement.electrode, mesh, **kw)


#: Mesh defaults of the 3-D grid: coarser than the axisymmetric default so that
#: the grid stays near 1e6 cells.  47 um asked gives cells of at most 50 um at
#: the tip (graded_edges rounds to whole cells); with the cut-cell walls the
#: impedance is then within 2 % of a grid-independent value (docs/model3d.md).
CARTESIAN_MESH = MeshSettings(min_cell_m=47e-6, interface_cell_m=100e-6, growth=1.2, max_cell_m=2e-3,
                              extent_m=30e-3)


def cartesian_domain(anatomy: Anatomy, placement: Placement, mesh: MeshSettings | None = None,
                     half_length_m: float = 10e-3, n_sub: int = 3, tissues=None, **kw) -> Domain:
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
    kw
        ``temperature_c``, ``arterial_c`` for Domain.

    Returns
    -------
    Domain
        Built with Domain.from_fractions from the tissue fractions of the
        cross-section; metal = cell centres inside the electrode cylinder,
        exposed = the distal ``tip_length`` of it, sensor = the metal cell
        nearest the tip end.  White matter is anisotropic (``sigma_ratio``
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
    path = needle_path(anatomy, placement)
    tip = np.array(path.tip_m)
    d = np.array(path.direction)
    a, L, E = path.radius_m, path.tip_length_m, mesh.extent_m
    hmin, hif = mesh.min_cell_m, mesh.interface_cell_m
    prox = tip + L * d
    # interfaces met by the needle (cord surface, pia, dura) as x anchors
    layers = axisymmetric_layers(anatomy, placement)
    x_if = [float(tip[0] + zt * d[0]) for zt, _ in layers[:-1]]
    xa = [(tip[0], hmin), (prox[0], hmin)] + [(x, hif) for x in x_if if abs(x - tip[0]) < E]
    x = graded_edges([tip[0] - E, tip[0] + E], xa, mesh.growth, mesh.max_cell_m, mesh.refine)
    ya = [(tip[1] - a, hmin), (tip[1] + a, hmin), (prox[1], hmin)]
    y = graded_edges([tip[1] - E, tip[1] + E], ya, mesh.growth, mesh.max_cell_m, mesh.refine)
    za = [(tip[2] - a, hmin), (tip[2] + a, hmin), (prox[2], hmin)]
    z = graded_edges([tip[2] - half_length_m, tip[2] + half_length_m], za, mesh.growth, mesh.max_cell_m, mesh.refine)
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
    flat = np.where(metal, s, np.inf)
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

"""The C1-C2 cross-section: cord outline, tissue layers, grey matter and named tracts.

One immutable :class:`Anatomy` serves both sources of geometry:

* the parametric model, read from ``meshes/c1c2.toml`` by :func:`load_parametric`
  (shapes drawn for the population cord and scaled per axis to the patient);
* the PAM50 atlas, read by :func:`rfsim.anatomy.pam50.load_pam50` (partial-volume maps).

Coordinates (metres) are those of the cross-section: origin at the cord
centroid, **x** along the subject's left-right axis with x > 0 toward the side
being lesioned (``side``), **y** anterior, **z** cranial.  The named tracts are
those of the lesion side (x > 0); the tissues (white and grey matter, pia, CSF,
dura and the tissue beyond) cover both sides.

Tissue layers outward from the cord: the cord (grey matter inside white matter),
the pia (a band of ``pia_thickness_m`` outside the cord outline), CSF out to the
dura (an ellipse around the cord, lateral gap ``csf_gap_m``, anteroposterior gap
``csf_gap_ap_m``), the dura (``dura_thickness_m``) and the tissue beyond it out
to the return electrode (``beyond_tissue``).  When the needle pushes the cord
away (``displacement_m``) the cord and everything in it move by that amount
toward -x relative to the dura: the dura's centre is at (+displacement, 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import numpy as np

from rfsim.errors import ConfigError, require_number
from rfsim.inputs import read_toml
from rfsim.numerics.grid import readonly as _ro

#: Physics tissues of the cross-section, in the order of the fraction arrays.
#: The last entry is replaced by the model's ``beyond_tissue``.
LAYER_TISSUES = ("white_matter", "grey_matter", "pia", "csf", "dura")

#: Tract and zone regions every Anatomy provides (lesion side, x > 0).
TRACTS = ("lateral_spinothalamic", "stt_arm", "stt_trunk", "stt_leg", "stt_sacral",
          "lateral_corticospinal", "ventral_spinocerebellar", "dorsal_spinocerebellar",
          "rubrospinal", "dorsal_columns", "ventral_funiculus",
          "ventral_horn", "dorsal_horn", "intermediate_zone")
#: Whole-cord regions (both sides).
WHOLE = ("cord", "grey_matter", "white_matter")
#: Somatotopic zones of the spinothalamic tract, ventromedial to dorsolateral
#: (Shepherd et al., AJNR 2017, Fig 1).
STT_ZONES = ("stt_arm", "stt_trunk", "stt_leg", "stt_sacral")

LEVELS = ("C1", "C2")
SIDES = ("left", "right")
MESH_NAME = "c1c2.toml"

# Fine sampling step (m) for areas, centroids and zone limits.
_FINE_STEP = 20e-6


# --------------------------------------------------------------------------
# shapes of the parametric model (reference-cord millimetres)
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Sector:
    """An annular sector in elliptic-polar coordinates of the reference cord.

    A point (u, v) in mm has rho = sqrt((u/a)^2 + (v/b)^2) and elliptic angle
    theta = atan2(v/b, u/a) (degrees, from +x toward anterior), where a, b are
    the reference cord's semi-axes (mm).  Per-axis scaling leaves (rho, theta)
    unchanged, so a sector follows the patient's cord.
    """

    theta_deg: tuple
    rho: tuple

    def contains(self, u, v, a, b):
        """Boolean mask of points (u, v) (mm) inside the sector."""
        p, q = u / a, v / b
        rho = np.hypot(p, q)
        th = np.degrees(np.arctan2(q, p))
        return (rho >= self.rho[0]) & (rho <= self.rho[1]) & (th >= self.theta_deg[0]) & (th <= self.theta_deg[1])


@dataclass(frozen=True)
class Ellipse:
    """A rotated ellipse: centre (mm), semi-axes (mm), angle of the first axis
    from +x toward anterior (degrees)."""

    center_mm: tuple
    semi_axes_mm: tuple
    angle_deg: float

    def contains(self, u, v, a=None, b=None):
        """Boolean mask of points (u, v) (mm) inside the ellipse."""
        c, s = math.cos(math.radians(self.angle_deg)), math.sin(math.radians(self.angle_deg))
        du, dv = u - self.center_mm[0], v - self.center_mm[1]
        p = (c * du + s * dv) / self.semi_axes_mm[0]
        q = (-s * du + c * dv) / self.semi_axes_mm[1]
        return p * p + q * q <= 1.0


@dataclass(frozen=True)
class Polygon:
    """A simple polygon, vertices (mm) in order."""

    vertices_mm: tuple

    def contains(self, u, v, a=None, b=None):
        """Boolean mask of points (u, v) (mm) inside (even-odd rule)."""
        vx = np.array([p[0] for p in self.vertices_mm])
        vy = np.array([p[1] for p in self.vertices_mm])
        inside = np.zeros(np.shape(u), bool)
        for x0, y0, x1, y1 in zip(vx, vy, np.roll(vx, -1), np.roll(vy, -1)):
            cross = (y0 > v) != (y1 > v)
            with np.errstate(divide="ignore", invalid="ignore"):
                xi = x0 + (v - y0) * (x1 - x0) / (y1 - y0)
            inside ^= cross & (u < xi)
        return inside


# --------------------------------------------------------------------------
# outline and regions (anatomy metres)
# --------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Outline:
    """A star-shaped closed curve around the origin, r(phi) in polar form.

    Attributes
    ----------
    phi : ndarray
        Polar angles (rad) of the table, increasing over [-pi, pi).
    r_m : ndarray
        Radius (m) at each angle.
    """

    phi: np.ndarray
    r_m: np.ndarray

    def __post_init__(self):
        object.__setattr__(self, "phi", _ro(self.phi))
        object.__setattr__(self, "r_m", _ro(self.r_m))

    @classmethod
    def ellipse(cls, a_m, b_m, n=1440):
        """Ellipse of semi-axes a_m (along x) and b_m (along y), metres."""
        phi = np.linspace(-np.pi, np.pi, n, endpoint=False)
        return cls(phi, a_m * b_m / np.hypot(b_m * np.cos(phi), a_m * np.sin(phi)))

    def radius(self, phi):
        """Radius (m) of the curve at polar angle(s) phi (rad)."""
        return np.interp(phi, self.phi, self.r_m, period=2 * np.pi)

    def contains(self, x, y, grow_m=0.0):
        """Points (m) inside the curve pushed outward radially by ``grow_m`` (m)."""
        return np.hypot(x, y) < self.radius(np.arctan2(y, x)) + grow_m

    def points(self, grow_m=0.0):
        """Closed polyline (x, y) in m of the curve pushed out by ``grow_m``."""
        r = self.r_m + grow_m
        x, y = r * np.cos(self.phi), r * np.sin(self.phi)
        return np.append(x, x[0]), np.append(y, y[0])

    @property
    def area_m2(self):
        """Enclosed area (m^2)."""
        x, y = self.points()
        return 0.5 * abs(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))


class Region:
    """A named region of the cross-section; ``sample`` gives its membership in
    [0, 1] at points (x, y) in metres (0/1 for sharp shapes, interpolated
    partial-volume fractions for atlas maps)."""



    def sample(self, x, y):  # pragma: no cover - interface
        raise NotImplementedError


@dataclass(frozen=True, eq=False)
class ShapeRegion(Region):
    """A union of reference-cord shapes, minus higher-priority regions, inside the
    cord, optionally mirrored to both sides.

    ``scale`` = (sx, sy) maps reference mm to patient mm per axis.
    """

    name: str
    shapes: tuple
    scale: tuple
    ref_semi_axes_mm: tuple
    outline: Outline
    exclude: tuple = ()
    both_sides: bool = False

    def raw(self, x, y):
        """Membership (bool) of the shapes alone, without exclusions or the cord."""
        u = np.asarray(x) * 1e3 / self.scale[0]
        v = np.asarray(y) * 1e3 / self.scale[1]
        if self.both_sides:
            u = np.abs(u)
        a, b = self.ref_semi_axes_mm
        m = np.zeros(np.shape(u), bool)
        for s in self.shapes:
            m |= s.contains(u, v, a, b)
        if not self.both_sides:
            m &= u > 0
        return m

    def sample(self, x, y):
        """Membership (0 or 1) at points (x, y) in m."""
        m = self.raw(x, y) & self.outline.contains(x, y)
        for other in self.exclude:
            m &= ~other.raw(x, y)
        return m.astype(float)


@dataclass(frozen=True, eq=False)
class RasterRegion(Region):
    """A partial-volume map on a regular 2-D grid, bilinearly interpolated.

    ``to_index`` is a 2x3 affine map from cross-section metres (x, y, 1) to
    fractional array indices (i, j); ``mask_positive_x`` keeps x > 0 only.
    """

    name: str
    data: np.ndarray
    to_index: np.ndarray
    mask_positive_x: bool = False
    y_range_m: tuple = (-np.inf, np.inf)

    def __post_init__(self):
        object.__setattr__(self, "data", _ro(self.data))
        object.__setattr__(self, "to_index", _ro(self.to_index))

    def sample(self, x, y):
        """Interpolated fraction in [0, 1] at points (x, y) in m."""
        from scipy.ndimage import map_coordinates

        x, y = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
        t = self.to_index
        i = t[0, 0] * x + t[0, 1] * y + t[0, 2]
        j = t[1, 0] * x + t[1, 1] * y + t[1, 2]
        f = map_coordinates(self.data, [i.ravel(), j.ravel()], order=1, cval=0.0).reshape(x.shape)
        f = np.clip(f, 0.0, 1.0)
        if self.mask_positive_x:
            f = np.where(x > 0, f, 0.0)
        lo, hi = self.y_range_m
        if lo > -np.inf or hi < np.inf:
            f = np.where((y >= lo) & (y < hi), f, 0.0)
        return f


@dataclass(frozen=True, eq=False)
class BandRegion(Region):
    """The part of ``parent`` whose projection on the direction ``angle_deg``
    (from +x toward anterior) lies in [lo_m, hi_m).  The projection is taken in
    reference-cord coordinates (x / scale[0], y / scale[1]) so that the zones
    scale with the cord like the tracts do."""

    name: str
    parent: Region
    angle_deg: float
    lo_m: float
    hi_m: float
    scale: tuple = (1.0, 1.0)

    def sample(self, x, y):
        """Membership at points (x, y) in m."""
        p = _project(x, y, self.angle_deg, self.scale)
        return np.where((p >= self.lo_m) & (p < self.hi_m), self.parent.sample(x, y), 0.0)


@dataclass(frozen=True, eq=False)
class CordRegion(Region):
    """The cord (``part='cord'``), its grey or its white matter, both sides."""

    name: str
    outline: Outline
    grey: Region

    def sample(self, x, y):
        """Membership at points (x, y) in m."""
        c = self.outline.contains(x, y).astype(float)
        if self.name == "cord":
            return c
        g = self.grey.sample(x, y)
        return c * g if self.name == "grey_matter" else c * (1.0 - g)


def _project(x, y, angle_deg, scale=(1.0, 1.0)):
    c, s = math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))
    return c * np.asarray(x) / scale[0] + s * np.asarray(y) / scale[1]


def band_limits(parent: Region, angle_deg: float, shares, bbox_m, step_m=_FINE_STEP, scale=(1.0, 1.0)):
    """Projection limits (m) splitting ``parent`` into bands of the given area
    shares along the direction ``angle_deg``.

    Parameters
    ----------
    parent : Region
    angle_deg : float
        Direction of the split (degrees from +x toward anterior).
    shares : sequence of float
        Area shares of the bands, in order along the direction; summing to 1.
    bbox_m : (x0, x1, y0, y1)
        Box (m) containing the parent.
    scale : (float, float)
        The projection is taken on (x / scale[0], y / scale[1]).

    Returns
    -------
    list of float
        len(shares) + 1 limits (m); the first and last are -inf and +inf.
    """
    x = np.arange(bbox_m[0] + step_m / 2, bbox_m[1], step_m)
    y = np.arange(bbox_m[2] + step_m / 2, bbox_m[3], step_m)
    X, Y = np.meshgrid(x, y, indexing="ij")
    w = parent.sample(X, Y).ravel()
    p = _project(X, Y, angle_deg, scale).ravel()
    keep = w > 0
    o = np.argsort(p[keep])
    cum = np.cumsum(w[keep][o])
    cum /= cum[-1]
    targets = np.cumsum(shares)[:-1]
    inner = np.interp(targets, cum, p[keep][o])
    return [-np.inf] + [float(v) for v in inner] + [np.inf]


# --------------------------------------------------------------------------
# the anatomy
# --------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class BoneWindow:
    """The bony window the needle passes through (C1 posterior arch above, C2
    lamina below), modelled as a slot.

    Attributes
    ----------
    height_m : float
        Cranio-caudal height of the window (m).
    lateral_m : float
        Distance (m) of the window from the cord midline along x.
    max_in_plane_deg : float
        Largest in-plane (anteroposterior) tilt of the needle (degrees).
    source : str
    """

    height_m: float
    lateral_m: float
    max_in_plane_deg: float
    source: str = ""


@dataclass(frozen=True, eq=False)
class Anatomy:
    """An immutable C1-C2 cross-section (see the module docstring for axes).

    Attributes
    ----------
    source : str
        ``"parametric"`` or ``"pam50"``.
    level : str
        Vertebral level, ``"C1"`` or ``"C2"``.
    side : str
        The subject's side at x > 0 (the lesion side), ``"left"`` or ``"right"``.
    ap_m, rl_m : float
        Cord anteroposterior and right-left diameters (m) of the cord's
        equivalent ellipse (equal second moments; the diameters themselves for
        the elliptical parametric cord).
    outline : Outline
        Cord surface (inner surface of the pia), polar about the cord centroid.
    pia_thickness_m : float
        Pia thickness (m), a band outside the cord outline.
    csf_gap_m : float
        Lateral CSF gap (m) from the cord to the dura, each side, before the
        needle displaces the cord.
    csf_gap_ap_m : float
        Anteroposterior CSF gap (m) from the cord to the dura.
    dura_thickness_m : float
        Dura thickness (m).
    displacement_m : float
        Displacement (m) of the cord away from the needle (toward -x) relative
        to the dura.
    beyond_tissue : str
        Tissue (name in rfsim.physics.tissue.TISSUES) outside the dura out to the return
        electrode.
    dentate_m : tuple of float
        Attachment point (x, y) in m of the dentate ligament on the lesion-side
        cord surface; the dentate line runs from it laterally (+x) to the dura.
    grey : Region
        Grey matter membership, both sides.
    regions : Mapping[str, Region]
        Named tract, zone and whole-cord regions (see TRACTS and WHOLE).
    stt_direction_deg : float
        Direction (degrees from +x toward anterior) along which the
        spinothalamic tract is split into its somatotopic zones, arm first.
    bone : BoneWindow
    notes : tuple of str
        Sources and assumptions, for reports.
    frame : rfsim.anatomy.frame.ImageFrame or None
        Where the cross-section sits in the image it was read from (PAM50 or
        the patient's); None for the parametric model, which has no image.
    """

    source: str
    level: str
    side: str
    ap_m: float
    rl_m: float
    outline: Outline
    pia_thickness_m: float
    csf_gap_m: float
    csf_gap_ap_m: float
    dura_thickness_m: float
    displacement_m: float
    beyond_tissue: str
    dentate_m: tuple
    grey: Region
    regions: MappingProxyType
    stt_direction_deg: float
    bone: BoneWindow
    notes: tuple = ()
    frame: object = None
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "regions", MappingProxyType(dict(self.regions)))
        missing = [n for n in TRACTS + WHOLE if n not in self.regions]
        if missing:
            raise ValueError(f"Anatomy lacks regions {missing}")

    # -- layers --------------------------------------------------------------
    @property
    def tissue_names(self) -> tuple:
        """Tissue names in the order of :meth:`tissue_fractions`."""
        return LAYER_TISSUES + (self.beyond_tissue,)

    @property
    def dura_center_m(self) -> tuple:
        """Centre (x, y) in m of the dural ellipses."""
        return (self.displacement_m, 0.0)

    @property
    def dura_inner_semi_axes_m(self) -> tuple:
        """Semi-axes (m) of the dura's inner surface along x and y."""
        half_rl = float(max(self.outline.radius(0.0), self.outline.radius(np.pi)))
        half_ap = float(max(self.outline.radius(np.pi / 2), self.outline.radius(-np.pi / 2)))
        return (half_rl + self.csf_gap_m, half_ap + self.csf_gap_ap_m)

    def _in_dura(self, x, y, grow_m=0.0):
        a, b = self.dura_inner_semi_axes_m
        cx, cy = self.dura_center_m
        return ((x - cx) / (a + grow_m)) ** 2 + ((y - cy) / (b + grow_m)) ** 2 < 1.0

    def tissue_weights(self, x, y) -> np.ndarray:
        """Tissue weights at points (m): array (ntissue, *shape) summing to 1."""
        x, y = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
        cord = self.outline.contains(x, y)
        g = np.where(cord, self.grey.sample(x, y), 0.0)
        pia = ~cord & self.outline.contains(x, y, self.pia_thickness_m)
        rest = ~cord & ~pia
        csf = rest & self._in_dura(x, y)
        dura = rest & ~csf & self._in_dura(x, y, self.dura_thickness_m)
        beyond = rest & ~csf & ~dura
        return np.stack([cord * (1.0 - g), g, pia, csf, dura, beyond]).astype(float)

    def tissue_at(self, x, y) -> np.ndarray:
        """Index into :attr:`tissue_names` of the dominant tissue at points (m)."""
        return np.argmax(self.tissue_weights(x, y), axis=0)

    # -- partial volumes ----------------------------------------------------
    @staticmethod
    def _subsample(x_edges, y_edges, n_sub):
        xe, ye = np.asarray(x_edges, float), np.asarray(y_edges, float)
        if xe.ndim != 1 or ye.ndim != 1 or xe.size < 2 or ye.size < 2 or np.any(np.diff(xe) <= 0) \
                or np.any(np.diff(ye) <= 0):
            raise ValueError("cell edges must be 1-D and strictly increasing")
        t = (np.arange(n_sub) + 0.5) / n_sub
        xs = (xe[:-1, None] + np.diff(xe)[:, None] * t[None, :]).ravel()
        ys = (ye[:-1, None] + np.diff(ye)[:, None] * t[None, :]).ravel()
        return np.meshgrid(xs, ys, indexing="ij")

    @staticmethod
    def _average(v, nx, ny, n_sub):
        return v.reshape(v.shape[:-2] + (nx, n_sub, ny, n_sub)).mean(axis=(-3, -1))

    def tissue_fractions(self, x_m, y_m, n_sub: int = 4) -> dict:
        """Partial-volume fraction of each tissue in the cells of a 2-D grid.

        Parameters
        ----------
        x_m, y_m : 1-D arrays
            Cell edges (m) along x and y.
        n_sub : int
            Subsamples per cell along each axis.

        Returns
        -------
        dict
            tissue name -> array (nx, ny) of volume fractions (sum 1 per cell).
        """
        X, Y = self._subsample(x_m, y_m, n_sub)
        w = self._average(self.tissue_weights(X, Y), len(x_m) - 1, len(y_m) - 1, n_sub)
        return dict(zip(self.tissue_names, w))

    def region_fractions(self, x_m, y_m, names=None, n_sub: int = 4) -> dict:
        """Partial-volume fraction of named regions in the cells of a 2-D grid.

        Parameters
        ----------
        x_m, y_m : 1-D arrays
            Cell edges (m).
        names : sequence of str, optional
            Regions (default: all of :attr:`regions`).
        n_sub : int
            Subsamples per cell along each axis.

        Returns
        -------
        dict
            region name -> array (nx, ny) of area fractions in [0, 1].
        """
        names = tuple(self.regions) if names is None else tuple(names)
        for n in names:
            self.region(n)
        X, Y = self._subsample(x_m, y_m, n_sub)
        nx, ny = len(x_m) - 1, len(y_m) - 1
        return {n: self._average(self.regions[n].sample(X, Y), nx, ny, n_sub) for n in names}

    # -- summaries ----------------------------------------------------------
    def region(self, name: str) -> Region:
        """The named region; ConfigError for unknown names."""
        try:
            return self.regions[name]
        except KeyError:
            raise ConfigError("region", name, f"allowed: {', '.join(self.regions)}") from None

    @property
    def bbox_m(self) -> tuple:
        """(x0, x1, y0, y1) in m of a box just containing the cord."""
        x, y = self.outline.points()
        pad = 0.1e-3
        return (x.min() - pad, x.max() + pad, y.min() - pad, y.max() + pad)

    def _moments(self, name):
        if name not in self._cache:
            r = self.region(name)
            x0, x1, y0, y1 = self.bbox_m
            x = np.arange(x0 + _FINE_STEP / 2, x1, _FINE_STEP)
            y = np.arange(y0 + _FINE_STEP / 2, y1, _FINE_STEP)
            X, Y = np.meshgrid(x, y, indexing="ij")
            w = r.sample(X, Y)
            s = w.sum()
            area = s * _FINE_STEP ** 2
            c = ((w * X).sum() / s, (w * Y).sum() / s) if s > 0 else (np.nan, np.nan)
            self._cache[name] = (float(area), (float(c[0]), float(c[1])))
        return self._cache[name]

    @property
    def cord_area_m2(self) -> float:
        """Cord cross-sectional area (m^2)."""
        return float(self.outline.area_m2)

    def region_area_m2(self, name: str) -> float:
        """Area (m^2) of the named region (partial volumes counted)."""
        return self._moments(name)[0]

    def region_centroid_m(self, name: str) -> tuple:
        """Centroid (x, y) in m of the named region."""
        return self._moments(name)[1]

    # -- convenience ----------------------------------------------------------
    def pia_crossing_x(self, y_m: float) -> float:
        """x (m) > 0 where the line at height y_m meets the pia's outer surface."""
        return _crossing_x(lambda x: self.outline.contains(x, np.full_like(x, y_m), self.pia_thickness_m), y_m,
                           self.rl_m * 2)


def _crossing_x(inside, y_m, x_max):
    """Largest x in (0, x_max) where ``inside`` (vectorised predicate) is true."""
    xs = np.linspace(0.0, x_max, 20001)
    m = inside(xs)
    if not m.any():
        return None
    return float(xs[np.nonzero(m)[0].max()])


# --------------------------------------------------------------------------
# the parametric model, read from meshes/c1c2.toml
# --------------------------------------------------------------------------
def mesh_path(name: str = MESH_NAME) -> Path:
    """Path of a file of the anatomy data: ``meshes/`` in the source tree, or the
    copy shipped in the installed package (``rfsim/meshes``)."""
    here = Path(__file__).resolve().parents[1]  # the rfsim package
    for p in (here / "meshes" / name, here.parent / "meshes" / name):
        if p.is_file():
            return p
    raise ConfigError("anatomy.mesh", name, f"not found in {here / 'meshes'} or {here.parent / 'meshes'}")


_TOP_KEYS = {"meta", "reference_cord", "levels", "layers", "dentate", "somatotopy", "bone", "region"}


def _check_keys(table, allowed, where):
    for k in table:
        if k not in allowed:
            raise ConfigError(f"{where}.{k}", table[k], f"unknown key; allowed: {', '.join(sorted(allowed))}")
    for k in allowed:
        if k not in table and k != "source" and not k.startswith("_opt_"):
            raise ConfigError(f"{where}.{k}", None, "missing")
    if "source" in allowed and not str(table.get("source", "")).strip():
        raise ConfigError(f"{where}.source", table.get("source"), "every number needs a source")


def read_mesh(path=None) -> dict:
    """Read and validate the parametric anatomy file (TOML).

    Unknown or missing keys raise ConfigError; every table carries a ``source``.
    Returns the parsed dict (numbers in mm and degrees, as in the file).
    """
    d, _ = read_toml(path if path is not None else mesh_path(), "anatomy.mesh")
    _check_keys(d, _TOP_KEYS, "c1c2")
    _check_keys(d["reference_cord"], {"ap_mm", "rl_mm", "source"}, "reference_cord")
    for lev in LEVELS:
        if lev not in d["levels"]:
            raise ConfigError(f"levels.{lev}", None, "missing")
        _check_keys(d["levels"][lev], {"ap_mm", "rl_mm", "source"}, f"levels.{lev}")
    _check_keys(d["layers"], {"pia_thickness_mm", "csf_gap_lateral_mm", "csf_gap_ap_mm", "dura_thickness_mm",
                              "beyond_tissue", "source"}, "layers")
    _check_keys(d["dentate"], {"angle_deg", "source"}, "dentate")
    _check_keys(d["somatotopy"], {"order", "direction_deg", "shares", "source"}, "somatotopy")
    _check_keys(d["bone"], {"window_height_mm", "window_lateral_mm", "max_in_plane_tilt_deg", "source"}, "bone")
    if list(d["somatotopy"]["order"]) != [z[4:] for z in STT_ZONES]:
        raise ConfigError("somatotopy.order", d["somatotopy"]["order"], "must be ['arm', 'trunk', 'leg', 'sacral']")
    shares = d["somatotopy"]["shares"]
    if len(shares) != 4 or abs(sum(shares) - 1) > 1e-9 or min(shares) <= 0:
        raise ConfigError("somatotopy.shares", shares, "four positive shares summing to 1")
    names = set()
    for i, r in enumerate(d["region"]):
        _check_keys(r, {"name", "shapes", "source"}, f"region[{i}]")
        if r["name"] in names:
            raise ConfigError(f"region[{i}].name", r["name"], "duplicate")
        names.add(r["name"])
    need = {"ventral_horn", "dorsal_horn", "intermediate_zone", "lateral_spinothalamic", "lateral_corticospinal",
            "spinocerebellar", "rubrospinal", "dorsal_columns", "ventral_funiculus"}
    if need - names:
        raise ConfigError("region", sorted(need - names), f"missing; the file must define {sorted(need)}")
    return d


def _shape(spec, where):
    kind = spec.get("kind")
    keys = {"sector": {"kind", "theta_deg", "rho"}, "ellipse": {"kind", "center_mm", "semi_axes_mm", "angle_deg"},
            "polygon": {"kind", "vertices_mm"}}
    if kind not in keys:
        raise ConfigError(f"{where}.kind", kind, f"allowed: {', '.join(keys)}")
    _check_keys(spec, keys[kind], where)
    if kind == "sector":
        return Sector(tuple(spec["theta_deg"]), tuple(spec["rho"]))
    if kind == "ellipse":
        return Ellipse(tuple(spec["center_mm"]), tuple(spec["semi_axes_mm"]), float(spec["angle_deg"]))
    return Polygon(tuple(tuple(v) for v in spec["vertices_mm"]))


def _check_range(key, v, lo, hi, unit="mm"):
    return require_number(key, v, lo, hi, unit=unit)


def _check_choice(key, v, allowed):
    if v not in allowed:
        raise ConfigError(key, v, f"allowed: {', '.join(allowed)}")
    return v


def check_patient(level, ap_mm, rl_mm, csf_gap_mm, side, displacement_mm):
    """Validate patient parameters (mm); raises ConfigError naming the bad one."""
    _check_choice("level", level, LEVELS)
    _check_choice("side", side, SIDES)
    if ap_mm is not None:
        _check_range("ap_mm", ap_mm, 5.0, 12.0)
    if rl_mm is not None:
        _check_range("rl_mm", rl_mm, 8.0, 16.0)
    if csf_gap_mm is not None:
        _check_range("csf_gap_mm", csf_gap_mm, 1.0, 10.0)
    _check_range("displacement_mm", displacement_mm, 0.0, 5.0)


def dentate_point(outline: Outline, ap_m: float, rl_m: float, angle_deg: float) -> tuple:
    """Point (x, y) in m on the lesion-side cord surface at elliptic angle
    ``angle_deg`` (degrees from +x toward anterior) of the ellipse with
    diameters ``rl_m`` x ``ap_m``: the dentate ligament's attachment."""
    t = math.radians(angle_deg)
    phi = math.atan2(0.5 * ap_m * math.sin(t), 0.5 * rl_m * math.cos(t))
    r = float(outline.radius(phi))
    return (r * math.cos(phi), r * math.sin(phi))


def finish_anatomy(*, source, level, side, ap_m, rl_m, outline, grey, tracts, layers, dentate_angle_deg,
                   somatotopy, bone, csf_gap_m, displacement_m, ref_mm=(8.0, 11.5), notes=(), frame=None):
    """Assemble an :class:`Anatomy` from an outline, grey matter and the tract
    regions (dict name -> Region, every name of TRACTS except the STT zones),
    adding the somatotopic zones, the whole-cord regions and the dentate point.

    ``dentate_angle_deg`` is an elliptic angle on the cord's equivalent ellipse
    (degrees from +x toward anterior).  ``ref_mm`` = (AP, RL) of the reference
    cord (mm), in whose coordinates the somatotopic split is made.  ``frame``
    places the cross-section in its image (:class:`rfsim.anatomy.frame.ImageFrame`).
    Lengths in m.
    """
    if displacement_m > csf_gap_m - 0.2e-3 + 1e-12:
        raise ConfigError("displacement_mm", round(displacement_m * 1e3, 6),
                          f"must leave >= 0.2 mm of CSF on the far side: at most {(csf_gap_m * 1e3 - 0.2):g} mm "
                          "for this CSF gap")
    dentate = dentate_point(outline, ap_m, rl_m, dentate_angle_deg)
    regions = dict(tracts)
    stt = regions["lateral_spinothalamic"]
    x, y = outline.points()
    bbox = (0.0, x.max() + 1e-4, y.min() - 1e-4, y.max() + 1e-4)
    scale = (rl_m / ref_mm[1] * 1e3, ap_m / ref_mm[0] * 1e3)
    lim = band_limits(stt, somatotopy["direction_deg"], somatotopy["shares"], bbox, scale=scale)
    for i, zone in enumerate(STT_ZONES):
        regions[zone] = BandRegion(zone, stt, float(somatotopy["direction_deg"]), lim[i], lim[i + 1], scale)
    for n in WHOLE:
        regions[n] = CordRegion(n, outline, grey)
    return Anatomy(source=source, level=level, side=side, ap_m=float(ap_m), rl_m=float(rl_m), outline=outline,
                   pia_thickness_m=layers["pia_thickness_mm"] * 1e-3, csf_gap_m=float(csf_gap_m),
                   csf_gap_ap_m=layers["csf_gap_ap_mm"] * 1e-3, dura_thickness_m=layers["dura_thickness_mm"] * 1e-3,
                   displacement_m=float(displacement_m), beyond_tissue=layers["beyond_tissue"], dentate_m=dentate,
                   grey=grey, regions=regions, stt_direction_deg=float(somatotopy["direction_deg"]),
                   bone=BoneWindow(bone["window_height_mm"] * 1e-3, bone["window_lateral_mm"] * 1e-3,
                                   float(bone["max_in_plane_tilt_deg"]), bone["source"]),
                   notes=tuple(notes), frame=frame)


def load_parametric(path=None, *, level: str = "C2", ap_mm: float | None = None, rl_mm: float | None = None,
                    csf_gap_mm: float | None = None, side: str = "right", displacement_mm: float = 0.0,
                    outline: Outline | None = None) -> Anatomy:
    """The parametric C1-C2 cross-section scaled to a patient.

    Parameters
    ----------
    path : str or Path, optional
        Anatomy file (default ``meshes/c1c2.toml``).
    level : {"C1", "C2"}
        Vertebral level; sets the default cord diameters (Valosek 2024).
    ap_mm, rl_mm : float, optional
        Cord anteroposterior (5-12 mm) and right-left (8-16 mm) diameters (mm).
    csf_gap_mm : float, optional
        Lateral CSF gap between cord and dura (mm, 1-10; default from the file).
    side : {"right", "left"}
        The subject's side being lesioned; it lies at x > 0.
    displacement_mm : float
        Displacement of the cord away from the needle (mm, 0-5), leaving at
        least 0.2 mm of CSF on the far side.
    outline : Outline, optional
        A measured cord outline (a patient's segmentation) instead of the
        ellipse of ``ap_mm`` x ``rl_mm``; the tract shapes, scaled to those
        diameters, are clipped to it.

    Returns
    -------
    Anatomy
        Tract shapes scale per axis with the cord diameters, so every tract keeps
        its position relative to the cord outline.
    """
    check_patient(level, ap_mm, rl_mm, csf_gap_mm, side, displacement_mm)
    d = read_mesh(path)
    ref = d["reference_cord"]
    lev = d["levels"][level]
    ap = float(ap_mm if ap_mm is not None else lev["ap_mm"])
    rl = float(rl_mm if rl_mm is not None else lev["rl_mm"])
    gap = float(csf_gap_mm if csf_gap_mm is not None else d["layers"]["csf_gap_lateral_mm"])
    from rfsim.physics.tissue import TISSUES

    _check_choice("layers.beyond_tissue", d["layers"]["beyond_tissue"], tuple(TISSUES))
    if outline is None:
        outline = Outline.ellipse(rl * 0.5e-3, ap * 0.5e-3)
    scale = (rl / ref["rl_mm"], ap / ref["ap_mm"])
    semi = (ref["rl_mm"] / 2, ref["ap_mm"] / 2)
    built, earlier = {}, []
    for i, spec in enumerate(d["region"]):
        shapes = tuple(_shape(s, f"region[{i}].shapes[{j}]") for j, s in enumerate(spec["shapes"]))
        r = ShapeRegion(spec["name"], shapes, scale, semi, outline, tuple(earlier))
        built[spec["name"]] = r
        earlier.append(r)
    gm_shapes = sum((built[n].shapes for n in ("ventral_horn", "dorsal_horn", "intermediate_zone")), ())
    grey = ShapeRegion("grey_matter", gm_shapes, scale, semi, outline, (), both_sides=True)
    tracts = {n: r for n, r in built.items() if n != "spinocerebellar"}
    # The atlas has one spinocerebellar rim (labelled ventral); the dentate line
    # splits it into the dorsal (behind) and ventral (in front) tracts.
    y_dent = dentate_point(outline, ap * 1e-3, rl * 1e-3, d["dentate"]["angle_deg"])[1]
    sc = built["spinocerebellar"]
    tracts["ventral_spinocerebellar"] = _SplitRegion("ventral_spinocerebellar", sc, y_dent, np.inf)
    tracts["dorsal_spinocerebellar"] = _SplitRegion("dorsal_spinocerebellar", sc, -np.inf, y_dent)
    notes = (f"parametric model {Path(path or mesh_path()).name}", d["meta"].get("source", ""))
    return finish_anatomy(source="parametric", level=level, side=side, ap_m=ap * 1e-3, rl_m=rl * 1e-3,
                          outline=outline, grey=grey, tracts=tracts, layers=d["layers"],
                          dentate_angle_deg=d["dentate"]["angle_deg"], somatotopy=d["somatotopy"], bone=d["bone"],
                          csf_gap_m=gap * 1e-3, displacement_m=displacement_mm * 1e-3,
                          ref_mm=(ref["ap_mm"], ref["rl_mm"]), notes=notes)


@dataclass(frozen=True, eq=False)
class _SplitRegion(Region):
    """The part of ``parent`` with lo_m <= y < hi_m (m)."""

    name: str
    parent: Region
    lo_m: float
    hi_m: float

    def sample(self, x, y):
        y = np.asarray(y)
        return np.where((y >= self.lo_m) & (y < self.hi_m), self.parent.sample(x, y), 0.0)

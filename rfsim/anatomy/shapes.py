"""Shapes and regions of the cross-section.

Two kinds of geometry:

* shapes of the parametric model in reference-cord millimetres
  (:class:`Sector`, :class:`Ellipse`, :class:`Polygon`), read from
  ``meshes/c1c2.toml`` and scaled per axis to the patient's cord;
* the cord outline (:class:`Outline`) and the named regions (:class:`Region`
  and its kinds) in cross-section metres, which every :class:`Anatomy
  <rfsim.anatomy.cross_section.Anatomy>` is built from.

A region's ``sample(x, y)`` is its membership in [0, 1] at points in metres:
0 or 1 for sharp shapes, interpolated partial-volume fractions for atlas maps.
Regions are built on each other (a tract excludes the tracts before it, a zone
is a band of its tract), so sampling many regions at the same points goes
through :class:`Points`, which computes each part once
(:meth:`Region.sample_at`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from rfsim.numerics.grid import readonly
from rfsim.numerics.jit import readonly_view
from rfsim.numerics.shapes import in_ellipse, periodic_interp, periodic_table

#: Fine sampling step (m) for areas, centroids and zone limits.
FINE_STEP_M = 20e-6


# --------------------------------------------------------------------------
# shapes of the parametric model (reference-cord millimetres)
# --------------------------------------------------------------------------
class ReferencePoints:
    """Points (u, v) in reference-cord mm with the reference cord's semi-axes
    (a, b) in mm; their elliptic-polar coordinates are computed once for every
    sector tested on them."""

    def __init__(self, u, v, a, b):
        self.u, self.v, self.a, self.b = u, v, a, b

    @cached_property
    def polar(self) -> tuple:
        """(rho, theta in degrees) as :class:`Sector` defines them."""
        p, q = self.u / self.a, self.v / self.b
        return np.hypot(p, q), np.degrees(np.arctan2(q, p))


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
        return self.contains_ref(ReferencePoints(u, v, a, b))

    def contains_ref(self, ref: ReferencePoints):
        """Boolean mask of :class:`ReferencePoints` inside the sector."""
        rho, th = ref.polar
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
        u, v = np.broadcast_arrays(np.asarray(u, float), np.asarray(v, float))
        out = np.empty(u.shape, bool)
        in_ellipse(*(readonly_view(np.ascontiguousarray(w).ravel()) for w in (u, v)), float(self.center_mm[0]),
                   float(self.center_mm[1]), c, s, float(self.semi_axes_mm[0]), float(self.semi_axes_mm[1]),
                   out.reshape(-1))
        return out[()]  # a NumPy bool for a scalar point

    def contains_ref(self, ref: ReferencePoints):
        """Boolean mask of :class:`ReferencePoints` inside the ellipse."""
        return self.contains(ref.u, ref.v)


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

    def contains_ref(self, ref: ReferencePoints):
        """Boolean mask of :class:`ReferencePoints` inside the polygon."""
        return self.contains(ref.u, ref.v)


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
        object.__setattr__(self, "phi", readonly(self.phi))
        object.__setattr__(self, "r_m", readonly(self.r_m))

    @classmethod
    def ellipse(cls, a_m, b_m, n=1440):
        """Ellipse of semi-axes a_m (along x) and b_m (along y), metres."""
        phi = np.linspace(-np.pi, np.pi, n, endpoint=False)
        return cls(phi, a_m * b_m / np.hypot(b_m * np.cos(phi), a_m * np.sin(phi)))

    @cached_property
    def _periodic(self) -> tuple:
        # the table as np.interp(period=2 pi) extends it on every call, made once
        return tuple(readonly(a) for a in periodic_table(self.phi, self.r_m, 2 * np.pi))

    def radius(self, phi):
        """Radius (m) of the curve at polar angle(s) phi (rad): ``np.interp(phi,
        self.phi, self.r_m, period=2 * np.pi)`` to the last bit, compiled."""
        phi = np.asarray(phi, float)
        out = np.empty(phi.shape)
        periodic_interp(readonly_view(np.ascontiguousarray(phi).ravel()), *self._periodic, 2 * np.pi,
                        out.reshape(-1))
        return out[()]  # a NumPy float for a scalar angle

    def polar(self, x, y) -> tuple:
        """(distance from the origin, the curve's radius at their angle) of points (m)."""
        return np.hypot(x, y), self.radius(np.arctan2(y, x))

    def contains(self, x, y, grow_m=0.0):
        """Points (m) inside the curve pushed outward radially by ``grow_m`` (m)."""
        r, radius = self.polar(x, y)
        return r < radius + grow_m

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


class Points:
    """Points (x, y) in m at which several regions are sampled, and what has
    been computed at them: each region's membership, the shapes of the regions
    it excludes, the cord outline.  A raster of every tract computes each of
    these once instead of once per region that uses it; the values are the
    same.  The arrays kept here are shared: do not change them in place."""

    def __init__(self, x, y):
        self.x, self.y = x, y
        self._done = {}

    def get(self, key, compute):
        """``compute()``, computed once per hashable ``key`` at these points."""
        if key not in self._done:
            self._done[key] = compute()
        return self._done[key]

    def inside(self, outline: Outline, grow_m: float = 0.0):
        """``outline.contains(x, y, grow_m)`` at these points (their polar coordinates computed once)."""
        r, radius = self.get((outline, "polar"), lambda: outline.polar(self.x, self.y))
        return self.get((outline, "contains", grow_m), lambda: r < radius + grow_m)


class Region:
    """A named region of the cross-section; ``sample`` gives its membership in
    [0, 1] at points (x, y) in metres (0/1 for sharp shapes, interpolated
    partial-volume fractions for atlas maps).  Subclasses compute it in
    ``_sample(points)``."""

    def sample(self, x, y):
        """Membership at points (x, y) in m."""
        return self._sample(Points(x, y))

    def sample_at(self, points: Points):
        """Membership at :class:`Points`, computed once per region and points
        (a shared array: do not change it in place)."""
        return points.get(self, lambda: self._sample(points))

    def _sample(self, points: Points):  # pragma: no cover - interface
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
        return self._raw(Points(x, y))

    def _reference(self, points: Points) -> ReferencePoints:
        """The points in reference-cord mm (the same for every region of one
        cord and side)."""
        def compute():
            u = np.asarray(points.x) * 1e3 / self.scale[0]
            v = np.asarray(points.y) * 1e3 / self.scale[1]
            return ReferencePoints(np.abs(u) if self.both_sides else u, v, *self.ref_semi_axes_mm)

        return points.get(("reference", self.scale, self.ref_semi_axes_mm, self.both_sides), compute)

    def _raw(self, points: Points):
        ref = self._reference(points)
        m = np.zeros(np.shape(ref.u), bool)
        for s in self.shapes:
            m |= s.contains_ref(ref)
        if not self.both_sides:
            m &= ref.u > 0
        return m

    def _raw_at(self, points: Points):
        return points.get((self, "raw"), lambda: self._raw(points))

    def _sample(self, points: Points):
        """Membership (0 or 1) at points in m."""
        m = self._raw_at(points) & points.inside(self.outline)
        for other in self.exclude:
            m &= ~other._raw_at(points)
        return m.astype(float)

    def sample(self, x, y):
        """Membership (0 or 1) at points (x, y) in m.  Sampled alone (a zone's
        limits, an area), the cord outline and the regions excluded are tested
        only where the region's own shapes hold, a few per cent of a box
        around the cord; every test is pointwise, so the values are the same."""
        x, y = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
        idx = np.flatnonzero(self._raw_at(Points(x, y)))
        out = np.zeros(x.shape)
        out.ravel()[idx] = self._sample(Points(x.ravel()[idx], y.ravel()[idx]))
        return out


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
        object.__setattr__(self, "data", readonly(self.data))
        object.__setattr__(self, "to_index", readonly(self.to_index))

    def _sample(self, points: Points):
        """Interpolated fraction in [0, 1] at points in m."""
        from scipy.ndimage import map_coordinates

        x, y = np.broadcast_arrays(np.asarray(points.x, float), np.asarray(points.y, float))
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

    def _sample(self, points: Points):
        """Membership at points in m."""
        # the zones of a tract share their direction: one projection for all
        p = points.get(("project", self.angle_deg, self.scale),
                       lambda: _project(points.x, points.y, self.angle_deg, self.scale))
        return np.where((p >= self.lo_m) & (p < self.hi_m), self.parent.sample_at(points), 0.0)


@dataclass(frozen=True, eq=False)
class CordRegion(Region):
    """The cord (``part='cord'``), its grey or its white matter, both sides."""

    name: str
    outline: Outline
    grey: Region

    def _sample(self, points: Points):
        """Membership at points in m."""
        c = points.inside(self.outline).astype(float)
        if self.name == "cord":
            return c
        g = self.grey.sample_at(points)
        return c * g if self.name == "grey_matter" else c * (1.0 - g)


@dataclass(frozen=True, eq=False)
class SplitRegion(Region):
    """The part of ``parent`` with lo_m <= y < hi_m (m)."""

    name: str
    parent: Region
    lo_m: float
    hi_m: float

    def _sample(self, points: Points):
        """Membership at points in m."""
        y = np.asarray(points.y)
        return np.where((y >= self.lo_m) & (y < self.hi_m), self.parent.sample_at(points), 0.0)


def _project(x, y, angle_deg, scale=(1.0, 1.0)):
    c, s = math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))
    return c * np.asarray(x) / scale[0] + s * np.asarray(y) / scale[1]


def band_limits(parent: Region, angle_deg: float, shares, bbox_m, step_m=FINE_STEP_M, scale=(1.0, 1.0)):
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
    keep = w > 0
    p = _project(X.ravel()[keep], Y.ravel()[keep], angle_deg, scale)  # pointwise: only where it is needed
    o = np.argsort(p)
    cum = np.cumsum(w[keep][o])
    cum /= cum[-1]
    targets = np.cumsum(shares)[:-1]
    inner = np.interp(targets, cum, p[o])
    return [-np.inf] + [float(v) for v in inner] + [np.inf]

"""Structured, non-uniform finite-volume grids.

Two geometries share one data layout so that one set of kernels serves both:

* ``axisymmetric``: cells in (r, theta, z) with a single theta cell spanning the
  full turn; the axis r = 0 is the electrode axis.  Fields have shape (nr, 1, nz).
* ``cartesian``: cells in (x, y, z).  Fields have shape (nx, ny, nz).

Every grid carries its cell volumes (m^3), the areas of all faces along each axis
(m^2, arrays of shape n_a + 1 along axis a) and the centre-to-face half widths
(m).  Kernels never ask which geometry they run on.

Grids are immutable: arrays are read-only, and refinement builds a new grid from
the same size function (see :func:`graded_edges`).  All lengths are in metres.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

GEOMETRIES = ("axisymmetric", "cartesian")


def _size_function(x, anchors, growth, h_max):
    """Target cell size (m) at positions x: geometric grading away from anchors.

    A cell of size h at distance d from an anchor of size h0, graded with ratio q,
    has h ~ h0 + d (q - 1); the minimum over the anchors, capped at h_max, is the
    smoothest size field that honours every anchor.
    """
    s = np.full_like(x, h_max, dtype=float)
    for xa, ha in anchors:
        s = np.minimum(s, ha + np.abs(x - xa) * (growth - 1.0))
    return s


def graded_edges(breakpoints, anchors, growth=1.15, h_max=1e-3, refine=1.0):
    """Cell edges (m) on [min(breakpoints), max(breakpoints)], graded toward anchors.

    Parameters
    ----------
    breakpoints : sequence of float
        Positions (m) that must be cell edges (material interfaces, electrode
        surfaces, domain ends).
    anchors : sequence of (float, float)
        (position m, cell size m) pairs where the grid must be fine.
    growth : float
        Largest ratio between neighbouring cell sizes, > 1.
    h_max : float
        Largest cell size (m).
    refine : float
        Refinement factor: sizes and (growth - 1) are divided by it, so that
        ``refine=2`` halves every cell of the same smooth mapping.  Used by the
        convergence tests.

    Returns
    -------
    numpy.ndarray
        Strictly increasing edge coordinates (m).
    """
    bp = np.unique(np.asarray(breakpoints, dtype=float))
    if bp.size < 2:
        raise ValueError("graded_edges needs at least two distinct breakpoints")
    anchors = [(float(xa), float(ha) / refine) for xa, ha in anchors]
    q = 1.0 + (growth - 1.0) / refine
    hm = h_max / refine
    edges = [bp[:1]]
    for a, b in zip(bp[:-1], bp[1:]):
        # Number of cells = integral of 1/size, computed on a sample fine enough
        # for the smallest size in the segment, then inverted: edges fall where
        # the cumulative count crosses an integer.
        h_lo = min([hm] + [ha + max(0.0, xa - b, a - xa) * (q - 1.0) for xa, ha in anchors])
        xs = np.linspace(a, b, int(min(2e5, max(64, 16 * (b - a) / h_lo))) + 1)
        inv = 1.0 / _size_function(xs, anchors, q, hm)
        cum = np.concatenate([[0.0], np.cumsum(0.5 * (inv[1:] + inv[:-1]) * np.diff(xs))])
        n = max(1, int(np.ceil(cum[-1] - 1e-9)))
        seg = np.interp(np.linspace(0.0, cum[-1], n + 1), cum, xs)
        seg[0], seg[-1] = a, b
        edges.append(seg[1:])
    return np.concatenate(edges)


def readonly(a, dtype=float):
    """A read-only copy of ``a`` (a copy, so the caller's own array stays writable)."""
    a = np.array(a, dtype=dtype, order="C")
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class Grid:
    """An immutable structured finite-volume grid.

    Parameters
    ----------
    geometry : {"axisymmetric", "cartesian"}
    edges : tuple of three 1-D arrays
        Cell edges (m) along each axis.  For ``axisymmetric`` give (r_edges,
        None, z_edges); r_edges must start at 0.
    open_sides : tuple of six bool, optional
        Which outer sides (axis0 low, axis0 high, axis1 low, ...) carry the
        return electrode and body temperature (Dirichlet).  Closed sides are
        insulating and adiabatic (symmetry).  Defaults: every side open except
        the axis and the theta sides of an axisymmetric grid.
    """

    geometry: str
    edges: tuple
    open_sides: tuple | None = None
    # derived, filled in __post_init__
    shape: tuple = field(init=False)
    centers: tuple = field(init=False)
    half: tuple = field(init=False)
    volume: np.ndarray = field(init=False, repr=False)
    area: tuple = field(init=False, repr=False)

    def __post_init__(self):
        if self.geometry not in GEOMETRIES:
            raise ValueError(f"geometry = {self.geometry!r}: allowed {GEOMETRIES}")
        edges = list(self.edges)
        if self.geometry == "axisymmetric":
            edges[1] = np.array([0.0, 2.0 * np.pi])
            if abs(edges[0][0]) > 0:
                raise ValueError("axisymmetric r edges must start at 0 (the axis)")
        edges = [readonly(e) for e in edges]
        for a, e in enumerate(edges):
            if e.ndim != 1 or e.size < 2 or not np.all(np.diff(e) > 0) or not np.all(np.isfinite(e)):
                raise ValueError(f"edges along axis {a} must be finite and strictly increasing")
        set_ = object.__setattr__
        set_(self, "edges", tuple(edges))
        if self.open_sides is None:
            sides = (False, True, False, False, True, True) if self.geometry == "axisymmetric" else (True,) * 6
        else:
            sides = tuple(bool(s) for s in self.open_sides)
            if len(sides) != 6:
                raise ValueError("open_sides needs six flags")
            if self.geometry == "axisymmetric" and (sides[0] or sides[2] or sides[3]):
                raise ValueError("the axis and theta sides of an axisymmetric grid cannot be open")
        set_(self, "open_sides", sides)
        w = [np.diff(e) for e in edges]
        set_(self, "shape", tuple(x.size for x in w))
        set_(self, "centers", tuple(readonly(0.5 * (e[1:] + e[:-1])) for e in edges))
        set_(self, "half", tuple(readonly(0.5 * x) for x in w))
        n0, n1, n2 = self.shape
        if self.geometry == "axisymmetric":
            r = edges[0]
            ring = np.pi * (r[1:] ** 2 - r[:-1] ** 2)  # annulus area (m^2)
            vol = ring[:, None, None] * w[2][None, None, :]
            a0 = (2.0 * np.pi * r)[:, None, None] * w[2][None, None, :]
            a1 = np.zeros((n0, n1 + 1, n2))  # no flux around the axis
            a2 = np.broadcast_to(ring[:, None, None], (n0, n1, n2 + 1))
        else:
            dx, dy, dz = w
            vol = dx[:, None, None] * dy[None, :, None] * dz[None, None, :]
            a0 = np.broadcast_to((dy[:, None] * dz[None, :])[None], (n0 + 1, n1, n2))
            a1 = np.broadcast_to((dx[:, None] * dz[None, :])[:, None, :], (n0, n1 + 1, n2))
            a2 = np.broadcast_to((dx[:, None] * dy[None, :])[:, :, None], (n0, n1, n2 + 1))
        set_(self, "volume", readonly(vol))
        set_(self, "area", tuple(readonly(a) for a in (a0, a1, a2)))

    # -- conveniences ------------------------------------------------------
    @property
    def ncells(self) -> int:
        """Number of cells."""
        return int(np.prod(self.shape))

    @property
    def min_width(self) -> float:
        """Smallest cell width (m) along a spatial axis."""
        axes = (0, 2) if self.geometry == "axisymmetric" else (0, 1, 2)
        return float(min(2.0 * self.half[a].min() for a in axes))

    def mesh(self):
        """Cell-centre coordinate arrays (m), each of the field shape."""
        return np.meshgrid(*self.centers, indexing="ij")

    def locate(self, axis: int, x: float) -> int:
        """Index of the cell along ``axis`` that contains coordinate ``x`` (m)."""
        e = self.edges[axis]
        if not (e[0] <= x <= e[-1]):
            raise ValueError(f"coordinate {x} m outside the grid along axis {axis}")
        return int(min(max(np.searchsorted(e, x, side="right") - 1, 0), e.size - 2))


def axisymmetric_grid(r_edges, z_edges, open_sides=None) -> Grid:
    """Axisymmetric (r, z) grid; r_edges start at the axis (m)."""
    return Grid("axisymmetric", (np.asarray(r_edges), None, np.asarray(z_edges)), open_sides)


def cartesian_grid(x_edges, y_edges, z_edges, open_sides=None) -> Grid:
    """Cartesian (x, y, z) grid (m)."""
    return Grid("cartesian", (np.asarray(x_edges), np.asarray(y_edges), np.asarray(z_edges)), open_sides)

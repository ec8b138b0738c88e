"""The lesion field at points of the cord, and the raster the metrics count on.

The damage criterion (>= 0 inside the lesion, :meth:`DamageState.criterion`),
or any other cell field, is mapped into the cord's coordinates (x lateral
toward the lesion side, y anterior, z cranial; metres) by a *sampler*:

* :class:`AxisymmetricSampler`: the (r, z) field of the layered model placed on
  the needle: a point at axial distance s from the tip end and radial distance
  rho from the needle axis takes the value at (rho, s).  Since the needle lies in
  an axial plane, this also extrudes the lesion along the cord.
* :class:`CartesianSampler`: the 3-D model's field, trilinear.

:func:`sampler_for` picks the one that fits a domain.  :func:`raster` gives the
whole cross-section on a fine grid (default 50 um cells) with the tract
fractions of the anatomy; :meth:`Raster.sample` evaluates a sampler on it in one
axial plane.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from rfsim.anatomy.names import TRACTS
from rfsim.numerics.interpolation import linear_weights, needle_bilinear
from rfsim.numerics.jit import readonly_view

#: Raster cell (m) for metrics in the cross-section.
RASTER_STEP_M = 50e-6


def _fill_metal(f, metal):
    """Give electrode cells the largest criterion of their tissue neighbours, so
    that the needle track inside a lesion counts as lesion."""
    g = np.where(metal, -np.inf, f)
    for _ in range(max(f.shape)):
        if not (metal & ~np.isfinite(g)).any():
            break
        nb = np.full_like(g, -np.inf)
        for ax in range(3):
            if f.shape[ax] < 2:
                continue
            sl = [slice(None)] * 3
            sr = [slice(None)] * 3
            sl[ax], sr[ax] = slice(1, None), slice(None, -1)
            nb[tuple(sl)] = np.maximum(nb[tuple(sl)], g[tuple(sr)])
            nb[tuple(sr)] = np.maximum(nb[tuple(sr)], g[tuple(sl)])
        g = np.where(metal & ~np.isfinite(g), nb, g)
    return np.where(np.isfinite(g), g, -60.0)


class AxisymmetricSampler:
    """Criterion of the axisymmetric model at points of the cord (m)."""

    def __init__(self, grid, criterion, metal, path):
        self.f = np.ascontiguousarray(_fill_metal(np.asarray(criterion, float), metal)[:, 0, :])
        self.rc, self.zc = grid.centers[0], grid.centers[2]
        self.tip = np.array(path.tip_m)
        self.d = np.array(path.direction)

    def __call__(self, x, y, z):
        x, y, z = np.broadcast_arrays(x, y, z)
        shape = x.shape
        out = np.empty(x.size)
        needle_bilinear(self.f, self.rc, self.zc, self.tip, self.d,
                        *(readonly_view(np.ascontiguousarray(a, dtype=float).ravel()) for a in (x, y, z)), out)
        return out.reshape(shape)[()]  # a scalar for scalar points


class CartesianSampler:
    """Criterion of the 3-D model at points of the cord (m), trilinear."""

    def __init__(self, grid, criterion, metal):
        self.f = _fill_metal(np.asarray(criterion, float), metal)
        self.c = grid.centers

    def __call__(self, x, y, z):
        (i, wi), (j, wj), (k, wk) = (linear_weights(c, v) for c, v in zip(self.c, (x, y, z)))
        f = self.f
        out = 0.0
        for di, a in ((0, 1 - wi), (1, wi)):
            for dj, b in ((0, 1 - wj), (1, wj)):
                for dk, c in ((0, 1 - wk), (1, wk)):
                    out = out + a * b * c * f[i + di, j + dj, k + dk]
        return out



def sampler_for(domain, values, path):
    """Sampler of a cell field of ``domain`` (criterion, peak temperature, ...):
    :class:`AxisymmetricSampler` on the needle ``path`` for an axisymmetric
    grid, :class:`CartesianSampler` for a 3-D one."""
    if domain.grid.geometry == "axisymmetric":
        return AxisymmetricSampler(domain.grid, values, domain.metal, path)
    return CartesianSampler(domain.grid, values, domain.metal)


@dataclass(frozen=True, eq=False)
class Raster:
    """The cross-section on a fine 2-D grid.

    Attributes
    ----------
    x_edges, y_edges : 1-D arrays, cell edges (m)
    fractions : dict, region name -> (nx, ny) area fraction
    """

    x_edges: np.ndarray
    y_edges: np.ndarray
    fractions: dict

    @property
    def step(self) -> float:
        """Cell size (m)."""
        return float(self.x_edges[1] - self.x_edges[0])

    def centres(self):
        """Cell centres (X, Y) in m, read-only arrays (nx, ny)."""
        return self._centres

    @cached_property
    def _centres(self):
        # built once: the metrics sample a dozen planes per lesion on them
        xc = 0.5 * (self.x_edges[1:] + self.x_edges[:-1])
        yc = 0.5 * (self.y_edges[1:] + self.y_edges[:-1])
        X, Y = np.meshgrid(xc, yc, indexing="ij")
        X.setflags(write=False)
        Y.setflags(write=False)
        return X, Y

    @cached_property
    def areas(self) -> dict:
        """Region name -> its area on the raster, in cells (the sum of its fractions)."""
        return {n: float(f.sum()) for n, f in self.fractions.items()}

    def sample(self, sampler, z_m: float) -> np.ndarray:
        """``sampler`` at the cell centres in the axial plane at height z_m (m): (nx, ny)."""
        X, Y = self.centres()
        return sampler(X, Y, np.full_like(X, z_m))

    def sample_within(self, sampler, z_m: float, region: str) -> np.ndarray:
        """:meth:`sample` at the cells that hold some of ``region`` (a name of
        :attr:`fractions`), and -inf at the others: for counts weighted by that
        region's fractions, which the other cells do not enter, at the cost of
        sampling only the region."""
        cells, X, Y = self._within(region)
        out = np.full(self.fractions[region].shape, -np.inf)
        out.ravel()[cells] = sampler(X, Y, np.full_like(X, z_m))
        return out

    def _within(self, region):
        if region not in self._within_cache:
            cells = np.flatnonzero(self.fractions[region].ravel() > 0)
            X, Y = self.centres()
            self._within_cache[region] = cells, X.ravel()[cells], Y.ravel()[cells]
        return self._within_cache[region]

    @cached_property
    def _within_cache(self) -> dict:
        return {}


def raster(anatomy, step_m: float = RASTER_STEP_M) -> Raster:
    """Tract fractions of the cross-section (cached on the anatomy).

    The raster spans the whole cord, so that the cord's shares count a lesion
    wherever it is (a raster of the lesion side once capped a cord fully
    lesioned at 61 %).  The tracts lie on the lesion side only.
    """

    def build():
        half_rl, half_ap = 0.5 * anatomy.rl_m + 1e-3, 0.5 * anatomy.ap_m + 1e-3
        # cells laid from 1 mm across the midline, where the lesion-side raster
        # began, and continued to the far side: the lesion-side cells keep their
        # exact centres, and with them every metric of a lesion on that side
        near = np.arange(-1e-3, half_rl + step_m, step_m)
        far = -1e-3 - step_m * np.arange(int(np.ceil((half_rl - 1e-3) / step_m)), 0, -1)
        x = np.concatenate([far, near])
        y = np.arange(-half_ap, half_ap + step_m, step_m)
        return Raster(x, y, anatomy.region_fractions(x, y, names=TRACTS + ("cord",), n_sub=1))

    return anatomy.cached(("metrics-raster", step_m), build)

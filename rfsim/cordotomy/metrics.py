"""Lesion metrics against the cord's tracts, and the verdict for the planner.

The damage criterion (>= 0 inside the lesion, :meth:`DamageState.criterion`)
is mapped into the cord's coordinates (x lateral toward the lesion side, y
anterior, z cranial; metres) by a *sampler*:

* :class:`AxisymmetricSampler`: the (r, z) field of the layered model placed on
  the needle: a point at axial distance s from the tip end and radial distance
  rho from the needle axis takes the value at (rho, s).  Since the needle lies in
  an axial plane, this also extrudes the lesion along the cord.
* :class:`CartesianSampler`: the 3-D model's field, trilinear.

Every metric is then computed the same way from either sampler, on a raster of
the cross-section (default 50 um cells) whose tract fractions come from the
anatomy.  Definitions (also in docs/prediction.md):

* cord area fraction: lesioned share of the cord cross-section in the axial
  plane through the middle of the exposed tip;
* cord volume fraction: lesioned share of the cord segment spanned by the
  lesion's own cranio-caudal extent (11 planes across it);
* tract coverage: lesioned share of each tract's area in that plane, and of
  each somatotopic zone of the spinothalamic tract;
* CST margin: in that plane, the smallest distance (mm) from the lesion edge to
  the lateral corticospinal tract (cells at least half tract), negative (minus
  the depth of overlap) when they overlap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rfsim.anatomy.model import STT_ZONES, TRACTS
from rfsim.errors import ConfigError, require_number

#: Raster cell (m) for metrics in the cross-section.
RASTER_STEP_M = 50e-6


@dataclass(frozen=True)
class VerdictSettings:
    """Thresholds of the verdict, with their sources.

    Attributes
    ----------
    relief_criterion : {"t2", "dti"}
        Which clinical minimum of the lesioned cord share applies: 10.0 % as
        measured on T2-weighted MRI, or 6.2 % on DTI (Berger et al., AJNR 2021).
    min_target_zone_coverage : float
        Share of the target zone (leg or arm) of the spinothalamic tract that
        must be lesioned (0..1); default 0.5 (issue 4; an assumption).
    max_cst_lesioned_fraction : float
        Largest lesioned share of the lateral corticospinal tract for
        ``cst_spared`` (0..1); default 0.01.
    oversize_cord_area_fraction : float
        Warn above this lesioned cord share (0..1): larger lesions did not give
        better relief (Berger 2021); default 0.25, an assumption (2.5 x the T2
        minimum).
    ventral_horn_warning_fraction : float
        Warn when more than this share of the ventral horn is lesioned (0..1).
    """

    relief_criterion: str = "t2"
    min_target_zone_coverage: float = 0.5
    max_cst_lesioned_fraction: float = 0.01
    oversize_cord_area_fraction: float = 0.25
    ventral_horn_warning_fraction: float = 0.01

    def __post_init__(self):
        if self.relief_criterion not in ("t2", "dti"):
            raise ConfigError("verdict.relief_criterion", self.relief_criterion, "allowed: t2, dti")
        for k in ("min_target_zone_coverage", "max_cst_lesioned_fraction", "oversize_cord_area_fraction",
                  "ventral_horn_warning_fraction"):
            require_number(f"verdict.{k}", getattr(self, k), 0.0, 1.0, unit="(a fraction)")

    @property
    def min_cord_area_fraction(self) -> float:
        """Minimum lesioned cord share for relief: T2 0.100, DTI 0.062 (Berger 2021)."""
        return 0.100 if self.relief_criterion == "t2" else 0.062


# ---------------------------------------------------------------------------
# samplers
# ---------------------------------------------------------------------------
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


def _interp1(edges_c, x):
    """Index and weight for linear interpolation on centres ``edges_c``."""
    i = np.clip(np.searchsorted(edges_c, x) - 1, 0, edges_c.size - 2)
    w = np.clip((x - edges_c[i]) / (edges_c[i + 1] - edges_c[i]), 0.0, 1.0)
    return i, w


class AxisymmetricSampler:
    """Criterion of the axisymmetric model at points of the cord (m)."""

    def __init__(self, grid, criterion, metal, path):
        self.f = _fill_metal(np.asarray(criterion, float), metal)[:, 0, :]
        self.rc, self.zc = grid.centers[0], grid.centers[2]
        self.tip = np.array(path.tip_m)
        self.d = np.array(path.direction)

    def __call__(self, x, y, z):
        px, py, pz = x - self.tip[0], y - self.tip[1], z - self.tip[2]
        s = px * self.d[0] + py * self.d[1] + pz * self.d[2]
        rho = np.sqrt(np.maximum(px * px + py * py + pz * pz - s * s, 0.0))
        i, wi = _interp1(self.rc, rho)
        k, wk = _interp1(self.zc, s)
        f = self.f
        return ((1 - wi) * (1 - wk) * f[i, k] + wi * (1 - wk) * f[i + 1, k]
                + (1 - wi) * wk * f[i, k + 1] + wi * wk * f[i + 1, k + 1])


class CartesianSampler:
    """Criterion of the 3-D model at points of the cord (m), trilinear."""

    def __init__(self, grid, criterion, metal):
        self.f = _fill_metal(np.asarray(criterion, float), metal)
        self.c = grid.centers

    def __call__(self, x, y, z):
        (i, wi), (j, wj), (k, wk) = (_interp1(c, v) for c, v in zip(self.c, (x, y, z)))
        f = self.f
        out = 0.0
        for di, a in ((0, 1 - wi), (1, wi)):
            for dj, b in ((0, 1 - wj), (1, wj)):
                for dk, c in ((0, 1 - wk), (1, wk)):
                    out = out + a * b * c * f[i + di, j + dj, k + dk]
        return out


# ---------------------------------------------------------------------------
# raster of the cross-section
# ---------------------------------------------------------------------------
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
        return float(self.x_edges[1] - self.x_edges[0])

    def centres(self):
        xc = 0.5 * (self.x_edges[1:] + self.x_edges[:-1])
        yc = 0.5 * (self.y_edges[1:] + self.y_edges[:-1])
        return np.meshgrid(xc, yc, indexing="ij")


def raster(anatomy, step_m: float = RASTER_STEP_M) -> Raster:
    """Tract fractions of the lesion-side cross-section (cached on the anatomy).

    The raster spans the cord from 1 mm across the midline to the lateral pia.
    """
    key = ("metrics-raster", step_m)
    cache = anatomy._cache
    if key not in cache:
        half_rl, half_ap = 0.5 * anatomy.rl_m + 1e-3, 0.5 * anatomy.ap_m + 1e-3
        x = np.arange(-1e-3, half_rl + step_m, step_m)
        y = np.arange(-half_ap, half_ap + step_m, step_m)
        names = TRACTS + ("cord",)
        cache[key] = Raster(x, y, anatomy.region_fractions(x, y, names=names, n_sub=1))
    return cache[key]


def _plane_lesion(sampler, ras, z):
    X, Y = ras.centres()
    return sampler(X, Y, np.full_like(X, z)) >= 0.0


def _signed_margin(lesion, target, step):
    """Smallest distance (m) from the lesion edge to the target mask; negative
    (minus the deepest overlap) when they overlap; None without a lesion."""
    from scipy.ndimage import distance_transform_edt

    if not lesion.any() or not target.any():
        return None
    overlap = lesion & target
    if overlap.any():
        inside = distance_transform_edt(lesion) * step
        return -float(inside[overlap].max()) + 0.5 * step
    outside = distance_transform_edt(~lesion) * step
    return float(outside[target].min()) - 0.5 * step


def tract_metrics(sampler, anatomy, path, size, settings: VerdictSettings, target: str,
                  step_m: float = RASTER_STEP_M) -> dict:
    """Every metric of the lesion against the cord, and the verdict.

    Parameters
    ----------
    sampler : callable
        Criterion at points (x, y, z) in m; >= 0 inside the lesion.
    anatomy : rfsim.anatomy.model.Anatomy
    path : rfsim.cordotomy.placement.NeedlePath
    size : rfsim.physics.lesion.LesionSize
        Width, length and volume of the lesion (m, m^3).
    settings : VerdictSettings
    target : {"leg", "arm"}

    Returns
    -------
    dict
        Keys as in ``rfsim predict --json`` (fractions 0..1, lengths mm).
    """
    ras = raster(anatomy, step_m)
    fr = ras.fractions
    cord = fr["cord"]
    z_mid = float(path.point(0.5 * path.tip_length_m)[2])
    L = _plane_lesion(sampler, ras, z_mid)
    # the raster holds the lesion side; shares are of the whole cord's area
    cord_area = anatomy.cord_area_m2 / ras.step ** 2
    cov = {n: float((L * fr[n]).sum() / fr[n].sum()) if fr[n].sum() > 0 else 0.0 for n in TRACTS}
    zones = {n.replace("stt_", ""): cov[n] for n in STT_ZONES}
    # cord segment spanned by the lesion, sampled on planes across it
    half = 0.5 * max(size.width_m, size.length_m, 2 * ras.step) + ras.step
    zs = np.linspace(z_mid - half, z_mid + half, 11)
    shares = np.array([float((_plane_lesion(sampler, ras, z) * cord).sum()) / cord_area for z in zs])
    hit = np.nonzero(shares > 0)[0]
    cord_volume_fraction = float(shares[hit[0]:hit[-1] + 1].mean()) if hit.size else 0.0
    cst = fr["lateral_corticospinal"] >= 0.5
    margin = _signed_margin(L, cst, ras.step)
    out = {
        "cord_area_fraction": float((L * cord).sum()) / cord_area,
        "cord_volume_fraction": cord_volume_fraction,
        "tract_coverage": {n: cov[n] for n in TRACTS if not n.startswith("stt_")},
        "stt_zone_coverage": zones,
        "cst_lesioned_fraction": cov["lateral_corticospinal"],
        "cst_margin_mm": None if margin is None else margin * 1e3,
        "ventral_horn_lesioned_fraction": cov["ventral_horn"],
        "lesion_depth_mm": (path.depth_m - size.z_bottom_m) * 1e3 if size.volume_m3 > 0 else 0.0,
    }
    out.update(verdict(out, settings, target))
    return out


def verdict(m: dict, s: VerdictSettings, target: str) -> dict:
    """``relief_predicted``, ``cst_spared`` and the warnings for metrics ``m``."""
    warnings = []
    zone = m["stt_zone_coverage"][target]
    area = m["cord_area_fraction"]
    relief = area >= s.min_cord_area_fraction and zone >= s.min_target_zone_coverage
    spared = m["cst_lesioned_fraction"] <= s.max_cst_lesioned_fraction
    if m["tract_coverage"]["lateral_spinothalamic"] == 0.0:
        warnings.append("the lesion misses the spinothalamic tract entirely")
    elif zone < s.min_target_zone_coverage:
        warnings.append(f"the {target} zone of the spinothalamic tract is only {zone:.0%} lesioned "
                        f"(needs {s.min_target_zone_coverage:.0%})")
    if area < s.min_cord_area_fraction:
        warnings.append(f"lesion takes {area:.1%} of the cord, below the {s.min_cord_area_fraction:.1%} "
                        f"associated with relief ({s.relief_criterion.upper()}, Berger 2021)")
    if not spared:
        warnings.append(f"lesion reaches the lateral corticospinal tract ({m['cst_lesioned_fraction']:.1%}): "
                        "risk of ipsilateral weakness")
    if m["ventral_horn_lesioned_fraction"] > s.ventral_horn_warning_fraction:
        warnings.append(f"lesion involves the ventral horn ({m['ventral_horn_lesioned_fraction']:.1%})")
    if area > s.oversize_cord_area_fraction:
        warnings.append(f"lesion takes {area:.1%} of the cord, much more than needed for relief")
    return {"relief_predicted": bool(relief), "cst_spared": bool(spared), "warnings": warnings}

"""Lesion metrics against the cord's tracts.

The lesion reaches the metrics as a sampler of the damage criterion
(:mod:`rfsim.cordotomy.sampling`), so every metric is computed the same way for
the axisymmetric and the 3-D model, on a raster of the cross-section (default
50 um cells) whose tract fractions come from the anatomy.  Definitions (also in
docs/prediction.md):

* cord area fraction: lesioned share of the cord cross-section in the axial
  plane through the middle of the exposed tip;
* cord volume fraction: lesioned share of the cord segment spanned by the
  lesion's own cranio-caudal extent (11 planes across it);
* tract coverage: lesioned share of each tract's area in that plane, and of
  each somatotopic zone of the spinothalamic tract;
* CST margin: in that plane, the smallest distance (mm) from the lesion edge to
  the lateral corticospinal tract (cells at least half tract), negative (minus
  the depth of overlap) when they overlap.

:func:`tract_metrics` adds the verdict (:mod:`rfsim.cordotomy.verdict`).
"""

from __future__ import annotations

import numpy as np

from rfsim.anatomy.names import STT_ZONES, TRACTS
from rfsim.cordotomy.sampling import RASTER_STEP_M, raster
from rfsim.cordotomy.verdict import VerdictSettings, verdict
from rfsim.numerics.jit import readonly_view
from rfsim.numerics.kernels import masked_sum


def _box(mask, pad=0):
    """Slices of the smallest box that holds every true cell of ``mask`` (2-D),
    widened by ``pad`` cells where the array allows."""
    out = []
    for ax in range(mask.ndim):
        hit = np.flatnonzero(mask.any(axis=1 - ax))
        out.append(slice(max(hit[0] - pad, 0), min(hit[-1] + 1 + pad, mask.shape[ax])))
    return tuple(out)


def _signed_margin(lesion, target, step):
    """Smallest distance (m) from the lesion edge to the target mask; negative
    (minus the deepest overlap) when they overlap; None without a lesion.

    The distance transforms run on a box of the raster, with the same answers
    as on all of it: a lesion cell's nearest cell outside the lesion lies in
    the lesion's box widened by one cell (clamping any farther one into that
    ring brings it nearer), and a target cell's nearest lesion cell lies in
    the box of both."""
    from scipy.ndimage import distance_transform_edt

    if not lesion.any() or not target.any():
        return None
    overlap = lesion & target
    if overlap.any():
        box = _box(lesion, pad=1)
        inside = distance_transform_edt(lesion[box]) * step
        return -float(inside[overlap[box]].max()) + 0.5 * step
    box = _box(lesion | target)
    outside = distance_transform_edt(~lesion[box]) * step
    return float(outside[target[box]].min()) - 0.5 * step


def _lesioned(region, lesion, scratch):
    """Lesioned area of a region on the raster (cells): its fractions (nx, ny)
    summed over the bool ``lesion`` (nx, ny), as ``(lesion * region).sum()``
    does; ``scratch`` is a float array of the raster's size, reused."""
    return masked_sum(readonly_view(region).ravel(), lesion.ravel(), scratch)


def tract_metrics(sampler, anatomy, path, size, settings: VerdictSettings, target: str,
                  step_m: float = RASTER_STEP_M) -> dict:
    """Every metric of the lesion against the cord, and the verdict.

    Parameters
    ----------
    sampler : callable
        Criterion at points (x, y, z) in m; >= 0 inside the lesion.
    anatomy : rfsim.anatomy.cross_section.Anatomy
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
    z_mid = path.mid_tip_m[2]
    L = ras.sample(sampler, z_mid) >= 0.0
    # the raster covers the whole cord: its cord cells add up to the cord area
    cord_area = anatomy.cord_area_m2 / ras.step ** 2
    area = ras.areas
    scratch = np.empty(cord.size)
    cov = {n: _lesioned(fr[n], L, scratch) / area[n] if area[n] > 0 else 0.0 for n in TRACTS}
    zones = {n.replace("stt_", ""): cov[n] for n in STT_ZONES}
    # cord segment spanned by the lesion, sampled on planes across it
    half = 0.5 * max(size.width_m, size.length_m, 2 * ras.step) + ras.step
    zs = np.linspace(z_mid - half, z_mid + half, 11)
    # (only cord cells count: the others are not sampled)
    shares = np.array([_lesioned(cord, ras.sample_within(sampler, z, "cord") >= 0.0, scratch) / cord_area
                       for z in zs])
    hit = np.nonzero(shares > 0)[0]
    cord_volume_fraction = float(shares[hit[0]:hit[-1] + 1].mean()) if hit.size else 0.0
    cst = fr["lateral_corticospinal"] >= 0.5
    margin = _signed_margin(L, cst, ras.step)
    out = {
        "cord_area_fraction": _lesioned(cord, L, scratch) / cord_area,
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

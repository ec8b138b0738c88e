"""Tests of rfsim.cordotomy.metrics: tract coverage, cord shares and the CST
margin of known lesions (samplers given as functions)."""

import numpy as np
import pytest

from rfsim.anatomy.parametric import load_parametric
from rfsim.cordotomy.metrics import tract_metrics
from rfsim.cordotomy.placement import Placement, needle_path
from rfsim.cordotomy.sampling import raster
from rfsim.cordotomy.verdict import VerdictSettings
from rfsim.physics.lesion import LesionSize


def _disk_sampler(cx, cy, radius):
    return lambda x, y, z: radius - np.sqrt((x - cx) ** 2 + (y - cy) ** 2 + 0 * z)


def test_metrics_of_known_lesions():
    anatomy = load_parametric()  # the default scenario's cord and leg placement
    path = needle_path(anatomy, Placement.default("leg"))
    ras = raster(anatomy)
    size = LesionSize(2e-3, 2e-3, 1e-9, -1e-3, 1e-3)
    # a lesion covering the whole raster takes every tract and the whole cord
    # (to the raster's partial volumes: 28,602 cells for an area of 28,596)
    m = tract_metrics(lambda x, y, z: np.ones_like(x), anatomy, path, size, VerdictSettings(), "leg")
    assert all(v == pytest.approx(1.0) for v in m["tract_coverage"].values())
    assert m["cord_area_fraction"] == pytest.approx(1.0, abs=1e-3)
    assert m["cord_volume_fraction"] == pytest.approx(1.0, abs=1e-3)
    # a small disk at the STT centroid: area fraction = its area over the cord's
    cx, cy = anatomy.region_centroid_m("lateral_spinothalamic")
    r = 0.5e-3
    m = tract_metrics(_disk_sampler(cx, cy, r), anatomy, path, size, VerdictSettings(), "leg")
    assert m["cord_area_fraction"] == pytest.approx(np.pi * r * r / anatomy.cord_area_m2, rel=0.05)
    assert m["tract_coverage"]["lateral_spinothalamic"] == pytest.approx(
        np.pi * r * r / anatomy.region_area_m2("lateral_spinothalamic"), rel=0.1)
    assert m["cst_margin_mm"] > 0 and m["cst_lesioned_fraction"] == 0.0
    # a disk on the corticospinal centroid overlaps it: negative margin
    qx, qy = anatomy.region_centroid_m("lateral_corticospinal")
    m = tract_metrics(_disk_sampler(qx, qy, r), anatomy, path, size, VerdictSettings(), "leg")
    assert m["cst_margin_mm"] < 0 and m["cst_lesioned_fraction"] > 0.1
    # the raster covers the whole cord (it once stopped 1 mm past the midline)
    whole = ras.fractions["cord"].sum() * ras.step ** 2 / anatomy.cord_area_m2
    assert whole == pytest.approx(1.0, abs=1e-3)
    # a lesion of the far half only counts too, and takes no tract (they lie on the lesion side)
    m = tract_metrics(lambda x, y, z: np.where(x < 0, 1.0, -1.0), anatomy, path, size, VerdictSettings(), "leg")
    assert m["cord_area_fraction"] == pytest.approx(0.5, abs=0.01)
    assert all(v == 0.0 for v in m["tract_coverage"].values())


def test_sample_within_is_sample_on_the_region_and_minus_infinity_off_it():
    anatomy = load_parametric()
    ras = raster(anatomy)
    calls = []

    def sampler(x, y, z):
        calls.append(x.size)
        return np.sin(3e3 * x) + np.cos(2e3 * y) + z

    full = ras.sample(sampler, 1e-4)
    within = ras.sample_within(sampler, 1e-4, "cord")
    cord = ras.fractions["cord"] > 0
    assert 0 < cord.sum() < cord.size
    assert np.array_equal(within[cord], full[cord])
    assert np.all(within[~cord] == -np.inf)
    assert calls == [cord.size, cord.sum()]  # only the region was sampled


def _margin_on_the_whole_raster(lesion, target, step):
    """The margin as it was computed before the distance transforms ran on boxes."""
    from scipy.ndimage import distance_transform_edt

    overlap = lesion & target
    if overlap.any():
        return -float((distance_transform_edt(lesion) * step)[overlap].max()) + 0.5 * step
    return float((distance_transform_edt(~lesion) * step)[target].min()) - 0.5 * step


def test_margin_on_boxes_is_the_margin_on_the_whole_raster(rng):
    """Ellipses and rectangles, overlapping the target or not, inside the raster or
    cut by its edges: the boxed distance transforms give the same bits."""
    from rfsim.cordotomy.metrics import _signed_margin

    n0, n1 = 60, 45
    X, Y = np.meshgrid(np.arange(n0), np.arange(n1), indexing="ij")
    cases = 0
    for _ in range(60):
        c0, c1 = rng.uniform(-5, n0 + 5), rng.uniform(-5, n1 + 5)
        a0, a1 = rng.uniform(2, 17, 2)
        if rng.random() < 0.5:  # an ellipse
            lesion = (X - c0) ** 2 / a0 ** 2 + (Y - c1) ** 2 / a1 ** 2 < 1.0
        else:  # a rectangle: its edge cells are nearest to the cells around its box
            lesion = (np.abs(X - c0) < a0) & (np.abs(Y - c1) < a1)
        lesion |= rng.random((n0, n1)) < 0.002  # stray cells far from the rest
        t0, t1 = rng.uniform(0, n0), rng.uniform(0, n1)
        target = (np.abs(X - t0) < rng.uniform(1, 10)) & (np.abs(Y - t1) < rng.uniform(1, 10))
        if not lesion.any() or not target.any():
            continue
        cases += 1
        assert _signed_margin(lesion, target, 5e-5) == _margin_on_the_whole_raster(lesion, target, 5e-5)
    assert cases > 40
    # a lesion that fills the raster has no edge inside it, as before
    full = np.ones((n0, n1), bool)
    assert _signed_margin(full, full, 5e-5) == _margin_on_the_whole_raster(full, full, 5e-5)

"""Tests of rfsim.anatomy.cross_section: the Anatomy's tissue and region
fractions, its immutability and its region look-up (on the parametric cord)."""

import dataclasses
import math

import numpy as np
import pytest

from rfsim.anatomy.parametric import load_parametric
from rfsim.errors import ConfigError


@pytest.fixture(scope="module")
def ref():
    """The parametric model at the population (reference) cord size."""
    return load_parametric(ap_mm=8.0, rl_mm=11.5)


def test_tissue_fractions_sum_to_one_and_areas(ref):
    x = np.linspace(-12e-3, 12e-3, 121)
    y = np.linspace(-10e-3, 10e-3, 101)
    f = ref.tissue_fractions(x, y)
    assert set(f) == set(ref.tissue_names)
    total = sum(f.values())
    assert np.allclose(total, 1.0)
    cell = np.diff(x)[0] * np.diff(y)[0]
    cord = (f["white_matter"] + f["grey_matter"]).sum() * cell
    assert cord == pytest.approx(ref.cord_area_m2, rel=0.01)
    # pia band: perimeter x thickness (Ramanujan perimeter of the ellipse)
    a, b = 5.75, 4.0
    perim = math.pi * (3 * (a + b) - math.sqrt((3 * a + b) * (a + 3 * b))) * 1e-3
    assert f["pia"].sum() * cell == pytest.approx(perim * ref.pia_thickness_m, rel=0.1)
    # CSF: inside the dura's inner ellipse minus cord and pia
    ai, bi = ref.dura_inner_semi_axes_m
    csf = math.pi * ai * bi - cord - f["pia"].sum() * cell
    assert f["csf"].sum() * cell == pytest.approx(csf, rel=0.01)


def test_region_fractions_match_region_areas(ref):
    x = np.linspace(0, 6.5e-3, 131)
    y = np.linspace(-4.5e-3, 4.5e-3, 181)
    f = ref.region_fractions(x, y, ["lateral_spinothalamic", "lateral_corticospinal"])
    cell = np.diff(x)[0] * np.diff(y)[0]
    for n, v in f.items():
        assert v.min() >= 0 and v.max() <= 1
        assert v.sum() * cell == pytest.approx(ref.region_area_m2(n), rel=0.02)


def test_immutable(ref):
    with pytest.raises(dataclasses.FrozenInstanceError):
        ref.side = "left"
    with pytest.raises(TypeError):
        ref.regions["x"] = None
    with pytest.raises(ValueError):
        ref.outline.r_m[0] = 1.0


def test_unknown_region_name(ref):
    with pytest.raises(ConfigError, match="allowed"):
        ref.region_area_m2("spinothalamic")

"""Tests of rfsim.anatomy.pam50: the PAM50 import (skip when the crop or nibabel is absent)."""

import sys
from pathlib import Path

import numpy as np
import pytest

from rfsim.anatomy.names import TRACTS
from rfsim.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
PAM50 = REPO.parent / "shared" / "data" / "pam50_c1c3"


def need_atlas():
    pytest.importorskip("nibabel", reason="nibabel is needed to read the PAM50 crop (pip install 'rfsim[atlas]')")
    if not PAM50.is_dir():
        pytest.skip(f"PAM50 crop not found at {PAM50} (clone the repository next to shared/)")


@pytest.fixture(scope="module")
def pam():
    need_atlas()
    from rfsim.anatomy.pam50 import load_pam50

    return load_pam50(PAM50)


def test_reproduces_atlas_numbers(pam):
    # physics-reference.md: STT (3.37, +1.22) 4.29 mm2, LCST (3.75, -1.07) 3.63 mm2,
    # rubrospinal (4.01, +0.04), ventral horn (1.64, +1.37) 1.72 mm2
    for name, (x, y), area in (("lateral_spinothalamic", (3.37, 1.22), 4.29),
                               ("lateral_corticospinal", (3.75, -1.07), 3.63),
                               ("rubrospinal", (4.01, 0.04), None), ("ventral_horn", (1.64, 1.37), 1.72)):
        c = np.array(pam.region_centroid_m(name)) * 1e3
        assert c == pytest.approx((x, y), abs=0.06), name
        if area:
            assert pam.region_area_m2(name) * 1e6 == pytest.approx(area, rel=0.03), name
    assert pam.cord_area_m2 * 1e6 == pytest.approx(62.25, rel=0.01)  # ~13 % below the population


def test_same_regions_as_parametric(pam):
    for name in TRACTS:
        assert pam.region_area_m2(name) > 0.3e-6, name
        assert pam.region_centroid_m(name)[0] > 0, name
    x = np.linspace(-8e-3, 8e-3, 81)
    y = np.linspace(-6e-3, 6e-3, 61)
    f = pam.tissue_fractions(x, y)
    assert np.allclose(sum(f.values()), 1.0)
    g = pam.region_fractions(x, y, ["lateral_spinothalamic"])["lateral_spinothalamic"]
    assert 0 < g.max() <= 1


def test_level_and_z_select_the_slice(pam):
    from rfsim.anatomy.pam50 import load_pam50

    import nibabel as nib

    A = nib.load(str(PAM50 / "template" / "PAM50_levels.nii.gz")).affine
    z78 = A[2, 3] + A[2, 2] * 78  # top slice of C2 = the default
    by_z = load_pam50(PAM50, z_mm=float(z78))
    assert by_z.level == "C2"
    assert by_z.region_centroid_m("stt_leg") == pytest.approx(pam.region_centroid_m("stt_leg"))
    c1 = load_pam50(PAM50, level="C1")
    assert c1.level == "C1"
    with pytest.raises(ConfigError, match="not at C1 or C2"):
        load_pam50(PAM50, z_mm=float(A[2, 3] + A[2, 2] * 20))  # C3
    with pytest.raises(ConfigError, match="outside"):
        load_pam50(PAM50, z_mm=1000.0)


def test_laterality_by_world_coordinates(pam):
    from rfsim.anatomy.pam50 import load_pam50

    left = load_pam50(PAM50, side="left")
    # RAS+: model x > 0 is world x > 0 for the right side and world x < 0 for the left
    ti_r, ti_l = pam.regions["rubrospinal"].to_index, left.regions["rubrospinal"].to_index
    i_r = ti_r[0, 0] * 3e-3 + ti_r[0, 2]
    i_l = ti_l[0, 0] * 3e-3 + ti_l[0, 2]
    i_mid = ti_r[0, 2]
    assert i_r < i_mid < i_l  # PAM50's i runs toward the subject's left (affine x step < 0)
    # the atlas is symmetric: both sides give the same tract
    assert np.array(left.region_centroid_m("lateral_spinothalamic")) == pytest.approx(
        np.array(pam.region_centroid_m("lateral_spinothalamic")), abs=0.03e-3)


def test_scaling_to_patient(pam):
    from rfsim.anatomy.pam50 import load_pam50

    s = load_pam50(PAM50, ap_mm=8.0, rl_mm=11.5, displacement_mm=2.0)
    assert (s.ap_m, s.rl_m) == pytest.approx((8.0e-3, 11.5e-3))
    sx, sy = 11.5e-3 / pam.rl_m, 8.0e-3 / pam.ap_m
    assert s.cord_area_m2 == pytest.approx(pam.cord_area_m2 * sx * sy, rel=0.01)
    c0, c1 = pam.region_centroid_m("lateral_corticospinal"), s.region_centroid_m("lateral_corticospinal")
    assert c1 == pytest.approx((c0[0] * sx, c0[1] * sy), abs=0.03e-3)
    assert s.dura_center_m[0] == pytest.approx(2e-3)


def test_dentate_lies_anterior_to_the_dorsal_rootlets(pam):
    """PAM50 rootlets are dorsal rootlets: the ligament is attached in front of
    them (midway to the ventral rootlets)."""
    import nibabel as nib

    r = nib.load(str(PAM50 / "template" / "PAM50_rootlets.nii.gz"))
    c = nib.load(str(PAM50 / "template" / "PAM50_cord.nii.gz"))
    roots, cord, A = np.asarray(r.dataobj, float), np.asarray(c.dataobj, float), r.affine
    ys = []
    for k in range(cord.shape[2]):
        idx = np.argwhere(roots[:, :, k] > 0)
        if cord[:, :, k].sum() == 0 or idx.size == 0:
            continue
        j = np.arange(cord.shape[1])
        cy = (cord[:, :, k].sum(axis=0) * (A[1, 1] * j)).sum() / cord[:, :, k].sum()
        ci = (cord[:, :, k].sum(axis=1) * np.arange(cord.shape[0])).sum() / cord[:, :, k].sum()
        near = idx[np.argmin(np.abs(idx[:, 0] - ci))]  # the rootlet voxel nearest the cord
        ys.append(A[1, 1] * near[1] - cy)
    y_root = float(np.mean(ys))
    y_dent = pam.dentate_m[1] * 1e3
    assert 0.0 < y_dent - y_root < 2.5, (y_dent, y_root)


def test_missing_folder_and_sct_dir(monkeypatch, tmp_path):
    pytest.importorskip("nibabel", reason="nibabel is needed for this check")
    from rfsim.anatomy.pam50 import load_pam50

    with pytest.raises(ConfigError, match="folder not found"):
        load_pam50(tmp_path / "nope")
    with pytest.raises(ConfigError, match="not a PAM50 folder"):
        load_pam50(tmp_path)
    monkeypatch.delenv("SCT_DIR", raising=False)
    with pytest.raises(ConfigError, match="SCT_DIR"):
        load_pam50()


def test_missing_nibabel(monkeypatch):
    from rfsim.anatomy.pam50 import load_pam50

    monkeypatch.setitem(sys.modules, "nibabel", None)
    with pytest.raises(ConfigError, match="nibabel"):
        load_pam50(PAM50)


def test_figure_from_pam50(pam, tmp_path):
    from rfsim.cordotomy.placement import Placement, needle_path
    from rfsim.plots import save_figure
    from rfsim.plots.cross_section import plot_cross_section

    placement = Placement.default("leg")
    fig = plot_cross_section(pam, placement, needle_path(pam, placement))
    out = save_figure(fig, tmp_path / "pam50.png")
    assert out.stat().st_size > 20_000


def test_the_atlas_is_read_once_per_process_and_again_when_changed(tmp_path, monkeypatch):
    """Anatomies of other cord sizes from one atlas (the draws of an uncertainty
    answer) reuse the slices read before; a volume changed on disk is read again."""
    import shutil

    nib = pytest.importorskip("nibabel")
    from sct_folders import PAM50 as crop

    if not crop.is_dir():
        pytest.skip(f"PAM50 crop not found at {crop}")
    from rfsim.anatomy.pam50 import load_pam50

    folder, twin = tmp_path / "pam50", tmp_path / "twin"
    shutil.copytree(crop, folder)
    shutil.copytree(crop, twin)
    load_pam50(folder, ap_mm=7.5)
    loads = []
    real = nib.load
    monkeypatch.setattr(nib, "load", lambda p, *a, **k: loads.append(str(p)) or real(p, *a, **k))
    again = load_pam50(folder, ap_mm=8.5, rl_mm=12.0, displacement_mm=1.0)
    # only the header of the cord template, for the image frame
    assert loads == [str(folder / "template" / "PAM50_cord.nii.gz")]
    fresh = load_pam50(twin, ap_mm=8.5, rl_mm=12.0, displacement_mm=1.0)  # another path: read from disk
    x, y = np.linspace(-7e-3, 7e-3, 29), np.linspace(-5e-3, 5e-3, 21)
    a, b = again.region_fractions(x, y), fresh.region_fractions(x, y)
    assert all(np.array_equal(a[n], b[n]) for n in a)
    gm = folder / "template" / "PAM50_gm.nii.gz"
    img = real(str(gm))
    nib.save(nib.Nifti1Image(np.zeros(img.shape, np.float32), img.affine, img.header), str(gm))
    changed = load_pam50(folder, ap_mm=8.5, rl_mm=12.0, displacement_mm=1.0)
    assert changed.region_fractions(x, y, ["grey_matter"])["grey_matter"].max() == 0.0
    assert a["grey_matter"].max() > 0.5

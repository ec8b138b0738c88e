"""Tests of rfsim.anatomy.parametric: the parametric C1-C2 cross-section, and
its agreement with the PAM50 atlas (skipped when the crop or nibabel is absent)."""

import math
from pathlib import Path

import numpy as np
import pytest

from rfsim.anatomy.names import STT_ZONES, TRACTS
from rfsim.anatomy.parametric import load_parametric, mesh_path, read_mesh
from rfsim.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
PAM50 = REPO.parent / "shared" / "data" / "pam50_c1c3"


@pytest.fixture(scope="module")
def ref():
    """The parametric model at the population (reference) cord size."""
    return load_parametric(ap_mm=8.0, rl_mm=11.5)


def test_cord_at_population_size(ref):
    # Valosek 2024: 72.4 +- 6.8 mm2; an 8.0 x 11.5 mm ellipse has 72.26 mm2
    assert ref.cord_area_m2 * 1e6 == pytest.approx(math.pi / 4 * 8.0 * 11.5, rel=1e-3)
    assert ref.region_area_m2("cord") * 1e6 == pytest.approx(ref.cord_area_m2 * 1e6, rel=2e-3)
    gm = ref.region_area_m2("grey_matter") / ref.cord_area_m2
    assert 0.14 < gm < 0.24  # PAM50 grey matter share ~19 %


@pytest.mark.parametrize("level,ap,rl", [("C1", 8.27, 11.36), ("C2", 7.76, 11.73)])
def test_level_defaults(level, ap, rl):
    a = load_parametric(level=level)
    assert a.level == level
    assert (a.ap_m * 1e3, a.rl_m * 1e3) == pytest.approx((ap, rl))
    x, y = a.outline.points()
    assert (x.max() - x.min()) * 1e3 == pytest.approx(rl, abs=1e-3)
    assert (y.max() - y.min()) * 1e3 == pytest.approx(ap, abs=1e-3)


def test_every_region_present_and_on_lesion_side(ref):
    for name in TRACTS:
        area = ref.region_area_m2(name)
        assert area > 0.5e-6, name
        assert ref.region_centroid_m(name)[0] > 0, name


def test_tracts_are_disjoint(ref):
    x = np.linspace(0, 6e-3, 301)
    X, Y = np.meshgrid(x, np.linspace(-4.1e-3, 4.1e-3, 401), indexing="ij")
    names = ["lateral_spinothalamic", "lateral_corticospinal", "ventral_spinocerebellar", "dorsal_spinocerebellar",
             "rubrospinal", "dorsal_columns", "ventral_funiculus", "ventral_horn", "dorsal_horn",
             "intermediate_zone"]
    s = sum(ref.regions[n].sample(X, Y) for n in names)
    assert s.max() <= 1.0


def test_somatotopic_zones_split_the_stt_in_order(ref):
    areas = [ref.region_area_m2(z) for z in STT_ZONES]
    assert sum(areas) == pytest.approx(ref.region_area_m2("lateral_spinothalamic"), rel=1e-3)
    assert np.allclose(areas, areas[0], rtol=0.03)
    c = np.array([ref.region_centroid_m(z) for z in STT_ZONES])
    # arm ventromedial ... sacral dorsolateral (Shepherd 2017): x rises, y falls
    assert np.all(np.diff(c[:, 0]) > 0)
    assert np.all(np.diff(c[:, 1]) < 0)


def test_dentate_on_lateral_cord_between_rootlet_zones(ref):
    x, y = ref.dentate_m
    assert x > 0.95 * ref.rl_m / 2
    assert abs(ref.outline.radius(math.atan2(y, x)) - math.hypot(x, y)) < 1e-9
    # anterior to the lateral corticospinal tract, posterior to the STT centroid
    assert ref.region_centroid_m("lateral_corticospinal")[1] < y < ref.region_centroid_m("lateral_spinothalamic")[1]


def test_scaling_keeps_tracts_in_place(ref):
    p = load_parametric(ap_mm=7.0, rl_mm=13.0)
    sx, sy = 13.0 / 11.5, 7.0 / 8.0
    for n in ("lateral_spinothalamic", "stt_leg", "lateral_corticospinal", "ventral_horn"):
        c0, c1 = ref.region_centroid_m(n), p.region_centroid_m(n)
        assert c1[0] == pytest.approx(c0[0] * sx, abs=2e-5)
        assert c1[1] == pytest.approx(c0[1] * sy, abs=2e-5)
        assert p.region_area_m2(n) == pytest.approx(ref.region_area_m2(n) * sx * sy, rel=0.02)


def test_displacement_widens_the_near_csf_gap():
    a = load_parametric(displacement_mm=3.0, csf_gap_mm=5.0)
    names = a.tissue_names
    half = a.rl_m / 2
    # 7.5 mm lateral of the cord surface on the lesion side is still CSF; on the
    # far side, 2.5 mm beyond the cord, the dura has begun
    assert names[a.tissue_at(half + 7.5e-3, 0.0)] == "csf"
    assert names[a.tissue_at(-(half + 2.1e-3), 0.0)] == "dura"
    assert a.dura_center_m == (pytest.approx(3e-3), 0.0)
    # the tracts move with the cord: same centroid in cord coordinates
    b = load_parametric(csf_gap_mm=5.0)
    assert a.region_centroid_m("stt_leg") == pytest.approx(b.region_centroid_m("stt_leg"))


def test_side_is_recorded_and_model_is_one_sided():
    left = load_parametric(side="left")
    right = load_parametric(side="right")
    assert left.side == "left" and right.side == "right"
    assert left.region_centroid_m("lateral_spinothalamic") == pytest.approx(
        right.region_centroid_m("lateral_spinothalamic"))


@pytest.mark.parametrize("kw,key", [
    (dict(level="C3"), "level"), (dict(side="up"), "side"), (dict(ap_mm=20.0), "ap_mm"),
    (dict(rl_mm=-1.0), "rl_mm"), (dict(csf_gap_mm=0.1), "csf_gap_mm"), (dict(displacement_mm=6.0), "displacement_mm"),
    (dict(displacement_mm=4.0, csf_gap_mm=4.0), "displacement_mm"),
])
def test_bad_patient_input(kw, key):
    with pytest.raises(ConfigError) as e:
        load_parametric(**kw)
    assert e.value.key == key
    assert key in str(e.value)


def test_mesh_file_validation(tmp_path):
    text = mesh_path().read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("pia_thickness_mm = 0.05", "pia_thickness_mm = 0.05\npia_thicknes_mm = 0.05"))
    with pytest.raises(ConfigError, match="pia_thicknes_mm.*unknown key"):
        load_parametric(bad)
    nosrc = tmp_path / "nosrc.toml"
    nosrc.write_text(text.replace('source = "pia:', '# source = "pia:', 1))
    with pytest.raises(ConfigError, match="layers.source"):
        load_parametric(nosrc)
    with pytest.raises(ConfigError, match="file not found"):
        load_parametric(tmp_path / "missing.toml")


def test_every_table_has_a_source():
    d = read_mesh()
    tables = [d["reference_cord"], d["levels"]["C1"], d["levels"]["C2"], d["layers"], d["dentate"],
              d["somatotopy"], d["bone"]] + d["region"]
    assert all(t["source"].strip() for t in tables)


# -- agreement with the PAM50 atlas at the C1/C2 junction ----------------------
ATLAS_IDS = {  # info_label.txt ids (both sides; one side is selected by world x)
    "lateral_spinothalamic": [12, 13], "lateral_corticospinal": [4, 5], "rubrospinal": [8, 9],
    "spinocerebellar": [6, 7], "dorsal_columns": [0, 1, 2, 3], "ventral_funiculus": list(range(14, 30)),
    "ventral_horn": [30, 31], "dorsal_horn": [34, 35], "intermediate_zone": [32, 33],
}
JUNCTION_K = 938 - 860  # top slice of C2 in the slab (README)


def atlas_reference():
    """Tract centroids (mm) and areas (mm2) of the atlas at the junction, scaled
    per axis so that the atlas cord's equivalent ellipse is the reference cord."""
    nib = pytest.importorskip("nibabel", reason="nibabel is needed to read the PAM50 crop")
    if not PAM50.is_dir():
        pytest.skip(f"PAM50 crop not found at {PAM50}")
    k = JUNCTION_K
    cord_img = nib.load(str(PAM50 / "template" / "PAM50_cord.nii.gz"))
    A = cord_img.affine
    cord = np.asarray(cord_img.dataobj[:, :, k], float)
    i, j = np.meshgrid(np.arange(cord.shape[0]), np.arange(cord.shape[1]), indexing="ij")
    X, Y = A[0, 0] * i + A[0, 3], A[1, 1] * j + A[1, 3]
    w = cord / cord.sum()
    cx, cy = (w * X).sum(), (w * Y).sum()
    X, Y = X - cx, Y - cy
    a, b = 2 * np.sqrt((w * X ** 2).sum()), 2 * np.sqrt((w * Y ** 2).sum())
    sx, sy = 5.75 / a, 4.0 / b
    side = np.where(X > 1e-6, 1.0, np.where(X > -1e-6, 0.5, 0.0))  # world x > 0; midline voxels shared
    out = {}
    for name, ids in ATLAS_IDS.items():
        m = sum(np.asarray(nib.load(str(PAM50 / "atlas" / f"PAM50_atlas_{n:02d}.nii.gz")).dataobj[:, :, k], float)
                for n in ids) * side
        s = m.sum()
        out[name] = ((m * X).sum() / s * sx, (m * Y).sum() / s * sy, s * 0.25 * sx * sy)
    return out


def test_tracts_agree_with_pam50(ref):
    truth = atlas_reference()
    rows = []
    for name, (x, y, area) in truth.items():
        if name == "spinocerebellar":  # PAM50 has one rim label; the model splits it at the dentate line
            parts = ["ventral_spinocerebellar", "dorsal_spinocerebellar"]
            am = sum(ref.region_area_m2(p) for p in parts)
            cm = sum(np.array(ref.region_centroid_m(p)) * ref.region_area_m2(p) for p in parts) / am
        else:
            am, cm = ref.region_area_m2(name), np.array(ref.region_centroid_m(name))
        err = math.hypot(cm[0] * 1e3 - x, cm[1] * 1e3 - y)
        rel = am * 1e6 / area - 1
        rows.append((name, err, rel))
    print("\n".join(f"{n:24s} centroid error {e:.2f} mm, area error {r:+.1%}" for n, e, r in rows))
    for name, err, rel in rows:
        assert err < 0.5, (name, err)
        assert abs(rel) < 0.25, (name, rel)

"""Tests of rfsim.anatomy.patient: the cross-section from SCT outputs in any
voxel orientation, and the clear errors for what cannot be used.

The inputs are built in tmp_path (tests/sct_folders.py): an analytic elliptic
cylinder as a cord segmentation, and copies of the PAM50 crop laid out like
sct_warp_template's output (skipped when the crop or nibabel is absent).
"""

from dataclasses import replace

import numpy as np
import pytest

from rfsim.errors import ConfigError

nib = pytest.importorskip("nibabel", reason="nibabel reads the patient's images (pip install 'rfsim[atlas]')")

from sct_folders import PAM50, cylinder_seg, grid_affine, need_pam50, warped_folder  # noqa: E402

TRACTS = ("lateral_spinothalamic", "lateral_corticospinal", "stt_leg", "ventral_horn", "dorsal_columns")
#: Grids of the same analytic cord: voxel order, rotation, anisotropic voxels (shape, affine keywords).
GRIDS = {
    "axial RAS": ((48, 48, 64), {}),
    "sagittal PIR": ((48, 64, 48), {"axcodes": ("P", "I", "R")}),
    "axial LPI": ((48, 48, 64), {"axcodes": ("L", "P", "I")}),
    "in-plane rotation 30 deg": ((48, 48, 64), {"rotate": ("z", 30)}),
    "pitch 5 deg": ((48, 48, 64), {"rotate": ("x", 5)}),
    "3 mm axial slices": ((60, 60, 8), {"voxel_mm": (0.4, 0.4, 3.0)}),
}


def centroid_error_mm(a, b, names=TRACTS):
    return max(float(np.abs(np.subtract(a.region_centroid_m(n), b.region_centroid_m(n))).max()) for n in names) * 1e3


@pytest.fixture(scope="module")
def parametric_8x11():
    from rfsim.anatomy.parametric import load_parametric

    return load_parametric(ap_mm=8.0, rl_mm=11.5)


# -- a cord segmentation ------------------------------------------------------
@pytest.mark.parametrize("grid", list(GRIDS))
def test_segmentation_in_any_orientation(grid, tmp_path, parametric_8x11):
    from rfsim.anatomy.patient import load_patient

    shape, kw = GRIDS[grid]
    seg, _ = cylinder_seg(tmp_path, grid_affine(shape=shape, **kw), shape)
    a = load_patient(segmentation=seg)  # the labels are found next to it: t2_seg_labeled.nii.gz
    assert a.source == "patient" and a.level == "C2"
    # the mask's staircase (0.4-0.5 mm voxels) adds up to 0.25 mm to the equivalent-ellipse diameters
    assert a.ap_m * 1e3 == pytest.approx(8.0, abs=0.3) and a.rl_m * 1e3 == pytest.approx(11.5, abs=0.3)
    assert np.abs(a.frame.origin_mm[:2]).max() < 0.05  # the cord centroid is the world origin
    # tracts: the parametric model fitted to the outline
    assert centroid_error_mm(a, parametric_8x11) < 0.1
    assert a.frame.reference == str(seg) and a.frame.shape == shape


def test_tilted_cord_is_cut_square(tmp_path):
    """A cord tilted 15 deg in the scanner: the cross-section is taken across
    the cord, not along the scanner's axial plane (which would stretch AP by
    1/cos 15 deg = 3.5 %)."""
    from rfsim.anatomy.patient import load_patient

    shape = (48, 48, 64)
    straight = load_patient(segmentation=cylinder_seg(tmp_path / "a", grid_affine(shape=shape), shape)[0])
    tilted = load_patient(segmentation=cylinder_seg(tmp_path / "b", grid_affine(shape=shape), shape,
                                                    tilt=("x", 15))[0])
    assert "tilted 15.0 deg" in tilted.notes[1]
    assert tilted.ap_m == pytest.approx(straight.ap_m, abs=0.05e-3)
    assert tilted.cord_area_m2 == pytest.approx(straight.cord_area_m2, rel=0.02)
    t = tilted.frame.axes_mm_per_m[:, 2] / 1e3  # model z in the world: the cord axis
    assert np.degrees(np.arccos(t[2])) == pytest.approx(15.0, abs=0.5)


def test_side_and_displacement(tmp_path):
    from rfsim.anatomy.patient import load_patient

    shape = (48, 48, 64)
    seg, lab = cylinder_seg(tmp_path, grid_affine(shape=shape), shape)
    right = load_patient(segmentation=seg, vertebral_labels=lab)
    left = load_patient(segmentation=seg, vertebral_labels=lab, side="left", displacement_mm=2.0)
    assert left.side == "left" and left.dura_center_m[0] == pytest.approx(2e-3)
    # model +x is world right for the right side, world left for the left side
    assert right.frame.axes_mm_per_m[0, 0] == pytest.approx(1e3) and left.frame.axes_mm_per_m[0, 0] == \
        pytest.approx(-1e3)
    c1 = load_patient(segmentation=seg, vertebral_labels=lab, level="C1")
    assert c1.level == "C1" and c1.frame.origin_mm[2] > right.frame.origin_mm[2]  # the bottom of C1 is above


def test_what_cannot_be_used(tmp_path):
    from rfsim.anatomy.patient import load_patient

    shape = (48, 48, 64)
    A = grid_affine(shape=shape)
    seg, lab = cylinder_seg(tmp_path / "ok", A, shape)
    with pytest.raises(ConfigError, match="deg from the scanner's S axis"):
        load_patient(segmentation=cylinder_seg(tmp_path / "t40", A, shape, tilt=("x", 40))[0])
    with pytest.raises(ConfigError, match=r"label 2 \(C2\) is not in .* it holds 3 \(C3\), 4 \(C4\)"):
        load_patient(segmentation=cylinder_seg(tmp_path / "c34", A, shape, labels=(3, 4))[0])
    with pytest.raises(ConfigError, match="values up to 2: a cord mask holds 0..1"):
        load_patient(segmentation=lab, vertebral_labels=lab)  # the labelled segmentation given as the cord
    with pytest.raises(ConfigError, match="anatomy.vertebral_labels.*sct_label_vertebrae"):
        (tmp_path / "alone").mkdir()
        (tmp_path / "alone" / "t2_seg.nii.gz").write_bytes(seg.read_bytes())
        load_patient(segmentation=tmp_path / "alone" / "t2_seg.nii.gz")
    four = nib.Nifti1Image(np.zeros(shape + (2,), np.uint8), A)
    nib.save(four, str(tmp_path / "four.nii.gz"))
    with pytest.raises(ConfigError, match="must be a 3-D image"):
        load_patient(segmentation=tmp_path / "four.nii.gz", vertebral_labels=lab)
    (tmp_path / "junk.nii.gz").write_bytes(b"not an image")
    with pytest.raises(ConfigError, match="not a NIfTI image"):
        load_patient(segmentation=tmp_path / "junk.nii.gz", vertebral_labels=lab)
    big, big_lab = cylinder_seg(tmp_path / "big", A, shape, ap_mm=20.0, rl_mm=20.0)
    with pytest.raises(ConfigError, match="not a cord mask"):
        load_patient(segmentation=big, vertebral_labels=big_lab)
    with pytest.raises(ConfigError, match="file not found"):
        load_patient(segmentation=tmp_path / "nope.nii.gz")
    with pytest.raises(ConfigError, match="is not a folder written by sct_warp_template"):
        load_patient(tmp_path / "ok")
    with pytest.raises(ConfigError, match="patient_folder.*segmentation"):
        load_patient()


# -- the PAM50 template and atlas warped to the patient ----------------------
@pytest.fixture(scope="module")
def axial(tmp_path_factory):
    """An identity 'warp': the crop in sct_warp_template's layout (the parent of label/ is given)."""
    from rfsim.anatomy.patient import load_patient

    need_pam50()
    d = tmp_path_factory.mktemp("axial")
    warped_folder(d)
    return load_patient(d)


def test_identity_warp_matches_pam50(axial):
    from rfsim.anatomy.pam50 import load_pam50

    ref = load_pam50(PAM50)
    assert centroid_error_mm(axial, ref) < 0.02
    for n in TRACTS:
        assert axial.region_area_m2(n) == pytest.approx(ref.region_area_m2(n), rel=0.01), n
    assert axial.cord_area_m2 == pytest.approx(ref.cord_area_m2, rel=0.005)
    assert "atlas warped to the patient" in axial.notes[-1]


@pytest.mark.parametrize("axcodes", [("P", "I", "R"), ("A", "S", "L")])
def test_sagittal_warped_template(axcodes, tmp_path, axial):
    """The case that failed: a warped template stored in sagittal voxel order
    (rfsim 0.1 refused it as oblique, or read a sagittal slice as the level, or
    reported "level 'C2' not present").  Both the pam50 and the patient import read it."""
    from rfsim.anatomy.pam50 import load_pam50
    from rfsim.anatomy.patient import load_patient

    label = warped_folder(tmp_path, axcodes=axcodes)
    assert nib.aff2axcodes(nib.load(str(label / "template" / "PAM50_levels.nii.gz")).affine) == axcodes
    sag = load_patient(label)
    assert centroid_error_mm(sag, axial) < 1e-9  # the same world samples: only the voxel order differs
    sizes = {"L": 69, "R": 69, "A": 66, "P": 66, "S": 62, "I": 62}  # the slab is 69 x 66 x 62 (i, j, k)
    assert sag.frame.shape == tuple(sizes[c] for c in axcodes)  # outputs go on the sagittal grid
    as_pam50 = load_pam50(label)
    assert centroid_error_mm(as_pam50, load_pam50(warped_folder(tmp_path / "ax"))) < 1e-9


@pytest.mark.parametrize("grid_rotation", [("z", 30), ("x", 5)], ids=["in-plane 30 deg", "pitch 5 deg"])
def test_rotated_grids(grid_rotation, tmp_path, axial):
    """A rotated (in-plane) or tilted (pitch) voxel grid holding the same
    anatomy: the patient import resamples it; the pam50 import refuses it
    instead of reading a tilted slice as axial."""
    from rfsim.anatomy.pam50 import load_pam50
    from rfsim.anatomy.patient import load_patient

    label = warped_folder(tmp_path, grid_rotation=grid_rotation)
    a = load_patient(label)
    assert centroid_error_mm(a, axial) < 0.06  # interpolation of the resampled maps
    assert a.cord_area_m2 == pytest.approx(axial.cord_area_m2, rel=0.02)  # nearest-neighbour cord mask
    with pytest.raises(ConfigError, match="oblique affine.*source = \"patient\""):
        load_pam50(label)


def test_tilted_anatomy(tmp_path, axial):
    from rfsim.anatomy.patient import load_patient

    a = load_patient(warped_folder(tmp_path, content_rotation=("x", 15)))
    assert "tilted 1" in a.notes[1]
    assert centroid_error_mm(a, axial) < 0.06
    assert a.cord_area_m2 == pytest.approx(axial.cord_area_m2, rel=0.025)


def test_segmentation_with_warped_atlas_and_without_atlas(tmp_path, axial):
    from rfsim.anatomy.patient import load_patient

    label = warped_folder(tmp_path / "a")
    both = load_patient(label, segmentation=label / "template" / "PAM50_cord.nii.gz")
    assert centroid_error_mm(both, axial) < 1e-9  # the same cord, the atlas's tracts
    no_atlas = load_patient(warped_folder(tmp_path / "b", atlas=False))
    assert any("sct_warp_template -a 0" in n for n in no_atlas.notes)
    assert no_atlas.cord_area_m2 == pytest.approx(axial.cord_area_m2)
    assert centroid_error_mm(no_atlas, axial, ("lateral_spinothalamic",)) < 0.3  # parametric tracts


# -- settings and predictions -------------------------------------------------
def test_settings_validation_and_round_trip(tmp_path):
    import tomllib

    from rfsim.scenario.config import AnatomySettings, Scenario, parse_scenario
    from rfsim.scenario.writer import to_toml

    with pytest.raises(ConfigError, match="anatomy.patient_folder.*needs patient_folder"):
        AnatomySettings(source="patient")
    with pytest.raises(ConfigError, match="anatomy.segmentation.*only for source = \"patient\""):
        AnatomySettings(segmentation="t2_seg.nii.gz")
    with pytest.raises(ConfigError, match="anatomy.ap_mm.*images give the cord's size"):
        AnatomySettings(source="patient", segmentation="s.nii.gz", ap_mm=8.0)
    with pytest.raises(ConfigError, match="anatomy.source.*allowed: parametric, pam50, patient"):
        AnatomySettings(source="mri")
    with pytest.raises(ConfigError, match="anatomy.vertebral_labels.*string"):
        parse_scenario({"scenario": {"kind": "cordotomy"},
                        "anatomy": {"source": "patient", "segmentation": "a", "vertebral_labels": 3}})
    sc = Scenario(kind="cordotomy", anatomy=AnatomySettings(source="patient", patient_folder="label",
                                                           segmentation="t2_seg.nii.gz"))
    text = to_toml(sc)
    assert 'patient_folder = "label"' in text and "vertebral_labels" not in text
    assert parse_scenario(tomllib.loads(text)) == sc
    assert "patient_folder" not in to_toml(Scenario(kind="cordotomy"))  # unchanged for other sources


def _short(sc):
    from rfsim.physics.generator import Lesion, Protocol

    return replace(sc, protocol=Protocol((Lesion(80.0, 30.0),), 10.0))


def test_predictions_from_sagittal_folder_and_segmentation(tmp_path):
    """Done when: a warped PAM50 folder in sagittal order and a cord
    segmentation both give a prediction."""
    from rfsim.prediction import cordotomy_scenario, predict
    from rfsim.scenario.config import AnatomySettings

    need_pam50()
    label = warped_folder(tmp_path / "sag", axcodes=("P", "I", "R"))
    shape = (48, 64, 48)
    seg, lab = cylinder_seg(tmp_path / "seg", grid_affine(shape=shape, axcodes=("P", "I", "R")), shape)
    for anatomy in (AnatomySettings(source="patient", patient_folder=str(label)),
                    AnatomySettings(source="patient", segmentation=str(seg), vertebral_labels=str(lab))):
        pr = predict(_short(replace(cordotomy_scenario(), anatomy=anatomy)))
        s = pr.summary
        assert s["anatomy"] == "patient"
        assert 0.02 < s["cord_area_fraction"] < 0.3 and s["tract_coverage"]["lateral_spinothalamic"] > 0.3
        assert pr.anatomy.frame is not None

"""Tests of rfsim.nifti: the predicted lesion written on the grid of the
anatomy's image, read back with nibabel, lies where the metrics say."""

import json
from dataclasses import replace

import numpy as np
import pytest

from rfsim.errors import ConfigError

nib = pytest.importorskip("nibabel", reason="nibabel writes NIfTI (pip install 'rfsim[atlas]')")

from sct_folders import PAM50, cylinder_seg, grid_affine, need_pam50, warped_folder  # noqa: E402


def _scenario(anatomy):
    from rfsim.physics.generator import Lesion, Protocol
    from rfsim.prediction import cordotomy_scenario

    return replace(cordotomy_scenario(), anatomy=anatomy, protocol=Protocol((Lesion(80.0, 60.0),), 10.0))


@pytest.fixture(scope="module")
def on_pam50(tmp_path_factory):
    """A prediction on the PAM50 crop and its NIfTI outputs."""
    from rfsim.nifti import write_nifti
    from rfsim.prediction import predict
    from rfsim.scenario.config import AnatomySettings

    need_pam50()
    pr = predict(_scenario(AnatomySettings(source="pam50", pam50_folder=str(PAM50))))
    out = write_nifti(pr, tmp_path_factory.mktemp("nifti"))
    return pr, out


def test_outputs_overlay_the_reference(on_pam50):
    pr, out = on_pam50
    ref = nib.load(str(PAM50 / "template" / "PAM50_cord.nii.gz"))
    for name in ("lesion", "damage", "peak_temperature", "needle"):
        img = nib.load(str(out[name]))
        assert img.shape == ref.shape, name
        assert np.array_equal(img.affine, ref.affine), name
        for get in ("get_qform", "get_sform"):
            m, code = getattr(img.header, get)(coded=True)
            m0, code0 = getattr(ref.header, get)(coded=True)
            assert code == code0 and (m0 is None or np.allclose(m, m0)), (name, get)
    assert nib.load(str(out["lesion"])).get_data_dtype() == np.uint8
    assert nib.load(str(out["needle"])).get_data_dtype() == np.uint8
    assert nib.load(str(out["damage"])).get_data_dtype() == np.float32
    side = json.loads(out["json"].read_text())
    assert side["reference"] == str(PAM50 / "template" / "PAM50_cord.nii.gz")
    assert side["files"]["peak_temperature"]["units"] == "degC"


def test_lesion_lies_where_the_metrics_say(on_pam50):
    """Read back: the lesion's voxels give the metrics' volume, cord share and
    spinothalamic coverage on the atlas's own maps, around the exposed tip."""
    pr, out = on_pam50
    s = pr.summary
    les = np.asarray(nib.load(str(out["lesion"])).dataobj)
    A = nib.load(str(out["lesion"])).affine
    voxel_mm3 = abs(np.linalg.det(A[:3, :3]))
    assert les.sum() * voxel_mm3 == pytest.approx(s["lesion_volume_mm3"], rel=0.15)
    frame = pr.anatomy.frame
    idx = np.argwhere(les > 0)
    model = frame.world_to_model(*frame.voxel_to_world(*idx.T))
    mid = np.asarray(pr.path.point(0.5 * pr.path.tip_length_m))
    centroid = model.mean(axis=1)
    assert np.linalg.norm(centroid - mid) < 0.5e-3  # the lesion is centred on the exposed tip
    assert model[0].min() > 0  # on the lesion side only (x > 0 in the model)
    # the slice through the tip (the level's slice: no cranio-caudal tilt)
    k = int(round(frame.world_to_voxel(*frame.model_to_world(*mid))[2]))
    cord = np.asarray(nib.load(str(PAM50 / "template" / "PAM50_cord.nii.gz")).dataobj[:, :, k], float)
    assert (les[:, :, k] * cord).sum() / cord.sum() == pytest.approx(s["cord_area_fraction"], abs=0.03)
    stt = sum(np.asarray(nib.load(str(PAM50 / "atlas" / f"PAM50_atlas_{i:02d}.nii.gz")).dataobj[:, :, k], float)
              for i in (12, 13))
    ii, jj = np.meshgrid(np.arange(cord.shape[0]), np.arange(cord.shape[1]), indexing="ij")
    lesion_side = frame.world_to_model(*frame.voxel_to_world(ii, jj, k))[0] > 0
    cov = (les[:, :, k] * stt * lesion_side).sum() / (stt * lesion_side).sum()
    assert cov == pytest.approx(s["tract_coverage"]["lateral_spinothalamic"], abs=0.05)


def test_fields_and_needle(on_pam50):
    pr, out = on_pam50
    les = np.asarray(nib.load(str(out["lesion"])).dataobj) > 0
    omega = np.asarray(nib.load(str(out["damage"])).dataobj)
    tpk = np.asarray(nib.load(str(out["peak_temperature"])).dataobj)
    needle = np.asarray(nib.load(str(out["needle"])).dataobj)
    assert omega[les].min() > 0.3 and omega[~les].max() < 1.5  # Omega >= 1 is the criterion (voxel means)
    assert tpk.min() == pytest.approx(pr.result.domain.temperature_c, abs=0.01)
    assert 55 < tpk.max() <= pr.summary["max_tissue_temperature_c"] + 0.01
    assert set(np.unique(needle)) == {0, 1, 2}
    frame = pr.anatomy.frame
    tip_vox = np.rint(frame.world_to_voxel(*frame.model_to_world(*np.asarray(pr.path.tip_m)))).astype(int)
    assert needle[tuple(tip_vox)] == 2
    # the exposed tip is 2 mm long: 4 voxels or so of 0.5 mm along the needle
    assert 3 <= (needle == 2).sum() <= 12


def test_sagittal_patient_folder_overlays_its_grid(tmp_path, on_pam50):
    """With the patient import of a sagittal copy, the outputs are on the
    sagittal grid and hold the same lesion in the world."""
    from rfsim.nifti import write_nifti
    from rfsim.prediction import predict
    from rfsim.scenario.config import AnatomySettings

    label = warped_folder(tmp_path / "sag", axcodes=("P", "I", "R"))
    pr = predict(_scenario(AnatomySettings(source="patient", patient_folder=str(label))))
    out = write_nifti(pr, tmp_path / "out")
    ref = nib.load(str(label / "template" / "PAM50_cord.nii.gz"))
    img = nib.load(str(out["lesion"]))
    assert img.shape == ref.shape and np.array_equal(img.affine, ref.affine)
    les = np.asarray(img.dataobj)
    w = (np.argwhere(les > 0) @ img.affine[:3, :3].T + img.affine[:3, 3]).mean(axis=0)
    pr0, out0 = on_pam50
    img0 = nib.load(str(out0["lesion"]))
    w0 = (np.argwhere(np.asarray(img0.dataobj) > 0) @ img0.affine[:3, :3].T + img0.affine[:3, 3]).mean(axis=0)
    assert np.linalg.norm(w - w0) < 0.3  # mm; the patient import cuts across the cord (1.5 deg off axial here)
    assert int(les.sum()) == pytest.approx(int(np.asarray(img0.dataobj).sum()), rel=0.1)


def test_segmentation_and_probability(tmp_path):
    from rfsim.nifti import write_nifti
    from rfsim.prediction import predict
    from rfsim.scenario.config import AnatomySettings

    shape = (48, 48, 64)
    seg, lab = cylinder_seg(tmp_path, grid_affine(shape=shape, axcodes=("L", "P", "I")), shape)
    pr = predict(_scenario(AnatomySettings(source="patient", segmentation=str(seg))))
    out = write_nifti(pr, tmp_path / "out", draws=[pr, pr])
    les = np.asarray(nib.load(str(out["lesion"])).dataobj)
    prob = np.asarray(nib.load(str(out["lesion_probability"])).dataobj)
    assert les.sum() > 0 and np.array_equal(prob > 0.5, les > 0) and prob.max() == 1.0
    # in the world, the lesion is on the subject's right (side = "right"), at C1/C2 (world z ~ 0)
    A = nib.load(str(out["lesion"])).affine
    w = (np.argwhere(les > 0) @ A[:3, :3].T + A[:3, 3]).mean(axis=0)
    assert w[0] > 2.0 and abs(w[2]) < 1.0


def test_refused_before_the_run(tmp_path):
    from rfsim.nifti import check_nifti_request

    with pytest.raises(ConfigError, match="needs an image anatomy"):
        check_nifti_request(tmp_path, "parametric")
    (tmp_path / "file").write_text("")
    with pytest.raises(ConfigError, match="cannot write there"):
        check_nifti_request(tmp_path / "file" / "sub", "pam50")
    assert check_nifti_request(tmp_path / "new" / "dir", "patient").is_dir()


def rfsim(*args):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=str(root) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "rfsim", *map(str, args)], capture_output=True, text=True, env=env,
                          timeout=600)


def test_cli_nifti(tmp_path):
    p = rfsim("predict", "--nifti", tmp_path / "out", "--lesions", "1")
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert "--nifti" in p.stderr and "needs an image anatomy" in p.stderr
    need_pam50()
    label = warped_folder(tmp_path / "sag", axcodes=("P", "I", "R"))
    p = rfsim("predict", "--patient-folder", label, "--lesions", "1", "--duration", "30", "--json", "--nifti",
              tmp_path / "out", "--out", tmp_path / "p.h5")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["anatomy"] == "patient"
    assert sorted(f.name for f in (tmp_path / "out").iterdir()) == [
        "damage.nii.gz", "lesion.nii.gz", "needle.nii.gz", "peak_temperature.nii.gz", "rfsim_nifti.json"]


@pytest.fixture(scope="module")
def on_segmentation(tmp_path_factory):
    """A one-lesion prediction on a synthetic cord segmentation (no atlas needed)."""
    from rfsim.prediction import predict
    from rfsim.scenario.config import AnatomySettings

    d = tmp_path_factory.mktemp("seg")
    shape = (48, 48, 64)
    seg, _ = cylinder_seg(d, grid_affine(shape=shape, axcodes=("L", "P", "I")), shape)
    return seg, predict(_scenario(AnatomySettings(source="patient", segmentation=str(seg))))


def test_volume_probability_of_one_draw_is_its_lesion(on_segmentation, tmp_path):
    """The 3-D normalised lesion map of a prediction, as a probability and
    written on the image, falls on the prediction's own lesion voxels."""
    from rfsim.nifti import write_nifti
    from rfsim.uncertainty.probability_map import (SHAPE_3D, VolumeProbability, encode, lesion_mask,
                                                   lesion_volume_mask, probability)

    _, pr = on_segmentation
    vol = lesion_volume_mask(pr)
    assert vol.shape == SHAPE_3D and vol.any() and not vol[:, :, [0, -1]].any()  # w range holds the lesion
    # its mid-tip slice (w = 0 is a cell centre) is the 2-D map at half the resolution
    flat = lesion_mask(pr)
    mid = vol[:, :, SHAPE_3D[2] // 2]
    assert mid.sum() * 4 == pytest.approx(flat.sum(), rel=0.12)
    prob = probability([encode(vol), encode(np.zeros_like(vol))], SHAPE_3D)  # one draw lesioned, one not
    assert set(np.unique(prob)) <= {0.0, 0.5}
    out = write_nifti(pr, tmp_path / "out", probability=VolumeProbability(prob * 2, pr))
    les = np.asarray(nib.load(str(out["lesion"])).dataobj) > 0
    p = np.asarray(nib.load(str(out["lesion_probability"])).dataobj)
    assert p.min() >= 0 and p.max() <= 1
    hit = p >= 0.5
    dice = 2 * (hit & les).sum() / (hit.sum() + les.sum())
    assert dice > 0.8, dice
    with pytest.raises(ConfigError, match="one source"):
        write_nifti(pr, tmp_path / "o2", draws=[pr], probability=lambda x, y, z: 0 * x)


def test_cli_uncertainty_nifti_writes_the_probability(on_segmentation, tmp_path):
    seg, _ = on_segmentation
    p = rfsim("predict", "--uncertainty", "3", "--nifti", tmp_path / "x")  # parametric: no image
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1 and "--nifti" in p.stderr, p.stderr
    assert not (tmp_path / "x").exists() or not any((tmp_path / "x").iterdir())
    p = rfsim("predict", "--segmentation", seg, "--lesions", "1", "--uncertainty", "6", "--workers", "0",
              "--json", "--nifti", tmp_path / "out")
    assert p.returncode == 0, p.stderr
    s = json.loads(p.stdout)
    assert s["draws_ok"] == 6  # no draw fails: the cord's size is the images', not drawn
    assert any(n.startswith("cord_ap_mm, cord_rl_mm") and "held" in n for n in s["notes"]), s["notes"]
    out = tmp_path / "out"
    les = np.asarray(nib.load(str(out / "lesion.nii.gz")).dataobj) > 0
    img = nib.load(str(out / "lesion_probability.nii.gz"))
    prob = np.asarray(img.dataobj)
    assert np.array_equal(img.affine, nib.load(str(seg)).affine)
    assert 0 <= prob.min() and prob.max() <= 1 and prob.max() > 0.5
    # the draws' lesions gather around the nominal one: most probability mass lies within 1 mm of it
    from scipy.ndimage import binary_dilation

    near = binary_dilation(les, iterations=2)  # 0.5 mm voxels
    assert prob[near].sum() > 0.8 * prob.sum()
    side = json.loads((out / "rfsim_nifti.json").read_text())
    assert side["files"]["lesion_probability"]["units"] == "1"

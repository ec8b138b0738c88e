"""Synthetic Spinal Cord Toolbox outputs for tests (built in tmp_path, never stored).

* :func:`warped_folder`: a folder laid out like ``sct_warp_template``'s output
  (``label/template``, ``label/atlas``) holding the PAM50 crop of
  ../shared/data/pam50_c1c3, cut to a slab around C1/C2 and optionally stored
  in another voxel order (exact), on a rotated or tilted grid, or with the
  anatomy itself tilted in the world (both resampled, as a warp would).
* :func:`cylinder_seg`: an analytic elliptic cylinder as ``t2_seg.nii.gz``
  with ``t2_seg_labeled.nii.gz`` (C1 = 1 above z = 0 along the cord, C2 = 2
  below), on any grid.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest


def _find_crop() -> Path:
    """shared/data/pam50_c1c3 beside the repository, or beside a folder above it
    (a git worktree sits deeper than the clone)."""
    here = Path(__file__).resolve().parents[1]
    for folder in here.parents:
        if (folder / "shared" / "data" / "pam50_c1c3").is_dir():
            return folder / "shared" / "data" / "pam50_c1c3"
    return here.parent / "shared" / "data" / "pam50_c1c3"


PAM50 = _find_crop()
#: Slab of the crop kept in copies (C1/C2 junction at slab k = 78).
K_RANGE = (48, 110)
#: World point (mm) about which grids and anatomy are rotated: near the cord at C1/C2.
CENTRE_MM = np.array([0.0, -46.1, -92.8])
TEMPLATE = ("PAM50_cord", "PAM50_gm", "PAM50_levels")
NEAREST = ("PAM50_cord", "PAM50_levels")  # sct_warp_template warps these with nearest neighbour


def need_pam50():
    nib = pytest.importorskip("nibabel", reason="nibabel is needed to read the PAM50 crop")
    if not PAM50.is_dir():
        pytest.skip(f"PAM50 crop not found at {PAM50}")
    return nib


def rotation(axis: str, deg: float) -> np.ndarray:
    """3x3 rotation about a world axis ("x": pitch in the sagittal plane, "z": in-plane)."""
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    i, j = {"x": (1, 2), "y": (2, 0), "z": (0, 1)}[axis]
    r = np.eye(3)
    r[i, i], r[i, j], r[j, i], r[j, j] = c, -s, s, c
    return r


def _about(r, centre=CENTRE_MM):
    m = np.eye(4)
    m[:3, :3] = r
    m[:3, 3] = centre - r @ centre
    return m


_COORDS = {}


def _resample(nib, img, affine, world_map, order):
    """Image on the grid ``affine`` (same shape) whose value at world w is img's at world_map @ w."""
    from scipy.ndimage import map_coordinates

    shape = img.shape
    m = np.linalg.inv(img.affine) @ world_map @ affine  # new voxel -> source voxel
    key = (shape, m.round(12).tobytes())
    if key not in _COORDS:  # every file of a folder shares its grid: compute the coordinates once
        idx = np.indices(shape, dtype=float).reshape(3, -1)
        _COORDS.clear()
        _COORDS[key] = np.einsum("ij,jn->in", m[:3, :3], idx) + m[:3, 3:]  # einsum: BLAS is slow on rows of 3
    data = np.asarray(img.dataobj, float)
    out = map_coordinates(data, _COORDS[key], order=order, cval=0.0).reshape(shape)
    return nib.Nifti1Image(out.astype(img.get_data_dtype()), affine, img.header)


def transform(nib, img, name, *, axcodes=None, grid_rotation=None, content_rotation=None):
    """A copy of ``img``: resampled on a rotated grid (world content unchanged),
    with the anatomy rotated in the world (same grid), then stored in the voxel
    order ``axcodes`` (exact)."""
    order = 0 if name in NEAREST else 1
    if grid_rotation is not None:
        img = _resample(nib, img, _about(rotation(*grid_rotation)) @ img.affine, np.eye(4), order)
    if content_rotation is not None:
        img = _resample(nib, img, img.affine, np.linalg.inv(_about(rotation(*content_rotation))), order)
    if axcodes is not None:
        from nibabel.orientations import axcodes2ornt, io_orientation, ornt_transform

        img = img.as_reoriented(ornt_transform(io_orientation(img.affine), axcodes2ornt(axcodes)))
    return img


def warped_folder(dst: Path, *, atlas=True, **kw) -> Path:
    """``dst/label`` laid out like sct_warp_template's output; keywords as :func:`transform`."""
    nib = need_pam50()
    label = Path(dst) / "label"
    (label / "template").mkdir(parents=True)
    files = [("template", n) for n in TEMPLATE]
    if atlas:
        (label / "atlas").mkdir()
        shutil.copy(PAM50 / "atlas" / "info_label.txt", label / "atlas")
        files += [("atlas", f"PAM50_atlas_{i:02d}") for i in range(36)]
    from nibabel.openers import Opener

    level, Opener.default_compresslevel = Opener.default_compresslevel, 1  # fast gzip: these files are temporary
    try:
        for sub, name in files:
            img = nib.load(str(PAM50 / sub / f"{name}.nii.gz")).slicer[:, :, K_RANGE[0]:K_RANGE[1]]
            nib.save(transform(nib, img, name, **kw), str(label / sub / f"{name}.nii.gz"))
    finally:
        Opener.default_compresslevel = level
    return label


def grid_affine(voxel_mm=0.5, shape=(48, 48, 64), axcodes=("R", "A", "S"), rotate=None):
    """Affine of a grid centred on the world origin whose voxel axes point along
    ``axcodes`` (e.g. ("P", "I", "R") for a sagittal order), optionally rotated
    ((axis, deg)) about the origin; ``voxel_mm`` is a number or one per axis."""
    world = {"R": (0, 1), "L": (0, -1), "A": (1, 1), "P": (1, -1), "S": (2, 1), "I": (2, -1)}
    m = np.zeros((3, 3))
    for i, (code, size) in enumerate(zip(axcodes, np.broadcast_to(voxel_mm, 3))):
        axis, sign = world[code]
        m[axis, i] = sign * size
    if rotate is not None:
        m = rotation(*rotate) @ m
    a = np.eye(4)
    a[:3, :3] = m
    a[:3, 3] = -m @ ((np.array(shape) - 1) / 2)
    return a


def cylinder_seg(dst: Path, affine, shape, *, ap_mm=8.0, rl_mm=11.5, tilt=None, labels=(1, 2), name="t2"):
    """``dst/t2_seg.nii.gz`` and ``dst/t2_seg_labeled.nii.gz``: an elliptic
    cylinder through the world origin, axis along S (or tilted: (axis, deg)),
    and its levels (labels[0] above the origin along the axis, labels[1] below).
    The mask is the voxel's covered share >= 0.5 (2x2x2 sub-samples)."""
    import nibabel as nib

    dst = Path(dst)
    dst.mkdir(parents=True, exist_ok=True)
    r = rotation(*tilt) if tilt else np.eye(3)
    shape = tuple(shape)
    idx = np.stack(np.meshgrid(*(np.arange(n, dtype=float) for n in shape), indexing="ij"), axis=-1)
    inside = np.zeros(shape)
    to_cyl = r.T @ affine[:3, :3]  # voxel -> cylinder frame (world, then the rotation's inverse)
    for o in ((np.indices((2, 2, 2)).reshape(3, -1).T + 0.5) / 2 - 0.5):
        p = np.einsum("ij,...j->...i", to_cyl, idx + o) + r.T @ affine[:3, 3]
        inside += ((p[..., 0] / (rl_mm / 2)) ** 2 + (p[..., 1] / (ap_mm / 2)) ** 2 <= 1.0)
    seg = (inside / 8 >= 0.5).astype(np.uint8)
    s = np.einsum("j,...j->...", to_cyl[2], idx) + r[:, 2] @ affine[:3, 3]
    lev = np.where(seg > 0, np.where(s > 0, labels[0], labels[1]), 0).astype(np.uint8)
    img = nib.Nifti1Image(seg, affine)
    img.header.set_qform(affine, 1)
    img.header.set_sform(affine, 1)
    nib.save(img, str(dst / f"{name}_seg.nii.gz"))
    nib.save(nib.Nifti1Image(lev, affine, img.header), str(dst / f"{name}_seg_labeled.nii.gz"))
    return dst / f"{name}_seg.nii.gz", dst / f"{name}_seg_labeled.nii.gz"

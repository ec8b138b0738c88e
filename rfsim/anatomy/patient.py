"""Patient anatomy from Spinal Cord Toolbox (SCT) outputs.

Two kinds of input, alone or together (docs/patient.md gives the SCT commands):

* the PAM50 template and atlas warped to the patient by ``sct_warp_template``
  (its output folder, ``label/`` by default: ``template/PAM50_cord.nii.gz``,
  ``template/PAM50_gm.nii.gz``, ``template/PAM50_levels.nii.gz``,
  ``atlas/PAM50_atlas_NN.nii.gz`` and ``atlas/info_label.txt``): cord, grey
  matter and tracts from the warped maps;
* a cord segmentation (``sct_deepseg_sc``: ``t2_seg.nii.gz``) with its
  vertebral labels (``sct_label_vertebrae``: ``t2_seg_labeled.nii.gz``, the
  level number as voxel value, C1 = 1, C2 = 2): the cord outline from the
  segmentation; without the warped atlas, grey matter and tracts come from the
  parametric model scaled to the cord's diameters and clipped to its outline.

Every image may be stored in any voxel order or orientation: values are taken
in world coordinates (millimetres, RAS+), by trilinear interpolation through
each file's own affine, so a sagittal, rotated or tilted grid gives the same
anatomy as an axial one.  Where the cord is:

1. the level: SCT's vertebral labels; the cross-section is taken, as for
   PAM50, at the end of the level nearest the C1-C2 interspace (the top of C2,
   the bottom of C1);
2. the cord axis: a line fitted to the cord's centroids within
   ``AXIS_HALF_WINDOW_MM`` of that point; the cross-section is the plane
   perpendicular to it, so a cord tilted in the scanner (neck flexion) is cut
   square, not obliquely.  A cord more than ``MAX_CORD_TILT_DEG`` from the
   scanner's S axis is refused (the header's orientation is then suspect);
3. the axes: model y is the world anterior direction made perpendicular to
   the cord, model x points to the lesion side (world right for
   ``side="right"``; laterality by world coordinates, as for PAM50).

The result is an :class:`rfsim.anatomy.cross_section.Anatomy` with ``source="patient"``
and an :class:`rfsim.anatomy.frame.ImageFrame` on the grid of the cord image
(the segmentation, or the warped ``PAM50_cord``), on which :mod:`rfsim.nifti`
writes the predicted lesion.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from rfsim.anatomy.frame import frame_from_header
from rfsim.anatomy.cross_section import dentate_point, finish_anatomy
from rfsim.anatomy.parametric import check_patient, load_parametric, read_mesh
from rfsim.anatomy.shapes import RasterRegion
from rfsim.anatomy.pam50 import LEVEL_LABEL, cord_outline, read_labels, tract_groups, tract_regions
from rfsim.errors import ConfigError

#: Largest angle (degrees) between the cord axis at the level and the scanner's S axis.
MAX_CORD_TILT_DEG = 30.0
#: The cord axis is fitted to the cord centroids within this distance (mm) of the level.
AXIS_HALF_WINDOW_MM = 6.0
#: Half-width (mm) and step (mm) of the square on which the cross-section is sampled.
PLANE_HALF_WIDTH_MM = 14.0
PLANE_STEP_MM = 0.1
#: Plausible cord cross-sectional area (mm^2) at C1-C2; outside it the input is not a cord mask.
CORD_AREA_MM2 = (30.0, 150.0)

_TEMPLATE = ("template/PAM50_cord.nii.gz", "template/PAM50_gm.nii.gz", "template/PAM50_levels.nii.gz")


def _nibabel():
    try:
        import nibabel
    except ImportError:
        raise ConfigError("anatomy.source", "patient",
                          "needs nibabel to read NIfTI images; install it with pip install 'rfsim[atlas]'") from None
    return nibabel


@dataclass(frozen=True, eq=False)
class Volume:
    """One image: its voxels (as stored, or in RAS order when read with
    ``ras=True``; a permutation of the stored order, no resampling).

    Attributes
    ----------
    path : Path
    data : ndarray, the image's own dtype
    affine : ndarray (4, 4), voxel -> world (mm) for ``data``
    image : the nibabel image as stored (its grid and header make the frame)
    """

    path: Path
    data: np.ndarray
    affine: np.ndarray
    image: object

    def world(self, idx):
        """World coordinates (mm), shape (n, 3), of voxel indices (n, 3) of ``data``."""
        return _apply(self.affine[:3, :3], np.asarray(idx, float)) + self.affine[:3, 3]

    def sample(self, points_mm):
        """Trilinear values at world points (..., 3) in mm; 0 outside the image."""
        from scipy.ndimage import map_coordinates

        p = np.asarray(points_mm, float)
        ijk = _apply(np.linalg.inv(self.affine[:3, :3]), p.reshape(-1, 3) - self.affine[:3, 3])
        # only the block around the points is converted and interpolated (a patient image is large)
        lo = np.clip(np.floor(ijk.min(axis=0)).astype(int) - 2, 0, None)
        hi = np.minimum(np.ceil(ijk.max(axis=0)).astype(int) + 3, self.data.shape)
        if np.any(hi <= lo):
            return np.zeros(p.shape[:-1])
        block = np.asarray(self.data[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]], dtype=float)
        if not np.all(np.isfinite(block)):
            raise ConfigError("anatomy", str(self.path), "contains NaN or infinite values near the cord")
        lo_f = lo.astype(float)
        # outside the image is 0; only the image's own edges may meet the block's edges
        out = map_coordinates(block, (ijk - lo_f).T, order=1, cval=0.0)
        outside = np.any((ijk < -0.5) | (ijk > np.asarray(self.data.shape) - 0.5), axis=1)
        out[outside] = 0.0
        return out.reshape(p.shape[:-1])


def _apply(m, v):
    """Rows of ``v`` (n, 3) multiplied by the 3x3 matrix ``m`` (einsum: the BLAS
    path of ``@`` is slow for many rows of 3)."""
    return np.einsum("ij,nj->ni", m, v)


def read_volume(path, key: str, ras: bool = False) -> Volume:
    """Read a 3-D NIfTI image (a trailing axis of length 1 is dropped).

    ``key`` is the setting that named the file, for error messages; ``ras``
    puts the voxels in RAS order (needed to walk the image slice by slice
    along the cord).
    """
    nib = _nibabel()
    p = Path(path)
    if not p.is_file():
        raise ConfigError(key, str(p), "file not found")
    try:
        img = nib.load(str(p))
        if img.ndim == 4 and img.shape[3] == 1:
            img = img.slicer[..., 0]
    except Exception as e:  # nibabel raises several types for a file that is not an image
        raise ConfigError(key, str(p), f"is not a NIfTI image nibabel can read ({e})") from None
    if img.ndim != 3:
        raise ConfigError(key, str(p), f"must be a 3-D image; it has shape {img.shape}")
    A = np.asarray(img.affine, float)
    if not np.all(np.isfinite(A)) or abs(np.linalg.det(A[:3, :3])) < 1e-9:
        raise ConfigError(key, str(p), "has no usable voxel-to-world transform (qform/sform)")
    src = nib.as_closest_canonical(img) if ras else img
    return Volume(p, np.asanyarray(src.dataobj), np.asarray(src.affine, float), img)


def _label_positions(levels: Volume, level: str, key: str):
    """World positions (n, 3) of the voxels labelled with ``level``."""
    lab = np.rint(levels.data).astype(int)
    idx = np.argwhere(lab == LEVEL_LABEL[level])
    if idx.size == 0:
        found = sorted(int(v) for v in np.unique(lab) if v > 0)
        names = ", ".join(f"{v} ({'C' + str(v) if v <= 7 else 'T' + str(v - 7) if v <= 19 else 'L' + str(v - 19)})"
                          for v in found[:8]) or "none"
        raise ConfigError("anatomy.level", level, f"label {LEVEL_LABEL[level]} ({level}) is not in {levels.path} "
                                                  f"(SCT's vertebral labels: C1 = 1, C2 = 2); it holds {names}")
    return levels.world(idx)


def _centroids(cord: Volume):
    """World centroid (mm) of the cord in each RAS slice (k) that holds some."""
    w = np.clip(np.asarray(cord.data, float), 0.0, 1.0)
    s = w.sum(axis=(0, 1))
    ks = np.nonzero(s > 0)[0]
    i = np.arange(w.shape[0], dtype=float)
    j = np.arange(w.shape[1], dtype=float)
    ci = (w.sum(axis=1)[:, ks] * i[:, None]).sum(axis=0) / s[ks]
    cj = (w.sum(axis=0)[:, ks] * j[:, None]).sum(axis=0) / s[ks]
    return cord.world(np.stack([ci, cj, ks.astype(float)], axis=1))


def _axis(centroids, near_mm, t, cord: Volume):
    """Point and unit direction (cranial) of the cord axis near ``near_mm``."""
    d = (centroids - near_mm) @ t
    c = centroids[np.abs(d) <= AXIS_HALF_WINDOW_MM]
    if len(c) >= 2 and np.ptp(c @ t) > 0:
        m = c.mean(axis=0)
        direction = np.linalg.svd(c - m)[2][0]
    else:  # one thick slice: its normal is all there is
        m = c[0] if len(c) else near_mm
        direction = np.cross(cord.affine[:3, 0], cord.affine[:3, 1])
    direction = direction / np.linalg.norm(direction)
    return m, direction if direction[2] >= 0 else -direction


def locate_level(cord: Volume, levels: Volume, level: str, key: str = "anatomy.segmentation") -> tuple:
    """Where to cut: (point on the cord axis at the level's end nearest the
    C1-C2 interspace (world mm), unit cord direction, tilt from the scanner's
    S axis in degrees).  ``key`` names the cord's setting in messages."""
    if np.max(cord.data) <= 0:
        raise ConfigError(key, str(cord.path), "holds no cord (all voxels are 0)")
    pts = _label_positions(levels, level, "anatomy.vertebral_labels")
    cen = _centroids(cord)
    t = np.array([0.0, 0.0, 1.0])
    sign = 1.0 if level == "C2" else -1.0  # C2: its cranial end; C1: its caudal end
    for _ in range(3):  # the level's end is measured along the axis, which is fitted near that end
        s = sign * (pts @ t)
        end = pts[int(np.argmax(s))]
        m, t = _axis(cen, end, t, cord)
        s_end = sign * float(np.max(sign * (pts @ t)))
        point = m + (s_end - m @ t) * t
    tilt = math.degrees(math.acos(min(1.0, abs(float(t[2])))))
    if tilt > MAX_CORD_TILT_DEG:
        raise ConfigError(key, str(cord.path),
                          f"the cord at {level} runs {tilt:.0f} deg from the scanner's S axis (at most "
                          f"{MAX_CORD_TILT_DEG:g} deg): check the image's orientation (its qform/sform)")
    return point, t, tilt


def _plane(point, t):
    """In-plane unit vectors (world right, world anterior) made perpendicular to ``t``."""
    a = np.array([0.0, 1.0, 0.0])
    y = a - (a @ t) * t
    y /= np.linalg.norm(y)
    return np.cross(y, t), y


def find_inputs(folder=None, segmentation=None, vertebral_labels=None) -> dict:
    """The files to read: ``cord``, ``levels`` and (with a warped folder)
    ``folder``, ``grey`` and ``atlas``; ConfigError naming what is missing."""
    if folder is None and segmentation is None:
        raise ConfigError("anatomy.patient_folder", "", "give the folder written by sct_warp_template "
                                                        "(patient_folder) and/or a cord segmentation (segmentation)")
    out = {}
    if folder is not None:
        f = Path(folder)
        if not f.is_dir():
            raise ConfigError("anatomy.patient_folder", str(f), "folder not found")
        if not (f / "template").is_dir() and (f / "label" / "template").is_dir():
            f = f / "label"  # the folder sct_warp_template was run in
        for rel in _TEMPLATE:
            if not (f / rel).is_file():
                raise ConfigError("anatomy.patient_folder", str(f),
                                  f"is not a folder written by sct_warp_template: {rel} is missing (give its output "
                                  "folder, 'label' by default, holding template/ and atlas/)")
        out.update(folder=f, cord=f / _TEMPLATE[0], grey=f / _TEMPLATE[1], levels=f / _TEMPLATE[2])
        out["atlas"] = (f / "atlas") if (f / "atlas" / "info_label.txt").is_file() else None
    if segmentation is not None:
        seg = Path(segmentation)
        if not seg.is_file():
            raise ConfigError("anatomy.segmentation", str(seg), "file not found")
        out["cord"] = seg
        if vertebral_labels is None and folder is None:
            stem = seg.name[:-7] if seg.name.endswith(".nii.gz") else seg.stem
            guess = seg.with_name(stem + "_labeled" + seg.name[len(stem):])
            if not guess.is_file():
                raise ConfigError("anatomy.vertebral_labels", "", f"needed with a segmentation: give the file of "
                                  f"sct_label_vertebrae (looked for {guess})")
            out["levels"] = guess
    if vertebral_labels is not None:
        out["levels"] = Path(vertebral_labels)
    return out


def load_patient(folder=None, *, segmentation=None, vertebral_labels=None, level: str = "C2", side: str = "right",
                 csf_gap_mm: float | None = None, displacement_mm: float = 0.0, mesh=None):
    """The C1-C2 cross-section of a patient from SCT outputs.

    Parameters
    ----------
    folder : str or Path, optional
        Output folder of ``sct_warp_template`` (``label/``; its parent is
        accepted too).  Gives grey matter and tracts (``atlas/``), and the cord
        and vertebral levels unless given below.
    segmentation : str or Path, optional
        Cord segmentation (``sct_deepseg_sc``), values 0..1; it sets the cord
        outline and axis.  Without ``folder``, tracts come from the parametric
        model fitted to its outline.
    vertebral_labels : str or Path, optional
        Vertebral levels (``sct_label_vertebrae``'s ``*_seg_labeled.nii.gz``);
        default: next to the segmentation, else the warped ``PAM50_levels``.
    level : {"C1", "C2"}
        The cross-section is at the end of this level nearest C1-C2.
    side : {"right", "left"}
        The subject's side being lesioned; it is put at x > 0.
    csf_gap_mm : float, optional
        Lateral CSF gap (mm); default from ``meshes/c1c2.toml``.
    displacement_mm : float
        Displacement of the cord away from the needle (mm, 0-5).
    mesh : str or Path, optional
        Anatomy file for the layers, dentate angle, somatotopy and tract shapes.

    Returns
    -------
    Anatomy
        ``source="patient"``, with ``frame`` on the grid of the cord image.
    """
    check_patient(level, None, None, csf_gap_mm, side, displacement_mm)
    files = find_inputs(folder, segmentation, vertebral_labels)
    cord_key = "anatomy.segmentation" if segmentation is not None else "anatomy.patient_folder"
    cord = read_volume(files["cord"], cord_key, ras=True)
    top = float(np.max(cord.data))
    if top > 1.0 + 1e-3:
        raise ConfigError(cord_key, str(cord.path), f"has values up to {top:g}: a cord mask holds 0..1 (is this the "
                                                    "labelled segmentation? give it as vertebral_labels)")
    levels = read_volume(files["levels"], "anatomy.vertebral_labels", ras=True)
    point, t, tilt = locate_level(cord, levels, level, cord_key)
    ex, ey = _plane(point, t)
    h, H = PLANE_STEP_MM, PLANE_HALF_WIDTH_MM
    u = np.arange(-H, H + h / 2, h)
    U, V = np.meshgrid(u, u, indexing="ij")
    points = point + U[..., None] * ex + V[..., None] * ey

    def on_plane(vol):
        return vol.sample(points)

    cmap = np.clip(on_plane(cord), 0.0, 1.0)
    area = float(cmap.sum()) * h * h
    if not CORD_AREA_MM2[0] <= area <= CORD_AREA_MM2[1]:
        raise ConfigError(cord_key, str(cord.path), f"the cord's cross-section at {level} is {area:.1f} mm2, outside "
                                                    f"{CORD_AREA_MM2[0]:g}-{CORD_AREA_MM2[1]:g} mm2: not a cord mask")
    if max(cmap[0].max(), cmap[-1].max(), cmap[:, 0].max(), cmap[:, -1].max()) >= 0.5:
        raise ConfigError(cord_key, str(cord.path), f"the mask at {level} reaches {H:g} mm from the cord axis: "
                                                    "not a cord mask")
    w = cmap / cmap.sum()
    cu, cv = float((w * U).sum()), float((w * V).sum())
    a = 2.0 * math.sqrt(float((w * (U - cu) ** 2).sum()))  # equivalent-ellipse semi-axes (mm)
    b = 2.0 * math.sqrt(float((w * (V - cv) ** 2).sum()))
    ap_mm, rl_mm = 2 * b, 2 * a
    if not (5.0 <= ap_mm <= 12.0 and 8.0 <= rl_mm <= 16.0):
        raise ConfigError(cord_key, str(cord.path), f"the cord at {level} measures AP {ap_mm:.2f} x RL {rl_mm:.2f} mm; "
                                                    "the model takes AP 5-12 and RL 8-16 mm: check the segmentation")
    sgn = 1.0 if side == "right" else -1.0  # RAS+: world right is the subject's right
    # model (x_m, y_m, 1) -> fractional indices of the plane samples
    to_index = np.array([[sgn * 1e3 / h, 0.0, (cu + H) / h], [0.0, 1e3 / h, (cv + H) / h]])
    cord_region = RasterRegion("cord_map", cmap, to_index)
    outline = cord_outline(cord_region, max(a, b) * 3e-3)
    origin = point + cu * ex + cv * ey
    frame = frame_from_header(cord.path, cord.image, origin, 1e3 * np.stack([sgn * ex, ey, t], axis=1))
    d = read_mesh(mesh)
    gap = (csf_gap_mm if csf_gap_mm is not None else d["layers"]["csf_gap_lateral_mm"]) * 1e-3
    notes = [f"patient: cord from {cord.path}, levels from {levels.path}",
             f"cross-section at the {'top' if level == 'C2' else 'bottom'} of {level}, perpendicular to the cord "
             f"(tilted {tilt:.1f} deg from the scanner's S axis); cord {area:.1f} mm2, AP {ap_mm:.2f} x RL "
             f"{rl_mm:.2f} mm",
             f"lesion side ({side}) chosen by world coordinates (RAS+), not by label names"]
    if files.get("atlas") is None:
        notes.append("tracts and grey matter: the parametric model scaled to the cord's diameters, clipped to its "
                     "outline" + (" (the folder has no atlas/: sct_warp_template -a 0)" if "folder" in files else ""))
        anat = load_parametric(mesh, level=level, ap_mm=ap_mm, rl_mm=rl_mm, csf_gap_mm=gap * 1e3, side=side,
                               displacement_mm=displacement_mm, outline=outline)
        return replace(anat, source="patient", notes=tuple(notes) + anat.notes, frame=frame, _cache={})
    notes.append(f"tracts and grey matter: PAM50 atlas warped to the patient ({files['atlas']}); De Leener 2018, "
                 "Levy 2015")
    single, combined = read_labels(files["folder"])
    grey = RasterRegion("grey_matter", np.clip(on_plane(read_volume(files["grey"], "anatomy.patient_folder")), 0, 1),
                        to_index)
    y_dent = dentate_point(outline, ap_mm * 1e-3, rl_mm * 1e-3, d["dentate"]["angle_deg"])[1]
    maps = {name: sum(on_plane(read_volume(files["atlas"] / f"PAM50_atlas_{i:02d}.nii.gz", "anatomy.patient_folder"))
                      for i in ids)
            for name, ids in tract_groups(single, combined, files["folder"]).items()}
    tracts = tract_regions(maps, to_index, y_dent)
    return finish_anatomy(source="patient", level=level, side=side, ap_m=ap_mm * 1e-3, rl_m=rl_mm * 1e-3,
                          outline=outline, grey=grey, tracts=tracts, layers=d["layers"],
                          dentate_angle_deg=d["dentate"]["angle_deg"], somatotopy=d["somatotopy"], bone=d["bone"],
                          csf_gap_m=gap, displacement_m=displacement_mm * 1e-3,
                          ref_mm=(d["reference_cord"]["ap_mm"], d["reference_cord"]["rl_mm"]), notes=tuple(notes),
                          frame=frame)

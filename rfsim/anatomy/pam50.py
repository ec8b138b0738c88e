"""PAM50 import: the C1-C2 cross-section from the Spinal Cord Toolbox atlas.

Reads a PAM50 folder (the user's ``$SCT_DIR/data/PAM50``, or a crop of it with
the same layout: ``template/PAM50_cord.nii.gz``, ``template/PAM50_gm.nii.gz``,
``template/PAM50_levels.nii.gz``, ``atlas/PAM50_atlas_NN.nii.gz`` and
``atlas/info_label.txt``) at one axial slice and returns an
:class:`rfsim.anatomy.cross_section.Anatomy` with the same named regions as the parametric
model, as partial-volume maps (bilinear interpolation of the atlas fractions).

Laterality: the lesion side is chosen by world coordinates, never by the
atlas's "left"/"right" names.  NIfTI world space is RAS+ (x increases toward the
subject's right), so ``side="right"`` maps world x > 0 to the model's x > 0.  Each
tract is the sum of its left and right atlas maps restricted to x > 0; the atlas
is symmetric, so either side gives the same tract geometry.

The PAM50 atlas has no dorsal spinocerebellar tract: its ventral
spinocerebellar label covers the whole lateral rim, and, as in the parametric
model, the dentate line splits that rim into the dorsal (behind) and ventral
(in front) spinocerebellar tracts.  Layers outside the cord (pia, CSF, dura and
beyond) are the parametric ones of ``meshes/c1c2.toml`` around the atlas cord.

nibabel is an optional dependency (``pip install 'rfsim[atlas]'``).

Cite: De Leener et al., NeuroImage 2018 (PAM50); Levy et al., NeuroImage 2015
(white matter atlas).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from rfsim.anatomy.cross_section import Anatomy, dentate_point, finish_anatomy
from rfsim.anatomy.frame import frame_from_header
from rfsim.anatomy.names import LEVELS
from rfsim.anatomy.parametric import check_patient, read_mesh
from rfsim.anatomy.shapes import Outline, RasterRegion
from rfsim.errors import ConfigError, require_number
from rfsim.numerics.grid import readonly

#: PAM50 vertebral level labels (template/PAM50_levels.nii.gz): 1 = C1, 2 = C2.
LEVEL_LABEL = {"C1": 1, "C2": 2}

#: Region name -> words identifying its atlas labels in atlas/info_label.txt.
ATLAS_TRACTS = {
    "lateral_spinothalamic": ("spinal lemniscus",),
    "lateral_corticospinal": ("lateral corticospinal",),
    "spinocerebellar": ("ventral spinocerebellar",),
    "rubrospinal": ("rubrospinal",),
    "dorsal_columns": ("fasciculus gracilis", "fasciculus cuneatus"),
    "ventral_horn": ("ventral horn",),
    "dorsal_horn": ("dorsal horn",),
    "intermediate_zone": ("intermediate zone",),
}
#: Combined label of info_label.txt that defines the ventral funiculus.
VENTRAL_FUNICULUS = "ventral funiculi"


def default_folder() -> Path:
    """``$SCT_DIR/data/PAM50``; ConfigError when SCT_DIR is not set."""
    sct = os.environ.get("SCT_DIR")
    if not sct:
        raise ConfigError("pam50", None, "no folder given and $SCT_DIR is not set: pass the PAM50 folder "
                                         "(e.g. --pam50 $SCT_DIR/data/PAM50)")
    return Path(sct) / "data" / "PAM50"


def _nibabel():
    try:
        import nibabel
    except ImportError:
        raise ConfigError("pam50", "nibabel", "is not installed; install it with pip install 'rfsim[atlas]'") from None
    return nibabel


def read_labels(folder: Path) -> tuple[dict, dict]:
    """Parse ``atlas/info_label.txt``: ({id: name}, {combined name: [ids]})."""
    p = folder / "atlas" / "info_label.txt"
    if not p.is_file():
        raise ConfigError("pam50", str(folder), f"is not a PAM50 folder: {p} is missing")
    single, combined, section = {}, {}, None
    for line in p.read_text().splitlines():
        if "Keyword=" in line:
            section = line.split("Keyword=")[1].split()[0]
            continue
        if not line.strip() or line.startswith("#"):
            continue
        parts = [s.strip() for s in line.split(",")]
        if section == "IndivLabels" and len(parts) >= 2:
            single[int(parts[0])] = parts[1]
        elif section == "CombinedLabels" and len(parts) >= 3:
            ids = []
            for chunk in parts[2].split():
                a, _, b = chunk.partition(":")
                ids += list(range(int(a), int(b or a) + 1))
            combined[parts[1]] = ids
    return single, combined


def _ids(single, words):
    ids = [i for i, n in single.items() if any(w in n.lower() for w in words)]
    if not ids:
        raise ConfigError("pam50", words, "no such label in atlas/info_label.txt")
    return ids


def tract_regions(maps: dict, to_index, y_dentate_m: float) -> dict:
    """The tract regions of the cross-section from the atlas's partial-volume
    maps (name -> 2-D array on the grid of ``to_index``), as
    :func:`rfsim.anatomy.cross_section.finish_anatomy` takes them.  The atlas
    has one spinocerebellar rim; it is split at the dentate line (y, m) into
    the ventral and dorsal tracts."""
    tracts = {}
    for name, m in maps.items():
        if name == "spinocerebellar":
            tracts["ventral_spinocerebellar"] = RasterRegion("ventral_spinocerebellar", m, to_index, True,
                                                             (y_dentate_m, np.inf))
            tracts["dorsal_spinocerebellar"] = RasterRegion("dorsal_spinocerebellar", m, to_index, True,
                                                            (-np.inf, y_dentate_m))
        else:
            tracts[name] = RasterRegion(name, m, to_index, True)
    return tracts


def tract_groups(single: dict, combined: dict, folder) -> dict:
    """Atlas ids of each region (``ATLAS_TRACTS`` and the ventral funiculus),
    from the labels of :func:`read_labels`."""
    groups = {n: _ids(single, words) for n, words in ATLAS_TRACTS.items()}
    if VENTRAL_FUNICULUS not in combined:
        raise ConfigError("pam50", str(folder), f"atlas/info_label.txt lacks the combined label {VENTRAL_FUNICULUS!r}")
    groups["ventral_funiculus"] = combined[VENTRAL_FUNICULUS]
    return groups


def axial(nib, img, where):
    """The image with its voxel axes along world x, y, z (any signs).

    A warped template saved in another voxel order (e.g. sagittal) is permuted
    and flipped to RAS without resampling; PAM50's own order (LAS) is kept, so
    its numbers do not change.  Raises ConfigError for an oblique affine (a
    rotated or tilted grid), which only ``source = "patient"`` resamples.
    """
    if tuple(nib.aff2axcodes(img.affine)) not in {(a, b, c) for a in "LR" for b in "PA" for c in "IS"}:
        img = nib.as_closest_canonical(img)
    m = np.asarray(img.affine[:3, :3], float)
    off = np.abs(m - np.diag(np.diag(m))).max()
    if off > 1e-6 * np.abs(np.diag(m)).max():
        raise ConfigError("pam50", str(where), "oblique affine (the voxel grid is rotated or tilted from the world "
                                               "axes): use [anatomy] source = \"patient\" with patient_folder, which "
                                               "resamples it")
    return img


def _stamp(p: Path) -> tuple:
    """What identifies a file's content for the caches below: path, change time
    (ns) and size."""
    st = p.stat()
    return str(p), st.st_mtime_ns, st.st_size


# A process that loads many anatomies from one atlas (the draws of an
# uncertainty answer, each with its own cord size) reads each gzipped volume
# once: reading them took about two thirds of a load.
@lru_cache(maxsize=64)
def _read_slice(stamp: tuple, k: int) -> tuple:
    """(slice k as a read-only float array, affine) of the volume of ``stamp``."""
    nib = _nibabel()
    img = axial(nib, nib.load(stamp[0]), stamp[0])
    data = np.asarray(img.dataobj[:, :, k], dtype=float)
    data.setflags(write=False)
    return data, readonly(img.affine)


@lru_cache(maxsize=4)
def _level_labels(stamp: tuple) -> tuple:
    """(largest level label of each slice, affine) of the levels volume of ``stamp``."""
    nib = _nibabel()
    img = axial(nib, nib.load(stamp[0]), stamp[0])
    lev = np.asarray(img.dataobj)
    per_k = lev.reshape(-1, lev.shape[2]).max(axis=0)
    per_k.setflags(write=False)
    return per_k, readonly(img.affine)


def _slice_index(folder, level, z_mm):
    """Slice index k and vertebral level name for a level or a world z (mm)."""
    p = folder / "template" / "PAM50_levels.nii.gz"
    if not p.is_file():
        raise ConfigError("pam50", str(folder), f"is not a PAM50 folder: {p} is missing")
    per_k, A = _level_labels(_stamp(p))
    lev_nk = per_k.size
    if z_mm is not None:
        require_number("z_mm", z_mm)
        k = int(round((z_mm - A[2, 3]) / A[2, 2]))
        zr = sorted(A[2, 3] + A[2, 2] * np.array([0, lev_nk - 1]))
        if not 0 <= k < lev_nk:
            raise ConfigError("z_mm", z_mm, f"outside the PAM50 volume: allowed [{zr[0]:.2f}, {zr[1]:.2f}] mm")
        found = {v: n for n, v in LEVEL_LABEL.items()}.get(int(per_k[k]))
        if found is None:
            ks = np.nonzero(np.isin(per_k, list(LEVEL_LABEL.values())))[0]
            zs = sorted(A[2, 3] + A[2, 2] * ks[[0, -1]]) if ks.size else (np.nan, np.nan)
            raise ConfigError("z_mm", z_mm, f"is not at C1 or C2 (those span z {zs[0]:.2f} to {zs[1]:.2f} mm)")
        return k, found
    if level not in LEVELS:
        raise ConfigError("level", level, f"allowed: {', '.join(LEVELS)}")
    ks = np.nonzero(per_k == LEVEL_LABEL[level])[0]
    if ks.size == 0:
        raise ConfigError("level", level, f"not present in {p}")
    # The cordotomy is made at the C1-C2 interspace: take the slice of the level
    # nearest the other level (C2: its top slice; C1: its bottom slice).
    up = A[2, 2] > 0
    k = int(ks.max() if (level == "C2") == up else ks.min())
    return k, level


def load_pam50(folder=None, *, level: str = "C2", z_mm: float | None = None, side: str = "right",
               ap_mm: float | None = None, rl_mm: float | None = None, csf_gap_mm: float | None = None,
               displacement_mm: float = 0.0, mesh=None) -> Anatomy:
    """The C1-C2 cross-section from the PAM50 atlas.

    Parameters
    ----------
    folder : str or Path, optional
        PAM50 folder (default ``$SCT_DIR/data/PAM50``).
    level : {"C1", "C2"}
        Vertebral level; the slice of that level nearest the C1-C2 interspace.
    z_mm : float, optional
        World z (mm) of the slice instead of ``level``; must lie in C1 or C2.
    side : {"right", "left"}
        The subject's side being lesioned; it is put at x > 0.
    ap_mm, rl_mm : float, optional
        Scale the atlas cord per axis so that its equivalent ellipse has these
        diameters (mm); default: the atlas's own size.
    csf_gap_mm : float, optional
        Lateral CSF gap (mm); default from ``meshes/c1c2.toml``.
    displacement_mm : float
        Displacement of the cord away from the needle (mm, 0-5).
    mesh : str or Path, optional
        Anatomy file for the layers, dentate angle and somatotopy.

    Returns
    -------
    Anatomy
        ``source="pam50"``; regions are interpolated partial-volume maps.
    """
    check_patient(level if z_mm is None else "C2", ap_mm, rl_mm, csf_gap_mm, side, displacement_mm)
    nib = _nibabel()
    folder = Path(folder) if folder is not None else default_folder()
    if not folder.is_dir():
        raise ConfigError("pam50", str(folder), "folder not found (give the PAM50 folder, e.g. $SCT_DIR/data/PAM50)")
    single, combined = read_labels(folder)
    k, level = _slice_index(folder, level, z_mm)

    def read(rel):
        p = folder / rel
        if not p.is_file():
            raise ConfigError("pam50", str(folder), f"is not a PAM50 folder: {p} is missing")
        return _read_slice(_stamp(p), k)

    cord, A = read("template/PAM50_cord.nii.gz")
    grey_map, _ = read("template/PAM50_gm.nii.gz")
    if cord.sum() <= 0:
        raise ConfigError("level", level, f"no cord in PAM50 slice k={k}")
    ii, jj = np.meshgrid(np.arange(cord.shape[0]), np.arange(cord.shape[1]), indexing="ij")
    X = A[0, 0] * ii + A[0, 2] * k + A[0, 3]
    Y = A[1, 1] * jj + A[1, 2] * k + A[1, 3]
    w = cord / cord.sum()
    cx, cy = float((w * X).sum()), float((w * Y).sum())
    a = 2.0 * np.sqrt(float((w * (X - cx) ** 2).sum()))  # equivalent-ellipse semi-axes (mm)
    b = 2.0 * np.sqrt(float((w * (Y - cy) ** 2).sum()))
    sx = (0.5 * rl_mm / a) if rl_mm is not None else 1.0
    sy = (0.5 * ap_mm / b) if ap_mm is not None else 1.0
    sgn = 1.0 if side == "right" else -1.0  # RAS+: world +x is the subject's right
    # model (x_m, y_m, 1) -> fractional voxel indices (i, j)
    to_index = np.array([
        [1e3 / (sgn * sx * A[0, 0]), 0.0, (cx - A[0, 2] * k - A[0, 3]) / A[0, 0]],
        [0.0, 1e3 / (sy * A[1, 1]), (cy - A[1, 2] * k - A[1, 3]) / A[1, 1]],
    ])
    cord_region = RasterRegion("cord_map", cord, to_index)
    outline = cord_outline(cord_region, max(a * sx, b * sy) * 3e-3)
    grey = RasterRegion("grey_matter", grey_map, to_index)

    d = read_mesh(mesh)
    ap_m, rl_m = 2 * b * sy * 1e-3, 2 * a * sx * 1e-3
    y_dent = dentate_point(outline, ap_m, rl_m, d["dentate"]["angle_deg"])[1]
    tracts = tract_regions({name: sum(read(f"atlas/PAM50_atlas_{i:02d}.nii.gz")[0] for i in ids)
                            for name, ids in tract_groups(single, combined, folder).items()}, to_index, y_dent)
    gap = (csf_gap_mm if csf_gap_mm is not None else d["layers"]["csf_gap_lateral_mm"]) * 1e-3
    notes = (f"PAM50 {folder} slice k={k} ({level}); De Leener 2018, Levy 2015",
             f"lesion side ({side}) chosen by world coordinates (RAS+), not by atlas label names")
    # model metres -> world mm: the inverse of to_index's scaling, about the slice's cord centroid
    ref = folder / "template" / "PAM50_cord.nii.gz"
    frame = frame_from_header(ref, nib.load(str(ref)), (cx, cy, A[2, 2] * k + A[2, 3]),
                              np.diag([1e3 / (sgn * sx), 1e3 / sy, 1e3]))
    return finish_anatomy(source="pam50", level=level, side=side, ap_m=ap_m, rl_m=rl_m, outline=outline, grey=grey,
                          tracts=tracts, layers=d["layers"], dentate_angle_deg=d["dentate"]["angle_deg"],
                          somatotopy=d["somatotopy"], bone=d["bone"], csf_gap_m=gap,
                          displacement_m=displacement_mm * 1e-3,
                          ref_mm=(d["reference_cord"]["ap_mm"], d["reference_cord"]["rl_mm"]), notes=notes,
                          frame=frame)


def cord_outline(cord: RasterRegion, r_max_m: float, n: int = 720) -> Outline:
    """Cord surface as r(phi): along each ray, where the cord fraction first
    falls below 0.5 (linear interpolation), smoothed to 12 angular harmonics."""
    phi = np.linspace(-np.pi, np.pi, n, endpoint=False)
    r = np.linspace(0.0, r_max_m, 1200)
    P, R = np.meshgrid(phi, r, indexing="ij")
    f = cord.sample(R * np.cos(P), R * np.sin(P))
    below = f < 0.5
    j = np.where(below.any(axis=1), below.argmax(axis=1), r.size - 1)  # first point below 0.5 on each ray
    if (j == 0).any():
        raise ConfigError("pam50", "cord map", "the cord centroid is not inside the cord")
    f0, f1 = f[np.arange(n), j - 1], f[np.arange(n), j]
    out = r[j - 1] + (f0 - 0.5) / np.maximum(f0 - f1, 1e-12) * (r[j] - r[j - 1])
    # The 0.5 mm voxels leave a staircase on the 0.5 isoline: keep the first
    # 12 angular harmonics (features down to ~1.5 mm along the surface).
    c = np.fft.rfft(out)
    c[13:] = 0.0
    return Outline(phi, np.fft.irfft(c, n))


def pam50_region_maps(folder, k: int):
    """Raw atlas maps of one slice for tests and validation: (affine, cord map,
    {region name: map of the x > 0 half in world RAS}).  Not used by the model."""
    nib = _nibabel()
    folder = Path(folder)
    single, combined = read_labels(folder)
    img = nib.load(str(folder / "template" / "PAM50_cord.nii.gz"))
    cord = np.asarray(img.dataobj[:, :, k], float)
    maps = {}
    groups = {n: _ids(single, words) for n, words in ATLAS_TRACTS.items()}
    groups["ventral_funiculus"] = combined[VENTRAL_FUNICULUS]
    for name, ids in groups.items():
        maps[name] = sum(np.asarray(nib.load(str(folder / "atlas" / f"PAM50_atlas_{i:02d}.nii.gz")).dataobj[:, :, k],
                                    float) for i in ids)
    return img.affine, cord, maps



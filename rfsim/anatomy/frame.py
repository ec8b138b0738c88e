"""Where a cross-section sits in the image it was read from.

An :class:`ImageFrame` ties the cross-section coordinates of
:mod:`rfsim.anatomy.cross_section` (metres; origin at the cord centroid, x toward the
lesion side, y anterior, z cranial along the cord) to the world coordinates
(millimetres, RAS+, as in NIfTI) of an image: the PAM50 template, or the
patient's image that SCT's outputs are on.  It also keeps that image's voxel
grid and header transforms, so that results written on the frame
(:mod:`rfsim.nifti`) overlay the image exactly.

The map is affine: ``world_mm = origin_mm + axes_mm_per_m @ (x, y, z)``.  Its
columns are the model axes in world millimetres per metre: 1e3 times a unit
vector when the cross-section is read at the image's own size, more or less
when the atlas was scaled to other cord diameters (``ap_mm``/``rl_mm``), and
with the x column reversed for ``side = "left"`` (the model puts the lesion
side at x > 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rfsim.numerics.grid import readonly


@dataclass(frozen=True, eq=False)
class ImageFrame:
    """A cross-section's place in an image.

    Attributes
    ----------
    reference : str
        Path of the image whose voxel grid outputs are written on.
    shape : tuple of int
        Its voxel grid (i, j, k), in the order stored on disk.
    affine : ndarray (4, 4)
        Voxel indices -> world (mm), as nibabel reads it (the sform when its
        code is set, else the qform).
    qform, sform : ndarray (4, 4)
        The header's two transforms, copied to outputs with their codes.
    qform_code, sform_code : int
        NIfTI codes of those transforms (0 unknown, 1 scanner, 2 aligned,
        3 Talairach, 4 MNI, 5 template).
    origin_mm : ndarray (3,)
        World position (mm) of the cross-section origin (the cord centroid).
    axes_mm_per_m : ndarray (3, 3)
        Columns: world displacement (mm) per metre along model x, y and z.
    """

    reference: str
    shape: tuple
    affine: np.ndarray
    qform: np.ndarray
    qform_code: int
    sform: np.ndarray
    sform_code: int
    origin_mm: np.ndarray
    axes_mm_per_m: np.ndarray

    def __post_init__(self):
        for name, shape in (("affine", (4, 4)), ("qform", (4, 4)), ("sform", (4, 4)), ("origin_mm", (3,)),
                            ("axes_mm_per_m", (3, 3))):
            a = np.asarray(getattr(self, name), float)
            if a.shape != shape or not np.all(np.isfinite(a)):
                raise ValueError(f"ImageFrame.{name} must be a finite array of shape {shape}")
            object.__setattr__(self, name, readonly(a))
        if abs(np.linalg.det(self.axes_mm_per_m)) < 1e-9 or abs(np.linalg.det(self.affine[:3, :3])) < 1e-12:
            raise ValueError("ImageFrame transforms must be invertible")
        object.__setattr__(self, "shape", tuple(int(n) for n in self.shape))
        object.__setattr__(self, "qform_code", int(self.qform_code))
        object.__setattr__(self, "sform_code", int(self.sform_code))

    def model_to_world(self, x, y, z):
        """World coordinates (mm), stacked on a leading axis of 3, of model points (m)."""
        p = np.stack(np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float), np.asarray(z, float)))
        return self.origin_mm.reshape((3,) + (1,) * (p.ndim - 1)) + np.einsum("ij,j...->i...", self.axes_mm_per_m, p)

    def world_to_model(self, wx, wy, wz):
        """Model coordinates (m), stacked on a leading axis of 3, of world points (mm)."""
        w = np.stack(np.broadcast_arrays(np.asarray(wx, float), np.asarray(wy, float), np.asarray(wz, float)))
        d = w - self.origin_mm.reshape((3,) + (1,) * (w.ndim - 1))
        return np.einsum("ij,j...->i...", np.linalg.inv(self.axes_mm_per_m), d)

    def voxel_to_world(self, i, j, k):
        """World coordinates (mm) of voxel indices (centres at whole numbers)."""
        v = np.stack(np.broadcast_arrays(np.asarray(i, float), np.asarray(j, float), np.asarray(k, float)))
        shift = self.affine[:3, 3].reshape((3,) + (1,) * (v.ndim - 1))
        return shift + np.einsum("ij,j...->i...", self.affine[:3, :3], v)

    def world_to_voxel(self, wx, wy, wz):
        """Fractional voxel indices of world points (mm)."""
        w = np.stack(np.broadcast_arrays(np.asarray(wx, float), np.asarray(wy, float), np.asarray(wz, float)))
        d = w - self.affine[:3, 3].reshape((3,) + (1,) * (w.ndim - 1))
        return np.einsum("ij,j...->i...", np.linalg.inv(self.affine[:3, :3]), d)

    @property
    def voxel_size_mm(self) -> tuple:
        """Voxel edge lengths (mm) along i, j, k."""
        return tuple(float(v) for v in np.linalg.norm(self.affine[:3, :3], axis=0))


def frame_from_header(path, img, origin_mm, axes_mm_per_m) -> ImageFrame:
    """An :class:`ImageFrame` on the grid of a nibabel image as stored on disk
    (not reoriented), with its header transforms and codes."""
    h = img.header
    q, qc = h.get_qform(coded=True)
    s, sc = h.get_sform(coded=True)
    return ImageFrame(reference=str(path), shape=tuple(img.shape[:3]), affine=np.asarray(img.affine, float),
                      qform=np.asarray(h.get_qform(), float) if q is None else np.asarray(q, float),
                      qform_code=int(qc or 0),
                      sform=np.asarray(h.get_sform(), float) if s is None else np.asarray(s, float),
                      sform_code=int(sc or 0), origin_mm=np.asarray(origin_mm, float),
                      axes_mm_per_m=np.asarray(axes_mm_per_m, float))

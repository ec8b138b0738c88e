"""The C1-C2 cross-section: cord outline, tissue layers, grey matter and named tracts.

One immutable :class:`Anatomy` serves both sources of geometry:

* the parametric model, read from ``meshes/c1c2.toml`` by
  :func:`rfsim.anatomy.parametric.load_parametric` (shapes drawn for the
  population cord and scaled per axis to the patient);
* the PAM50 atlas, read by :func:`rfsim.anatomy.pam50.load_pam50` (partial-volume maps).

Both end in :func:`finish_anatomy`, which adds what is derived from the tracts
(the somatotopic zones, the whole-cord regions, the dentate point).

Coordinates (metres) are those of the cross-section: origin at the cord
centroid, **x** along the subject's left-right axis with x > 0 toward the side
being lesioned (``side``), **y** anterior, **z** cranial.  The named tracts are
those of the lesion side (x > 0); the tissues (white and grey matter, pia, CSF,
dura and the tissue beyond) cover both sides.

Tissue layers outward from the cord: the cord (grey matter inside white matter),
the pia (a band of ``pia_thickness_m`` outside the cord outline), CSF out to the
dura (an ellipse around the cord, lateral gap ``csf_gap_m``, anteroposterior gap
``csf_gap_ap_m``), the dura (``dura_thickness_m``) and the tissue beyond it out
to the return electrode (``beyond_tissue``).  When the needle pushes the cord
away (``displacement_m``) the cord and everything in it move by that amount
toward -x relative to the dura: the dura's centre is at (+displacement, 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from rfsim.anatomy.names import LAYER_TISSUES, STT_ZONES, TRACTS, WHOLE
from rfsim.anatomy.shapes import FINE_STEP_M, BandRegion, CordRegion, Outline, Points, Region, band_limits
from rfsim.errors import ConfigError


@dataclass(frozen=True, eq=False)
class BoneWindow:
    """The bony window the needle passes through (C1 posterior arch above, C2
    lamina below), modelled as a slot.

    Attributes
    ----------
    height_m : float
        Cranio-caudal height of the window (m).
    lateral_m : float
        Distance (m) of the window from the cord midline along x.
    max_in_plane_deg : float
        Largest in-plane (anteroposterior) tilt of the needle (degrees).
    source : str
    """

    height_m: float
    lateral_m: float
    max_in_plane_deg: float
    source: str = ""


@dataclass(frozen=True, eq=False)
class Anatomy:
    """An immutable C1-C2 cross-section (see the module docstring for axes).

    Attributes
    ----------
    source : str
        ``"parametric"`` or ``"pam50"``.
    level : str
        Vertebral level, ``"C1"`` or ``"C2"``.
    side : str
        The subject's side at x > 0 (the lesion side), ``"left"`` or ``"right"``.
    ap_m, rl_m : float
        Cord anteroposterior and right-left diameters (m) of the cord's
        equivalent ellipse (equal second moments; the diameters themselves for
        the elliptical parametric cord).
    outline : Outline
        Cord surface (inner surface of the pia), polar about the cord centroid.
    pia_thickness_m : float
        Pia thickness (m), a band outside the cord outline.
    csf_gap_m : float
        Lateral CSF gap (m) from the cord to the dura, each side, before the
        needle displaces the cord.
    csf_gap_ap_m : float
        Anteroposterior CSF gap (m) from the cord to the dura.
    dura_thickness_m : float
        Dura thickness (m).
    displacement_m : float
        Displacement (m) of the cord away from the needle (toward -x) relative
        to the dura.
    beyond_tissue : str
        Tissue (name in rfsim.physics.tissue.TISSUES) outside the dura out to the return
        electrode.
    dentate_m : tuple of float
        Attachment point (x, y) in m of the dentate ligament on the lesion-side
        cord surface; the dentate line runs from it laterally (+x) to the dura.
    grey : Region
        Grey matter membership, both sides.
    regions : Mapping[str, Region]
        Named tract, zone and whole-cord regions (see TRACTS and WHOLE).
    stt_direction_deg : float
        Direction (degrees from +x toward anterior) along which the
        spinothalamic tract is split into its somatotopic zones, arm first.
    bone : BoneWindow
    notes : tuple of str
        Sources and assumptions, for reports.
    frame : rfsim.anatomy.frame.ImageFrame or None
        Where the cross-section sits in the image it was read from (PAM50 or
        the patient's); None for the parametric model, which has no image.
    """

    source: str
    level: str
    side: str
    ap_m: float
    rl_m: float
    outline: Outline
    pia_thickness_m: float
    csf_gap_m: float
    csf_gap_ap_m: float
    dura_thickness_m: float
    displacement_m: float
    beyond_tissue: str
    dentate_m: tuple
    grey: Region
    regions: MappingProxyType
    stt_direction_deg: float
    bone: BoneWindow
    notes: tuple = ()
    frame: object = None
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "regions", MappingProxyType(dict(self.regions)))
        missing = [n for n in TRACTS + WHOLE if n not in self.regions]
        if missing:
            raise ValueError(f"Anatomy lacks regions {missing}")

    # -- layers --------------------------------------------------------------
    @property
    def tissue_names(self) -> tuple:
        """Tissue names in the order of :meth:`tissue_fractions`."""
        return LAYER_TISSUES + (self.beyond_tissue,)

    @property
    def dura_center_m(self) -> tuple:
        """Centre (x, y) in m of the dural ellipses."""
        return (self.displacement_m, 0.0)

    @property
    def dura_inner_semi_axes_m(self) -> tuple:
        """Semi-axes (m) of the dura's inner surface along x and y."""
        half_rl = float(max(self.outline.radius(0.0), self.outline.radius(np.pi)))
        half_ap = float(max(self.outline.radius(np.pi / 2), self.outline.radius(-np.pi / 2)))
        return (half_rl + self.csf_gap_m, half_ap + self.csf_gap_ap_m)

    def _in_dura(self, x, y, grow_m=0.0):
        a, b = self.dura_inner_semi_axes_m
        cx, cy = self.dura_center_m
        return ((x - cx) / (a + grow_m)) ** 2 + ((y - cy) / (b + grow_m)) ** 2 < 1.0

    def tissue_weights(self, x, y) -> np.ndarray:
        """Tissue weights at points (m): array (ntissue, *shape) summing to 1."""
        x, y = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
        pts = Points(x, y)  # the grey matter's shapes test the same cord outline
        cord = pts.inside(self.outline)
        g = np.where(cord, self.grey.sample_at(pts), 0.0)
        pia = ~cord & pts.inside(self.outline, self.pia_thickness_m)
        rest = ~cord & ~pia
        csf = rest & self._in_dura(x, y)
        dura = rest & ~csf & self._in_dura(x, y, self.dura_thickness_m)
        beyond = rest & ~csf & ~dura
        return np.stack([cord * (1.0 - g), g, pia, csf, dura, beyond]).astype(float)

    def tissue_at(self, x, y) -> np.ndarray:
        """Index into :attr:`tissue_names` of the dominant tissue at points (m)."""
        return np.argmax(self.tissue_weights(x, y), axis=0)

    # -- partial volumes ----------------------------------------------------
    @staticmethod
    def _subsample(x_edges, y_edges, n_sub):
        xe, ye = np.asarray(x_edges, float), np.asarray(y_edges, float)
        if xe.ndim != 1 or ye.ndim != 1 or xe.size < 2 or ye.size < 2 or np.any(np.diff(xe) <= 0) \
                or np.any(np.diff(ye) <= 0):
            raise ValueError("cell edges must be 1-D and strictly increasing")
        t = (np.arange(n_sub) + 0.5) / n_sub
        xs = (xe[:-1, None] + np.diff(xe)[:, None] * t[None, :]).ravel()
        ys = (ye[:-1, None] + np.diff(ye)[:, None] * t[None, :]).ravel()
        return np.meshgrid(xs, ys, indexing="ij")

    @staticmethod
    def _average(v, nx, ny, n_sub):
        if n_sub == 1:  # the mean of one subsample is that subsample, in the dtype mean gives (no copy)
            return np.asarray(v, dtype=v.dtype if v.dtype.kind == "f" else float).reshape(v.shape[:-2] + (nx, ny))
        return v.reshape(v.shape[:-2] + (nx, n_sub, ny, n_sub)).mean(axis=(-3, -1))

    def tissue_fractions(self, x_m, y_m, n_sub: int = 4) -> dict:
        """Partial-volume fraction of each tissue in the cells of a 2-D grid.

        Parameters
        ----------
        x_m, y_m : 1-D arrays
            Cell edges (m) along x and y.
        n_sub : int
            Subsamples per cell along each axis.

        Returns
        -------
        dict
            tissue name -> array (nx, ny) of volume fractions (sum 1 per cell).
        """
        X, Y = self._subsample(x_m, y_m, n_sub)
        w = self._average(self.tissue_weights(X, Y), len(x_m) - 1, len(y_m) - 1, n_sub)
        return dict(zip(self.tissue_names, w))

    def region_fractions(self, x_m, y_m, names=None, n_sub: int = 4) -> dict:
        """Partial-volume fraction of named regions in the cells of a 2-D grid.

        Parameters
        ----------
        x_m, y_m : 1-D arrays
            Cell edges (m).
        names : sequence of str, optional
            Regions (default: all of :attr:`regions`).
        n_sub : int
            Subsamples per cell along each axis.

        Returns
        -------
        dict
            region name -> array (nx, ny) of area fractions in [0, 1].
        """
        names = tuple(self.regions) if names is None else tuple(names)
        for n in names:
            self.region(n)
        X, Y = self._subsample(x_m, y_m, n_sub)
        nx, ny = len(x_m) - 1, len(y_m) - 1
        pts = Points(X, Y)  # the regions share their parts (a tract excludes those before it)
        out, seen = {}, set()
        for n in names:
            r = self.regions[n]
            v = self._average(r.sample_at(pts), nx, ny, n_sub)
            out[n] = v.copy() if r in seen else v  # each name an array of its own (n_sub = 1 does not copy)
            seen.add(r)
        return out

    def membership_at(self, x_m, y_m):
        """A function ``name -> membership (0-1) of that region at the points
        (x_m, y_m) (m)``; the regions asked for share their parts at those
        points (:class:`rfsim.anatomy.shapes.Points`), so drawing every tract
        tests each shape once.  The arrays returned are shared: do not change
        them in place."""
        pts = Points(x_m, y_m)
        return lambda name: self.region(name).sample_at(pts)

    # -- summaries ----------------------------------------------------------
    def region(self, name: str) -> Region:
        """The named region; ConfigError for unknown names."""
        try:
            return self.regions[name]
        except KeyError:
            raise ConfigError("region", name, f"allowed: {', '.join(self.regions)}") from None

    @property
    def bbox_m(self) -> tuple:
        """(x0, x1, y0, y1) in m of a box just containing the cord."""
        x, y = self.outline.points()
        pad = 0.1e-3
        return (x.min() - pad, x.max() + pad, y.min() - pad, y.max() + pad)

    def _moments(self, name):
        if name not in self._cache:
            r = self.region(name)
            x0, x1, y0, y1 = self.bbox_m
            x = np.arange(x0 + FINE_STEP_M / 2, x1, FINE_STEP_M)
            y = np.arange(y0 + FINE_STEP_M / 2, y1, FINE_STEP_M)
            X, Y = np.meshgrid(x, y, indexing="ij")
            w = r.sample(X, Y)
            s = w.sum()
            area = s * FINE_STEP_M ** 2
            c = ((w * X).sum() / s, (w * Y).sum() / s) if s > 0 else (np.nan, np.nan)
            self._cache[name] = (float(area), (float(c[0]), float(c[1])))
        return self._cache[name]

    @property
    def cord_area_m2(self) -> float:
        """Cord cross-sectional area (m^2)."""
        return float(self.outline.area_m2)

    def region_area_m2(self, name: str) -> float:
        """Area (m^2) of the named region (partial volumes counted)."""
        return self._moments(name)[0]

    def region_centroid_m(self, name: str) -> tuple:
        """Centroid (x, y) in m of the named region."""
        return self._moments(name)[1]

    def cached(self, key, compute):
        """``compute()``, computed once per ``key`` for this anatomy: derived data
        that is costly to build (e.g. a tract raster) and reused between runs."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    # -- convenience ----------------------------------------------------------
    def pia_crossing_x(self, y_m: float) -> float:
        """x (m) > 0 where the line at height y_m meets the pia's outer surface."""
        return _crossing_x(lambda x: self.outline.contains(x, np.full_like(x, y_m), self.pia_thickness_m), y_m,
                           self.rl_m * 2)


def _crossing_x(inside, y_m, x_max):
    """Largest x in (0, x_max) where ``inside`` (vectorised predicate) is true."""
    xs = np.linspace(0.0, x_max, 20001)
    m = inside(xs)
    if not m.any():
        return None
    return float(xs[np.nonzero(m)[0].max()])


def dentate_point(outline: Outline, ap_m: float, rl_m: float, angle_deg: float) -> tuple:
    """Point (x, y) in m on the lesion-side cord surface at elliptic angle
    ``angle_deg`` (degrees from +x toward anterior) of the ellipse with
    diameters ``rl_m`` x ``ap_m``: the dentate ligament's attachment."""
    t = math.radians(angle_deg)
    phi = math.atan2(0.5 * ap_m * math.sin(t), 0.5 * rl_m * math.cos(t))
    r = float(outline.radius(phi))
    return (r * math.cos(phi), r * math.sin(phi))


def finish_anatomy(*, source, level, side, ap_m, rl_m, outline, grey, tracts, layers, dentate_angle_deg,
                   somatotopy, bone, csf_gap_m, displacement_m, ref_mm=(8.0, 11.5), notes=(), frame=None):
    """Assemble an :class:`Anatomy` from an outline, grey matter and the tract
    regions (dict name -> Region, every name of TRACTS except the STT zones),
    adding the somatotopic zones, the whole-cord regions and the dentate point.

    ``dentate_angle_deg`` is an elliptic angle on the cord's equivalent ellipse
    (degrees from +x toward anterior).  ``ref_mm`` = (AP, RL) of the reference
    cord (mm), in whose coordinates the somatotopic split is made.  Lengths in m.
    """
    if displacement_m > csf_gap_m - 0.2e-3 + 1e-12:
        raise ConfigError("displacement_mm", round(displacement_m * 1e3, 6),
                          f"must leave >= 0.2 mm of CSF on the far side: at most {(csf_gap_m * 1e3 - 0.2):g} mm "
                          "for this CSF gap")
    dentate = dentate_point(outline, ap_m, rl_m, dentate_angle_deg)
    regions = dict(tracts)
    stt = regions["lateral_spinothalamic"]
    x, y = outline.points()
    bbox = (0.0, x.max() + 1e-4, y.min() - 1e-4, y.max() + 1e-4)
    scale = (rl_m / ref_mm[1] * 1e3, ap_m / ref_mm[0] * 1e3)
    lim = band_limits(stt, somatotopy["direction_deg"], somatotopy["shares"], bbox, scale=scale)
    for i, zone in enumerate(STT_ZONES):
        regions[zone] = BandRegion(zone, stt, float(somatotopy["direction_deg"]), lim[i], lim[i + 1], scale)
    for n in WHOLE:
        regions[n] = CordRegion(n, outline, grey)
    return Anatomy(source=source, level=level, side=side, ap_m=float(ap_m), rl_m=float(rl_m), outline=outline,
                   pia_thickness_m=layers["pia_thickness_mm"] * 1e-3, csf_gap_m=float(csf_gap_m),
                   csf_gap_ap_m=layers["csf_gap_ap_mm"] * 1e-3, dura_thickness_m=layers["dura_thickness_mm"] * 1e-3,
                   displacement_m=float(displacement_m), beyond_tissue=layers["beyond_tissue"], dentate_m=dentate,
                   grey=grey, regions=regions, stt_direction_deg=float(somatotopy["direction_deg"]),
                   bone=BoneWindow(bone["window_height_mm"] * 1e-3, bone["window_lateral_mm"] * 1e-3,
                                   float(bone["max_in_plane_tilt_deg"]), bone["source"]),
                   notes=tuple(notes), frame=frame)

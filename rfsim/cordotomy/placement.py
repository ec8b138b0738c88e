"""Electrode placement as the surgeon states it, and the needle it puts in the cord.

The surgeon gives the side, the target (``leg`` or ``arm`` fibres of the
spinothalamic tract), how far anterior to the dentate ligament the needle enters
the cord (``offset``), how deep the tip end goes past the pia (``depth``), the
electrode (Kanpolat kit defaults: 0.40 mm diameter, 2 mm exposed tip) and an
optional tilt.  The needle comes from lateral (x > 0) toward medial in the axial
plane.

Geometry (metres, cross-section axes of :mod:`rfsim.anatomy.cross_section`): the needle meets
the outer surface of the pia at the entry point (x_e, y_d + offset, 0), where y_d
is the height of the dentate ligament's attachment.  With no tilt it runs along
-x.  ``tilt_deg = (cranio_caudal, in_plane)``: a positive cranio-caudal tilt
sends the tip cranially (+z) as it advances, a positive in-plane tilt sends it
anteriorly (+y); both rotate the needle about the entry point.

Rules (each breach raises :class:`rfsim.errors.ConfigError` with the limit):

* the tip end must lie inside the cord (depth > 0 and not beyond the far
  surface) and in the lesion half (x > 0): it may not cross the midline;
* the needle must meet the cord at the stated offset;
* the shaft must pass through the bony window between the C1 posterior arch and
  the C2 lamina: a slot of height ``bone.height_m`` at ``bone.lateral_m`` from the
  midline (an assumption documented in ``meshes/c1c2.toml``), so the
  cranio-caudal tilt is limited; the in-plane tilt is limited to
  ``bone.max_in_plane_deg``.

A placement that misses the target tract is not an error.  The domains a
placement implies are built in :mod:`rfsim.cordotomy.domains`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from rfsim.anatomy.cross_section import Anatomy
from rfsim.anatomy.names import SIDES
from rfsim.errors import ConfigError, require_number
from rfsim.physics.electrode import KANPOLAT_DIAMETER_MM, KANPOLAT_TIP_MM, Electrode

TARGETS = ("leg", "arm")
#: Offset anterior to the dentate ligament (mm): leg 1-2 mm, arm 2-3 mm
#: (Shepherd et al., AJNR 2017); the middle of each range.
DEFAULT_OFFSET_MM = {"leg": 1.5, "arm": 2.5}
#: Depth of the tip end past the pia (mm).  Assumption: the exposed tip (2 mm)
#: plus the pia (0.05 mm) lies wholly inside the cord with ~0.45 mm to spare.
#: Shallower, the tip's proximal edge sits in the pia and drives current through
#: it into the CSF: at 2.0 mm the pia there reaches 186 C in the model.  The arm
#: placement is 0.5 mm deeper (its target lies ventromedial).
DEFAULT_DEPTH_MM = {"leg": 2.5, "arm": 3.0}
_MAX_TILT_DEG = 60.0


def _mm(v_m):
    """A length in m back in the mm the user typed (rounded past float noise),
    for messages; anything that is not a number is passed through."""
    if isinstance(v_m, bool) or not isinstance(v_m, (int, float)) or not math.isfinite(v_m):
        return v_m
    return round(v_m * 1e3, 9)


@dataclass(frozen=True)
class Placement:
    """Where and how the electrode goes in (validated on construction).

    Attributes
    ----------
    side : {"right", "left"}
        The subject's side being lesioned (contralateral to the pain).
    target : {"leg", "arm"}
        Somatotopic target in the spinothalamic tract.
    offset_m : float
        Needle entry anterior to the dentate ligament (m), -4 to 6 mm.
    depth_m : float
        Distance (m) of the tip end past the pia along the needle, > 0.
    electrode : Electrode
        Diameter and exposed tip length.
    tilt_deg : tuple of float
        (cranio-caudal, in-plane) tilt of the needle (degrees).
    """

    side: str = "right"
    target: str = "leg"
    offset_m: float = DEFAULT_OFFSET_MM["leg"] * 1e-3
    depth_m: float = DEFAULT_DEPTH_MM["leg"] * 1e-3
    electrode: Electrode = field(default_factory=Electrode)
    tilt_deg: tuple = (0.0, 0.0)

    def __post_init__(self):
        if self.side not in SIDES:
            raise ConfigError("side", self.side, f"allowed: {', '.join(SIDES)}")
        if self.target not in TARGETS:
            raise ConfigError("target", self.target, f"allowed: {', '.join(TARGETS)}")
        # limits of what may be stated; the anatomy narrows them (needle_path)
        require_number("offset_mm", _mm(self.offset_m), -4.0, 6.0, unit="mm anterior to the dentate ligament")
        require_number("depth_mm", _mm(self.depth_m), 0.0, 12.0, lo_open=True,
                       unit="mm past the pia: the tip must lie inside the cord")
        if not isinstance(self.electrode, Electrode):
            raise ConfigError("electrode", self.electrode, "must be an rfsim.physics.electrode.Electrode")
        t = self.tilt_deg
        if isinstance(t, (int, float)) and not isinstance(t, bool):
            t = (float(t), 0.0)
        if not isinstance(t, (tuple, list)) or len(t) != 2:
            raise ConfigError("tilt_deg", self.tilt_deg, "must be (cranio_caudal, in_plane) in degrees")
        t = tuple(require_number(k, v, -_MAX_TILT_DEG, _MAX_TILT_DEG, unit="deg")
                  for k, v in zip(("tilt_deg[cranio_caudal]", "tilt_deg[in_plane]"), t))
        object.__setattr__(self, "tilt_deg", t)

    @classmethod
    def default(cls, target: str = "leg", side: str = "right") -> "Placement":
        """The usual placement for a target: offset and depth from
        :data:`DEFAULT_OFFSET_MM` and :data:`DEFAULT_DEPTH_MM`, the Kanpolat
        electrode, no tilt."""
        if target not in TARGETS:
            raise ConfigError("target", target, f"allowed: {', '.join(TARGETS)}")
        return cls.from_mm(side=side, target=target)

    @classmethod
    def from_mm(cls, *, side="right", target="leg", offset_mm=None, depth_mm=None, diameter_mm=None,
                tip_mm=None, tilt_deg=(0.0, 0.0), electrode: Electrode | None = None) -> "Placement":
        """Placement from millimetres (None: the target's default,
        :data:`DEFAULT_OFFSET_MM` and :data:`DEFAULT_DEPTH_MM`).

        Parameters
        ----------
        offset_mm : float
            Entry anterior to the dentate ligament (mm).
        depth_mm : float
            Tip end past the pia (mm).
        diameter_mm, tip_mm : float
            Electrode diameter and exposed tip length (mm); Kanpolat kit 0.40, 2.
        tilt_deg : (float, float)
            Cranio-caudal and in-plane tilt (degrees).
        electrode : Electrode, optional
            The electrode itself (metal included), instead of ``diameter_mm``
            and ``tip_mm``.
        """
        if target not in TARGETS:
            raise ConfigError("target", target, f"allowed: {', '.join(TARGETS)}")
        # numbers here, so that the conversion to m works; ranges in __post_init__
        off = require_number("offset_mm", DEFAULT_OFFSET_MM[target] if offset_mm is None else offset_mm)
        dep = require_number("depth_mm", DEFAULT_DEPTH_MM[target] if depth_mm is None else depth_mm)
        if electrode is None:
            electrode = Electrode((KANPOLAT_DIAMETER_MM if diameter_mm is None else diameter_mm) * 1e-3,
                                  (KANPOLAT_TIP_MM if tip_mm is None else tip_mm) * 1e-3)
        elif diameter_mm is not None or tip_mm is not None:
            raise ConfigError("electrode", electrode, "give either the electrode or diameter_mm and tip_mm, not both")
        return cls(side, target, off * 1e-3, dep * 1e-3, electrode, tuple(tilt_deg))


@dataclass(frozen=True)
class NeedlePath:
    """The needle in cross-section coordinates (m).

    Attributes
    ----------
    tip_m : tuple
        Distal end of the exposed tip (x, y, z), m.
    direction : tuple
        Unit vector from the tip back along the shaft (lateral, x > 0).
    entry_m : tuple
        Where the needle meets the outer surface of the pia (x, y, z), m.
    depth_m : float
        Distance (m) from the tip end to the pia along the needle.
    tip_length_m : float
        Exposed tip length (m).
    radius_m : float
        Electrode radius (m).
    """

    tip_m: tuple
    direction: tuple
    entry_m: tuple
    depth_m: float
    tip_length_m: float
    radius_m: float

    def point(self, s_m):
        """Points (3, ...) in m at distance(s) s_m from the tip end back along the shaft."""
        s = np.asarray(s_m, float)
        return np.array([self.tip_m[i] + s * self.direction[i] for i in range(3)])

    @property
    def tip_proximal_m(self) -> tuple:
        """Proximal end (x, y, z) in m of the exposed tip."""
        return tuple(float(v) for v in self.point(self.tip_length_m))

    @property
    def mid_tip_m(self) -> tuple:
        """Middle (x, y, z) in m of the exposed tip: the metrics and the figures
        look at the axial plane through it."""
        return tuple(float(v) for v in self.point(0.5 * self.tip_length_m))


def needle_path(anatomy: Anatomy, placement: Placement) -> NeedlePath:
    """The needle of a placement in an anatomy; validates the placement.

    Raises
    ------
    ConfigError
        Side mismatch, needle missing the cord, tip outside the cord or across
        the midline, or the shaft through bone.
    """
    if placement.side != anatomy.side:
        raise ConfigError("side", placement.side, f"must match the anatomy's lesion side ({anatomy.side!r})")
    cc, ip = (math.radians(t) for t in placement.tilt_deg)
    bone = anatomy.bone
    if abs(placement.tilt_deg[1]) > bone.max_in_plane_deg:
        raise ConfigError("tilt_deg[in_plane]", placement.tilt_deg[1],
                          f"the shaft would pass through bone (lateral masses): at most +-{bone.max_in_plane_deg:g} deg")
    y_e = anatomy.dentate_m[1] + placement.offset_m
    x_e = anatomy.pia_crossing_x(y_e)
    if x_e is None or x_e <= 0:
        y0, y1 = anatomy.outline.points()[1].min(), anatomy.outline.points()[1].max()
        lo = (y0 - anatomy.dentate_m[1]) * 1e3
        hi = (y1 - anatomy.dentate_m[1]) * 1e3
        raise ConfigError("offset_mm", round(float(placement.offset_m) * 1e3, 6),
                          f"the needle misses the cord: allowed ({lo:.2f}, {hi:.2f}) mm from the dentate ligament")
    # direction from the tip back along the shaft (lateral)
    d = np.array([math.cos(cc) * math.cos(ip), -math.cos(cc) * math.sin(ip), -math.sin(cc)])
    entry = np.array([x_e, y_e, 0.0])
    tip = entry - placement.depth_m * d
    # how far the needle can go: to the far surface of the cord or to the midline
    s = np.linspace(0.0, 2.0 * anatomy.rl_m, 8001)
    pts = entry[:, None] - s[None, :] * d[:, None]
    inside = anatomy.outline.contains(pts[0], pts[1]) & (pts[0] > 0)
    # first step past the pia's inner surface, then the first step outside again
    first_in = int(np.argmax(inside)) if inside.any() else None
    if first_in is None:
        raise ConfigError("offset_mm", round(float(placement.offset_m) * 1e3, 6), "the needle misses the cord")
    out_after = np.nonzero(~inside[first_in:])[0]
    s_max = s[first_in + out_after[0]] if out_after.size else s[-1]
    crosses_mid = out_after.size and pts[0, first_in + out_after[0]] <= 0
    tip_inside = bool(anatomy.outline.contains(tip[0], tip[1])) and tip[0] > 0
    if not tip_inside or placement.depth_m > s_max:
        if placement.depth_m > s[first_in] and crosses_mid:
            why = f"puts the tip across the midline into the other half of the cord: at most {s_max * 1e3:.2f} mm"
        elif placement.depth_m <= s[first_in]:
            why = f"leaves the tip in the pia, outside the cord: must exceed {s[first_in] * 1e3:.2f} mm"
        else:
            why = f"puts the tip outside the cord (beyond its far surface): at most {s_max * 1e3:.2f} mm"
        raise ConfigError("depth_mm", round(float(placement.depth_m) * 1e3, 6), why)
    # bone: the shaft must pass through the C1-C2 window (a slot centred on z = 0)
    x_w = bone.lateral_m + anatomy.displacement_m  # the bone stays with the dura
    if d[0] <= 0:
        raise ConfigError("tilt_deg", placement.tilt_deg, "the needle must come from lateral")
    s_w = (x_w - tip[0]) / d[0]
    z_w = tip[2] + s_w * d[2]
    half = 0.5 * bone.height_m - placement.electrode.radius_m
    if abs(z_w) > half:
        lim = math.degrees(math.atan(half / max(x_w - x_e, 1e-9)))
        raise ConfigError("tilt_deg[cranio_caudal]", placement.tilt_deg[0],
                          f"the shaft would pass through bone (C1 arch / C2 lamina): the C1-C2 window allows "
                          f"at most +-{lim:.1f} deg here")
    return NeedlePath(tuple(float(v) for v in tip), tuple(float(v) for v in d), tuple(float(v) for v in entry),
                      float(placement.depth_m), placement.electrode.tip_length_m, placement.electrode.radius_m)

"""The verdict for the planner: relief predicted, corticospinal tract spared,
and the warnings, from the lesion metrics (:mod:`rfsim.cordotomy.metrics`)
against thresholds with their sources (:class:`VerdictSettings`, the
``[verdict]`` table of a scenario)."""

from __future__ import annotations

from dataclasses import dataclass

from rfsim.errors import ConfigError, require_number


@dataclass(frozen=True)
class VerdictSettings:
    """Thresholds of the verdict, with their sources.

    Attributes
    ----------
    relief_criterion : {"t2", "dti"}
        Which clinical minimum of the lesioned cord share applies: 10.0 % as
        measured on T2-weighted MRI, or 6.2 % on DTI (Berger et al., AJNR 2021).
    min_target_zone_coverage : float
        Share of the target zone (leg or arm) of the spinothalamic tract that
        must be lesioned (0..1); default 0.5 (issue 4; an assumption).
    max_cst_lesioned_fraction : float
        Largest lesioned share of the lateral corticospinal tract for
        ``cst_spared`` (0..1); default 0.01.
    oversize_cord_area_fraction : float
        Warn above this lesioned cord share (0..1): larger lesions did not give
        better relief (Berger 2021); default 0.25, an assumption (2.5 x the T2
        minimum).
    ventral_horn_warning_fraction : float
        Warn when more than this share of the ventral horn is lesioned (0..1).
    """

    relief_criterion: str = "t2"
    min_target_zone_coverage: float = 0.5
    max_cst_lesioned_fraction: float = 0.01
    oversize_cord_area_fraction: float = 0.25
    ventral_horn_warning_fraction: float = 0.01

    def __post_init__(self):
        if self.relief_criterion not in ("t2", "dti"):
            raise ConfigError("verdict.relief_criterion", self.relief_criterion, "allowed: t2, dti")
        for k in ("min_target_zone_coverage", "max_cst_lesioned_fraction", "oversize_cord_area_fraction",
                  "ventral_horn_warning_fraction"):
            require_number(f"verdict.{k}", getattr(self, k), 0.0, 1.0, unit="(a fraction)")

    @property
    def min_cord_area_fraction(self) -> float:
        """Minimum lesioned cord share for relief: T2 0.100, DTI 0.062 (Berger 2021)."""
        return 0.100 if self.relief_criterion == "t2" else 0.062


def verdict(m: dict, s: VerdictSettings, target: str) -> dict:
    """``relief_predicted``, ``cst_spared`` and the warnings for metrics ``m``."""
    warnings = []
    zone = m["stt_zone_coverage"][target]
    area = m["cord_area_fraction"]
    relief = area >= s.min_cord_area_fraction and zone >= s.min_target_zone_coverage
    spared = m["cst_lesioned_fraction"] <= s.max_cst_lesioned_fraction
    if m["tract_coverage"]["lateral_spinothalamic"] == 0.0:
        warnings.append("the lesion misses the spinothalamic tract entirely")
    elif zone < s.min_target_zone_coverage:
        warnings.append(f"the {target} zone of the spinothalamic tract is only {zone:.0%} lesioned "
                        f"(needs {s.min_target_zone_coverage:.0%})")
    if area < s.min_cord_area_fraction:
        warnings.append(f"lesion takes {area:.1%} of the cord, below the {s.min_cord_area_fraction:.1%} "
                        f"associated with relief ({s.relief_criterion.upper()}, Berger 2021)")
    if not spared:
        warnings.append(f"lesion reaches the lateral corticospinal tract ({m['cst_lesioned_fraction']:.1%}): "
                        "risk of ipsilateral weakness")
    if m["ventral_horn_lesioned_fraction"] > s.ventral_horn_warning_fraction:
        warnings.append(f"lesion involves the ventral horn ({m['ventral_horn_lesioned_fraction']:.1%})")
    if area > s.oversize_cord_area_fraction:
        warnings.append(f"lesion takes {area:.1%} of the cord, much more than needed for relief")
    return {"relief_predicted": bool(relief), "cst_spared": bool(spared), "warnings": warnings}

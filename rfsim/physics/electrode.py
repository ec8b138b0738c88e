"""RF electrode geometry: a metal cylinder with an exposed tip and an insulated shaft.

Defaults follow the Kanpolat CT-guided cordotomy kit (physics-reference.md,
"Electrodes"): thermocouple electrode 0.40 mm in diameter with a 2 mm exposed tip.
Kanpolat's chapter calls them "open-tip thermocouple electrodes" (KCTE kit,
Radionics); where inside the 2 mm tip the thermocouple junction sits was not
found in any source read (docs/validation.md, "The electrode as built, and the
pia"), so the default keeps it at the distal tip end and ``thermocouple_position``
moves it to the middle of the exposed tip.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from rfsim.errors import ConfigError, require_number
from rfsim.physics.tissue import Metal

#: Nominal outer diameter (mm) of needle gauges 16-27, ISO 9626:2016 Table 1.
GAUGE_DIAMETER_MM = {16: 1.60, 17: 1.40, 18: 1.20, 19: 1.10, 20: 0.90, 21: 0.80, 22: 0.70,
                     23: 0.60, 24: 0.55, 25: 0.50, 26: 0.45, 27: 0.40}

KANPOLAT_DIAMETER_MM = 0.40  # Kanpolat cordotomy kit electrode (physics-reference.md)
KANPOLAT_TIP_MM = 2.0  # exposed tip length of the same kit
#: Where the thermocouple that controls the generator may sit, as a fraction of the
#: exposed tip's length from its distal end: "tip_end" (the default) or "middle".
THERMOCOUPLE_POSITIONS = {"tip_end": 0.0, "middle": 0.5}


@dataclass(frozen=True)
class Electrode:
    """A cylindrical electrode.

    Attributes
    ----------
    diameter_m : float
        Outer diameter (m); 0.1 to 2 mm accepted.
    tip_length_m : float
        Exposed (uninsulated) length at the distal end (m); 0.5 to 20 mm.
    metal : Metal
        Thermal properties of the metal and of the shaft insulation.
    thermocouple_position : {"tip_end", "middle"}
        Where along the exposed tip the thermocouple sits (on the axis): at its
        distal end or half way up it (:data:`THERMOCOUPLE_POSITIONS`).  The
        generator holds this point at the set temperature.
    """

    diameter_m: float = KANPOLAT_DIAMETER_MM * 1e-3
    tip_length_m: float = KANPOLAT_TIP_MM * 1e-3
    metal: Metal = field(default_factory=Metal)
    thermocouple_position: str = "tip_end"

    def __post_init__(self):
        for key, lo, hi in (("diameter_m", 0.1e-3, 2e-3), ("tip_length_m", 0.5e-3, 20e-3)):
            v = getattr(self, key)
            # users type mm: check and show the value in mm, past float noise (5e-3 m -> 5 mm, not 5.000000000000001)
            mm = round(v * 1e3, 9) if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) else v
            require_number(f"electrode.{key.replace('_m', '_mm')}", mm, lo * 1e3, hi * 1e3, unit="mm")
        if not isinstance(self.thermocouple_position, str) or self.thermocouple_position not in THERMOCOUPLE_POSITIONS:
            raise ConfigError("electrode.thermocouple_position", self.thermocouple_position,
                              f"allowed: {', '.join(THERMOCOUPLE_POSITIONS)}")

    @property
    def radius_m(self) -> float:
        """Outer radius (m)."""
        return 0.5 * self.diameter_m

    @property
    def thermocouple_m(self) -> float:
        """Distance (m) of the thermocouple from the distal tip end, along the axis."""
        return THERMOCOUPLE_POSITIONS[self.thermocouple_position] * self.tip_length_m

    @classmethod
    def from_gauge(cls, gauge: int, tip_length_m: float, metal: Metal | None = None,
                   thermocouple_position: str = "tip_end") -> "Electrode":
        """Electrode of the nominal diameter of a needle gauge (16 to 27 G)."""
        if isinstance(gauge, bool) or gauge not in GAUGE_DIAMETER_MM:
            raise ConfigError("electrode.gauge", gauge, "must be an integer gauge from 16 to 27")
        return cls(GAUGE_DIAMETER_MM[gauge] * 1e-3, tip_length_m, metal or Metal(), thermocouple_position)

"""Thermal damage: Arrhenius integral, peak-temperature isotherm and CEM43.

Defaults (physics-reference.md, "Thermal damage"): Arrhenius with the parameters
of Jacques (widely used in RF ablation) A = 7.39e39 1/s, Ea = 2.577e5 J/mol,
lesion where Omega >= 1 (63 % of cells dead); the usual neural proxy of a 50 C
peak-temperature isotherm; CEM43 with R = 0.5 above 43 C and 0.25 below, 240 min.

The Arrhenius rate is cut off at ``arrhenius_onset_c`` (default 43 C): below it
no damage accrues.  Without the cut-off the Jacques set accrues 2.9e-4 per second
at 37 C, so an hour at body temperature is a lesion (issue 16), and it predicts
Omega = 3.9 after 45 min at 42 C and 1.8 after 15 min at 43 C, where dog brain
showed no damage ("The heating limits of dog normal brain were 42 degrees C for
45 min or 43 degrees C for 15 min", Ikeda et al., Int J Hyperthermia
1994;10:553, abstract).  43 C is the lowest cut-off that makes the default set
agree with both limits; it is also the CEM43 break point (Sapareto and Dewey
1984).  ``arrhenius_onset_c = -273.15`` (or any value below the tissue's
temperature) restores the plain integral.

Named parameter sets (:data:`ARRHENIUS_SETS`) are chosen in a scenario with
``[damage] arrhenius_set = "NAME"``; docs/validation.md says which end point
each stands for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rfsim.errors import ConfigError, require_number
from rfsim.numerics.kernels import GAS_CONSTANT, damage_update

MODELS = ("arrhenius", "isotherm", "cem43")

#: Arrhenius parameter sets: name -> (A 1/s, Ea J/mol, tissue and end point, source).
#: The primary papers were not retrieved for any of them (docs/validation.md).
ARRHENIUS_SETS = {
    "jacques": (7.39e39, 2.577e5, "liver; cell death in RF ablation models",
                "Jacques, as used in RF-ablation models (physics-reference.md) [R]"),
    "henriques_moritz": (3.1e98, 6.28e5, "skin (pig, human); transepidermal necrosis (burn)",
                         "Henriques and Moritz 1947 (physics-reference.md) [R]"),
    "agah_artery": (5.6e63, 4.3e5, "arterial wall; collagen/vessel photocoagulation",
                    "Agah, Pearce, Welch, 'Rate process model for arterial tissue thermal damage' [R]"),
}

#: Temperature (C) at and below which the Arrhenius rate is taken as zero (see the module text).
ARRHENIUS_ONSET_C = 43.0


def damage_table(table: dict) -> dict:
    """A scenario's ``[damage]`` table with ``arrhenius_set = NAME`` replaced
    by that set's ``arrhenius_a_per_s`` and ``arrhenius_ea_j_per_mol``.

    Giving a set and either parameter is an error (which would win?)."""
    if "arrhenius_set" not in table:
        return table
    out = dict(table)
    name = out.pop("arrhenius_set")
    if name not in ARRHENIUS_SETS:
        raise ConfigError("damage.arrhenius_set", name, f"allowed: {', '.join(ARRHENIUS_SETS)}")
    for key in ("arrhenius_a_per_s", "arrhenius_ea_j_per_mol"):
        if key in out:
            raise ConfigError(f"damage.{key}", out[key], "give either arrhenius_set or the Arrhenius parameters")
    out["arrhenius_a_per_s"], out["arrhenius_ea_j_per_mol"] = ARRHENIUS_SETS[name][:2]
    return out


@dataclass(frozen=True)
class DamageSettings:
    """Which damage model draws the lesion, and its parameters.

    Attributes
    ----------
    model : {"arrhenius", "isotherm", "cem43"}
        Lesion criterion: Omega >= 1, peak temperature >= ``isotherm_c``, or
        CEM43 >= ``cem43_threshold_min``.
    arrhenius_a_per_s : float
        Frequency factor A (1/s); Jacques (physics-reference.md).
    arrhenius_ea_j_per_mol : float
        Activation energy Ea (J/mol); Jacques.
    arrhenius_onset_c : float
        The Arrhenius rate is zero at and below this temperature (C); default
        43 C (module text: Ikeda 1994).  -273.15 integrates at every temperature.
    isotherm_c : float
        Lesion isotherm (C); the usual neural proxy, 50 C.
    cem43_threshold_min : float
        CEM43 dose for a lesion (min); 240 min commonly.
    """

    model: str = "arrhenius"
    arrhenius_a_per_s: float = 7.39e39
    arrhenius_ea_j_per_mol: float = 2.577e5
    arrhenius_onset_c: float = ARRHENIUS_ONSET_C
    isotherm_c: float = 50.0
    cem43_threshold_min: float = 240.0

    def __post_init__(self):
        if self.model not in MODELS:
            raise ConfigError("damage.model", self.model, f"allowed: {', '.join(MODELS)}")
        for key, lo, hi in (("arrhenius_a_per_s", 1.0, 1e300), ("arrhenius_ea_j_per_mol", 1e3, 1e7),
                            ("isotherm_c", 40.0, 100.0), ("cem43_threshold_min", 1e-3, 1e6),
                            ("arrhenius_onset_c", -273.15, 100.0)):
            require_number(f"damage.{key}", getattr(self, key), lo, hi)

    @property
    def arrhenius_set(self) -> str:
        """Name of the set in :data:`ARRHENIUS_SETS` with these parameters, or 'custom'."""
        for name, (a, ea, *_) in ARRHENIUS_SETS.items():
            if (a, ea) == (self.arrhenius_a_per_s, self.arrhenius_ea_j_per_mol):
                return name
        return "custom"

    def omega_at_constant(self, temperature_c: float, time_s: float) -> float:
        """Closed-form Arrhenius integral A t exp(-Ea / (R T)) at constant
        temperature (0 at or below the onset)."""
        if temperature_c <= self.arrhenius_onset_c:
            return 0.0
        return self.arrhenius_a_per_s * time_s * math.exp(
            -self.arrhenius_ea_j_per_mol / (GAS_CONSTANT * (temperature_c + 273.15)))


class DamageState:
    """Damage integrals per cell, advanced step by step.

    Attributes
    ----------
    omega : cell array, Arrhenius integral (dimensionless)
    cem43 : cell array, cumulative equivalent minutes at 43 C (min)
    tpeak : cell array, peak temperature (C)
    """

    def __init__(self, shape, temperature_c, settings: DamageSettings):
        self.settings = settings
        self.omega = np.zeros(shape)
        self.cem43 = np.zeros(shape)
        self.tpeak = np.full(shape, float(temperature_c))
        # the rates at the end of the last step, and the temperatures they belong to
        self._rates = (np.empty(shape), np.empty(shape))
        self._t_last = None

    def advance(self, t_old, t_new, dt):
        """Integrate over a step of ``dt`` s from temperatures t_old to t_new (C).

        When ``t_old`` is the array passed as ``t_new`` to the previous call (as
        in a time loop), the rates at its temperatures are reused."""
        s = self.settings
        known = t_old is self._t_last
        damage_update(t_old, t_new, dt, s.arrhenius_a_per_s, s.arrhenius_ea_j_per_mol, s.arrhenius_onset_c,
                      self.omega, self.cem43, self.tpeak, *self._rates, known)
        self._t_last = t_new

    def copy(self) -> "DamageState":
        """The integrals so far, without the cached rates."""
        c = DamageState.__new__(DamageState)
        c.settings = self.settings
        c.omega, c.cem43, c.tpeak = self.omega.copy(), self.cem43.copy(), self.tpeak.copy()
        c._rates = (np.empty_like(self.omega), np.empty_like(self.omega))
        c._t_last = None
        return c

    def coagulated(self) -> np.ndarray:
        """Where Omega >= 1 (perfusion stops there)."""
        return self.omega >= 1.0

    def criterion(self) -> np.ndarray:
        """A field that is >= 0 exactly inside the lesion of the chosen model, and
        varies smoothly enough to interpolate the lesion edge between cells:
        log10(Omega), T_peak - isotherm (C), or log10(CEM43 / threshold)."""
        s = self.settings
        with np.errstate(divide="ignore"):
            if s.model == "arrhenius":
                return np.log10(np.maximum(self.omega, 1e-300))
            if s.model == "isotherm":
                return self.tpeak - s.isotherm_c
            return np.log10(np.maximum(self.cem43, 1e-300) / s.cem43_threshold_min)

    def lesion(self) -> np.ndarray:
        """Bool cell array of the lesion."""
        return self.criterion() >= 0.0

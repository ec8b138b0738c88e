"""Tissue and electrode-material properties, with the source of every default.

Values are from ``shared/docs/physics-reference.md``: electrical conductivity at
~500 kHz from the Gabriel 1996 Cole-Cole parameters (the basis of the IT'IS
database), thermal values from the IT'IS database v4.x.  Entries marked [R] are
recalled from secondary sources and await a primary check; they are documented,
overridable defaults.

All quantities are SI inside the code; perfusion is kept in the clinical unit
ml/min/kg in the table and converted by :meth:`Tissue.perfusion_per_s`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from rfsim.errors import ConfigError, require_number

BODY_TEMPERATURE_C = 37.0  # arterial blood temperature, physics-reference.md ("Blood")
BLOOD_RHO_C = 1050.0 * 3617.0  # rho_b c_b (J/m^3/K), IT'IS v4.x blood, physics-reference.md
SIGMA_TEMP_COEFF = 0.02  # +2 %/C rise of electrical conductivity [R], physics-reference.md
#: Above this temperature (C) thermal conductivity is held at its value there: ex vivo
#: bovine liver's thermal properties rise up to 99 C and fall above 100 C, as water boils
#: off (Sapienza group, "Temperature dependence of thermal properties of ex vivo liver
#: tissue up to ablative temperatures", abstract; docs/validation.md, "Tissue properties
#: that change with temperature and damage").
K_TEMP_LIMIT_C = 100.0
#: Conductivity of white matter along the fibres over across them, at the generator's
#: frequency (~500 kHz).  The 3-D model holds the tabulated conductivity (0.095 S/m) as the
#: one across the cord and multiplies it by this ratio along the cord (0.71 S/m).  Ranck and
#: BeMent 1965 (cat dorsal columns in vivo, "low frequency, nonstimulating current", abstract)
#: measured 138-212 ohm cm along and 1211 across: 0.47-0.72 and 0.083 S/m, a ratio of 5.7-8.8;
#: 7.5 is its middle; the model's tensor is 15 % above theirs across and inside their range
#: along.  No measurement along and across white-matter fibres near 500 kHz was found
#: (docs/validation.md lists what was read).
#: The ratio of skeletal muscle falls from ten to one approaching 1 MHz (Epstein and Foster
#: 1983), but muscle fibres (radius ~25 um, bare membrane) are bypassed by capacitive current
#: at a few hundred kHz, while myelinated axons (radius 0.5-5 um, myelin of tens of membranes
#: in series) and thin unmyelinated processes only above ~15 MHz: at 500 kHz the current
#: across white matter still goes round its fibres, so the low-frequency ratio is kept.  It is
#: the dominant uncertainty of the 3-D cord impedance (604 ohm at the leg default; 1303 ohm
#: with isotropic white matter).  Used by the 3-D model only.
WHITE_MATTER_RF_AXIAL_RATIO = 7.5


@dataclass(frozen=True)
class Tissue:
    """Properties of one tissue, isotropic unless ``sigma_axial_ratio`` > 1.

    Attributes
    ----------
    name : str
    sigma_s_per_m : float
        Electrical conductivity at ``reference_temperature_c`` (S/m); across the
        fibres for anisotropic tissue.
    k_w_per_m_k : float
        Thermal conductivity (W/m/K).
    rho_kg_per_m3 : float
        Density (kg/m^3).
    c_j_per_kg_k : float
        Specific heat capacity (J/kg/K).
    perfusion_ml_per_min_kg : float
        Blood perfusion (ml/min/kg of tissue); 0 for ex vivo tissue.
    sigma_temp_coeff_per_c : float
        Relative rise of sigma per degree Celsius (1/C).
    sigma_axial_ratio : float
        Conductivity along the cord axis over that across it (3D model only).
    k_temp_coeff_per_c : float
        Relative rise of k per degree Celsius (1/C) from ``reference_temperature_c``
        up to :data:`K_TEMP_LIMIT_C`; 0 (off) by default.  Soft tissue follows
        water (Valvano, Cochran and Diller 1985, abstract), about 0.0016 1/C.
    sigma_coagulated_factor : float
        Factor (dimensionless) on sigma where the tissue has coagulated (Omega >= 1);
        1 (off) by default: no measured value at the generator's frequency was found.
    reference_temperature_c : float
        Temperature (C) at which ``sigma_s_per_m`` and ``k_w_per_m_k`` hold.
    source : str
        Where the numbers come from.
    """

    name: str
    sigma_s_per_m: float
    k_w_per_m_k: float
    rho_kg_per_m3: float
    c_j_per_kg_k: float
    perfusion_ml_per_min_kg: float = 0.0
    sigma_temp_coeff_per_c: float = SIGMA_TEMP_COEFF
    sigma_axial_ratio: float = 1.0
    k_temp_coeff_per_c: float = 0.0
    sigma_coagulated_factor: float = 1.0
    reference_temperature_c: float = BODY_TEMPERATURE_C
    source: str = ""

    def __post_init__(self):
        for f in fields(self):
            if f.name not in ("name", "source"):
                require_number(f"{self.name}.{f.name}", getattr(self, f.name))
        for key in ("sigma_s_per_m", "k_w_per_m_k", "rho_kg_per_m3", "c_j_per_kg_k"):
            if getattr(self, key) <= 0:
                raise ConfigError(f"{self.name}.{key}", getattr(self, key), "must be > 0")
        if self.perfusion_ml_per_min_kg < 0:
            raise ConfigError(f"{self.name}.perfusion_ml_per_min_kg", self.perfusion_ml_per_min_kg, "must be >= 0")
        if not -0.05 <= self.sigma_temp_coeff_per_c <= 0.1:
            raise ConfigError(f"{self.name}.sigma_temp_coeff_per_c", self.sigma_temp_coeff_per_c,
                              "must lie in [-0.05, 0.1] 1/C")
        if not 1.0 <= self.sigma_axial_ratio <= 20.0:
            raise ConfigError(f"{self.name}.sigma_axial_ratio", self.sigma_axial_ratio, "must lie in [1, 20]")
        # usable at all; the physical range of a scenario file is rfsim.scenario.ranges'
        if self.sigma_coagulated_factor <= 0:
            raise ConfigError(f"{self.name}.sigma_coagulated_factor", self.sigma_coagulated_factor, "must be > 0")

    @property
    def rho_c(self) -> float:
        """Volumetric heat capacity (J/m^3/K)."""
        return self.rho_kg_per_m3 * self.c_j_per_kg_k

    @property
    def perfusion_per_s(self) -> float:
        """Perfusion as blood volume per tissue volume per second (1/s)."""
        return self.perfusion_ml_per_min_kg * 1e-6 / 60.0 * self.rho_kg_per_m3

    def with_(self, **changes) -> "Tissue":
        """A copy with some properties changed (validated again)."""
        return replace(self, **changes)


_GABRIEL_ITIS = "sigma: Gabriel 1996 at 500 kHz; thermal: IT'IS database v4.x"

#: Hen's egg white (albumen), the bench medium of egg-white lesion studies (Tew electrode,
#: Pain Res Manag 2015; Bogduk 1987).  Thermal values: the Choi and Okos (1986) component
#: model at 37 C (water: k = 0.627 W/m/K, rho = 992 kg/m3, c = 4180 J/kg/K; protein: 0.219,
#: 1311, 2051; their polynomials as tabulated by Ibarz and Barbosa-Canovas) for 90 % water
#: and 10 % protein by mass (egg white "consists mainly of about 10% proteins dissolved in
#: water"): k = 0.595 W/m/K, rho = 1017 kg/m3, c = 3967 J/kg/K.  Measured values (Coimbra et
#: al., J Food Eng 2006;74:186) were not read.  sigma: no measurement near 500 kHz was read;
#: 0.5 S/m is assumed.  It does not matter for a temperature-controlled lesion in a block of
#: one material: the generator's voltage absorbs any common factor of sigma (tested), so only
#: the impedance reading depends on it.  Visible coagulation of egg white begins at about
#: 60-65 C (DSC onset 60 C, Abbasnezhad et al., J Food Meas Charact 2014, abstract).
EGG_WHITE = Tissue("egg_white", 0.5, 0.595, 1017, 3967, 0.0,
                   source="thermal: Choi and Okos 1986 model, 90 % water / 10 % protein at 37 C; "
                          "sigma 0.5 S/m assumed (no source; cancels under temperature control in a block)")

#: Default tissues, keyed by the names scenario files use.
TISSUES: dict[str, Tissue] = {
    t.name: t
    for t in (
        Tissue("csf", 2.0, 0.57, 1007, 4096, 0.0, sigma_temp_coeff_per_c=0.018,
               source=_GABRIEL_ITIS + "; 1.8 %/C: Baumann 1997"),
        Tissue("white_matter", 0.095, 0.48, 1041, 3583, 212.0, sigma_axial_ratio=WHITE_MATTER_RF_AXIAL_RATIO,
               source=_GABRIEL_ITIS + "; axial ratio 7.5: Ranck and BeMent 1965 (low frequency; "
                                      "not measured near 500 kHz, see docs/validation.md)"),
        Tissue("grey_matter", 0.15, 0.55, 1045, 3696, 764.0, source=_GABRIEL_ITIS),
        Tissue("spinal_cord", 0.11, 0.51, 1075, 3630, 160.0,
               source=_GABRIEL_ITIS + " ('nerve'); rho, c, k, perfusion [R]"),
        Tissue("pia", 0.50, 0.44, 1174, 3364, 0.0,
               source="no tabulated value and no measurement found: modelled as dura-like "
                      "(physics-reference.md); halved or doubled it moves the impedances < 1 % "
                      "(docs/validation.md, 'The electrode as built, and the pia'); k [R]"),
        Tissue("dura", 0.50, 0.44, 1174, 3364, 0.0, source=_GABRIEL_ITIS + "; k [R]"),
        Tissue("fat", 0.025, 0.21, 911, 2348, 33.0, source=_GABRIEL_ITIS + "; perfusion [R]"),
        Tissue("muscle", 0.44, 0.49, 1090, 3421, 37.0, source=_GABRIEL_ITIS + "; perfusion [R]"),
        Tissue("bone", 0.022, 0.32, 1908, 1313, 10.0, source=_GABRIEL_ITIS + "; rho, perfusion [R]"),
        EGG_WHITE,
    )
}


def tissue(name: str) -> Tissue:
    """Default properties of the named tissue; raises ConfigError for unknown names."""
    try:
        return TISSUES[name]
    except KeyError:
        raise ConfigError("tissue", name, f"allowed: {', '.join(TISSUES)}") from None


@dataclass(frozen=True)
class Metal:
    """Electrode metal and shaft insulation (thermal properties; the metal is a
    perfect conductor electrically).

    Defaults: stainless steel / platinum-iridium k ~15-30 W/m/K and rho c ~4e6
    J/m^3/K (physics-reference.md, "Electrodes"); polyimide insulation k 0.12
    W/m/K (DuPont Kapton datasheet [R]) with an assumed coating of 25 um.  The
    metal and coating of the Kanpolat and Cosman cordotomy electrodes were not
    found in the sources read; across k = 15-30 W/m/K the default prediction's
    lesion volume moves 9-11 %, across a 10-50 um coating 1.5-1.6 %
    (docs/validation.md, "The electrode as built, and the pia").

    Attributes
    ----------
    k_w_per_m_k : float
        Thermal conductivity of the metal (W/m/K); file key ``metal_k_w_per_m_k``.
    rho_c_j_per_m3_k : float
        Volumetric heat capacity of the metal (J/m^3/K); ``metal_rho_c_j_per_m3_k``.
    insulation_thickness_m : float
        Shaft coating thickness (m); ``insulation_thickness_um`` in micrometres.
    insulation_k_w_per_m_k : float
        Thermal conductivity of the coating (W/m/K); ``insulation_k_w_per_m_k``.
    """

    k_w_per_m_k: float = 20.0
    rho_c_j_per_m3_k: float = 4.0e6
    insulation_thickness_m: float = 25e-6
    insulation_k_w_per_m_k: float = 0.12

    def __post_init__(self):
        for f in fields(self):
            require_number(f"electrode.{f.name}", getattr(self, f.name), 0.0, lo_open=True)

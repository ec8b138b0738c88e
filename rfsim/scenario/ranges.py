"""The numbers a scenario file may hold: ranges in the file's units, with sources.

A scenario file (and every run of a sweep, which goes through the same parser)
is checked here in the units the user typed, so that a message names
``tissues.white_matter.sigma_s_per_m = 0`` or ``mesh.extent_mm = 0.001``
rather than the SI value a class holds.  Material properties must also be
*physical*: the ranges below span every tissue or electrode material with a
margin, and their sources are in docs/robustness.md.  Values beyond them (a
conductivity of 1e30 S/m, a metal of 1e-9 J/m^3/K) once ran to absurd answers
(0 ohm; tissue at 2,000 C); now they are refused before the run.

The file keys that carry other units than the classes' fields are here too
(:data:`MESH_KEYS`, :data:`ELECTRODE_KEYS`, :data:`METAL_KEYS`).

The classes underneath (:class:`rfsim.physics.tissue.Tissue`,
:class:`rfsim.physics.tissue.Metal`, :class:`rfsim.physics.domain.MeshSettings`)
keep only the checks that make a value usable at all (finite, positive), so
that verification tests can still build an ideal insulating electrode in
Python.
"""

from __future__ import annotations

from dataclasses import dataclass

from rfsim.errors import require_number
from rfsim.physics.domain import MESH_RANGES

#: Where the ranges are explained, for the messages.
DOC = "docs/robustness.md"


@dataclass(frozen=True)
class Range:
    """An allowed interval of a file key, in the file's units.

    Attributes
    ----------
    lo, hi : float
        Bounds, inclusive (``lo`` exclusive with ``lo_open``).
    unit : str
        The file's unit, for the message ('' for a ratio).
    source : str
        Why these bounds (docs/robustness.md gives the full table).
    lo_open : bool
    """

    lo: float
    hi: float
    unit: str = ""
    source: str = ""
    lo_open: bool = False

    def check(self, key: str, value) -> float:
        """``value`` as a float, or ConfigError naming ``key`` and the range."""
        unit = f"{self.unit} ({self.source})" if self.source else self.unit
        return require_number(key, value, self.lo, self.hi, lo_open=self.lo_open, unit=unit.strip())

    def scaled(self, factor: float, unit: str) -> "Range":
        """The same range in other units (``factor`` file units per unit of this
        one), rounded past floating-point noise (2e-3 m -> 2 mm, not 2.0000000000000004)."""
        return Range(float(f"{self.lo * factor:.12g}"), float(f"{self.hi * factor:.12g}"), unit, self.source,
                     self.lo_open)


_TISSUE = f"physical range of tissues, {DOC}"
_METAL = f"physical range of electrode materials, {DOC}"

#: Keys of ``[medium]`` and ``[tissues.NAME]`` (their names are the file keys).
TISSUE_RANGES = {
    # Gabriel 1996 at ~500 kHz: fat 0.025, cortical bone 0.022 ... CSF 2.0 S/m
    "sigma_s_per_m": Range(1e-3, 10.0, "S/m", _TISSUE),
    # IT'IS v4: fat 0.21 ... water-like tissue 0.6 W/m/K
    "k_w_per_m_k": Range(0.05, 2.0, "W/m/K", _TISSUE),
    # IT'IS v4: fat 911 ... cortical bone 1908 kg/m^3
    "rho_kg_per_m3": Range(300.0, 3000.0, "kg/m3", _TISSUE),
    # IT'IS v4: cortical bone 1313 ... water 4180 J/kg/K
    "c_j_per_kg_k": Range(500.0, 5000.0, "J/kg/K", _TISSUE),
    # IT'IS v4: 0 (ex vivo) ... the most perfused organs (kidney, thyroid) a few thousand
    "perfusion_ml_per_min_kg": Range(0.0, 10000.0, "ml/min/kg", _TISSUE),
    "sigma_temp_coeff_per_c": Range(-0.05, 0.1, "1/C"),
    "sigma_axial_ratio": Range(1.0, 20.0),
    # conductivities are measured between room and body temperature
    "reference_temperature_c": Range(0.0, 60.0, "C"),
    # soft tissue and water rise ~0.16 %/C (Valvano 1985); the bounds allow any linear fit up to 100 C
    "k_temp_coeff_per_c": Range(-0.01, 0.01, "1/C"),
    # coagulated over native sigma: no measured value found; a tenfold change either way bounds it
    "sigma_coagulated_factor": Range(0.1, 10.0),
}

#: The metal keys of ``[electrode]``.
METAL_RANGES = {
    # Ti-6Al-4V ~7 ... silver 429 W/m/K (CRC Handbook)
    "metal_k_w_per_m_k": Range(5.0, 500.0, "W/m/K", _METAL),
    # rho c of solid metals near room temperature, 1.7e6 (Mg) ... 4e6 (Ni, steel) J/m^3/K
    "metal_rho_c_j_per_m3_k": Range(1e6, 6e6, "J/m3/K", _METAL),
    # parylene and polyimide coatings (5-50 um) ... heat-shrink tubing (hundreds of um)
    "insulation_thickness_um": Range(1.0, 500.0, "um", _METAL),
    # polymers 0.08-0.3 (parylene, polyimide, PTFE) ... alumina ~30 W/m/K
    "insulation_k_w_per_m_k": Range(0.01, 50.0, "W/m/K", _METAL),
}


# File key -> (dataclass field, file units per SI unit) for tables whose keys carry
# other units; dividing (not multiplying by 1e-3) keeps 0.4 mm exactly 0.0004 m.
# Public (with rfsim.scenario.config.TISSUE_PROPS) because a sweep lists the keys it
# may vary from them.
MESH_KEYS = {"min_cell_um": ("min_cell_m", 1e6), "interface_cell_um": ("interface_cell_m", 1e6),
             "growth": ("growth", 1.0), "max_cell_mm": ("max_cell_m", 1e3), "extent_mm": ("extent_m", 1e3),
             "refine": ("refine", 1.0)}
ELECTRODE_KEYS = {"diameter_mm": ("diameter_m", 1e3), "tip_length_mm": ("tip_length_m", 1e3)}
#: [electrode] keys that name a choice rather than a number (checked by Electrode).
ELECTRODE_CHOICE_KEYS = ("thermocouple_position",)
METAL_KEYS = {"metal_k_w_per_m_k": ("k_w_per_m_k", 1.0), "metal_rho_c_j_per_m3_k": ("rho_c_j_per_m3_k", 1.0),
              "insulation_thickness_um": ("insulation_thickness_m", 1e6),
              "insulation_k_w_per_m_k": ("insulation_k_w_per_m_k", 1.0)}

#: Range of each [mesh] key in the file's units (MeshSettings holds SI).
MESH_FILE_RANGES = {k: Range(*MESH_RANGES[fld]).scaled(s, k[-2:] if k.endswith(("_um", "_mm")) else "")
                    for k, (fld, s) in MESH_KEYS.items()}

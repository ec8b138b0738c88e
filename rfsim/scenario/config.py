"""Scenario files: TOML in, frozen validated settings out.

A scenario file has one table per part of the model.  Keys carry their unit in
their name (``_mm``, ``_um``, ``_c``, ``_s``, ``_v``, ``_w``, ``_s_per_m``...); the
file uses millimetres, micrometres and degrees Celsius where people type, and
:func:`parse_scenario` converts to SI.  Unknown tables and keys are errors that
list the valid names; every value is type- and range-checked by the dataclass it
ends up in, so a bad value names its key, the value and what is allowed.

``rfsim template NAME`` prints a commented starting point
(``rfsim/templates/NAME.toml``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path

from rfsim.physics.damage import DamageSettings, damage_table
from rfsim.physics.domain import MeshSettings
from rfsim.physics.electrode import Electrode
from rfsim.errors import ConfigError, keys_as_typed, require_number
from rfsim.inputs import read_toml
# the file keys of [mesh] and [electrode] are public here too: a sweep lists the keys it may vary
from rfsim.scenario.ranges import (ELECTRODE_CHOICE_KEYS, ELECTRODE_KEYS, MESH_FILE_RANGES, MESH_KEYS, METAL_KEYS,
                                   METAL_RANGES, TISSUE_RANGES)
from rfsim.physics.generator import GeneratorSettings, Lesion, Protocol
from rfsim.cordotomy.verdict import VerdictSettings
from rfsim.physics.simulation import NumericsSettings
from rfsim.physics.tissue import BODY_TEMPERATURE_C, TISSUES, Metal, Tissue, tissue
from rfsim.scenario.uncertainty import UncertaintySettings

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
KINDS = ("homogeneous", "cordotomy")
MODELS = ("axisymmetric", "3d")
ANATOMY_SOURCES = ("parametric", "pam50", "patient")
#: [anatomy] keys of source = "patient"; left out of to_toml when not given.
PATIENT_KEYS = ("patient_folder", "segmentation", "vertebral_labels")

MEDIUM_PROPS = ("sigma_s_per_m", "k_w_per_m_k", "rho_kg_per_m3", "c_j_per_kg_k", "perfusion_ml_per_min_kg",
                 "sigma_temp_coeff_per_c", "reference_temperature_c",
                 "k_temp_coeff_per_c", "sigma_coagulated_factor")  # docs/validation.md, tissue properties
_PROTOCOL_KEYS = ("set_temperature_c", "duration_s", "lesions", "cooling_s", "lesion")


def _field_names(cls):
    return tuple(f.name for f in fields(cls))


def _check_keys(table: dict, section: str, allowed) -> None:
    for key in table:
        if key not in allowed:
            raise ConfigError(f"{section}.{key}" if section else key, table[key],
                              f"unknown key; valid keys{' in [' + section + ']' if section else ''}: "
                              f"{', '.join(allowed)}")


def _scaled(table, section, keymap, ranges=None):
    """Values of ``keymap``'s keys converted to SI, keyed by dataclass field;
    checked against ``ranges`` (file units, keyed by file key) before the
    conversion, so that a message shows the key and the value as typed."""
    ranges = ranges or {}
    return {fld: (ranges[k].check(f"{section}.{k}", table[k]) if k in ranges else require_number(f"{section}.{k}", table[k]))
            / s for k, (fld, s) in keymap.items() if k in table}


def _as_is(table, section, cls):
    """Values for a dataclass whose field names are the file keys; numbers checked."""
    out = {}
    for f in fields(cls):
        if f.name in table:
            v = table[f.name]
            if f.type in ("float", float, "float | None"):
                v = require_number(f"{section}.{f.name}", v)
            elif f.type in ("int", int) and (isinstance(v, bool) or not isinstance(v, int)):
                raise ConfigError(f"{section}.{f.name}", v, "must be a whole number")
            elif f.type in ("str", str) and not isinstance(v, str):
                raise ConfigError(f"{section}.{f.name}", v, "must be a string")
            elif f.type in ("bool", bool) and not isinstance(v, bool):
                raise ConfigError(f"{section}.{f.name}", v, "must be true or false")
            out[f.name] = v
    return out


def _opt_number(key, v):
    return None if v is None else require_number(key, v)


@dataclass(frozen=True)
class AnatomySettings:
    """Which cross-section to use (cordotomy scenarios).

    Attributes
    ----------
    source : {"parametric", "pam50", "patient"}
        The parametric C1-C2 model (meshes/c1c2.toml), the PAM50 atlas, or a
        patient's images processed by SCT (docs/patient.md).
    pam50_folder : str
        PAM50 folder for ``source = "pam50"`` ('' = $SCT_DIR/data/PAM50).
    patient_folder, segmentation, vertebral_labels : str
        ``source = "patient"``: the output folder of ``sct_warp_template``,
        the cord segmentation (``sct_deepseg_sc``) and the vertebral levels
        (``sct_label_vertebrae``); at least the folder or the segmentation
        ('' = not given).  Relative paths are taken from the working folder.
    level : {"C1", "C2"}
    ap_mm, rl_mm : float or None
        Cord anteroposterior and right-left diameters (mm); None: population
        values (Valosek 2024) for the parametric model, the atlas's own size
        for PAM50; not with ``source = "patient"`` (the images give the size).
    csf_gap_mm : float or None
        Lateral CSF gap (mm); None: 5.5 mm (Valosek 2024).
    displacement_mm : float
        Lateral displacement of the cord by the needle (mm, 0-5).
    """

    source: str = "parametric"
    pam50_folder: str = ""
    level: str = "C2"
    ap_mm: float | None = None
    rl_mm: float | None = None
    csf_gap_mm: float | None = None
    displacement_mm: float = 0.0
    patient_folder: str = ""
    segmentation: str = ""
    vertebral_labels: str = ""

    def __post_init__(self):
        if self.source not in ANATOMY_SOURCES:
            raise ConfigError("anatomy.source", self.source, f"allowed: {', '.join(ANATOMY_SOURCES)}")
        if not isinstance(self.pam50_folder, str):
            raise ConfigError("anatomy.pam50_folder", self.pam50_folder, "must be a folder path (string)")
        for k in PATIENT_KEYS:
            v = getattr(self, k)
            if not isinstance(v, str):
                raise ConfigError(f"anatomy.{k}", v, "must be a path (string)")
            if v and self.source != "patient":
                raise ConfigError(f"anatomy.{k}", v, f"only for source = \"patient\" (source is {self.source!r})")
        if self.source == "patient":
            if not (self.patient_folder or self.segmentation):
                raise ConfigError("anatomy.patient_folder", "", "source = \"patient\" needs patient_folder (the "
                                  "output folder of sct_warp_template) or segmentation (sct_deepseg_sc's *_seg.nii.gz)")
            for k in ("ap_mm", "rl_mm"):
                if getattr(self, k) is not None:
                    raise ConfigError(f"anatomy.{k}", getattr(self, k), "not with source = \"patient\": the "
                                                                        "patient's images give the cord's size")
        for k in ("ap_mm", "rl_mm", "csf_gap_mm"):
            _opt_number(f"anatomy.{k}", getattr(self, k))
        require_number("anatomy.displacement_mm", self.displacement_mm)


@dataclass(frozen=True)
class PlacementSettings:
    """Electrode placement as the surgeon states it (cordotomy scenarios).

    Attributes
    ----------
    side : {"right", "left"}
        Side of the cord lesioned (contralateral to the pain).
    target : {"leg", "arm"}
        Somatotopic target in the spinothalamic tract.
    offset_mm : float or None
        Entry anterior to the dentate ligament (mm); None: leg 1.5, arm 2.5
        (Shepherd et al., AJNR 2017).
    depth_mm : float or None
        Tip end past the pia (mm); None: the target's default
        (rfsim.cordotomy.placement.DEFAULT_DEPTH_MM).
    tilt_cranio_caudal_deg, tilt_in_plane_deg : float
        Needle tilt (degrees).
    """

    side: str = "right"
    target: str = "leg"
    offset_mm: float | None = None
    depth_mm: float | None = None
    tilt_cranio_caudal_deg: float = 0.0
    tilt_in_plane_deg: float = 0.0

    def __post_init__(self):
        for k in ("offset_mm", "depth_mm"):
            _opt_number(f"placement.{k}", getattr(self, k))
        for k in ("tilt_cranio_caudal_deg", "tilt_in_plane_deg"):
            require_number(f"placement.{k}", getattr(self, k))
        if self.side not in ("left", "right"):
            raise ConfigError("placement.side", self.side, "allowed: left, right")
        if self.target not in ("leg", "arm"):
            raise ConfigError("placement.target", self.target, "allowed: leg, arm")


@dataclass(frozen=True)
class Scenario:
    """A complete, validated scenario (SI units).

    Attributes
    ----------
    kind : str
        ``homogeneous``: a block of one material around the electrode;
        ``cordotomy``: the electrode placed in the C1-C2 cord.
    model : {"axisymmetric", "3d"}
        Cordotomy only: the layered axisymmetric model or the 3-D model.
    medium : Tissue
        The block's material.
    temperature_c : float
        Initial temperature of the block, its outer boundary and (if perfused)
        the arterial blood (C).
    electrode, generator, protocol, damage, mesh, numerics
        The settings of each part (see their classes).
    anatomy, placement, verdict
        Cordotomy only (None for a homogeneous block).
    tissues : tuple of Tissue
        Cordotomy only: tissues whose properties replace the defaults of
        :data:`rfsim.physics.tissue.TISSUES` of the same name (``[tissues.NAME]`` tables).
    uncertainty : UncertaintySettings or None
        Cordotomy only: overrides of the declared uncertainties (``[uncertainty]``).
    text : str
        The TOML text the scenario was read from ('' if built in Python).
    """

    kind: str = "homogeneous"
    model: str = "axisymmetric"
    medium: Tissue = field(default_factory=lambda: tissue("spinal_cord").with_(perfusion_ml_per_min_kg=0.0))
    temperature_c: float = BODY_TEMPERATURE_C
    electrode: Electrode = field(default_factory=Electrode)
    generator: GeneratorSettings = field(default_factory=GeneratorSettings)
    protocol: Protocol = field(default_factory=Protocol)
    damage: DamageSettings = field(default_factory=DamageSettings)
    mesh: MeshSettings = field(default_factory=MeshSettings)
    numerics: NumericsSettings = field(default_factory=NumericsSettings)
    anatomy: AnatomySettings | None = None
    placement: PlacementSettings | None = None
    verdict: VerdictSettings | None = None
    tissues: tuple = ()
    uncertainty: UncertaintySettings | None = None
    text: str = field(default="", repr=False, compare=False)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ConfigError("scenario.kind", self.kind, f"allowed: {', '.join(KINDS)}")
        if self.model not in MODELS:
            raise ConfigError("scenario.model", self.model, f"allowed: {', '.join(MODELS)}")
        cordotomy = self.kind == "cordotomy"
        for name, cls in (("anatomy", AnatomySettings), ("placement", PlacementSettings),
                          ("verdict", VerdictSettings)):
            v = getattr(self, name)
            if cordotomy and v is None:
                object.__setattr__(self, name, cls())
            elif not cordotomy and v is not None:
                raise ConfigError(name, f"[{name}]", "only for scenario.kind = \"cordotomy\"")
        if self.uncertainty is not None and not cordotomy:
            raise ConfigError("uncertainty", "[uncertainty]", "only for scenario.kind = \"cordotomy\"")
        if self.tissues and not cordotomy:
            raise ConfigError("tissues", "[tissues]", "only for scenario.kind = \"cordotomy\" (a block has [medium])")
        if not isinstance(self.tissues, tuple) or not all(isinstance(t, Tissue) for t in self.tissues):
            raise ConfigError("tissues", self.tissues, "must be a tuple of rfsim.physics.tissue.Tissue")
        if not cordotomy and self.model != "axisymmetric":
            raise ConfigError("scenario.model", self.model, "a homogeneous block uses the axisymmetric model")
        t = require_number("medium.temperature_c", self.temperature_c)
        if not 0.0 <= t <= 45.0:
            raise ConfigError("medium.temperature_c", t, "must lie in [0, 45] C")
        for les in self.protocol.lesions:
            if les.set_temperature_c <= t:
                raise ConfigError("protocol.set_temperature_c", les.set_temperature_c,
                                  f"must be above the starting temperature ({t:g} C)")


def _protocol(table: dict, default: Protocol) -> Protocol:
    """The ``[protocol]`` table over the scenario kind's default protocol: a key
    left out keeps the default's value, so ``set_temperature_c = 70`` in a
    cordotomy scenario runs its three lesions at 70 C, as ``--temperature 70``
    does."""
    _check_keys(table, "protocol", _PROTOCOL_KEYS)
    cooling = require_number("protocol.cooling_s", table.get("cooling_s", default.cooling_s))
    if "lesion" in table:
        if set(table) & {"set_temperature_c", "duration_s", "lesions"}:
            raise ConfigError("protocol.lesion", "[[protocol.lesion]]",
                              "give either [[protocol.lesion]] tables or set_temperature_c/duration_s/lesions")
        items = table["lesion"]
        if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
            raise ConfigError("protocol.lesion", items, "must be an array of tables [[protocol.lesion]]")
        lesions = []
        for x in items:
            _check_keys(x, "protocol.lesion", _field_names(Lesion))
            lesions.append(Lesion(**_as_is(x, "protocol.lesion", Lesion)))
        return Protocol(tuple(lesions), cooling)
    n = table.get("lesions", len(default.lesions))
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 10:
        raise ConfigError("protocol.lesions", n, "must be a whole number from 1 to 10 (a protocol needs a lesion)")
    first = default.lesions[0]
    given = _as_is(table, "protocol", Lesion)
    les = Lesion(**{"set_temperature_c": first.set_temperature_c, "duration_s": first.duration_s, **given})
    return Protocol((les,) * n, cooling)


def _electrode(table: dict) -> Electrode:
    allowed = ("gauge",) + tuple(ELECTRODE_KEYS) + tuple(METAL_KEYS) + ELECTRODE_CHOICE_KEYS
    _check_keys(table, "electrode", allowed)
    metal = Metal(**_scaled(table, "electrode", METAL_KEYS, METAL_RANGES))
    kw = _scaled(table, "electrode", ELECTRODE_KEYS)
    tc = table.get("thermocouple_position", Electrode.thermocouple_position)  # checked by Electrode
    if "gauge" in table:
        if "diameter_mm" in table:
            raise ConfigError("electrode.gauge", table["gauge"], "give either gauge or diameter_mm, not both")
        return Electrode.from_gauge(table["gauge"], kw.get("tip_length_m", Electrode().tip_length_m), metal, tc)
    return Electrode(metal=metal, thermocouple_position=tc, **kw)


def _medium(table: dict):
    allowed = ("base", "temperature_c") + MEDIUM_PROPS
    _check_keys(table, "medium", allowed)
    base = table.get("base", "spinal_cord")
    if not isinstance(base, str):
        raise ConfigError("medium.base", base, "must be a tissue name")
    with keys_as_typed({"tissue": "medium.base"}):
        t = tissue(base)
    if "perfusion_ml_per_min_kg" not in table:
        t = t.with_(perfusion_ml_per_min_kg=0.0)  # a bench block is ex vivo unless told otherwise
    props = {k: TISSUE_RANGES[k].check(f"medium.{k}", table[k]) for k in MEDIUM_PROPS if k in table}
    t = t.with_(name=base if not props else f"{base} (modified)", **props)
    return t, require_number("medium.temperature_c", table.get("temperature_c", BODY_TEMPERATURE_C))


#: Keys of a ``[tissues.NAME]`` table (public: the sweep parameters list them).
TISSUE_PROPS = MEDIUM_PROPS + ("sigma_axial_ratio",)


def _tissues(table: dict) -> tuple:
    """``[tissues.NAME]`` tables: property overrides of built-in tissues."""
    out = []
    for name, props in table.items():
        if name not in TISSUES:
            raise ConfigError(f"tissues.{name}", f"[tissues.{name}]", f"unknown tissue; allowed: {', '.join(TISSUES)}")
        base = tissue(name)
        if not isinstance(props, dict):
            raise ConfigError(f"tissues.{name}", props, "must be a table [tissues." + name + "]")
        _check_keys(props, f"tissues.{name}", TISSUE_PROPS)
        out.append(base.with_(**{k: TISSUE_RANGES[k].check(f"tissues.{name}.{k}", v) for k, v in props.items()}))
    return tuple(out)


def parse_scenario(data: dict, text: str = "") -> Scenario:
    """Build a :class:`Scenario` from a parsed TOML document (dict)."""
    sections = ("scenario", "medium", "electrode", "generator", "protocol", "damage", "mesh", "numerics",
                "anatomy", "placement", "verdict", "tissues", "uncertainty")
    _check_keys(data, "", sections)
    for s in sections:
        if s in data and not isinstance(data[s], dict):
            raise ConfigError(s, data[s], f"must be a table [{s}]")
    sc = data.get("scenario", {})
    _check_keys(sc, "scenario", ("kind", "model"))
    kw = {"kind": sc.get("kind", "homogeneous"), "model": sc.get("model", "axisymmetric"), "text": text}
    if kw["kind"] == "cordotomy":
        kw["protocol"] = Protocol.clinical(3)  # a test lesion then two more (physics-reference.md)
    if "medium" in data:
        if kw["kind"] == "cordotomy":
            raise ConfigError("medium", "[medium]", "only for scenario.kind = \"homogeneous\" (the cord's tissues "
                                                    "come from the anatomy)")
        kw["medium"], kw["temperature_c"] = _medium(data["medium"])
    if "electrode" in data:
        kw["electrode"] = _electrode(data["electrode"])
    if "tissues" in data:
        kw["tissues"] = _tissues(data["tissues"])
    if "protocol" in data:
        kw["protocol"] = _protocol(data["protocol"], kw.get("protocol", Protocol()))
    if "uncertainty" in data:
        kw["uncertainty"] = UncertaintySettings.from_table(data["uncertainty"])
    if "damage" in data:  # arrhenius_set = NAME stands for its two parameters
        data = {**data, "damage": damage_table(data["damage"])}
    for name, cls in (("generator", GeneratorSettings), ("damage", DamageSettings), ("numerics", NumericsSettings),
                      ("anatomy", AnatomySettings), ("placement", PlacementSettings), ("verdict", VerdictSettings)):
        if name in data:
            _check_keys(data[name], name, _field_names(cls) + (("arrhenius_set",) if name == "damage" else ()))
            kw[name] = cls(**_as_is(data[name], name, cls))
    if "mesh" in data:
        _check_keys(data["mesh"], "mesh", tuple(MESH_KEYS))
        kw["mesh"] = MeshSettings(**_scaled(data["mesh"], "mesh", MESH_KEYS, MESH_FILE_RANGES))
    return Scenario(**kw)


def load_scenario(path, key: str = "scenario file") -> Scenario:
    """Read and validate a TOML scenario file; ``key`` names the file in
    messages as the user gave it (``--config``, ``sweep.base``)."""
    data, text = read_toml(path, key)
    return parse_scenario(data, text)

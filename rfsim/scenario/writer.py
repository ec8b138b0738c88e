"""Scenarios back to text: the TOML of a scenario (parses back to an equal
scenario; stored with every result) and the commented templates."""

from __future__ import annotations

from dataclasses import fields

from rfsim.errors import ConfigError
from rfsim.physics.damage import DamageSettings
from rfsim.physics.generator import GeneratorSettings
from rfsim.physics.simulation import NumericsSettings
from rfsim.scenario.config import (MEDIUM_PROPS, MESH_KEYS, METAL_KEYS, PATIENT_KEYS, TEMPLATES, TISSUE_PROPS,
                                   Scenario)


def template(name: str) -> str:
    """Text of the commented example scenario ``name``."""
    names = sorted(p.stem for p in TEMPLATES.glob("*.toml"))
    if name not in names:
        raise ConfigError("template", name, f"allowed: {', '.join(names)}")
    return (TEMPLATES / f"{name}.toml").read_text()


def toml_value(v) -> str:
    """One value as TOML: booleans, whole numbers, floats (exactly, by repr) and
    basic strings with every control character escaped."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        out = []
        for ch in v:
            if ch in '"\\':
                out.append("\\" + ch)
            elif ord(ch) < 0x20 or ord(ch) == 0x7F:
                out.append(f"\\u{ord(ch):04x}")
            else:
                out.append(ch)
        return '"' + "".join(out) + '"'
    if isinstance(v, int):
        return str(v)
    return repr(float(v))


def to_toml(sc: Scenario) -> str:
    """Every setting of a scenario as TOML (the file units); parses back to an
    equal scenario.  Used to store the exact scenario with results."""
    m, e = sc.medium, sc.electrode
    tables = {
        "scenario": {"kind": sc.kind, "model": sc.model},
        "medium": {"base": m.name.replace(" (modified)", ""), "temperature_c": sc.temperature_c,
                   **{k: getattr(m, k) for k in MEDIUM_PROPS}} if sc.kind == "homogeneous" else {},
        "electrode": {"diameter_mm": e.diameter_m * 1e3, "tip_length_mm": e.tip_length_m * 1e3,
                      **{k: getattr(e.metal, f) * s for k, (f, s) in METAL_KEYS.items()},
                      "thermocouple_position": e.thermocouple_position},
        "generator": {f.name: getattr(sc.generator, f.name) for f in fields(GeneratorSettings)},
        "damage": {f.name: getattr(sc.damage, f.name) for f in fields(DamageSettings)},
        "mesh": {k: getattr(sc.mesh, f) * s for k, (f, s) in MESH_KEYS.items()},
        "numerics": {f.name: getattr(sc.numerics, f.name) for f in fields(NumericsSettings)},
        "protocol": {"cooling_s": sc.protocol.cooling_s},
    }
    for name in ("anatomy", "placement", "verdict"):
        v = getattr(sc, name)
        if v is not None:
            tables[name] = {f.name: getattr(v, f.name) for f in fields(v) if getattr(v, f.name) is not None
                            and not (name == "anatomy" and f.name in PATIENT_KEYS and not getattr(v, f.name))}
    for t in sc.tissues:
        tables[f"tissues.{t.name}"] = {k: getattr(t, k) for k in TISSUE_PROPS}
    lines = []
    for name, table in tables.items():
        if not table:
            continue
        lines.append(f"[{name}]")
        lines += [f"{k} = {toml_value(v)}" for k, v in table.items()]
        lines.append("")
    for les in sc.protocol.lesions:
        lines += ["[[protocol.lesion]]", f"set_temperature_c = {toml_value(les.set_temperature_c)}",
                  f"duration_s = {toml_value(les.duration_s)}", ""]
    lines += sc.uncertainty.toml_lines(toml_value) if sc.uncertainty is not None else []
    return "\n".join(lines)

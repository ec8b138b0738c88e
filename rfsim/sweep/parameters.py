"""What a sweep may vary: the dotted scenario keys, and how many runs at most.

A sweep parameter is a key of the scenario-file vocabulary written with its
table, ``placement.offset_mm`` or ``tissues.white_matter.sigma_s_per_m``, in the
file's units.  The list is read from the scenario dataclasses and the key tables
of :mod:`rfsim.scenario.config`, so a new scenario key can be swept as soon as a
scenario file accepts it.
"""

from __future__ import annotations

from dataclasses import fields

from rfsim.errors import ConfigError

#: Largest number of runs of one sweep: a guard against a typo that would
#: build millions of scenarios before the first run.
MAX_RUNS = 10_000_000
#: The protocol keys ``parse_scenario`` accepts instead of a ``[[protocol.lesion]]``
#: list; they set every lesion alike, which is what makes a protocol sweepable.
UNIFORM_PROTOCOL_KEYS = ("set_temperature_c", "duration_s", "lesions")


def parameter_names() -> dict:
    """Every key a sweep can vary, grouped by scenario section.

    Returns
    -------
    dict of str -> tuple of str
        Section (``placement``, ``tissues.white_matter``...) -> its keys.
    """
    # imported here: the command line imports the sweep package on every
    # command, and the scenario modules bring in Numba
    from rfsim.cordotomy.verdict import VerdictSettings
    from rfsim.physics.damage import DamageSettings
    from rfsim.physics.generator import GeneratorSettings
    from rfsim.physics.simulation import NumericsSettings
    from rfsim.physics.tissue import TISSUES
    from rfsim.scenario.config import (ELECTRODE_KEYS, MESH_KEYS, METAL_KEYS, TISSUE_PROPS, AnatomySettings,
                                       PlacementSettings)

    out = {"scenario": ("model",),
           "electrode": tuple(ELECTRODE_KEYS) + tuple(METAL_KEYS),
           "protocol": UNIFORM_PROTOCOL_KEYS + ("cooling_s",),
           "mesh": tuple(MESH_KEYS)}
    for sec, cls in (("generator", GeneratorSettings), ("damage", DamageSettings),
                     ("numerics", NumericsSettings), ("anatomy", AnatomySettings),
                     ("placement", PlacementSettings), ("verdict", VerdictSettings)):
        out[sec] = tuple(f.name for f in fields(cls))
    for name in TISSUES:
        out[f"tissues.{name}"] = TISSUE_PROPS
    return out


def check_parameter(key: str, where: str) -> None:
    """Raise ConfigError unless ``key`` is a parameter a sweep can vary.

    Parameters
    ----------
    key : str
        Dotted key, e.g. ``placement.offset_mm``.
    where : str
        The spec table it came from (for the message), e.g. ``grid``.
    """
    names = parameter_names()
    if not isinstance(key, str) or "." not in key:
        raise ConfigError(f"{where}.{key}", key, "parameters are dotted scenario keys such as placement.offset_mm")
    section, _, name = key.rpartition(".")
    if section not in names:
        raise ConfigError(f"{where}.{key}", section, f"unknown scenario section; allowed: {', '.join(names)}")
    if name not in names[section]:
        raise ConfigError(f"{where}.{key}", name, f"unknown key; valid keys in [{section}]: "
                                                  f"{', '.join(names[section])}")


def uniform_protocol(data: dict) -> dict:
    """The scenario dict with a ``[[protocol.lesion]]`` list of equal lesions
    rewritten as ``set_temperature_c``/``duration_s``/``lesions`` (so they can be
    swept); changed in place and returned.

    Parameters
    ----------
    data : dict
        A scenario-file dict (file units).
    """
    prot = data.get("protocol", {})
    les = prot.get("lesion")
    if les and all(x == les[0] for x in les):
        data["protocol"] = {"cooling_s": prot.get("cooling_s", 30.0), **les[0], "lesions": len(les)}
    return data

"""What a sweep may vary: the dotted scenario keys, how many runs at most, and
which text a value may hold.

A sweep parameter is a key of the scenario-file vocabulary written with its
table, ``placement.offset_mm`` or ``tissues.white_matter.sigma_s_per_m``, in the
file's units.  The list is read from the scenario dataclasses and the key tables
of :mod:`rfsim.scenario.config`, so a new scenario key can be swept as soon as a
scenario file accepts it.
"""

from __future__ import annotations

from dataclasses import fields

from rfsim.errors import ConfigError

#: Largest number of runs of one sweep: a guard against a typo (at ~0.5 s a run
#: this is two months of one core; the design is streamed, so memory is not
#: what it guards).
MAX_RUNS = 10_000_000
#: Largest seed: it is stored as a 64-bit signed integer (an HDF5 attribute).
MAX_SEED = 2**63 - 1
#: Longest representation of a value that an error message shows whole.
SHOWN_CHARS = 60
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
    from rfsim.scenario.config import (ELECTRODE_CHOICE_KEYS, ELECTRODE_KEYS, MESH_KEYS, METAL_KEYS, TISSUE_PROPS,
                                       AnatomySettings, PlacementSettings)

    out = {"scenario": ("model",),
           "electrode": tuple(ELECTRODE_KEYS) + tuple(METAL_KEYS) + ELECTRODE_CHOICE_KEYS,
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


class _Shown:
    """Stands for a long value in a message: its repr, cut short."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self):
        return self.text


def shown(value):
    """``value`` for a :class:`~rfsim.errors.ConfigError`: itself if its repr is
    short, else a stand-in whose repr is the first characters and the length, so
    that a message stays one readable line.

    (The command line's generic checks may want this in ConfigError itself.)
    """
    try:
        text = repr(value)
    except ValueError:  # an int past Python's 4300-digit str limit
        return _Shown(f"<a whole number of {value.bit_length()} bits>")
    if len(text) <= SHOWN_CHARS:
        return value
    return _Shown(f"{text[:SHOWN_CHARS - 20]}... ({len(text)} characters)")


def has_control(text: str) -> bool:
    """True if ``text`` holds a control character (newline, tab, NUL, DEL, ...).

    A sweep writes every scenario back to TOML and stores text values in
    one-line messages and HDF5 strings; a control character in a value is a
    typing or encoding accident, never a meaningful path or name.
    """
    return any(ord(c) < 32 or 127 <= ord(c) < 160 for c in text)


def check_text(where: str, data) -> None:
    """Raise ConfigError if a key or text value anywhere in ``data`` (a spec
    table, nested tables and lists) holds a control character.

    Parameters
    ----------
    where : str
        Dotted path of ``data`` in the spec (for the message), '' at the top.
    data : dict, list or value
    """
    if isinstance(data, dict):
        for k, v in data.items():
            key = f"{where}.{k}" if where else str(k)
            if has_control(str(k)):
                raise ConfigError(key.encode("unicode_escape").decode("ascii"), shown(v),
                                  "keys must not contain control characters (newline, tab, ...)")
            check_text(key, v)
    elif isinstance(data, list):
        for v in data:
            check_text(where, v)
    elif isinstance(data, str) and has_control(data):
        raise ConfigError(where, shown(data), "text must not contain control characters (newline, tab, ...)")


def get_key(data: dict, key: str):
    """The value of the dotted ``key`` in a scenario dict (None if absent)."""
    node = data
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def set_key(data: dict, key: str, value) -> None:
    """Set the dotted ``key`` of a scenario dict, creating its tables."""
    section, _, name = key.rpartition(".")
    node = data
    for part in section.split("."):
        node = node.setdefault(part, {})
    node[name] = value

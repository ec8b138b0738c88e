"""Reading a sweep spec: the TOML file (or the same dict) into a :class:`Sweep`.

The spec's tables are ``[sweep]`` (``seed``, ``base`` = path of a cordotomy
scenario), ``[base]`` (inline scenario tables over it), ``[grid]``, ``[zip]`` or
``[[zip]]``, ``[sample]``, ``[monte_carlo]`` and ``[output]`` (``series``); see
docs/sweeps.md.  Unknown tables and keys are errors that list the valid ones.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

from rfsim.errors import ConfigError
from rfsim.inputs import read_toml
from rfsim.sweep.distributions import Distribution, Sampling
from rfsim.sweep.parameters import UNIFORM_PROTOCOL_KEYS, check_text, shown, uniform_protocol
from rfsim.sweep.spec import Sweep

_SECTIONS = ("sweep", "base", "grid", "zip", "sample", "monte_carlo", "output")


def _flatten(table: dict, where: str, prefix: str = "", out: dict | None = None) -> dict:
    """Nested spec tables -> dotted keys (``placement.offset_mm = [..]`` written
    unquoted in TOML nests; quoted it does not: both mean the same, so a key
    given both ways is an error, not a silent choice of one).  An empty table
    stays a value (``"placement.offset_mm" = {}``), for the caller to refuse."""
    out = {} if out is None else out
    for k, v in table.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and v and "dist" not in v:
            _flatten(v, where, key + ".", out)
        elif key in out:
            raise ConfigError(f"{where}.{key}", shown(v), f"given twice, quoted and unquoted (the other = "
                                                          f"{shown(out[key])!r}); give each parameter once")
        else:
            out[key] = v
    return out


def _merge(data: dict, inline: dict) -> dict:
    """``[base]`` inline table over the base scenario dict (table by table)."""
    for sec, table in inline.items():
        if not isinstance(table, dict) or not isinstance(data.get(sec), dict):
            data[sec] = copy.deepcopy(table)
        elif sec == "protocol" and set(table) & (set(UNIFORM_PROTOCOL_KEYS) | {"lesion"}):
            # a new protocol replaces the lesion list, keeping only the cooling
            data[sec] = {"cooling_s": data[sec].get("cooling_s", 30.0), **copy.deepcopy(table)}
        elif sec == "tissues":
            for name, props in table.items():
                data[sec].setdefault(name, {}).update(props if isinstance(props, dict) else {"": props})
        else:
            data[sec].update(table)
    return data


def _table(data, name):
    """The spec table ``name`` ({} if absent); ConfigError if it is not a table."""
    t = data.get(name, {})
    if not isinstance(t, dict):
        raise ConfigError(name, shown(t), f"must be a table [{name}]")
    return t


def _sampling(section, table) -> Sampling | None:
    """A ``[sample]`` or ``[monte_carlo]`` table as a Sampling (None if empty)."""
    if not table:
        return None
    table = dict(table)
    n, method = table.pop("n", None), table.pop("method", "random")
    if n is None:
        raise ConfigError(f"{section}.n", None, "required: the number of draws")
    params = tuple((k, Distribution.from_table(f"{section}.{k}", v)) for k, v in _flatten(table, section).items())
    return Sampling(section, n, method, params)


def parse_sweep(data: dict, base_dir=".", text: str = "") -> Sweep:
    """Build a :class:`Sweep` from a parsed spec (the dict of the TOML file).

    Parameters
    ----------
    data : dict
        Tables ``sweep`` (``seed``, ``base`` = path of a cordotomy scenario),
        ``base`` (inline scenario tables over it), ``grid``, ``zip`` (a table or
        an array of tables), ``sample``, ``monte_carlo``, ``output``
        (``series``); see docs/sweeps.md.
    base_dir : path
        Folder that a relative ``sweep.base`` path is relative to.
    text : str
        The spec's text, kept with the results.
    """
    from rfsim.scenario.config import parse_scenario
    from rfsim.scenario.writer import to_toml
    from rfsim.prediction import cordotomy_scenario

    check_text("", data)
    for k in data:
        if k not in _SECTIONS:
            raise ConfigError(k, shown(data[k]) if not isinstance(data[k], dict) else f"[{k}]",
                              f"unknown table; allowed: {', '.join(_SECTIONS)}")
    head = _table(data, "sweep")
    for k in head:
        if k not in ("seed", "base"):
            raise ConfigError(f"sweep.{k}", shown(head[k]), "unknown key; valid keys in [sweep]: seed, base")
    if "base" in head:
        if not isinstance(head["base"], str):
            raise ConfigError("sweep.base", shown(head["base"]), "must be the path of a cordotomy scenario file")
        path = Path(base_dir) / head["base"]
        if not path.is_file():
            raise ConfigError("sweep.base", shown(head["base"]), f"no such scenario file ({path})")
        scenario, text = read_toml(path, "sweep.base")
        try:
            check_text("", scenario)
        except ConfigError as e:
            raise ConfigError(e.key, e.value, f"{e.allowed} (in sweep.base {head['base']})") from None
        base = parse_scenario(scenario, text)
    else:
        base = cordotomy_scenario()
    if base.kind != "cordotomy":
        raise ConfigError("sweep.base", base.kind, "a sweep runs rfsim predict: the base needs "
                                                   "scenario.kind = \"cordotomy\"")
    inline = _table(data, "base")
    if inline:
        base = parse_scenario(_merge(uniform_protocol(tomllib.loads(to_toml(base))), inline))
    zips = data.get("zip", [])
    zips = [zips] if isinstance(zips, dict) else zips
    if not isinstance(zips, list) or not all(isinstance(z, dict) for z in zips):
        raise ConfigError("zip", shown(zips), "must be a table [zip] or an array of tables [[zip]]")
    out = _table(data, "output")
    for k in out:
        if k != "series":
            raise ConfigError(f"output.{k}", shown(out[k]), "unknown key; valid keys in [output]: series")
    series = out.get("series", [])
    if not isinstance(series, list):
        raise ConfigError("output.series", shown(series), "must be a list of series names")

    def lists(table, where):
        return tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in _flatten(table, where).items())

    return Sweep(base=base, grid=lists(_table(data, "grid"), "grid"),
                 zipped=tuple(lists(z, "zip") for z in zips if z),
                 sample=_sampling("sample", _table(data, "sample")),
                 monte_carlo=_sampling("monte_carlo", _table(data, "monte_carlo")),
                 seed=head.get("seed", 0), series=tuple(series), text=text)


def load_sweep(path) -> Sweep:
    """Read and validate a sweep spec file (TOML)."""
    data, text = read_toml(path, "sweep spec")
    return parse_sweep(data, Path(path).parent, text)

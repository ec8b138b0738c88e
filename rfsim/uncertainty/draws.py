"""Draws of the declared uncertainties, and the scenarios they make.

Every draw comes from one seed: the continuous uncertainties through
:class:`rfsim.sweep.distributions.Sampling` (one stream per scenario key, so
adding or removing an uncertainty leaves the draws of the others unchanged),
the anatomy source from a stream of its own.  The same seed gives the same
errors and factors at every placement, which is what makes the map of
``rfsim optimize`` smooth (common random numbers).
"""

from __future__ import annotations

import copy
import hashlib
import os
import tomllib
import zlib
from dataclasses import replace
from pathlib import Path

import numpy as np

from rfsim.errors import ConfigError
from rfsim.physics.simulation import NUMERICS_RANGES, NumericsSettings
from rfsim.sweep.distributions import Sampling
from rfsim.sweep.parameters import get_key, set_key, uniform_protocol
from rfsim.sweep.spec import RunSpec

#: Largest number of draws of one answer: a guard against a typo.
MAX_DRAWS = 100_000
#: The stream of the anatomy-source choice (the sweep uses 1 and 2).
_CHOICE_STREAM = 3
#: ``[mesh] refine`` of the reduced model relative to the scenario's (rfsim.uncertainty.fidelity).
REDUCED_REFINE = 0.5
#: Step tolerance and largest step of the reduced model, each relative to the
#: scenario's (0.5 C and 4 s by default: 1 C and 8 s).  On the reduced grid this
#: takes 28 % fewer steps (186 -> 133 for the default) and moves the lesion volume
#: by 0.02 % and the cord share by 0.0001; against the full model the grid's
#: error dominates (rfsim.uncertainty.fidelity measures both together).
REDUCED_STEPS = 2.0


def check_draws(n, flag: str = "--uncertainty") -> int:
    """``n`` as a number of draws, or ConfigError naming ``flag``."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_DRAWS:
        raise ConfigError(flag, n, f"must be a whole number from 1 to {MAX_DRAWS}")
    return n


def pam50_folder(scenario) -> str | None:
    """The PAM50 folder a draw would read (the scenario's, else
    ``$SCT_DIR/data/PAM50``), or None when there is none on this machine."""
    folder = scenario.anatomy.pam50_folder
    if not folder and os.environ.get("SCT_DIR"):
        folder = str(Path(os.environ["SCT_DIR"]) / "data" / "PAM50")
    return folder if folder and Path(folder).is_dir() else None


def draw_values(active, n: int, seed: int) -> dict:
    """The draws: uncertainty name -> array of ``n`` values (error, value or
    factor in file units; True/False for the anatomy choice: PAM50)."""
    check_draws(n)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError("--seed", seed, "must be a whole number >= 0")
    cont = [a for a in active if a.distribution is not None]
    out = {}
    if cont:
        s = Sampling("monte_carlo", n, "random", tuple((a.declared.keys[0], a.distribution) for a in cont))
        by_key = s.draw(seed)
        out.update({a.name: by_key[a.declared.keys[0]] for a in cont})
    for a in active:
        if a.distribution is None:
            rng = np.random.default_rng(np.random.SeedSequence([seed, _CHOICE_STREAM, zlib.crc32(a.name.encode())]))
            out[a.name] = rng.random(n) < a.probability
    return out


def _nominal(data, key):
    """The nominal value (file units) of a scenario key the draws act on."""
    from rfsim.cordotomy.placement import DEFAULT_DEPTH_MM, DEFAULT_OFFSET_MM
    from rfsim.physics.tissue import tissue

    v = get_key(data, key)
    if v is not None:
        return float(v)
    target = data["placement"].get("target", "leg")
    if key == "placement.offset_mm":
        return DEFAULT_OFFSET_MM[target]
    if key == "placement.depth_mm":
        return DEFAULT_DEPTH_MM[target]
    if key.startswith("tissues."):
        _, name, prop = key.split(".")
        return float(getattr(tissue(name), prop))
    raise ConfigError(key, None, "has no nominal value to shift or scale")


def base_data(base) -> dict:
    """The base scenario as a scenario-file dict, without its ``[uncertainty]`` table."""
    from rfsim.scenario.writer import to_toml

    return uniform_protocol(tomllib.loads(to_toml(replace(base, uncertainty=None))))


def _at_point(data0: dict, point: dict, reduced: bool) -> dict:
    """A copy of the scenario dict ``data0`` at a design point, on the reduced model if ``reduced``."""
    dp = copy.deepcopy(data0)
    for k, v in point.items():
        set_key(dp, k, v)
    if reduced:
        dp["mesh"]["refine"] = dp["mesh"].get("refine", 1.0) * REDUCED_REFINE
        num, default = dp.setdefault("numerics", {}), NumericsSettings()
        for key in ("step_tolerance_c", "dt_max_s"):
            num[key] = min(num.get(key, getattr(default, key)) * REDUCED_STEPS, NUMERICS_RANGES[key][1])
    return dp


def reduced_settings(base) -> dict:
    """What the reduced model of ``base`` runs with: ``mesh_refine``,
    ``step_tolerance_c`` (C) and ``dt_max_s`` (s)."""
    dp = _at_point(base_data(base), {}, True)
    return {"mesh_refine": dp["mesh"]["refine"], "step_tolerance_c": dp["numerics"]["step_tolerance_c"],
            "dt_max_s": dp["numerics"]["dt_max_s"]}


def nominal_text(base, reduced: bool = True) -> str:
    """The base scenario as the draws run it, without drawing (TOML): what a
    worker warms up on (:func:`rfsim.sweep.worker.warm_scenario`) before the
    draws are made."""
    from rfsim.scenario.config import parse_scenario
    from rfsim.scenario.writer import to_toml

    return to_toml(parse_scenario(_at_point(base_data(base), {}, reduced)))


def draw_runs(base, active, values: dict, n: int, points=({},), reduced: bool = True, first_index: int = 0) -> list:
    """The runs of ``n`` draws at each design point.

    Parameters
    ----------
    base : rfsim.scenario.config.Scenario
        The nominal cordotomy scenario.
    active : tuple of rfsim.uncertainty.declared.Active
    values : dict
        From :func:`draw_values`.
    n : int
    points : sequence of dict
        Design points: dotted scenario key -> value (file units), applied
        before the draws (``rfsim optimize``: offset and depth).
    reduced : bool
        Run the reduced model (``[mesh] refine`` x REDUCED_REFINE).

    Returns
    -------
    list of rfsim.sweep.spec.RunSpec
        ``params`` holds the design point and each uncertainty's draw (by
        name); a draw that makes an invalid scenario has ``error`` set.
    """
    from rfsim.scenario.config import parse_scenario
    from rfsim.scenario.writer import to_toml

    data0 = base_data(base)
    folder = pam50_folder(base)
    out = []
    for p, point in enumerate(points):
        dp = _at_point(data0, point, reduced)
        nominal = {k: _nominal(dp, k) for a in active if a.declared.action in ("shift", "scale")
                   for k in a.declared.keys}
        gap = dp["anatomy"].get("csf_gap_mm") or 5.5
        for i in range(n):
            data = copy.deepcopy(dp)
            params = dict(point)
            for a in active:
                v = values[a.name][i]
                d = a.declared
                if d.action == "choice":
                    v = bool(v)
                    set_key(data, "anatomy.source", "pam50" if v else "parametric")
                    if v:
                        set_key(data, "anatomy.pam50_folder", folder or "")
                elif d.action == "set":
                    v = float(v)
                    # the cord cannot be pushed further than the CSF beside it (rfsim.anatomy)
                    val = min(v, gap - 0.2) if d.keys[0] == "anatomy.displacement_mm" else v
                    set_key(data, d.keys[0], val)
                else:
                    v = float(v)
                    for k in d.keys:
                        set_key(data, k, nominal[k] + v if d.action == "shift" else nominal[k] * v)
                params[a.name] = v
            try:
                text, error = to_toml(parse_scenario(data)), ""
            except ConfigError as e:
                text, error = "", f"ConfigError: {e}"
            digest = hashlib.sha256((text or repr(sorted(params.items()))).encode()).hexdigest()
            out.append(RunSpec(first_index + len(out), p, i, tuple(params.items()), text, digest, error))
    return out

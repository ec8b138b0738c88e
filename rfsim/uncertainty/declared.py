"""The declared uncertainties: what a planner cannot know exactly, each with a
default distribution and its source, overridable in a scenario's
``[uncertainty]`` table.

Each uncertainty acts on one or more scenario keys in one of three ways:

* ``shift``: the draw is an error added to the nominal value (placement);
  its bounds must include 0 (the nominal placement);
* ``set``: the draw is the value (the patient's cord, its displacement);
* ``scale``: the draw is a factor on the nominal value (tissue properties,
  damage kinetics); its bounds must include 1;
* ``choice``: the anatomy source, PAM50 with a probability, else parametric.

Tags, as in /work/research/issue13_sources.md and docs/uncertainty.md: [S] the
source states the value, [C] computed from open data, [J] judgement, [A] read
as an abstract only.
"""

from __future__ import annotations

from dataclasses import dataclass

from rfsim.errors import ConfigError
from rfsim.scenario.uncertainty import UNCERTAINTY_NAMES
from rfsim.sweep.distributions import Distribution

#: Default probability that a draw uses the PAM50 atlas rather than the
#: parametric cross-section ([J]: no source prefers either tract map).
PAM50_PROBABILITY = 0.5


@dataclass(frozen=True)
class Declared:
    """One declared uncertainty.

    Attributes
    ----------
    name : str
        Its key in ``[uncertainty]``.
    keys : tuple of str
        The dotted scenario keys it acts on (file units).
    action : {"shift", "set", "scale", "choice"}
    default : dict
        The default distribution as a sweep-spec table (file units; an error
        in mm, a value, or a dimensionless factor).
    unit : str
    source : str
        Where the default comes from, with its tag.
    """

    name: str
    keys: tuple
    action: str
    default: dict
    unit: str
    source: str


_WM, _GM = "tissues.white_matter", "tissues.grey_matter"

#: Every declared uncertainty with its default, in the order of UNCERTAINTY_NAMES.
DECLARED = (
    Declared("offset_error_mm", ("placement.offset_mm",), "shift",
             {"dist": "normal", "mean": 0.0, "sd": 0.5, "lower": -1.0, "upper": 1.0}, "mm",
             "[J] Shepherd 2017 rule window (1 mm, [S]) plus CT tip localisation (0.5 mm voxels; "
             "Bus 2018 radial error 0.59 mm [S]): sd 0.45 rounded to 0.5, truncated at +-1 mm"),
    Declared("depth_error_mm", ("placement.depth_mm",), "shift",
             {"dist": "normal", "mean": 0.0, "sd": 0.5, "lower": -1.0, "upper": 1.0}, "mm",
             "[J] electrode demarcations and the 1-mm physiological corrections of Shepherd 2017 [S]"),
    Declared("cord_displacement_mm", ("anatomy.displacement_mm",), "set",
             {"dist": "uniform", "lower": 0.0, "upper": 5.0}, "mm",
             "[J] 'up to 0.5 cm', seen in 3 of 3 (Shepherd 2017 citing Taren 1969 [S]); no distribution published"),
    Declared("cord_ap_mm", ("anatomy.ap_mm",), "set",
             {"dist": "normal", "mean": 7.95, "sd": 0.52, "lower": 6.5, "upper": 9.3}, "mm",
             "[C] Valosek 2024 open data, C1/C2 junction, n = 203 (drawn independently of RL: r = 0.03)"),
    Declared("cord_rl_mm", ("anatomy.rl_mm",), "set",
             {"dist": "normal", "mean": 11.59, "sd": 0.74, "lower": 9.7, "upper": 13.8}, "mm",
             "[C] Valosek 2024 open data, C1/C2 junction, n = 203"),
    Declared("anatomy_pam50_probability", ("anatomy.source",), "choice",
             {"probability": PAM50_PROBABILITY}, "",
             "[J] tract boundaries: parametric model or PAM50 atlas, equally likely"),
    Declared("white_matter_sigma_factor", (f"{_WM}.sigma_s_per_m",), "scale",
             {"dist": "lognormal", "median": 1.0, "sigma": 0.3}, "",
             "[J] SimNIBS UQ beta(3, 3) spreads of 23-27 % (Saturnino 2019 [S]); Hall 2015: a dominant input [A]"),
    Declared("grey_matter_sigma_factor", (f"{_GM}.sigma_s_per_m",), "scale",
             {"dist": "lognormal", "median": 1.0, "sigma": 0.3}, "", "[J] as white matter"),
    Declared("white_matter_perfusion_factor", (f"{_WM}.perfusion_ml_per_min_kg",), "scale",
             {"dist": "lognormal", "median": 1.0, "sigma": 0.4}, "",
             "[J] cord blood flow 110-230 ml/min/kg in animals [A]; Hall 2015: a dominant input [A]"),
    Declared("grey_matter_perfusion_factor", (f"{_GM}.perfusion_ml_per_min_kg",), "scale",
             {"dist": "lognormal", "median": 1.0, "sigma": 0.4}, "", "[J] as white matter"),
    Declared("white_matter_k_factor", (f"{_WM}.k_w_per_m_k",), "scale",
             {"dist": "normal", "mean": 1.0, "sd": 0.1, "lower": 0.7, "upper": 1.3}, "",
             "[J] IT'IS v4.2 brain sd 5-6 % (n = 2) [A], widened to 10 %"),
    Declared("grey_matter_k_factor", (f"{_GM}.k_w_per_m_k",), "scale",
             {"dist": "normal", "mean": 1.0, "sd": 0.1, "lower": 0.7, "upper": 1.3}, "", "[J] as white matter"),
    Declared("arrhenius_a_factor", ("damage.arrhenius_a_per_s",), "scale",
             {"dist": "lognormal", "median": 1.0, "sigma": 0.5}, "",
             "[C] the in vivo lesion-boundary spread 1.7 C (Chen 2002, docs/validation.md) over "
             "dT/dln A = R T^2 / Ea = 3.37 K (Jacques set): sigma 0.5, Ea fixed"),
)
assert tuple(d.name for d in DECLARED) == UNCERTAINTY_NAMES


@dataclass(frozen=True)
class Active:
    """A declared uncertainty as it applies to one scenario.

    Attributes
    ----------
    declared : Declared
    distribution : Distribution or None
        What is drawn (None for the anatomy choice).
    probability : float
        The anatomy choice only: probability of PAM50.
    overridden : bool
        True when the scenario's ``[uncertainty]`` table gave it.
    """

    declared: Declared
    distribution: Distribution | None
    probability: float = 0.0
    overridden: bool = False

    @property
    def name(self) -> str:
        return self.declared.name

    def describe(self) -> str:
        """One line: the distribution in file units and its source."""
        if self.distribution is None:
            return f"P(PAM50) = {self.probability:g}"
        d = self.distribution.as_dict()
        return d.pop("dist") + "(" + ", ".join(f"{k} {v:g}" for k, v in d.items()) + ")"

    def as_dict(self) -> dict:
        """JSON-ready: name, keys, action, distribution (or probability), source."""
        out = {"name": self.name, "keys": list(self.declared.keys), "action": self.declared.action}
        if self.distribution is None:
            out["probability"] = self.probability
        else:
            out["distribution"] = self.distribution.as_dict()
        out.update(unit=self.declared.unit, source="scenario [uncertainty] table" if self.overridden
                   else self.declared.source)
        return out


def active_uncertainties(scenario) -> tuple:
    """The uncertainties drawn for ``scenario``: the declared defaults with its
    ``[uncertainty]`` overrides; those set to ``false`` are left out.

    Raises
    ------
    ConfigError
        A distribution that cannot be sampled, or bounds that exclude the
        nominal value (error 0, factor 1), naming the ``uncertainty.NAME`` key.
    """
    over = scenario.uncertainty
    out = []
    for d in DECLARED:
        key = f"uncertainty.{d.name}"
        given = over.get(d.name) if over is not None else None
        if given is False:
            continue
        if d.action == "choice":
            p = d.default["probability"] if given is None else float(given)
            if p > 0.0:
                out.append(Active(d, None, p, given is not None))
            continue
        table = d.default if given is None else given
        dist = Distribution.from_table(key, dict(table))
        nominal = {"shift": 0.0, "scale": 1.0}.get(d.action)
        if nominal is not None:
            lo = dist.lower if dist.lower is not None else -float("inf")
            hi = dist.upper if dist.upper is not None else float("inf")
            if not lo <= nominal <= hi:
                bound = "lower" if lo > nominal else "upper"
                raise ConfigError(f"{key}.{bound}", getattr(dist, bound),
                                  f"the bounds must include the nominal value ({'error' if d.action == 'shift' else 'factor'} "
                                  f"{nominal:g})")
        out.append(Active(d, dist, 0.0, given is not None))
    return tuple(out)

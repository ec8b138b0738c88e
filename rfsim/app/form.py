"""The planning page's form: its fields, and what the user typed turned into a
validated :class:`~rfsim.scenario.config.Scenario`.

The form becomes the same TOML document a scenario file would hold (the keys of
``rfsim template cordotomy``) and goes through
:func:`rfsim.scenario.config.parse_scenario`, so the page accepts exactly what
files and ``rfsim predict``'s flags accept.  A :class:`~rfsim.errors.ConfigError`
names its key; :func:`field_of` turns that key into the field to put the message
beside.  Values typed are millimetres, degrees Celsius and seconds, as on the
command line.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

from rfsim.cordotomy.placement import DEFAULT_DEPTH_MM, DEFAULT_OFFSET_MM
from rfsim.errors import ConfigError
from rfsim.physics.electrode import KANPOLAT_DIAMETER_MM, KANPOLAT_TIP_MM
from rfsim.physics.generator import Protocol
from rfsim.scenario.config import Scenario, parse_scenario
from rfsim.uncertainty import predict_uncertainty

_CLINICAL = Protocol.clinical()  # the protocol `rfsim predict` runs without flags
ANATOMIES = {"parametric": "parametric C1-C2", "pam50": "PAM50 atlas", "patient": "patient folder"}


@dataclass(frozen=True)
class Field:
    """One input of the form.

    Attributes
    ----------
    id : str
        Component id on the page (also the key of the form dict).
    label : str
    unit : str
        Unit typed ('' for choices and text).
    key : str
        Dotted scenario key the value goes to ('' for fields handled by hand).
    default : str
        What the field holds when the page opens.
    kind : {"number", "int", "choice", "text"}
    optional : bool
        A blank field is left out of the scenario (its default applies).
    choices : tuple of str
        For ``kind = "choice"``.
    hint : str
        Shown under the field.
    """

    id: str
    label: str
    unit: str
    key: str
    default: str
    kind: str = "number"
    optional: bool = False
    choices: tuple = ()
    hint: str = ""


FIELDS = (
    Field("side", "side lesioned", "", "placement.side", "right", "choice", choices=("right", "left")),
    Field("target", "target", "", "placement.target", "leg", "choice", choices=("leg", "arm")),
    Field("offset", "offset", "mm", "placement.offset_mm", f"{DEFAULT_OFFSET_MM['leg']:g}", optional=True,
          hint="anterior to the dentate ligament"),
    Field("depth", "depth", "mm", "placement.depth_mm", f"{DEFAULT_DEPTH_MM['leg']:g}", optional=True,
          hint="tip end past the pia"),
    Field("diameter", "electrode diameter", "mm", "electrode.diameter_mm", f"{KANPOLAT_DIAMETER_MM:g}"),
    Field("tip", "tip length", "mm", "electrode.tip_length_mm", f"{KANPOLAT_TIP_MM:g}"),
    Field("temperature", "temperature", "C", "protocol.set_temperature_c",
          f"{_CLINICAL.lesions[0].set_temperature_c:g}", hint="set point"),
    Field("duration", "duration", "s", "protocol.duration_s", f"{_CLINICAL.lesions[0].duration_s:g}",
          hint="per lesion"),
    Field("lesions", "lesions", "", "protocol.lesions", f"{len(_CLINICAL.lesions)}", "int",
          hint="same spot"),
    Field("anatomy", "anatomy", "", "", "parametric", "choice", choices=tuple(ANATOMIES)),
    Field("folder", "atlas or patient folder", "", "anatomy.pam50_folder", "", "text", optional=True,
          hint="PAM50: blank means $SCT_DIR/data/PAM50"),
    Field("ap", "cord AP diameter", "mm", "anatomy.ap_mm", "", optional=True, hint="blank: typical"),
    Field("rl", "cord RL diameter", "mm", "anatomy.rl_mm", "", optional=True, hint="blank: typical"),
)

FIELD_IDS = tuple(f.id for f in FIELDS)
DEFAULTS = {f.id: f.default for f in FIELDS}

_UNCERTAINTY = inspect.signature(predict_uncertainty).parameters
#: Uncertainty draws the page asks for unless told otherwise, and the seed of
#: every draw: those of ``predict_uncertainty`` (and ``rfsim predict
#: --uncertainty N``), so the page and the command line give the same answer.
DRAWS_DEFAULT = _UNCERTAINTY["n"].default
SEED = _UNCERTAINTY["seed"].default
#: Draws the page takes: fewer give intervals too wide to read; more, a wait
#: of minutes on two cores (the command line takes up to 100000).
DRAWS_RANGE = (10, 2000)


def draws_from_text(text) -> int:
    """The number of uncertainty draws typed in the page.

    Raises
    ------
    ValueError
        With the message to show beside the field.
    """
    lo, hi = DRAWS_RANGE
    s = "" if text is None else str(text).strip()
    try:
        n = int(s)
    except ValueError:
        raise ValueError(f"{s!r} is not a whole number of draws ({lo} to {hi})") from None
    if not lo <= n <= hi:
        raise ValueError(f"{n}: draws must lie in [{lo}, {hi}]")
    return n


def placement_defaults(target: str) -> dict:
    """Offset and depth (mm, as text) the form shows for a target."""
    return {"offset": f"{DEFAULT_OFFSET_MM[target]:g}", "depth": f"{DEFAULT_DEPTH_MM[target]:g}"}

# The last part of an error's key (scenario keys, and the keys the placement and
# anatomy checks use) -> the field that holds it.
_KEY_FIELD = {f.key.rsplit(".", 1)[-1]: f.id for f in FIELDS if f.key}
_KEY_FIELD.update({"gauge": "diameter", "source": "anatomy", "pam50": "folder", "tilt_deg": "offset",
                   "placement": "offset"})


class FormErrors(ValueError):
    """Bad input in the form: ``messages`` maps a field id ('' for the form as a
    whole) to what is wrong with it."""

    def __init__(self, messages: dict):
        self.messages = dict(messages)
        super().__init__("; ".join(f"{k or 'form'}: {v}" for k, v in self.messages.items()))


def field_of(error: ConfigError) -> str:
    """The id of the field a :class:`ConfigError` is about ('' if none is)."""
    last = str(error.key).rsplit(".", 1)[-1].split("[", 1)[0]
    return _KEY_FIELD.get(last, "")


def message_of(error: ConfigError) -> str:
    """The text to show beside the field: the value and what is allowed."""
    return f"{error.value!r}: {error.allowed}" if field_of(error) else str(error)


def _typed(field: Field, text):
    """The typed value of one field, or raises ``ValueError`` with the message."""
    if field.kind in ("choice", "text"):
        value = "" if text is None else str(text).strip()
        if field.kind == "choice" and value not in field.choices:
            raise ValueError(f"allowed: {', '.join(field.choices)}")
        return value
    s = "" if text is None else str(text).strip()
    if not s:
        if field.optional:
            return None
        raise ValueError("required" + (f" ({field.unit})" if field.unit else ""))
    try:
        return int(s) if field.kind == "int" else float(s)
    except ValueError:
        raise ValueError(f"{s!r} is not a {'whole number' if field.kind == 'int' else 'number'}") from None


def _values(form: dict) -> tuple:
    """Typed values of the fields that read, and messages for those that do not."""
    values, errors = {}, {}
    for f in FIELDS:
        try:
            values[f.id] = _typed(f, form.get(f.id, f.default))
        except ValueError as e:
            errors[f.id] = str(e)
    if values.get("anatomy") == "patient" and not values.get("folder"):
        errors["folder"] = "required: the folder of the patient's images"
        values.pop("folder")
    if values.get("anatomy", "parametric") == "parametric":
        values["folder"] = None  # a folder typed for an atlas earlier does not apply
    return values, errors


def _document(values: dict, model: str) -> dict:
    doc = {"scenario": {"kind": "cordotomy", "model": model}}
    for f in FIELDS:
        v = values.get(f.id)
        if f.key and v is not None and v != "":
            table, key = f.key.split(".")
            doc.setdefault(table, {})[key] = v
    doc.setdefault("anatomy", {})["source"] = "parametric" if values.get("anatomy") == "parametric" else "pam50"
    return doc


def document(form: dict, model: str = "axisymmetric") -> dict:
    """The scenario document (as parsed from TOML) the form describes.

    Parameters
    ----------
    form : dict
        Field id -> what was typed (strings or numbers); missing ids take
        their :data:`DEFAULTS`.
    model : {"axisymmetric", "3d"}

    Raises
    ------
    FormErrors
        Fields whose text is not a value of their kind.
    """
    values, errors = _values(form)
    if errors:
        raise FormErrors(errors)
    return _document(values, model)


def scenario_from_form(form: dict, model: str = "axisymmetric") -> Scenario:
    """The validated scenario the form describes (see :func:`document`).

    Raises
    ------
    FormErrors
        With a message for every bad field, not just the first: fields found
        bad are left out (their defaults stand in) and the rest checked again.
    """
    values, errors = _values(form)
    for _ in FIELDS:  # at most one new bad field per round
        try:
            sc = parse_scenario(_document({k: v for k, v in values.items() if k not in errors}, model))
        except ConfigError as e:
            fid = field_of(e)
            errors[fid] = message_of(e)
            if not fid or fid not in values:
                break
            values.pop(fid)
            continue
        if not errors:
            return sc
        break
    raise FormErrors(errors)

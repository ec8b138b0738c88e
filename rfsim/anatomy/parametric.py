"""The parametric C1-C2 cross-section, read from ``meshes/c1c2.toml``.

The file draws every tract and grey-matter part as shapes of a reference cord
(reference-cord millimetres, :mod:`rfsim.anatomy.shapes`), with the level
diameters, the tissue layers, the dentate angle, the somatotopic split and the
bony window; every table carries its ``source``.  :func:`load_parametric`
scales the shapes per axis to the patient's cord and returns an
:class:`rfsim.anatomy.cross_section.Anatomy`.  :func:`read_mesh` and
:func:`check_patient` also serve the PAM50 import, which takes its layers from
the same file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rfsim.anatomy.cross_section import Anatomy, dentate_point, finish_anatomy
from rfsim.anatomy.names import LEVELS, SIDES, STT_ZONES
from rfsim.anatomy.shapes import Ellipse, Outline, Polygon, Sector, ShapeRegion, SplitRegion
from rfsim.errors import ConfigError, require_number
from rfsim.inputs import read_toml
from rfsim.physics.tissue import TISSUES

#: The parametric anatomy file, in ``meshes/``.
MESH_NAME = "c1c2.toml"


def mesh_path(name: str = MESH_NAME) -> Path:
    """Path of a file of the anatomy data: ``meshes/`` in the source tree, or the
    copy shipped in the installed package (``rfsim/meshes``)."""
    here = Path(__file__).resolve().parents[1]  # the rfsim package
    for p in (here / "meshes" / name, here.parent / "meshes" / name):
        if p.is_file():
            return p
    raise ConfigError("anatomy.mesh", name, f"not found in {here / 'meshes'} or {here.parent / 'meshes'}")


_TOP_KEYS = {"meta", "reference_cord", "levels", "layers", "dentate", "somatotopy", "bone", "region"}


def _check_keys(table, allowed, where):
    if not isinstance(table, dict):
        raise ConfigError(where, table, "must be a table")
    name = (lambda k: f"{where}.{k}") if where else str
    for k in table:
        if k not in allowed:
            raise ConfigError(name(k), table[k], f"unknown key; allowed: {', '.join(sorted(allowed))}")
    for k in sorted(allowed):  # the same message every time (a set has no order)
        if k not in table and k != "source" and not k.startswith("_opt_"):
            raise ConfigError(name(k), None, "missing")
    if "source" in allowed and not str(table.get("source", "")).strip():
        raise ConfigError(f"{where}.source", table.get("source"), "every number needs a source")


def read_mesh(path=None) -> dict:
    """Read and validate the parametric anatomy file (TOML).

    Unknown or missing keys raise ConfigError; every table carries a ``source``.
    Returns the parsed dict (numbers in mm and degrees, as in the file).
    """
    d, _ = read_toml(path if path is not None else mesh_path(), "anatomy.mesh")
    _check_keys(d, _TOP_KEYS, "")
    _check_keys(d["reference_cord"], {"ap_mm", "rl_mm", "source"}, "reference_cord")
    _numbers(d["reference_cord"], "reference_cord", positive=True)
    for lev in LEVELS:
        if lev not in d["levels"]:
            raise ConfigError(f"levels.{lev}", None, "missing")
        _check_keys(d["levels"][lev], {"ap_mm", "rl_mm", "source"}, f"levels.{lev}")
        _numbers(d["levels"][lev], f"levels.{lev}", positive=True)
    _check_keys(d["layers"], {"pia_thickness_mm", "csf_gap_lateral_mm", "csf_gap_ap_mm", "dura_thickness_mm",
                              "beyond_tissue", "source"}, "layers")
    _check_keys(d["dentate"], {"angle_deg", "source"}, "dentate")
    _check_keys(d["somatotopy"], {"order", "direction_deg", "shares", "source"}, "somatotopy")
    _check_keys(d["bone"], {"window_height_mm", "window_lateral_mm", "max_in_plane_tilt_deg", "source"}, "bone")
    for table, skip in (("layers", ("beyond_tissue",)), ("dentate", ()), ("somatotopy", ("order", "shares")),
                        ("bone", ())):
        _numbers(d[table], table, positive=table in ("layers", "bone"), skip=skip)
    if not isinstance(d["somatotopy"]["shares"], list):
        raise ConfigError("somatotopy.shares", d["somatotopy"]["shares"], "four positive shares summing to 1")
    for i, x in enumerate(d["somatotopy"]["shares"]):
        require_number(f"somatotopy.shares[{i}]", x, 0.0, 1.0, lo_open=True)
    if list(d["somatotopy"]["order"]) != [z[4:] for z in STT_ZONES]:
        raise ConfigError("somatotopy.order", d["somatotopy"]["order"], "must be ['arm', 'trunk', 'leg', 'sacral']")
    shares = d["somatotopy"]["shares"]
    if len(shares) != 4 or abs(sum(shares) - 1) > 1e-9 or min(shares) <= 0:
        raise ConfigError("somatotopy.shares", shares, "four positive shares summing to 1")
    names = set()
    if not isinstance(d["region"], list):
        raise ConfigError("region", d["region"], "must be an array of tables [[region]]")
    for i, r in enumerate(d["region"]):
        _check_keys(r, {"name", "shapes", "source"}, f"region[{i}]")
        if not isinstance(r["name"], str):
            raise ConfigError(f"region[{i}].name", r["name"], "must be a region name (string)")
        if not isinstance(r["shapes"], list) or not r["shapes"]:
            raise ConfigError(f"region[{i}].shapes", r["shapes"], "must be a non-empty array of shapes")
        if r["name"] in names:
            raise ConfigError(f"region[{i}].name", r["name"], "duplicate")
        names.add(r["name"])
    need = {"ventral_horn", "dorsal_horn", "intermediate_zone", "lateral_spinothalamic", "lateral_corticospinal",
            "spinocerebellar", "rubrospinal", "dorsal_columns", "ventral_funiculus"}
    if need - names:
        raise ConfigError("region", sorted(need - names), f"missing; the file must define {sorted(need)}")
    return d


def _numbers(table, where, positive=False, skip=()):
    """ConfigError unless every value of ``table`` (but ``source`` and ``skip``)
    is a finite number (> 0 with ``positive``)."""
    for k, v in table.items():
        if k != "source" and k not in skip:
            require_number(f"{where}.{k}", v, 0.0 if positive else None, lo_open=positive)


def _list(v, key, n, positive=False):
    """``v`` as a tuple of ``n`` finite numbers (> 0 with ``positive``), or ConfigError naming ``key``."""
    if not isinstance(v, list) or len(v) != n:
        raise ConfigError(key, v, f"must be a list of {n} numbers")
    return tuple(require_number(f"{key}[{i}]", x, 0.0 if positive else None, lo_open=positive)
                 for i, x in enumerate(v))


def _shape(spec, where):
    if not isinstance(spec, dict):
        raise ConfigError(where, spec, "must be a shape table { kind = ..., ... }")
    kind = spec.get("kind")
    keys = {"sector": {"kind", "theta_deg", "rho"}, "ellipse": {"kind", "center_mm", "semi_axes_mm", "angle_deg"},
            "polygon": {"kind", "vertices_mm"}}
    if kind not in keys:
        raise ConfigError(f"{where}.kind", kind, f"allowed: {', '.join(keys)}")
    _check_keys(spec, keys[kind], where)
    if kind == "sector":
        return Sector(_list(spec["theta_deg"], f"{where}.theta_deg", 2), _list(spec["rho"], f"{where}.rho", 2))
    if kind == "ellipse":
        return Ellipse(_list(spec["center_mm"], f"{where}.center_mm", 2),
                       _list(spec["semi_axes_mm"], f"{where}.semi_axes_mm", 2, positive=True),
                       require_number(f"{where}.angle_deg", spec["angle_deg"]))
    vertices = spec["vertices_mm"]
    if not isinstance(vertices, list) or len(vertices) < 3:
        raise ConfigError(f"{where}.vertices_mm", vertices, "must be a list of at least 3 [x, y] points")
    return Polygon(tuple(_list(v, f"{where}.vertices_mm[{i}]", 2) for i, v in enumerate(vertices)))


def check_patient(level, ap_mm, rl_mm, csf_gap_mm, side, displacement_mm):
    """Validate patient parameters (mm); raises ConfigError naming the bad one."""
    if level not in LEVELS:
        raise ConfigError("level", level, f"allowed: {', '.join(LEVELS)}")
    if side not in SIDES:
        raise ConfigError("side", side, f"allowed: {', '.join(SIDES)}")
    for key, value, lo, hi in (("ap_mm", ap_mm, 5.0, 12.0), ("rl_mm", rl_mm, 8.0, 16.0),
                               ("csf_gap_mm", csf_gap_mm, 1.0, 10.0)):
        if value is not None:  # None: the level's or the file's default
            require_number(key, value, lo, hi, unit="mm")
    require_number("displacement_mm", displacement_mm, 0.0, 5.0, unit="mm")


def load_parametric(path=None, *, level: str = "C2", ap_mm: float | None = None, rl_mm: float | None = None,
                    csf_gap_mm: float | None = None, side: str = "right", displacement_mm: float = 0.0,
                    outline: Outline | None = None) -> Anatomy:
    """The parametric C1-C2 cross-section scaled to a patient.

    Parameters
    ----------
    path : str or Path, optional
        Anatomy file (default ``meshes/c1c2.toml``).
    level : {"C1", "C2"}
        Vertebral level; sets the default cord diameters (Valosek 2024).
    ap_mm, rl_mm : float, optional
        Cord anteroposterior (5-12 mm) and right-left (8-16 mm) diameters (mm).
    csf_gap_mm : float, optional
        Lateral CSF gap between cord and dura (mm, 1-10; default from the file).
    side : {"right", "left"}
        The subject's side being lesioned; it lies at x > 0.
    displacement_mm : float
        Displacement of the cord away from the needle (mm, 0-5), leaving at
        least 0.2 mm of CSF on the far side.
    outline : Outline, optional
        A measured cord outline (a patient's segmentation) instead of the
        ellipse of ``ap_mm`` x ``rl_mm``; the tract shapes, scaled to those
        diameters, are clipped to it.

    Returns
    -------
    Anatomy
        Tract shapes scale per axis with the cord diameters, so every tract keeps
        its position relative to the cord outline.
    """
    check_patient(level, ap_mm, rl_mm, csf_gap_mm, side, displacement_mm)
    d = read_mesh(path)
    ref = d["reference_cord"]
    lev = d["levels"][level]
    ap = float(ap_mm if ap_mm is not None else lev["ap_mm"])
    rl = float(rl_mm if rl_mm is not None else lev["rl_mm"])
    gap = float(csf_gap_mm if csf_gap_mm is not None else d["layers"]["csf_gap_lateral_mm"])
    if d["layers"]["beyond_tissue"] not in TISSUES:
        raise ConfigError("layers.beyond_tissue", d["layers"]["beyond_tissue"], f"allowed: {', '.join(TISSUES)}")
    if outline is None:
        outline = Outline.ellipse(rl * 0.5e-3, ap * 0.5e-3)
    scale = (rl / ref["rl_mm"], ap / ref["ap_mm"])
    semi = (ref["rl_mm"] / 2, ref["ap_mm"] / 2)
    built, earlier = {}, []
    for i, spec in enumerate(d["region"]):
        shapes = tuple(_shape(s, f"region[{i}].shapes[{j}]") for j, s in enumerate(spec["shapes"]))
        r = ShapeRegion(spec["name"], shapes, scale, semi, outline, tuple(earlier))
        built[spec["name"]] = r
        earlier.append(r)
    gm_shapes = sum((built[n].shapes for n in ("ventral_horn", "dorsal_horn", "intermediate_zone")), ())
    grey = ShapeRegion("grey_matter", gm_shapes, scale, semi, outline, (), both_sides=True)
    tracts = {n: r for n, r in built.items() if n != "spinocerebellar"}
    # The atlas has one spinocerebellar rim (labelled ventral); the dentate line
    # splits it into the dorsal (behind) and ventral (in front) tracts.
    y_dent = dentate_point(outline, ap * 1e-3, rl * 1e-3, d["dentate"]["angle_deg"])[1]
    sc = built["spinocerebellar"]
    tracts["ventral_spinocerebellar"] = SplitRegion("ventral_spinocerebellar", sc, y_dent, np.inf)
    tracts["dorsal_spinocerebellar"] = SplitRegion("dorsal_spinocerebellar", sc, -np.inf, y_dent)
    notes = (f"parametric model {Path(path or mesh_path()).name}", d["meta"].get("source", ""))
    return finish_anatomy(source="parametric", level=level, side=side, ap_m=ap * 1e-3, rl_m=rl * 1e-3,
                          outline=outline, grey=grey, tracts=tracts, layers=d["layers"],
                          dentate_angle_deg=d["dentate"]["angle_deg"], somatotopy=d["somatotopy"], bone=d["bone"],
                          csf_gap_m=gap * 1e-3, displacement_m=displacement_mm * 1e-3,
                          ref_mm=(ref["ap_mm"], ref["rl_mm"]), notes=notes)

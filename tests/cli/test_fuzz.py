"""Bad input to the real command line: every case exits with status 2 and one
line on stderr that names what the user typed (the flag or the scenario key,
in the file's units), its value (shortened when long) and what is allowed; no
traceback, and no file created or changed (docs/robustness.md).

The cases run in-process through :func:`rfsim.cli.main.main` with captured
streams, in a scratch folder that is snapshot before and after; a
representative subset runs again as real processes (marked slow).  Almost every
case fails in validation, before any simulation.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rfsim.cli.main import main

ROOT = Path(__file__).resolve().parents[2]

CORD = '[scenario]\nkind = "cordotomy"\n'
#: Every file a case may name, made in the scratch folder before each case.
#: A value of None makes a directory.
WORKSPACE = {
    "adir": None,
    "file.txt": b"not a folder\n",
    "ok.toml": (CORD + "[protocol]\nlesions = 1\n").encode(),
    "block.toml": b"[protocol]\nduration_s = 5.0\n",
    "binary.toml": bytes(range(256)) * 4,
    "latin1.toml": "# r\xe9glage\n[scenario]\nkind = \"cordotomy\"\n".encode("latin-1"),
    "deep.toml": ("a = " + "[" * 1000 + "]" * 1000 + "\n").encode(),
    "broken.toml": b"[scenario\nkind = \n",
    "mesh.txt": b"[meta]\n",
}

# -- cases: (id, argv, files, fragments) ---------------------------------------
# ``files``: extra files (name -> text) for this case; ``fragments``: what the
# one line must contain: the key or flag as typed, the value as shown, and what
# is allowed.
CASES = []


def case(id_, argv, *fragments, files=None):
    CASES.append(pytest.param(argv, files or {}, fragments, id=id_))


def scenario_case(id_, text, *fragments, command="predict", kind="cordotomy"):
    """A scenario file with ``text`` (after the [scenario] table of ``kind``)."""
    head = CORD if kind == "cordotomy" else ""
    argv = ["predict", "--config", "s.toml"] if command == "predict" else ["run", "s.toml"]
    case(id_, argv, *fragments, files={"s.toml": head + text})


# -- flags: NaN, infinities, text, and values out of range ---------------------
FLOAT_FLAGS = {
    "predict": ("--offset", "--depth", "--electrode-diameter", "--tip-length", "--temperature", "--duration"),
    "impedance": ("--offset", "--depth", "--electrode-diameter", "--tip-length", "--start", "--step"),
    "anatomy": ("--ap", "--rl", "--csf-gap", "--displacement", "--offset", "--depth", "--tilt", "--tilt-in-plane"),
}
PLOT = {"anatomy": ["--plot", "a.png"]}  # anatomy needs --plot
for command, flags in FLOAT_FLAGS.items():
    for flag in flags:
        for value, shown in (("nan", "nan"), ("inf", "inf"), ("-inf", "-inf"), ("1e400", "inf")):
            case(f"{command}{flag}={value}", [command, *PLOT.get(command, []), f"{flag}={value}"],
                 f"{flag} = {shown}", "must be a finite number")
        case(f"{command}{flag}=text", [command, *PLOT.get(command, []), f"{flag}=abc"],
             f"argument {flag}", "'abc'", "invalid float value")

OUT_OF_RANGE = [
    ("predict", "--offset", "100", "--offset = 100.0", "must lie in [-4, 6] mm"),
    ("predict", "--offset", "-1e300", "--offset = -1e+300", "must lie in [-4, 6] mm"),
    ("predict", "--offset", "5.5", "--offset = 5.5", "the needle misses the cord"),
    ("predict", "--depth", "0", "--depth = 0.0", "must lie in (0, 12]"),
    ("predict", "--depth", "-1", "--depth = -1.0", "must lie in (0, 12]"),
    ("predict", "--depth", "1e300", "--depth = 1e+300", "must lie in (0, 12]"),
    ("predict", "--depth", "11", "--depth = 11.0", "across the midline"),
    ("predict", "--depth", "0.01", "--depth = 0.01", "leaves the tip in the pia"),
    ("predict", "--electrode-diameter", "0", "--electrode-diameter = 0.0", "must lie in [0.1, 2] mm"),
    ("predict", "--electrode-diameter", "-1", "--electrode-diameter = -1.0", "must lie in [0.1, 2] mm"),
    ("predict", "--electrode-diameter", "5", "--electrode-diameter = 5.0", "must lie in [0.1, 2] mm"),
    ("predict", "--tip-length", "0", "--tip-length = 0.0", "must lie in [0.5, 20] mm"),
    ("predict", "--tip-length", "100", "--tip-length = 100.0", "must lie in [0.5, 20] mm"),
    ("predict", "--temperature", "0", "--temperature = 0.0", "must lie in [45, 95] C"),
    ("predict", "--temperature", "37", "--temperature = 37.0", "must lie in [45, 95] C"),
    ("predict", "--temperature", "1e300", "--temperature = 1e+300", "must lie in [45, 95] C"),
    ("predict", "--duration", "0", "--duration = 0.0", "must lie in (0, 600] s"),
    ("predict", "--duration", "-5", "--duration = -5.0", "must lie in (0, 600] s"),
    ("predict", "--duration", "1e9", "--duration = 1000000000.0", "must lie in (0, 600] s"),
    ("impedance", "--start", "0", "--start = 0.0", "must lie in [-5, 0) mm"),
    ("impedance", "--start", "-10", "--start = -10.0", "must lie in [-5, 0) mm"),
    ("impedance", "--step", "0", "--step = 0.0", "must lie in [0.01, 2] mm"),
    ("impedance", "--step", "-1", "--step = -1.0", "must lie in [0.01, 2] mm"),
    ("impedance", "--step", "1e-9", "--step = 1e-09", "must lie in [0.01, 2] mm"),
    ("impedance", "--depth", "1e9", "--depth = 1000000000.0", "must lie in (0, 12]"),
    ("anatomy", "--ap", "0", "--ap = 0.0", "must lie in [5, 12] mm"),
    ("anatomy", "--ap", "100", "--ap = 100.0", "must lie in [5, 12] mm"),
    ("anatomy", "--rl", "-3", "--rl = -3.0", "must lie in [8, 16] mm"),
    ("anatomy", "--csf-gap", "0", "--csf-gap = 0.0", "must lie in [1, 10] mm"),
    ("anatomy", "--displacement", "-1", "--displacement = -1.0", "must lie in [0, 5] mm"),
    ("anatomy", "--tilt", "90", "--tilt = 90.0", "must lie in [-60, 60] deg"),
    ("anatomy", "--tilt", "45", "--tilt = 45.0", "C1-C2 window"),
    ("anatomy", "--tilt-in-plane", "-90", "--tilt-in-plane = -90.0", "must lie in [-60, 60] deg"),
    ("anatomy", "--depth", "0", "--depth = 0.0", "must lie in (0, 12]"),
    ("anatomy", "--offset", "-100", "--offset = -100.0", "must lie in [-4, 6] mm"),
]
for command, flag, value, shown, allowed in OUT_OF_RANGE:
    case(f"{command}{flag}={value}", [command, *PLOT.get(command, []), f"{flag}={value}"], shown, allowed)

case("anatomy--displacement-beyond-the-gap", ["anatomy", "--plot", "a.png", "--csf-gap=3", "--displacement=4.9"],
     "--displacement = 4.9", "must leave >= 0.2 mm of CSF")
for value, fragments in (("0", ("--lesions = 0", "from 1 to 10")), ("-1", ("--lesions = -1", "from 1 to 10")),
                         ("11", ("--lesions = 11", "from 1 to 10")),
                         ("1000000000000000000000000000000", ("--lesions = 1000000000000000000", "from 1 to 10")),
                         ("1.5", ("argument --lesions", "'1.5'", "invalid int value")),
                         ("nan", ("argument --lesions", "'nan'", "invalid int value"))):
    case(f"predict--lesions={value}", ["predict", f"--lesions={value}"], *fragments)
for argv, fragments in (
        (["bench", "--sizes", "0"], ("--sizes = 0", "from 4 to 256")),
        (["bench", "--sizes", "16", "100000"], ("--sizes = 100000", "from 4 to 256")),
        (["bench", "--sizes", "-1"], ("--sizes = -1", "from 4 to 256")),
        (["bench", "--repeats", "0"], ("--repeats = 0", "from 1 to 100")),
        (["bench", "--repeats", "-5"], ("--repeats = -5", "from 1 to 100")),
        (["bench", "--threads", "0"], ("--threads = 0", "must be 1 to")),
        (["bench", "--threads", "100000"], ("--threads = 100000", "must be 1 to")),
        (["bench", "--threads", "x"], ("argument --threads", "'x'", "invalid int value")),
        (["predict", "--target", "foot"], ("argument --target", "'foot'", "invalid choice")),
        (["predict", "--model", "4d"], ("argument --model", "'4d'", "invalid choice")),
        (["anatomy", "--plot", "a.png", "--level", "C5"], ("argument --level", "'C5'", "invalid choice")),
        (["predict", "--no-such-flag"], ("unrecognized arguments", "--no-such-flag")),
        (["predict", "--offset"], ("argument --offset", "expected one argument")),
        (["template", "nope"], ("template = 'nope'", "allowed: cordotomy")),
        (["validate", "--case", "nope"], ("--case = 'nope'", "not a validation case")),
        (["nope"], ("argument command", "'nope'", "invalid choice")),
        (["predict", "--offset=1\n2"], ("argument --offset", "'1\\n2'", "invalid float value")),
        (["predict", "--offset=" + "9" * 5000], ("--offset = inf", "must be a finite number")),
        (["predict", "--config=" + "x" * 100_000], ("--config = '" + "x" * 59 + "...", "File name too long")),
        (["predict", "--target=" + "y" * 100_000], ("argument --target", "'" + "y" * 60 + "...'", "invalid choice")),
):
    case(" ".join(argv)[:40], argv, *fragments)

# -- input files ----------------------------------------------------------------
for command, flag in (("predict", "--config"), ("run", None), ("anatomy", "--mesh")):
    key = flag or "scenario file"
    for name, shown, allowed in (("missing.toml", "'missing.toml'", "file not found"),
                                 ("adir", "'adir'", "must be a regular file"),
                                 ("/dev/zero", "'/dev/zero'", "must be a regular file"),
                                 ("binary.toml", "'binary.toml'", "is not UTF-8 text"),
                                 ("latin1.toml", "'latin1.toml'", "is not UTF-8 text"),
                                 ("big.toml", "'big.toml'", "is larger than 1024 KiB"),
                                 ("deep.toml", "'deep.toml'", "nested too deeply"),
                                 ("broken.toml", "'broken.toml'", "is not valid TOML"),
                                 ("file.txt/x.toml", "'file.txt/x.toml'", "file not found")):
        base = [command, *(["--plot", "a.png"] if command == "anatomy" else [])]
        argv = base + ([flag, name] if flag else [name])
        big = {"big.toml": b"# " + b"x" * (2 * 1024 * 1024) + b"\n"} if name == "big.toml" else None
        case(f"{command}:{name}", argv, f"{key} = {shown}", allowed, files=big)
case("anatomy:mesh-missing-tables", ["anatomy", "--plot", "a.png", "--mesh", "mesh.txt"], "bone = None", "missing")
# the anatomy file: meshes/c1c2.toml with one value spoiled
MESH = (ROOT / "meshes" / "c1c2.toml").read_text()
for old, new, fragments in (
        ("ap_mm = 8.0", 'ap_mm = "x"', ("reference_cord.ap_mm = 'x'", "must be a finite number")),
        ("ap_mm = 8.27", "ap_mm = -1", ("levels.C1.ap_mm = -1", "must lie in (0, inf]")),
        ("pia_thickness_mm = 0.05", "pia_thickness_mm = nan", ("layers.pia_thickness_mm = nan", "finite number")),
        ("shares = [0.25, 0.25, 0.25, 0.25]", 'shares = "equal"', ("somatotopy.shares = 'equal'", "four positive")),
        ("semi_axes_mm = [1.07, 0.59]", "semi_axes_mm = [1.07]", ("shapes[0].semi_axes_mm = [1.07]", "list of 2")),
        ("center_mm = [1.70, 1.49]", 'center_mm = ["a", 1.49]', ("shapes[0].center_mm[0] = 'a'", "finite number")),
        ("angle_deg = 119.0", 'angle_deg = "x"', ("region[0].shapes[0].angle_deg = 'x'", "finite number")),
        ('name = "ventral_horn"', "name = 5", ("region[0].name = 5", "must be a region name")),
        ('beyond_tissue = "muscle"', 'beyond_tissue = "brain"', ("layers.beyond_tissue = 'brain'", "allowed: csf")),
        ("direction_deg = -30.0", 'direction_deg = "up"', ("somatotopy.direction_deg = 'up'", "finite number")),
        ("[reference_cord]", "[reference_cords]", ("reference_cords = {'ap_mm': 8.0", "unknown key; allowed")),
        ("shapes = [{", "shapes = [5, {", ("region[0].shapes[0] = 5", "must be a shape table")),
        ("window_height_mm = 10.0", "window_height_mm = 0", ("bone.window_height_mm = 0", "must lie in (0, inf]")),
):
    assert old in MESH, old
    case(f"anatomy--mesh:{new}", ["anatomy", "--plot", "a.png", "--mesh", "m.toml"], *fragments,
         files={"m.toml": MESH.replace(old, new, 1)})

# -- scenario files: every table -------------------------------------------------
S = scenario_case
case("scenario.kind", ["run", "s.toml"], "scenario.kind = 'bench'", "allowed: homogeneous, cordotomy",
     files={"s.toml": '[scenario]\nkind = "bench"\n'})
S("scenario.model", 'model = "4d"\n', "scenario.model = '4d'", "allowed: axisymmetric, 3d")
S("scenario.unknown", 'knd = "x"\n', "scenario.knd = 'x'", "unknown key")
S("top.unknown-table", '[meshh]\nrefine = 1\n', "meshh = {'refine': 1}", "unknown key; valid keys")
S("scenario.unknown-number", 'x = 1\n', "scenario.x = 1", "unknown key")
case("top.section-not-table", ["run", "s.toml"], "mesh = 1", "must be a table [mesh]", files={"s.toml": "mesh = 1\n"})
S("medium-in-cordotomy", '[medium]\nbase = "csf"\n', "medium = '[medium]'", 'only for scenario.kind = "homogeneous"')
S("tissues-in-block", '[tissues.csf]\nsigma_s_per_m = 2.0\n', "tissues = '[tissues]'", "only for scenario.kind",
  command="run", kind="homogeneous")
S("anatomy-in-block", '[anatomy]\nlevel = "C1"\n', "anatomy = '[anatomy]'", "only for scenario.kind",
  command="run", kind="homogeneous")
S("block-in-predict", '[protocol]\nlesions = 1\n', "scenario.kind = 'homogeneous'", "needs a \"cordotomy\"",
  kind="homogeneous")
# [medium] (a homogeneous block: rfsim run)
for key, value, shown, allowed in (
        ("base", '"brain"', "'brain'", "allowed: csf"),
        ("base", "3", "3", "must be a tissue name"),
        ("sigma_s_per_m", "0", "0", "[0.001, 10] S/m"),
        ("sigma_s_per_m", "1e30", "1e+30", "[0.001, 10] S/m"),
        ("sigma_s_per_m", "1e-300", "1e-300", "[0.001, 10] S/m"),
        ("sigma_s_per_m", '"high"', "'high'", "must be a finite number"),
        ("k_w_per_m_k", "nan", "nan", "must be a finite number"),
        ("k_w_per_m_k", "1e-9", "1e-09", "[0.05, 2] W/m/K"),
        ("rho_kg_per_m3", "inf", "inf", "must be a finite number"),
        ("rho_kg_per_m3", "1e9", "1000000000.0", "[300, 3000] kg/m3"),
        ("c_j_per_kg_k", "-1", "-1", "[500, 5000] J/kg/K"),
        ("perfusion_ml_per_min_kg", "1e9", "1000000000.0", "[0, 10000] ml/min/kg"),
        ("perfusion_ml_per_min_kg", "-1", "-1", "[0, 10000] ml/min/kg"),
        ("sigma_temp_coeff_per_c", "1", "1", "[-0.05, 0.1] 1/C"),
        ("reference_temperature_c", "1000", "1000", "[0, 60] C"),
        ("temperature_c", "100", "100.0", "[0, 45] C"),
        ("temprature_c", "37", "37", "unknown key"),
):
    S(f"medium.{key}={value}", f"[medium]\n{key} = {value}\n", f"medium.{key} = {shown}", allowed,
      command="run", kind="homogeneous")
# [electrode]
for key, value, shown, allowed in (
        ("diameter_mm", "0", "0.0", "[0.1, 2] mm"),
        ("diameter_mm", '"thin"', "'thin'", "must be a finite number"),
        ("tip_length_mm", "100", "100.0", "[0.5, 20] mm"),
        ("tip_length_mm", "nan", "nan", "must be a finite number"),
        ("gauge", "15", "15", "from 16 to 27"),
        ("gauge", "true", "True", "from 16 to 27"),
        ("metal_k_w_per_m_k", "1e9", "1000000000.0", "[5, 500] W/m/K"),
        ("metal_k_w_per_m_k", "0", "0", "[5, 500] W/m/K"),
        ("metal_rho_c_j_per_m3_k", "1e-9", "1e-09", "[1e+06, 6e+06] J/m3/K"),
        ("insulation_thickness_um", "-5", "-5", "[1, 500] um"),
        ("insulation_thickness_um", "1e6", "1000000.0", "[1, 500] um"),
        ("insulation_k_w_per_m_k", "0", "0", "[0.01, 50] W/m/K"),
        ("diameter", "0.4", "0.4", "unknown key; valid keys in [electrode]"),
):
    S(f"electrode.{key}={value}", f"[electrode]\n{key} = {value}\n", f"electrode.{key} = {shown}", allowed)
S("electrode.gauge+diameter", "[electrode]\ngauge = 20\ndiameter_mm = 0.9\n", "electrode.gauge = 20", "not both")
# [generator]
for key, value, shown, allowed in (
        ("mode", '"fuzzy"', "'fuzzy'", "allowed: exact, pid"),
        ("ramp_s", "-1", "-1", "[0, 120]"),
        ("voltage_limit_v", "0", "0", "(0, 500]"),
        ("power_limit_w", "1e9", "1000000000.0", "(0, 500]"),
        ("control_period_s", "0", "0", "[0.001, 1]"),
        ("series_resistance_ohm", "-1", "-1", "[0, 5000]"),
        ("kp_v_per_c", "nan", "nan", "must be a finite number"),
        ("voltage_v", "10", "10", "unknown key"),
):
    S(f"generator.{key}={value}", f"[generator]\n{key} = {value}\n", f"generator.{key} = {shown}", allowed)
# [protocol]
for text, shown, allowed in (
        ("set_temperature_c = 30", "protocol.set_temperature_c = 30", "[45, 95] C"),
        ("set_temperature_c = 200", "protocol.set_temperature_c = 200", "[45, 95] C"),
        ("set_temperature_c = nan", "protocol.set_temperature_c = nan", "must be a finite number"),
        ("duration_s = 0", "protocol.duration_s = 0", "(0, 600] s"),
        ("duration_s = 1e9", "protocol.duration_s = 1000000000.0", "(0, 600] s"),
        ("lesions = 0", "protocol.lesions = 0", "from 1 to 10"),
        ("lesions = 11", "protocol.lesions = 11", "from 1 to 10"),
        ("lesions = 1.5", "protocol.lesions = 1.5", "from 1 to 10"),
        ("lesions = 9223372036854775807", "protocol.lesions = 9223372036854775807", "from 1 to 10"),
        ("cooling_s = -1", "protocol.cooling_s = -1", "[0, 3600]"),
        ("lesion = 3", "protocol.lesion = 3", "array of tables"),
        ("lesions = 2\n[[protocol.lesion]]\nset_temperature_c = 80", "protocol.lesion = '[[protocol.lesion]]'",
         "give either"),
        ("durations_s = 60", "protocol.durations_s = 60", "unknown key"),
):
    S(f"protocol:{text.splitlines()[0]}", f"[protocol]\n{text}\n", shown, allowed)
# [damage]
for key, value, shown, allowed in (
        ("model", '"burn"', "'burn'", "allowed: arrhenius, isotherm, cem43"),
        ("arrhenius_set", '"nope"', "'nope'", "allowed:"),
        ("isotherm_c", "20", "20", "[40, 100]"),
        ("arrhenius_a_per_s", "0", "0", "[1, 1e+300]"),
        ("cem43_threshold_min", "inf", "inf", "must be a finite number"),
        ("threshold", "1", "1", "unknown key"),
):
    S(f"damage.{key}={value}", f"[damage]\n{key} = {value}\n", f"damage.{key} = {shown}", allowed)
# [mesh], in the file's units
for key, value, shown, allowed, kind in (
        ("extent_mm", "0.001", "0.001", "[2, 500] mm", "homogeneous"),
        ("extent_mm", "1e9", "1000000000.0", "[2, 500] mm", "homogeneous"),
        ("extent_mm", "2.0", "2.0", "too small for this placement", "cordotomy"),
        ("min_cell_um", "0", "0", "[1, 1000] um", "homogeneous"),
        ("interface_cell_um", "-1", "-1", "[1, 5000] um", "homogeneous"),
        ("max_cell_mm", "100", "100", "[0.1, 20] mm", "homogeneous"),
        ("growth", "5", "5", "[1.01, 2]", "homogeneous"),
        ("refine", "100", "100", "[0.1, 16]", "homogeneous"),
        ("refine", "nan", "nan", "must be a finite number", "homogeneous"),
        ("extent", "25", "25", "unknown key", "homogeneous"),
):
    S(f"mesh.{key}={value}({kind})", f"[mesh]\n{key} = {value}\n", f"mesh.{key} = {shown}", allowed,
      command="run", kind=kind)
# numerical extremes that fit every range but not the machine: refused before allocating
S("mesh:memory-2d", "[mesh]\nmax_cell_mm = 0.1\nextent_mm = 500\n", "mesh = 'max_cell_mm = 0.1, extent_mm = 500",
  "GB available", command="run", kind="homogeneous")
S("mesh:memory-3d", 'model = "3d"\n[mesh]\nrefine = 16\n', "mesh = 'refine = 16'", "GB available")
# [numerics]
for key, value, shown, allowed in (
        ("dt_max_s", "0", "0", "[0.0001, 60]"),
        ("dt_max_s", "1e9", "1000000000.0", "[0.0001, 60]"),
        ("dt_initial_s", "100", "100", "[1e-05, 10]"),
        ("linear_rtol", "1", "1", "[1e-14, 0.0001]"),
        ("linear_maxiter", "0", "0", "[1, 100000]"),
        ("linear_maxiter", "2.5", "2.5", "must be a whole number"),
        ("perfusion_shutoff", "1", "1", "true or false"),
        ("step_tolerance_c", "-1", "-1", "[1e-05, 10]"),
        ("solver", '"lu"', "'lu'", "unknown key"),
):
    S(f"numerics.{key}={value}", f"[numerics]\n{key} = {value}\n", f"numerics.{key} = {shown}", allowed)
# [anatomy]
for key, value, shown, allowed in (
        ("source", '"ct"', "'ct'", "allowed: parametric, pam50"),
        ("ap_mm", "100", "100", "[5, 12] mm"),
        ("rl_mm", "0", "0", "[8, 16] mm"),
        ("csf_gap_mm", "-1", "-1", "[1, 10] mm"),
        ("displacement_mm", "10", "10", "[0, 5] mm"),
        ("displacement_mm", "nan", "nan", "must be a finite number"),
        ("level", '"C5"', "'C5'", "allowed: C1, C2"),
        ("pam50_folder", "5", "5", "must be a string"),
        ("lvl", '"C1"', "'C1'", "unknown key"),
):
    S(f"anatomy.{key}={value}", f"[anatomy]\n{key} = {value}\n", f"anatomy.{key} = {shown}", allowed)
# [placement]
for key, value, shown, allowed in (
        ("side", '"up"', "'up'", "allowed: left, right"),
        ("target", '"hand"', "'hand'", "allowed: leg, arm"),
        ("offset_mm", "100", "100.0", "[-4, 6] mm"),
        ("offset_mm", "inf", "inf", "must be a finite number"),
        ("depth_mm", "0", "0.0", "(0, 12]"),
        ("depth_mm", "50", "50.0", "(0, 12]"),
        ("depth_mm", "11", "11.0", "across the midline"),
        ("tilt_cranio_caudal_deg", "90", "90.0", "[-60, 60] deg"),
        ("tilt_cranio_caudal_deg", "40", "40.0", "C1-C2 window"),
        ("tilt_in_plane_deg", "45", "45.0", "lateral masses"),
        ("ofset_mm", "1", "1", "unknown key"),
):
    S(f"placement.{key}={value}", f"[placement]\n{key} = {value}\n", f"placement.{key} = {shown}", allowed)
# [verdict]
for key, value, shown, allowed in (
        ("relief_criterion", '"mri"', "'mri'", "allowed: t2, dti"),
        ("min_target_zone_coverage", "2", "2", "[0, 1] (a fraction)"),
        ("max_cst_lesioned_fraction", "-0.5", "-0.5", "[0, 1] (a fraction)"),
        ("cst", "0", "0", "unknown key"),
):
    S(f"verdict.{key}={value}", f"[verdict]\n{key} = {value}\n", f"verdict.{key} = {shown}", allowed)
# [tissues.NAME]
for table, key, value, shown, allowed in (
        ("white_matter", "sigma_s_per_m", "0", "0", "[0.001, 10] S/m"),
        ("csf", "sigma_s_per_m", "1e30", "1e+30", "[0.001, 10] S/m"),
        ("csf", "sigma_s_per_m", "1e-300", "1e-300", "[0.001, 10] S/m"),
        ("grey_matter", "k_w_per_m_k", "1e-300", "1e-300", "[0.05, 2] W/m/K"),
        ("pia", "rho_kg_per_m3", "0", "0", "[300, 3000] kg/m3"),
        ("dura", "c_j_per_kg_k", "1e9", "1000000000.0", "[500, 5000] J/kg/K"),
        ("spinal_cord", "perfusion_ml_per_min_kg", "1e9", "1000000000.0", "[0, 10000] ml/min/kg"),
        ("white_matter", "sigma_axial_ratio", "100", "100", "[1, 20]"),
        ("white_matter", "k_temp_coeff_per_c", "0.5", "0.5", "[-0.01, 0.01] 1/C"),
        ("spinal_cord", "sigma_coagulated_factor", "0", "0", "[0.1, 10]"),
        ("white_matter", "sigma", "0.1", "0.1", "unknown key"),
):
    S(f"tissues.{table}.{key}={value}", f"[tissues.{table}]\n{key} = {value}\n", f"tissues.{table}.{key} = {shown}",
      allowed)
S("tissues.unknown", "[tissues.brain]\nsigma_s_per_m = 0.1\n", "tissues.brain = '[tissues.brain]'", "unknown tissue")
S("tissues.not-a-table", "[tissues]\ncsf = 1\n", "tissues.csf = 1", "must be a table")
# long and control-character values: one line, shortened
S("long-value", 'kind2 = "' + "z" * 500_000 + '"\n', "scenario.kind2 = '" + "z" * 59 + "...", "unknown key")
S("newline-in-value", 'model = "a\\nb"\n', "scenario.model = 'a\\nb'", "allowed: axisymmetric, 3d")
S("control-in-value", 'model = "a\\u0007b"\n', "scenario.model = 'a\\x07b'", "allowed: axisymmetric, 3d")
S("newline-in-key", '"mo\\ndel" = "3d"\n', "scenario.mo\\ndel = '3d'", "unknown key")
S("long-key", '"' + "k" * 100_000 + '" = 1\n', "scenario." + "k" * 80, "unknown key")

# -- output paths: checked before any computation ----------------------------------
for command, extra in (("predict", []), ("run", ["block.toml"])):
    for path, shown, allowed in (("adir", "'adir'", "is a directory"),
                                 ("result", "'result'", "has no extension: allowed .h5, .hdf5"),
                                 ("result.txt", "'result.txt'", "extension .txt is not supported"),
                                 ("result.png", "'result.png'", "allowed .h5, .hdf5"),
                                 ("file.txt/x.h5", "'file.txt/x.h5'", "is not a folder"),
                                 ("missing/x.h5", "'missing/x.h5'", "does not exist"),
                                 ("/proc/x.h5", "'/proc/x.h5'", "cannot be written"),
                                 ("", "''", "must be a file path")):
        case(f"{command}--out={path}", [command, *extra, "--out", path], f"--out = {shown}", allowed)
for command, extra in (("predict", []), ("anatomy", [])):
    for path, shown, allowed in (("adir", "'adir'", "is a directory"),
                                 ("plot_noext", "'plot_noext'", "has no extension: allowed"),
                                 ("adir/plot_noext", "'adir/plot_noext'", "has no extension"),
                                 ("x.xyz", "'x.xyz'", "extension .xyz is not supported"),
                                 ("x.pgf", "'x.pgf'", "extension .pgf is not supported"),
                                 ("x.h5", "'x.h5'", ".png"),
                                 ("file.txt/x.png", "'file.txt/x.png'", "is not a folder"),
                                 ("missing/x.png", "'missing/x.png'", "does not exist"),
                                 ("/proc/x.png", "'/proc/x.png'", "cannot be written")):
        case(f"{command}--plot={path}", [command, *extra, "--plot", path], f"--plot = {shown}", allowed)
for path, shown, allowed in (("adir", "'adir'", "is a directory"), ("out.txt", "'out.txt'", "allowed .json"),
                             ("missing/b.json", "'missing/b.json'", "does not exist")):
    case(f"bench--json={path}", ["bench", "--no-fipy", "--json", path], f"--json = {shown}", allowed)


# -- the harness -------------------------------------------------------------------
def snapshot(folder: Path) -> dict:
    """Every file and folder under ``folder``: path -> content hash and mtime."""
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = str(p.relative_to(folder))
        if p.is_dir():
            out[rel] = "dir"
        else:
            out[rel] = (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
    return out


def make_workspace(folder: Path, files: dict) -> None:
    for name, content in {**WORKSPACE, **files}.items():
        p = folder / name
        if content is None:
            p.mkdir()
        else:
            p.write_bytes(content if isinstance(content, bytes) else content.encode())


def assert_one_line(code, err, fragments):
    assert code == 2, (code, err[-2000:])
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and err.endswith("\n"), err[:2000]
    line = lines[0]
    assert line.startswith("rfsim: error: ") and len(line) < 1200, line[:2000]
    for f in fragments:
        assert f in line, (f[:200], line)


def test_there_are_at_least_150_cases():
    assert len(CASES) >= 150


@pytest.mark.parametrize("argv,files,fragments", CASES)
def test_bad_input_one_line_exit_2_nothing_written(argv, files, fragments, tmp_path, monkeypatch, capsys):
    make_workspace(tmp_path, files)
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    code = main(argv)
    out, err = capsys.readouterr()
    assert_one_line(code, err, fragments)
    assert snapshot(tmp_path) == before


# -- the same as real processes ------------------------------------------------------
SUBPROCESS_CASES = ("predict--depth=nan", "predict:adir", "predict:/dev/zero", "run:binary.toml", "run:deep.toml",
                    "predict--plot=x.xyz", "predict--out=/proc/x.h5", "anatomy--plot=adir",
                    "tissues.white_matter.sigma_s_per_m=0", "mesh:memory-2d", "long-value")


@pytest.mark.slow
@pytest.mark.parametrize("argv,files,fragments", [c for c in CASES if c.id in SUBPROCESS_CASES])
def test_bad_input_as_a_process(argv, files, fragments, tmp_path):
    make_workspace(tmp_path, files)
    before = snapshot(tmp_path)
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    p = subprocess.run([sys.executable, "-m", "rfsim", *argv], capture_output=True, text=True, cwd=tmp_path,
                       env=env, timeout=300)
    assert_one_line(p.returncode, p.stderr, fragments)
    assert snapshot(tmp_path) == before


def test_every_subprocess_case_exists():
    assert {c.id for c in CASES} >= set(SUBPROCESS_CASES)

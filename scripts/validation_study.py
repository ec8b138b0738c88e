"""Numbers for docs/validation.md that are not suite cases.

1. The default prediction before and after this change's defaults (damage
   onset 43 C; the layered model does not use the white-matter ratio), after
   1 and 3 lesions: cord fraction, CST, width, volume, impedance.
2. Growth of the lesion width from 1 to 3 minutes at a constant tip
   temperature: the default cord placement (one lesion, layered model) and the
   ex vivo block of the Cosman 2014 cases.
3. The suite under other physics options (damage parameter sets, no onset).
4. The 3-D cord impedance (whole exposed tip in the cord, leg default) over
   the white-matter conductivity tensor: the default, the two ends of the
   tensor Ranck and BeMent measured, the default ratio with the geometric mean
   held at the tabulated value instead of the transverse conductivity, and
   isotropic white matter.
5. The Tew egg-white cases (tew2015_*) against what they assume: the
   electrode's size, the egg white's properties, the damage criterion
   (62 C: the onset of egg-white coagulation), and the model's growth with
   time at 90 C.
6. The electrode as built, and the pia (issue 12, item 2): the suite and the
   default prediction after 1 and 3 lesions with the thermocouple at the middle
   of the tip, metal k 15 and 30 W/m/K, insulation 10 and 50 um, the pia's
   conductivity halved and doubled; and the 3-D impedance cases with the pia
   0.025 and 0.1 mm thick (``pia_thickness_mm`` of meshes/c1c2.toml; default 0.05).
7. Tissue properties that change with temperature and damage (every tissue
   at once): the suite, and the default prediction after 1 and 3 lesions, with
   thermal conductivity rising 0.16 and 0.3 %/C and coagulated tissue at 0.5
   and 2 times its native electrical conductivity; and the cord impedance
   read at 37 C before and after one 80 C, 75 s lesion (the rat-nerve
   exposure) with the lesion at 0.5, 1 and 2 times its native conductivity.

Usage::

    PYTHONPATH=. python scripts/validation_study.py [--part 1 2 3 4 5 6 7]
"""

from __future__ import annotations

import argparse
import re
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from rfsim.physics.damage import ARRHENIUS_SETS, DamageSettings
from rfsim.physics.electric import ElectricSolver
from rfsim.physics.generator import Lesion, Protocol
from rfsim.anatomy.parametric import load_parametric, mesh_path
from rfsim.cordotomy.domains import CARTESIAN_MESH
from rfsim.cordotomy.insertion3d import impedance_at_depths
from rfsim.physics.tissue import TISSUES, tissue
from rfsim.prediction import cordotomy_scenario, place, predict
from rfsim.runner import run
from rfsim.scenario.config import parse_scenario
from rfsim.validation.cases import load_cases
from rfsim.validation.runner import evaluate, scenario_of, variants



def _cell(result: dict, fmt: str) -> str:
    """A table cell of one case's result: the prediction and its verdict, or '-'."""
    return "-" if result["predicted"] is None else f"{format(result['predicted'], fmt)} ({result['verdict']})"


def before_after():
    print("| defaults | lesions | cord area (%) | cord volume (%) | CST (%) | ventral horn (%) | width (mm) "
          "| volume (mm3) | depth (mm) | impedance (ohm) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label, dmg in (("before (no onset)", DamageSettings(arrhenius_onset_c=-273.15)),
                       ("after (onset 43 C)", DamageSettings())):
        s = predict(replace(cordotomy_scenario(), damage=dmg)).summary
        for p in (s["per_lesion"][0], s["per_lesion"][-1]):
            print(f"| {label} | {p['lesion']} | {100 * p['cord_area_fraction']:.1f} | "
                  f"{100 * p['cord_volume_fraction']:.1f} | {100 * p['cst_lesioned_fraction']:.1f} | "
                  f"{100 * p['ventral_horn_lesioned_fraction']:.1f} | {p['lesion_width_mm']:.2f} | "
                  f"{p['lesion_volume_mm3']:.1f} | {p['lesion_depth_mm']:.2f} | {s['impedance_ohm']:.0f} |")


def growth():
    print("| setting | W(60 s) mm | W(120 s) mm | W(180 s) mm | W120/W60 | W180/W60 |")
    print("|---|---|---|---|---|---|")
    for label, mk in (
            ("cord, default leg placement, perfused (layered)",
             lambda t: predict(replace(cordotomy_scenario(), protocol=Protocol((Lesion(80.0, t),)))).summary),
            ("muscle block ex vivo, 20 G x 10 mm, 37 C start",
             lambda t: run(parse_scenario({"medium": {"base": "muscle", "perfusion_ml_per_min_kg": 0.0},
                                           "electrode": {"gauge": 20, "tip_length_mm": 10.0},
                                           "protocol": {"set_temperature_c": 80.0, "duration_s": t}})).summary),
            ("muscle block ex vivo, 20 G x 10 mm, 21 C start",
             lambda t: run(parse_scenario({"medium": {"base": "muscle", "perfusion_ml_per_min_kg": 0.0,
                                                      "temperature_c": 21.0},
                                           "electrode": {"gauge": 20, "tip_length_mm": 10.0},
                                           "protocol": {"set_temperature_c": 80.0, "duration_s": t}})).summary),
            ("cord tissue block, Kanpolat 0.40 x 2 mm, perfused 160 ml/min/kg",
             lambda t: run(parse_scenario({"medium": {"base": "spinal_cord", "perfusion_ml_per_min_kg": 160.0},
                                           "protocol": {"set_temperature_c": 80.0, "duration_s": t}})).summary)):
        w = [mk(t)["lesion_width_mm"] for t in (60.0, 120.0, 180.0)]
        print(f"| {label} | {w[0]:.2f} | {w[1]:.2f} | {w[2]:.2f} | {w[1] / w[0]:.3f} | {w[2] / w[0]:.3f} |",
              flush=True)


def options():
    cases = [c for c in load_cases() if c.kind != "impedance" or c.name.endswith("layered")]
    variants = [("default (jacques, onset 43 C)", None),
                ("jacques, no onset", {"damage": {"arrhenius_onset_c": -273.15}}),
                *((f"{n}, onset 43 C", {"damage": {"arrhenius_set": n}}) for n in ARRHENIUS_SETS if n != "jacques"),
                ("isotherm 50 C", {"damage": {"model": "isotherm"}})]
    print("| case | measured | " + " | ".join(v for v, _ in variants) + " |")
    print("|---|---|" + "---|" * len(variants))
    for c in cases:
        if c.kind == "impedance":
            continue
        cells = []
        for _, phys in variants:
            if c.kind == "exposure" and phys and phys["damage"].get("model") == "isotherm":
                cells.append("-")
                continue
            r = evaluate(c, phys)
            cells.append(_cell(r, ".3g"))
        print(f"| {c.name} | {c.measured.text} | " + " | ".join(cells) + " |", flush=True)


def wm_tensors():
    wm = tissue("white_matter")
    # Ranck and BeMent 1965 (abstract): 138-212 ohm cm along, 1211 across
    rb_t = 1.0 / 12.11
    variants = [("default: across 0.095, along 7.5 x 0.095 = 0.71 S/m", wm),
                ("Ranck and BeMent, along 1/2.12 = 0.47 S/m, across 0.083",
                 wm.with_(sigma_s_per_m=rb_t, sigma_axial_ratio=12.11 / 2.12)),
                ("Ranck and BeMent, along 1/1.38 = 0.72 S/m, across 0.083",
                 wm.with_(sigma_s_per_m=rb_t, sigma_axial_ratio=12.11 / 1.38)),
                ("ratio 7.5 with the geometric mean at 0.095 (across 0.049, along 0.36)",
                 wm.with_(sigma_s_per_m=wm.sigma_s_per_m / 7.5 ** (1 / 3))),
                ("isotropic 0.095", wm.with_(sigma_axial_ratio=1.0))]
    anatomy, placement, _ = place(cordotomy_scenario())
    print("| white matter (3-D) | cord impedance, leg default (ohm) |")
    print("|---|---|")
    for label, t in variants:
        z = impedance_at_depths(anatomy, placement, [placement.depth_m], tissues={"white_matter": t})[0]
        print(f"| {label} | {z:.0f} |", flush=True)


def tew_egg_white():
    dist, rad = load_cases(["tew2015_egg_white_distal_90c_120s", "tew2015_egg_white_radius_90c_120s"])
    coag = {"damage": {"model": "isotherm", "isotherm_c": 62.0}}
    muscle = tissue("muscle")
    rows = [("as the cases (0.40 x 2 mm, egg white, Omega >= 1, 120 s)", {}),
            *((f"electrode {d:.2f} x {tip:g} mm", {"electrode": {"diameter_mm": d, "tip_length_mm": tip}})
              for d, tip in ((0.25, 0.5), (0.25, 2.0), (0.40, 5.0), (0.70, 5.0))),
            ("egg white with sigma x 4 (2.0 S/m)", {"medium": {"sigma_s_per_m": 2.0}}),
            ("muscle's thermal properties (IT'IS)", {"medium": {"k_w_per_m_k": muscle.k_w_per_m_k,
                                                               "rho_kg_per_m3": muscle.rho_kg_per_m3,
                                                               "c_j_per_kg_k": muscle.c_j_per_kg_k}}),
            *((f"heating {10 + h:g} s in all", {"protocol": {"duration_s": h}}) for h in (10.0, 20.0, 50.0, 80.0))]
    print("| variant | past the tip end (mm), Omega >= 1 | sideways (mm), Omega >= 1 "
          "| past the tip end (mm), 62 C | sideways (mm), 62 C |")
    print("|---|---|---|---|---|")
    print(f"| measured (curved Tew tip, 90 C, 120 s) | {dist.measured.text} | 0.37 +- 0.15 outer, 1.06 +- 0.16 inner "
          f"| {dist.measured.text} | 0.37 +- 0.15 outer, 1.06 +- 0.16 inner |")
    for label, over in rows:
        cells = [evaluate(c, {**over, "damage": {**over.get("damage", {}), **d}})["predicted"]
                 for d in ({}, coag["damage"]) for c in (dist, rad)]
        print(f"| {label} | " + " | ".join(f"{v:.2f}" for v in cells) + " |", flush=True)


PIA_SIGMA = tissue("pia").sigma_s_per_m
#: Part 6's variants: (label, scenario tables merged into every case, cordotomy only).
BUILT = [("default", None, False),
         ("thermocouple middle", {"electrode": {"thermocouple_position": "middle"}}, False),
         ("metal k 15", {"electrode": {"metal_k_w_per_m_k": 15.0}}, False),
         ("metal k 30", {"electrode": {"metal_k_w_per_m_k": 30.0}}, False),
         ("insulation 10 um", {"electrode": {"insulation_thickness_um": 10.0}}, False),
         ("insulation 50 um", {"electrode": {"insulation_thickness_um": 50.0}}, False),
         (f"pia {PIA_SIGMA / 2:g} S/m", {"tissues": {"pia": {"sigma_s_per_m": PIA_SIGMA / 2}}}, True),
         (f"pia {PIA_SIGMA * 2:g} S/m", {"tissues": {"pia": {"sigma_s_per_m": PIA_SIGMA * 2}}}, True)]


def _thermal_only(phys) -> bool:
    """Whether a variant changes only the electrode: its metal, insulation and
    thermocouple do not enter the potential (the metal is an equipotential, the
    shaft coating carries no current at any thickness), so impedance cases skip it."""
    return phys is not None and set(phys) == {"electrode"}


def electrode_and_pia():
    cases = load_cases()
    print("| case | measured | " + " | ".join(v for v, _, _ in BUILT) + " |")
    print("|---|---|" + "---|" * len(BUILT))
    for c in cases:
        if c.kind == "exposure":
            continue
        cord = c.kind == "impedance" or scenario_of(c, variants(c)[0]).kind == "cordotomy"
        cells = []
        for _, phys, cord_only in BUILT:
            if (cord_only and not cord) or (c.kind == "impedance" and _thermal_only(phys)):
                cells.append("=")
                continue
            r = evaluate(c, phys)
            cells.append(_cell(r, ".4g"))
        print(f"| {c.name} | {c.measured.text} | " + " | ".join(cells) + " |", flush=True)
    print()
    print("| variant | lesions | cord area (%) | CST (%) | ventral horn (%) | width (mm) | volume (mm3) "
          "| depth (mm) | impedance (ohm) |")
    print("|---|---|---|---|---|---|---|---|---|")
    assert parse_scenario({"scenario": {"kind": "cordotomy"}}) == cordotomy_scenario()
    for label, phys, _ in BUILT:
        s = predict(parse_scenario({"scenario": {"kind": "cordotomy"}, **(phys or {})})).summary
        for q in (s["per_lesion"][0], s["per_lesion"][-1]):
            print(f"| {label} | {q['lesion']} | {100 * q['cord_area_fraction']:.2f} | "
                  f"{100 * q['cst_lesioned_fraction']:.2f} | {100 * q['ventral_horn_lesioned_fraction']:.1f} | "
                  f"{q['lesion_width_mm']:.3f} | {q['lesion_volume_mm3']:.2f} | {q['lesion_depth_mm']:.3f} | "
                  f"{s['impedance_ohm']:.0f} |", flush=True)
    print()
    _pia_thickness()


def _pia_thickness():
    """The 3-D impedance cases' depths (CSF -1 mm, pial surface 0, placement)
    with the pia band of the parametric anatomy thinner and thicker."""
    default = load_parametric().pia_thickness_m * 1e3
    _, placement, _ = place(cordotomy_scenario())
    depths = [(-1.0e-3, "tip in the CSF, -1 mm"), (0.0, "tip at the pial surface"),
              (placement.depth_m, "whole tip in the cord (placement)")]
    text = mesh_path().read_text()
    print("| pia thickness (mm) | " + " | ".join(f"3-D impedance, {n} (ohm)" for _, n in depths) + " |")
    print("|---|" + "---|" * len(depths))
    with tempfile.TemporaryDirectory() as tmp:
        for t_mm in (default / 2, default, default * 2):
            f = Path(tmp) / f"c1c2_pia_{t_mm:g}.toml"
            f.write_text(re.sub(r"(?m)^pia_thickness_mm = \S+", f"pia_thickness_mm = {t_mm!r}", text))
            anatomy = load_parametric(f)
            z = impedance_at_depths(anatomy, placement, [d for d, _ in depths], CARTESIAN_MESH)
            print(f"| {t_mm:g} | " + " | ".join(f"{v:.0f}" for v in z) + " |", flush=True)


#: Part 7's variants: tissue properties set on every tissue at once.
TISSUE_VARIANTS = (("default", {}),
                   ("k +0.16 %/C", {"k_temp_coeff_per_c": 0.0016}),
                   ("k +0.3 %/C", {"k_temp_coeff_per_c": 0.003}),
                   ("coagulated sigma x 0.5", {"sigma_coagulated_factor": 0.5}),
                   ("coagulated sigma x 2", {"sigma_coagulated_factor": 2.0}))


def _tissue_tables(kind: str, props: dict) -> dict | None:
    """Scenario tables that give every tissue ``props``: [medium] of a block,
    [tissues.NAME] of every cord tissue."""
    if not props:
        return None
    if kind == "cordotomy":
        return {"tissues": {name: dict(props) for name in TISSUES}}
    return {"medium": dict(props)}


def tissue_properties():
    cases = [c for c in load_cases() if c.kind not in ("impedance", "exposure")]
    print("| case | measured | " + " | ".join(v for v, _ in TISSUE_VARIANTS) + " |")
    print("|---|---|" + "---|" * len(TISSUE_VARIANTS))
    for c in cases:
        kind = scenario_of(c, variants(c)[0]).kind
        cells = []
        for _, props in TISSUE_VARIANTS:
            r = evaluate(c, _tissue_tables(kind, props))
            cells.append(_cell(r, ".3g"))
        print(f"| {c.name} | {c.measured.text} | " + " | ".join(cells) + " |", flush=True)
    print()
    print("| default prediction | lesions | cord area (%) | CST (%) | width (mm) | volume (mm3) | depth (mm) "
          "| impedance at the lesion's end (ohm) |")
    print("|---|---|---|---|---|---|---|---|")
    for label, props in TISSUE_VARIANTS:
        sc = replace(cordotomy_scenario(), tissues=tuple(t.with_(**props) for t in TISSUES.values()))
        out = predict(sc)
        s, z, idx = out.summary, out.result.series["impedance_ohm"], out.result.series["lesion_index"]
        for n, p in ((0, s["per_lesion"][0]), (len(s["per_lesion"]) - 1, s["per_lesion"][-1])):
            print(f"| {label} | {p['lesion']} | {100 * p['cord_area_fraction']:.1f} | "
                  f"{100 * p['cst_lesioned_fraction']:.1f} | {p['lesion_width_mm']:.2f} | "
                  f"{p['lesion_volume_mm3']:.1f} | {p['lesion_depth_mm']:.2f} | "
                  f"{z[np.isfinite(z) & (idx == n)][-1]:.0f} |", flush=True)


def impedance_after_coagulation():
    """The cord impedance read at 37 C before and after one 80 C, 75 s lesion (the
    rat-nerve exposure), the lesion at each coagulated conductivity."""
    print("| coagulated sigma | impedance at 37 C before (ohm) | after one 80 C, 75 s lesion, at 37 C (ohm) "
          "| change |")
    print("|---|---|---|---|")
    for factor in (0.5, 1.0, 2.0):
        sc = replace(cordotomy_scenario(), protocol=Protocol((Lesion(80.0, 75.0),)),
                     tissues=tuple(t.with_(sigma_coagulated_factor=factor) for t in TISSUES.values()))
        res = predict(sc).result
        solver, body = ElectricSolver(res.domain), np.full(res.domain.grid.shape, 37.0)
        before = solver.solve(body).impedance_ohm
        after = solver.solve(body, coagulated=res.after_lesion[0].coagulated()).impedance_ohm
        print(f"| x {factor:g} | {before:.0f} | {after:.0f} | {round(100 * (after / before - 1), 1) + 0.0:+.1f} % |", flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", type=int, nargs="*", default=[1, 2, 3, 4, 5, 6, 7])
    args = ap.parse_args(argv)
    for p, f in ((1, before_after), (2, growth), (3, options), (4, wm_tensors), (5, tew_egg_white),
                 (6, electrode_and_pia), (7, tissue_properties), (7, impedance_after_coagulation)):
        if p in args.part:
            f()
            print(flush=True)


if __name__ == "__main__":
    main()

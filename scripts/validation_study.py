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
5. Tissue properties that change with temperature and damage (every tissue
   at once): the suite, and the default prediction after 1 and 3 lesions, with
   thermal conductivity rising 0.16 and 0.3 %/C and coagulated tissue at 0.5
   and 2 times its native electrical conductivity; and the cord impedance
   read at 37 C before and after one 80 C, 75 s lesion (the rat-nerve
   exposure) with the lesion at 0.5, 1 and 2 times its native conductivity.

Usage::

    PYTHONPATH=. python scripts/validation_study.py [--part 1 2 3 4 5]
"""

from __future__ import annotations

import argparse
from dataclasses import replace

import numpy as np

from rfsim.physics.damage import ARRHENIUS_SETS, DamageSettings
from rfsim.physics.electric import ElectricSolver
from rfsim.physics.generator import Lesion, Protocol
from rfsim.cordotomy.insertion3d import impedance_at_depths
from rfsim.physics.tissue import TISSUES, tissue
from rfsim.prediction import cordotomy_scenario, place, predict
from rfsim.runner import run
from rfsim.scenario.config import parse_scenario
from rfsim.validation.cases import load_cases
from rfsim.validation.runner import evaluate, scenario_of


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
            cells.append("-" if r["predicted"] is None else f"{r['predicted']:.3g} ({r['verdict']})")
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


#: Part 5's variants: tissue properties set on every tissue at once.
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
        kind = scenario_of(c, "numerator" if "numerator" in c.model else None).kind
        cells = []
        for _, props in TISSUE_VARIANTS:
            r = evaluate(c, _tissue_tables(kind, props))
            cells.append("-" if r["predicted"] is None else f"{r['predicted']:.3g} ({r['verdict']})")
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
    ap.add_argument("--part", type=int, nargs="*", default=[1, 2, 3, 4, 5])
    args = ap.parse_args(argv)
    for p, f in ((1, before_after), (2, growth), (3, options), (4, wm_tensors), (5, tissue_properties),
                 (5, impedance_after_coagulation)):
        if p in args.part:
            f()
            print(flush=True)


if __name__ == "__main__":
    main()

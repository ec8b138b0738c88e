"""Why the layered and the 3-D model disagree: the gap, difference by difference.

Runs the test lesion (80 C for 60 s) at the four placements of docs/model3d.md
(``compare_models.CASES``) in both models, first with the default tissues and
then with the differences between the two models switched off one after the
other (cumulatively):

1. ``default``: as shipped (3-D white matter 7.5 times more conductive along
   the cord than across it; the layered model is isotropic).
2. ``wm isotropic``: the 3-D white matter isotropic (ratio 1), as the layered
   model's is.  The layered model does not change, so it is not run again.
3. ``+ pia as wm``: the pia given white matter's conductivity in both models
   (the layered model has it as a plane across the needle, the 3-D model as a
   50 um partial-volume rim round the cord).
4. ``+ grey as wm``: grey matter given white matter's properties in both
   models (the layered model has it as a plane beyond the tip, the 3-D model
   as the real horns, with their perfusion of 764 ml/min/kg).

5. ``layered wm sqrt``: the other way round, the layered model's white
   matter given sqrt(7.5) x 0.095 = 0.26 S/m, the conductivity a thin electrode
   across the fibres sees near it in the 3-D model's tensor (across x along,
   square-rooted); the 3-D model stays at its default.

What is left after step 4 is the geometry: the CSF round a curved cord
instead of planes across the needle, the needle's angle to the surfaces, the
cord's finite size.  Each run is saved to ``--out`` (JSON) as it finishes, so
an interrupted study resumes; ``--table-only`` rewrites the table and the
figure from that file.  The 3-D runs take about 15 s each on an idle 2-core
machine (more under load); they run one at a time.

Usage::

    PYTHONPATH=. python scripts/layered_vs_3d.py [--out docs/layered_vs_3d.json]
        [--figure docs/layered_vs_3d.png] [--steps default "wm isotropic" ...]
        [--placements "leg default" ...] [--table-only]
"""

from __future__ import annotations

import argparse
import json
import pathlib
import time
from dataclasses import replace

from compare_models import CASES

from rfsim.errors import RfsimError
from rfsim.physics.generator import Protocol
from rfsim.physics.tissue import tissue
from rfsim.prediction import cordotomy_scenario, predict

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _tissues(step, model):
    """Tissue overrides of a step for a model (see the module docstring)."""
    wm = tissue("white_matter")
    out = {}
    if step == "layered wm sqrt":
        sq = wm.sigma_s_per_m * wm.sigma_axial_ratio ** 0.5
        return (wm.with_(sigma_s_per_m=sq, sigma_axial_ratio=1.0),) if model == "axisymmetric" else ()
    if step != "default":
        out["white_matter"] = wm.with_(sigma_axial_ratio=1.0)
    if step in ("+ pia as wm", "+ grey as wm"):
        out["pia"] = tissue("pia").with_(sigma_s_per_m=wm.sigma_s_per_m)
    if step == "+ grey as wm":
        out["grey_matter"] = wm.with_(name="grey_matter", sigma_axial_ratio=1.0, source="white matter's")
    return tuple(out.values())


STEPS = ("default", "wm isotropic", "+ pia as wm", "+ grey as wm", "layered wm sqrt")
#: Steps whose layered run equals an earlier one (the layered model is isotropic).
LAYERED_SAME_AS = {"wm isotropic": "default"}
#: Steps whose 3-D run equals an earlier one.
D3_SAME_AS = {"layered wm sqrt": "default"}


def _key(label, model, step):
    return f"{label} | {model} | {step}"


def run_all(steps, out_path, placements=None):
    """Run what ``out_path`` does not hold yet (of ``placements``, labels of
    ``CASES``, default all); returns all results."""
    results = json.loads(out_path.read_text()) if out_path.exists() else {}
    for step in steps:
        for label, kw in CASES:
            if placements and label not in placements:
                continue
            for model in ("axisymmetric", "3d"):
                if step in (LAYERED_SAME_AS if model == "axisymmetric" else D3_SAME_AS):
                    continue
                key = _key(label, model, step)
                if key in results:
                    continue
                sc = replace(cordotomy_scenario(**kw), protocol=Protocol.clinical(1), model=model,
                             tissues=_tissues(step, model))
                t0, c0 = time.perf_counter(), time.process_time()
                try:
                    s = predict(sc).summary
                except RfsimError as e:  # a run the model cannot answer is a finding, not the end
                    results[key] = dict(error=str(e))
                    out_path.write_text(json.dumps(results, indent=1, sort_keys=True))
                    print(f"{key}: no result: {e}", flush=True)
                    continue
                results[key] = dict(
                    impedance_ohm=s["impedance_ohm"], lesion_volume_mm3=s["lesion_volume_mm3"],
                    cord_area_fraction=s["cord_area_fraction"],
                    cst_fraction=s["tract_coverage"]["lateral_corticospinal"],
                    cst_margin_mm=s["cst_margin_mm"], lesion_width_mm=s["lesion_width_mm"],
                    lesion_length_mm=s["lesion_length_mm"], cells=s["cells"],
                    wall_s=time.perf_counter() - t0, cpu_s=time.process_time() - c0)
                out_path.write_text(json.dumps(results, indent=1, sort_keys=True))
                r = results[key]
                print(f"{key}: {r['impedance_ohm']:.0f} ohm, {r['lesion_volume_mm3']:.1f} mm3, "
                      f"cord {100 * r['cord_area_fraction']:.1f} %, CST {100 * r['cst_fraction']:.1f} %, "
                      f"{r['wall_s']:.0f} s wall", flush=True)
    return results


def pair(results, label, step):
    """(layered, 3-D) results of a placement and step, or None if not run."""
    lay = results.get(_key(label, "axisymmetric", LAYERED_SAME_AS.get(step, step)))
    d3 = results.get(_key(label, "3d", D3_SAME_AS.get(step, step)))
    return (lay, d3) if lay and d3 and "error" not in lay and "error" not in d3 else None


def table(results, steps=STEPS):
    """The markdown table: layered and 3-D side by side, step by step."""
    lines = ["| placement | step | impedance layered / 3-D (ohm) | volume layered / 3-D (mm3) | volume gap (%) "
             "| cord area layered / 3-D (%) | gap (points) | CST layered / 3-D (%) "
             "| CST margin layered / 3-D (mm) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for label, _ in CASES:
        for step in steps:
            p = pair(results, label, step)
            if p is None:
                continue
            a, b = p
            gap = 100 * (a["lesion_volume_mm3"] / b["lesion_volume_mm3"] - 1)
            lines.append(
                f"| {label} | {step} | {a['impedance_ohm']:.0f} / {b['impedance_ohm']:.0f} | "
                f"{a['lesion_volume_mm3']:.1f} / {b['lesion_volume_mm3']:.1f} | {gap:+.0f} | "
                f"{100 * a['cord_area_fraction']:.1f} / {100 * b['cord_area_fraction']:.1f} | "
                f"{100 * (a['cord_area_fraction'] - b['cord_area_fraction']):+.1f} | "
                f"{100 * a['cst_fraction']:.1f} / {100 * b['cst_fraction']:.1f} | "
                f"{a['cst_margin_mm']:.2f} / {b['cst_margin_mm']:.2f} |")
    failed = [f"{k}: no result ({v['error'].split(':')[0]})" for k, v in sorted(results.items()) if "error" in v]
    return "\n".join(lines + [""] + failed if failed else lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=pathlib.Path, default=ROOT / "docs" / "layered_vs_3d.json")
    ap.add_argument("--figure", type=pathlib.Path, default=ROOT / "docs" / "layered_vs_3d.png")
    ap.add_argument("--steps", nargs="+", default=list(STEPS), choices=STEPS)
    ap.add_argument("--placements", nargs="+", choices=[label for label, _ in CASES],
                    help="run these placements only (default all)")
    ap.add_argument("--table-only", action="store_true", help="no runs: table and figure from --out")
    args = ap.parse_args(argv)
    results = (json.loads(args.out.read_text()) if args.table_only
               else run_all(args.steps, args.out, args.placements))
    print(table(results, args.steps))
    from rfsim.plots.comparison import model_gap_figure
    rows = {step: [(label, *pair(results, label, step)) for label, _ in CASES if pair(results, label, step)]
            for step in args.steps}
    model_gap_figure(rows).savefig(args.figure, dpi=150)
    print(f"wrote {args.figure}")


if __name__ == "__main__":
    main()

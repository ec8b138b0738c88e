"""Time-step and grid convergence of the lesion size (default electrode, 80 C for 60 s).

    python scripts/timestep_study.py [--prediction]

Prints two markdown tables: the lesion width, length and volume of a homogeneous
cord-like block for several step tolerances, and for uniformly refined grids.
The defaults (step tolerance 0.5 C, growth 1.15, smallest cell ~19 um) are chosen
from these numbers; see the README's verification section.

``--prediction`` prints instead what the step settings do to the planner's
answers: the default 3-lesion prediction and five variants (arm target, left
side, PAM50 atlas, one lesion at 90 C, PID generator) with several step
tolerances and largest steps, each against a fine reference run (0.01 C, steps
of at most 0.5 s): steps, CPU time and the error of every metric.
"""

import argparse
import time
from dataclasses import replace
from pathlib import Path

from rfsim.physics.domain import MeshSettings, homogeneous
from rfsim.physics.electrode import Electrode
from rfsim.physics.generator import Protocol
from rfsim.physics.lesion import axisymmetric_size
from rfsim.physics.simulation import NumericsSettings, simulate
from rfsim.physics.tissue import tissue


def lesion(mesh=MeshSettings(), numerics=NumericsSettings()):
    d = homogeneous(tissue("spinal_cord"), Electrode(), mesh)
    r = simulate(d, Protocol(), numerics=numerics)
    s = axisymmetric_size(d.grid, r.damage.criterion(), d.metal)
    return d.grid.ncells, r.steps, r.runtime_s, s.width_m * 1e3, s.length_m * 1e3, s.volume_m3 * 1e9


def table(title, rows):
    ref = rows[-1][1]
    print(f"\n{title}\n\n| case | cells | steps | run s | width mm | length mm | volume mm3 | volume vs last |")
    print("|---|---|---|---|---|---|---|---|")
    for name, (n, st, t, w, L, v) in rows:
        print(f"| {name} | {n} | {st} | {t:.2f} | {w:.4f} | {L:.4f} | {v:.3f} | {v / ref[5] - 1:+.2%} |")


#: The planner's answers the prediction study compares, with their units in the table.
METRICS = (("lesion_volume_mm3", "volume %", "rel"), ("lesion_width_mm", "width %", "rel"),
           ("cord_area_fraction", "cord share pts", "pts"), ("cst_lesioned_fraction", "CST share pts", "pts"),
           ("cst_margin_mm", "CST margin mm", "abs"), ("ventral_horn_lesioned_fraction", "VH share pts", "pts"),
           ("max_tissue_temperature_c", "peak T C", "abs"))
#: (step tolerance C, largest step s); the first is the reference.
STEPS = ((0.01, 0.5), (0.5, 4.0), (0.5, 8.0), (0.5, 16.0), (1.0, 8.0))


def _scenarios():
    from rfsim.physics.generator import GeneratorSettings, Protocol
    from rfsim.prediction import cordotomy_scenario
    from rfsim.scenario.config import AnatomySettings

    base = cordotomy_scenario()
    pam50 = Path(__file__).resolve().parents[2] / "shared" / "data" / "pam50_c1c3"
    return {"default (leg, right, 3 x 80 C)": base, "arm target": cordotomy_scenario(target="arm"),
            "left side": cordotomy_scenario(side="left"),
            "PAM50 atlas": replace(base, anatomy=AnatomySettings(source="pam50", pam50_folder=str(pam50))),
            "1 lesion at 90 C": replace(base, protocol=Protocol.clinical(1, set_temperature_c=90.0)),
            "PID generator": replace(base, generator=GeneratorSettings(mode="pid"))}


def _error(value, ref, kind) -> str:
    if kind == "rel":
        return f"{(value / ref - 1) * 100:+.2f}"
    return f"{(value - ref) * 100:+.2f}" if kind == "pts" else f"{value - ref:+.3f}"


def prediction_study():
    """Print the planner's answers against a fine reference for each step setting."""
    from rfsim.prediction import predict

    print("| scenario | tol C | dt_max s | steps | CPU s | " + " | ".join(m[1] for m in METRICS) + " |")
    print("|---|---|---|---|---|" + "---|" * len(METRICS))
    for name, sc in _scenarios().items():
        ref = None
        for tol, dm in STEPS:
            s = replace(sc, numerics=replace(sc.numerics, step_tolerance_c=tol, dt_max_s=dm))
            predict(s)  # compile and warm
            t = time.process_time()
            out = predict(s).summary
            cpu = time.process_time() - t
            ref = ref or out
            errs = " | ".join(_error(out[k], ref[k], kind) for k, _, kind in METRICS)
            print(f"| {name} | {tol:g} | {dm:g} | {out['steps']} | {cpu:.2f} | {errs} |", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prediction", action="store_true", help="the planner's answers against a fine reference")
    if ap.parse_args().prediction:
        return prediction_study()
    lesion()  # compile
    table("Step tolerance (default grid)", [
        (f"tol {tol} C, dt_max {dm} s", lesion(numerics=NumericsSettings(step_tolerance_c=tol, dt_max_s=dm)))
        for tol, dm in ((1.0, 4.0), (0.5, 4.0), (0.2, 4.0), (0.05, 1.0), (0.01, 0.5))])
    table("Grid refinement (default steps)", [
        (f"refine {f}", lesion(mesh=MeshSettings(refine=f))) for f in (0.5, 1.0, 2.0, 4.0)])


if __name__ == "__main__":
    main()

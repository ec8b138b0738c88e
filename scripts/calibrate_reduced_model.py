"""Measure the reduced model of the uncertainty commands against the full model
and store the measurement in rfsim/uncertainty/reduced_model.json, which every
reduced answer prints beside itself.

    PYTHONPATH=. python scripts/calibrate_reduced_model.py [--draws 20] [--workers 2]

The same draws of the default declared uncertainties (seed 0) run at the
default leg and arm placements with both models; rfsim.uncertainty.fidelity.compare
gives the errors.  Run it again when the model or the reduced settings change.
"""

import argparse
import datetime
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    from rfsim.prediction import cordotomy_scenario
    from rfsim.uncertainty import fidelity
    from rfsim.uncertainty.analysis import usable_uncertainties
    from rfsim.uncertainty.draws import draw_runs, draw_values, reduced_settings
    from rfsim.uncertainty.engine import execute_runs, store_meta

    full_rows, red_rows, by_target = [], [], {}
    for p, target in enumerate(("leg", "arm")):
        sc = cordotomy_scenario(target=target)
        active, _ = usable_uncertainties(sc)
        values = draw_values(active, a.draws, a.seed)
        runs_full = draw_runs(sc, active, values, a.draws, reduced=False)
        runs_red = draw_runs(sc, active, values, a.draws, reduced=True, first_index=a.draws)
        runs = runs_full + [r.__class__(r.index, 1, r.sample, r.params, r.scenario, r.scenario_hash, r.error)
                            for r in runs_red]
        rows = execute_runs(runs, store_meta({"calibration": target}, runs, 2, a.draws, a.seed, []),
                            workers=a.workers)["rows"]
        f = [dict(r, point=p) for r in rows if r["point"] == 0]
        r_ = [dict(r, point=p) for r in rows if r["point"] == 1]
        vh = sc.verdict.ventral_horn_warning_fraction
        by_target[target] = fidelity.compare(f, r_, vh)
        full_rows += f
        red_rows += r_
        print(target, json.dumps(by_target[target]), flush=True)
    out = {"where": f"default leg and arm placements, {a.draws} draws each of the default declared "
                    f"uncertainties (seed {a.seed}), {fidelity.describe_model(reduced_settings(cordotomy_scenario()))} "
                    f"against the full model",
           "measured": datetime.date.today().isoformat(), "load_average": os.getloadavg()[0],
           "error": fidelity.compare(full_rows, red_rows, 0.01), "by_target": by_target}
    fidelity.CALIBRATION.write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(out["error"]))


if __name__ == "__main__":
    main()

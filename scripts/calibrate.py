"""Fit the damage kinetics on named bench cases and test the fit on held-out
cases (issue 12, item 3; docs/validation.md, "Calibration of the damage kinetics").

    PYTHONPATH=. python scripts/calibrate.py [--model arrhenius|isotherm]
        [--cases NAME ...] [--holdout NAME ...] [--grid 7] [--refine 40] [--local 7]
        [--store docs/calibration.json] [--no-clinical] [--quick]

The fit (rfsim.validation.calibration) minimises the sum of squared errors of
the fit cases (default: the Cosman 2014 ex vivo cases), each in units of its
measured spread: a coarse grid, then Nelder-Mead, then a finer grid round the
optimum for the interval where the objective is within its minimum + 1.  The
held-out cases (default: the clinical, Chen 2002 and Ikeda 1994 cases) are run
with the fitted and the default set only.  Every run's value is kept in the
store, so a rerun resumes.  Then the default clinical case after 1 and 3
lesions with both sets: a test of the model, not a target.  The default damage
set is not changed.  Bad input: one line on stderr, exit status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rfsim.cli.common import Parser  # noqa: E402  (argparse's errors as one line, exit 2)
from rfsim.errors import ConfigError  # noqa: E402
from rfsim.physics.damage import ARRHENIUS_ONSET_C  # noqa: E402
from rfsim.prediction import predict  # noqa: E402
from rfsim.scenario.config import parse_scenario  # noqa: E402
from rfsim.validation import calibration as cal  # noqa: E402
from rfsim.validation.cases import load_cases  # noqa: E402

STORE = Path(__file__).resolve().parents[1] / "docs" / "calibration.json"


def _num(v, err=None) -> str:
    if v is None:
        return "-"
    return f"{v:.3g}" if err is None else f"{v:.3g} ({err:+.2g})"


def print_table(title: str, rows: list) -> None:
    """Default against fitted, one row per case (errors in spreads, in brackets)."""
    print(f"\n{title}\n")
    print("| case | measured | default (error) | verdict | fitted (error) | verdict |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['case']} | {r['measured']} | {_num(r['default'], r['default_error'])} | "
              f"{r['default_verdict']} | {_num(r['fitted'], r['fitted_error'])} | {r['fitted_verdict']} |")
    rows = [r for r in rows if r["applies"]]  # both sets on the same cases
    two = [r for r in rows if r["two_sided"]]
    for label in ("default", "fitted"):
        n_in = sum(r[f"{label}_verdict"] == "within" for r in rows)
        print(f"{label}: {n_in} of {len(rows)} cases that test the fitted model within, sum of squared errors "
              f"{cal.objective(r[f'{label}_error'] for r in rows):.3g} "
              f"({cal.objective(r[f'{label}_error'] for r in two):.3g} over the {len(two)} two-sided cases)")


def print_clinical(fitted: cal.Fit) -> None:
    """The default clinical case after 1 and 3 lesions with the default and the fitted set."""
    print("\n| damage set | lesions | cord area (%) | CST (%) | ventral horn (%) | width (mm) | depth (mm) |")
    print("|---|---|---|---|---|---|---|")
    for label, physics in (("default", {}), ("fitted", fitted.physics())):
        s = predict(parse_scenario({"scenario": {"kind": "cordotomy"}, **physics})).summary
        for p in (s["per_lesion"][0], s["per_lesion"][-1]):
            print(f"| {label} | {p['lesion']} | {100 * p['cord_area_fraction']:.1f} | "
                  f"{100 * p['cst_lesioned_fraction']:.1f} | {100 * p['ventral_horn_lesioned_fraction']:.1f} | "
                  f"{p['lesion_width_mm']:.2f} | {p['lesion_depth_mm']:.2f} |", flush=True)


def parse(argv=None) -> argparse.Namespace:
    ap = Parser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", choices=sorted(cal.SPACES), default="arrhenius")
    ap.add_argument("--cases", nargs="+", default=list(cal.FIT_CASES), metavar="NAME")
    ap.add_argument("--holdout", nargs="+", default=list(cal.HOLDOUT_CASES), metavar="NAME")
    ap.add_argument("--grid", type=int, default=7, help="coarse grid points per parameter")
    ap.add_argument("--refine", type=int, default=40, help="most Nelder-Mead evaluations")
    ap.add_argument("--local", type=int, default=7, help="points per parameter of the scan round the optimum")
    ap.add_argument("--store", default=str(STORE), help="JSON file of the runs ('' keeps them in memory)")
    ap.add_argument("--no-clinical", action="store_true", help="skip the default clinical case")
    ap.add_argument("--quick", action="store_true",
                    help="a 2-point grid, 4 refinement evaluations, no local scan, no clinical case (a test)")
    a = ap.parse_args(argv)
    if a.quick:
        a.grid, a.refine, a.local, a.no_clinical = 2, 4, 0, True
    for key, v, lo in (("--grid", a.grid, 2), ("--refine", a.refine, 0), ("--local", a.local, 0)):
        if v < lo:
            raise ConfigError(key, v, f"an integer >= {lo}")
    a.fit_cases, a.held = load_cases(a.cases, key="--cases"), load_cases(a.holdout, key="--holdout")
    for n in a.holdout:
        if n in a.cases:
            raise ConfigError("--holdout", n, "also in --cases: a held-out case must not be fitted")
    return a


def run(a: argparse.Namespace) -> dict:
    """Fit, print the tables, and return the fit and the rows."""
    t0, c0 = time.perf_counter(), time.process_time()
    space = cal.SPACES[a.model]
    store = cal.Store(Path(a.store) if a.store else None)
    fit_cases, held = a.fit_cases, a.held
    fitted = cal.fit(space, fit_cases, store, a.grid, a.refine, a.local)
    print(f"\n{space.model}: {fitted.evaluations} parameter points, {store.evaluations} case runs this session, "
          f"{fitted.wall_s:.0f} s wall (load average {os.getloadavg()[0]:.1f})")
    print("fitted: " + ", ".join(f"{n} = {v:.5g} (within objective + 1: {lo:.4g} to {hi:.4g}"
                                 f"{', may be wider' if e else ''})"
                                 for n, v, (lo, hi), e in zip(space.names, fitted.x, fitted.interval, fitted.at_edge)))
    # the minimum is far above the number of cases when the model cannot meet the spreads; errors
    # scaled until it equals the degrees of freedom (the Birge ratio) widen the interval accordingly
    dof = max(len(fit_cases) - len(space.names), 1)
    delta = max(1.0, fitted.value / dof)
    print(f"with errors scaled so the minimum equals the {dof} degrees of freedom (within objective + "
          f"{delta:.3g}): " + ", ".join(f"{n} {lo:.4g} to {hi:.4g}" for n, (lo, hi) in
                                        zip(space.names, fitted.within(delta))))
    if space.model == "arrhenius":
        print(f"fitted: arrhenius_a_per_s = {fitted.physics()['damage']['arrhenius_a_per_s']:.4g}, "
              f"arrhenius_onset_c = {ARRHENIUS_ONSET_C:g} (kept)")
    print(f"objective (sum of squared errors in spreads): fitted {fitted.value:.3g}, "
          f"default {fitted.default_value:.3g}")
    fit_rows = cal.table_rows(fit_cases, store, fitted)
    held_rows = cal.table_rows(held, store, fitted)
    print_table("Fit cases (error in measured spreads; one-sided bounds: past the bound over the bound)", fit_rows)
    print_table("Held-out cases (not used in the fit)", held_rows)
    if not a.no_clinical:
        print_clinical(fitted)
    print(f"\ntotal {time.perf_counter() - t0:.0f} s wall, {time.process_time() - c0:.0f} s CPU "
          f"(load average {os.getloadavg()[0]:.1f})")
    return {"fit": fitted, "fit_rows": fit_rows, "held_rows": held_rows}


def main(argv=None) -> int:
    try:
        run(parse(argv))
    except ConfigError as e:
        print(f"calibrate.py: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``rfsim sensitivity``: which inputs decide the answer (Morris, SALib)."""

from __future__ import annotations

import json
import sys

from rfsim.cli.placement_flags import add_placement_flags, scenario_from_flags
from rfsim.cli.uncertainty import add_run_flags


def add_command(sub):
    """``rfsim sensitivity``: Morris indices of the cord fraction and the CST margin."""
    p = sub.add_parser("sensitivity", help="which uncertain inputs decide the cord fraction and the CST margin "
                                           "of a placement (Morris indices)")
    add_placement_flags(p)
    p.add_argument("--trajectories", type=int, default=10, metavar="R",
                   help="Morris trajectories; runs = R x (inputs + 1) (default 10)")
    p.add_argument("--json", action="store_true", help="print the results as one JSON object")
    p.add_argument("--plot", metavar="FILE.png", help="bar chart of mu* and sigma per input")
    add_run_flags(p)

    def run(args):
        from rfsim.uncertainty.sensitivity import OUTPUTS, run_sensitivity

        out = run_sensitivity(scenario_from_flags(args), args.trajectories, args.seed, args.workers,
                              args.scheduler, args.store, args.full, progress=not args.json and sys.stderr.isatty())
        if args.plot:
            from rfsim.plots.uncertainty import sensitivity_figure

            fig = sensitivity_figure({OUTPUTS[k]: v for k, v in out["indices"].items()},
                                     f"Morris screening, {out['runs']} runs ({out['model']} model): target "
                                     f"{out['target']}, offset {out['offset_mm']:g} mm, depth {out['depth_mm']:g} mm")
            fig.savefig(args.plot, dpi=130, bbox_inches="tight")
        if args.json:
            print(json.dumps(out))
        else:
            print_sensitivity(out, OUTPUTS)
        return 0

    p.set_defaults(func=run)


def print_sensitivity(o: dict, labels: dict) -> None:
    print(f"rfsim {o['rfsim_version']} sensitivity (Morris, {o['trajectories']} trajectories, {o['runs']} runs, "
          f"{o['model']} model): target {o['target']}, offset {o['offset_mm']:g} mm, depth {o['depth_mm']:g} mm")
    print("  mu*: mean |effect| of moving the input across its 2.5-97.5 % range; sigma: interactions")
    for key, rows in o["indices"].items():
        print(f"  {labels[key]}" + (f" ({o['failed'][key]} failed runs set to the median)" if o["failed"][key] else ""))
        for r in rows:
            print(f"    {r['name']:32s} mu* {r['mu_star']:9.4f} +- {r['mu_star_conf']:.4f}   sigma {r['sigma']:9.4f}")
    print(f"  ({o['runtime_s']:.1f} s)")

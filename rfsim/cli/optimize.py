"""``rfsim optimize``: the placement that maximises P(relief) under a bound on
P(corticospinal tract reached)."""

from __future__ import annotations

import json
import sys

from rfsim.cli.placement_flags import add_placement_flags, scenario_from_flags
from rfsim.cli.uncertainty import add_run_flags


def add_command(sub):
    """``rfsim optimize``: the safest offset and depth for a patient and target."""
    p = sub.add_parser("optimize", help="the offset and depth that maximise P(relief) with P(CST reached) "
                                        "under a bound, and the map searched")
    add_placement_flags(p)
    p.add_argument("--draws", type=int, default=20, metavar="N", help="draws per searched point (default 20)")
    p.add_argument("--max-cst", type=float, default=0.05, metavar="P",
                   help="bound on P(corticospinal tract reached) (default 0.05)")
    p.add_argument("--offsets", type=float, nargs=2, metavar=("LO", "HI"),
                   help="offset range searched (mm; default leg 0.5-3, arm 1.5-4)")
    p.add_argument("--depths", type=float, nargs=2, metavar=("LO", "HI"), help="depth range (mm; default 1.5-4)")
    p.add_argument("--temperatures", type=float, nargs="+", default=(), metavar="C",
                   help="also search these set temperatures (C)")
    p.add_argument("--lesion-counts", type=int, nargs="+", default=(), metavar="K",
                   help="also search these numbers of lesions")
    p.add_argument("--no-refine", action="store_true", help="coarse grid only (0.5 mm)")
    p.add_argument("--json", action="store_true", help="print the results as one JSON object")
    p.add_argument("--plot", metavar="FILE.png", help="maps of P(relief) and P(CST reached) with the choice")
    add_run_flags(p)

    def run(args):
        from rfsim.errors import ConfigError
        from rfsim.uncertainty.optimize import coarse_maps, excluded_points, optimize_placement

        out = optimize_placement(scenario_from_flags(args), args.draws, args.seed, args.max_cst, args.offsets,
                                 args.depths, args.temperatures, args.lesion_counts, not args.no_refine,
                                 args.workers, args.scheduler, args.store, args.full,
                                 progress=not args.json and sys.stderr.isatty())
        c = out["chosen"]
        if args.plot:
            from rfsim.plots.uncertainty import optimize_figure

            pr, pc = coarse_maps(out)
            title = (f"target {out['target']}, {out['draws_per_point']} draws per point (seed {out['seed']}, "
                     f"{out['model']} model); " + ("no placement meets the bound" if c is None else
                                                  f"chosen offset {c['offset_mm']:g} mm, depth {c['depth_mm']:g} mm"))
            fig = optimize_figure(out["offsets"], out["depths"], pr, pc, out["max_cst"],
                                  None if c is None else (c["offset_mm"], c["depth_mm"]), title, excluded_points(out))
            fig.savefig(args.plot, dpi=130, bbox_inches="tight")
        if c is None:
            lowest = min((s for s in out["points"] if s["draws_ok"] and not s["draws_failed"]), key=lambda s: s["p_cst_reached"], default=None)
            where = "" if lowest is None else (f" (lowest {lowest['p_cst_reached']:.0%} at offset "
                                               f"{lowest['offset_mm']:g} mm, depth {lowest['depth_mm']:g} mm)")
            raise ConfigError("--max-cst", out["max_cst"], f"infeasible: no searched placement keeps "
                                                           f"P(CST reached) at or below it{where}")
        if args.json:
            print(json.dumps(out))
        else:
            print_optimize(out)
        return 0

    p.set_defaults(func=run)


def print_optimize(o: dict) -> None:
    from rfsim.uncertainty.summary import format_interval

    c = o["chosen"]
    print(f"rfsim {o['rfsim_version']} optimize: target {o['target']}, P(CST reached) <= {o['max_cst']:.0%}, "
          f"{o['draws_per_point']} draws per point (seed {o['seed']}, {o['model']} model), "
          f"{len(o['points'])} points searched")
    extra = "".join(f", {k.replace('_', ' ')} {c[k]:g}" for k in ("set_temperature_c", "lesions") if k in c)
    print(f"  chosen      offset {c['offset_mm']:g} mm, depth {c['depth_mm']:g} mm{extra} "
          f"({c['draws_ok']} of {c['draws']} draws placed)")
    bad = sum(1 for s in o["points"] if s["draws_failed"])
    if bad:
        print(f"  excluded    {bad} points where some draw could not be placed (tip across the midline, "
              "needle missing the cord)")
    print(f"  P(relief)   {format_interval(c['p_relief'], c['p_relief_ci'])}")
    print(f"  P(CST)      {format_interval(c['p_cst_reached'], c['p_cst_reached_ci'])}")
    print(f"  P(v. horn)  {format_interval(c['p_ventral_horn'], c['p_ventral_horn_ci'])}")
    print(f"  ({o['runtime_s']:.1f} s)")

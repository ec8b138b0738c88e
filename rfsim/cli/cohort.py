"""``rfsim cohort``: a virtual cohort beside the published series."""

from __future__ import annotations

import json
import sys

from rfsim.cli.uncertainty import add_run_flags


def add_command(sub):
    """``rfsim cohort``: virtual patients placed by the surgeons' rules."""
    p = sub.add_parser("cohort", help="virtual patients placed by the rules: relief and complication rates "
                                      "beside the published series")
    p.add_argument("--patients", type=int, default=200, metavar="N", help="virtual patients (default 200)")
    p.add_argument("--leg-share", type=float, default=0.5, metavar="F",
                   help="share of patients with a leg target, the rest arm (default 0.5)")
    p.add_argument("--json", action="store_true", help="print the results as one JSON object")
    p.add_argument("--plot", metavar="FILE.png", help="histogram of the lesioned cord fraction per target")
    add_run_flags(p)

    def run(args):
        from rfsim.uncertainty.cohort import run_cohort

        out = run_cohort(args.patients, args.seed, args.leg_share, args.workers, args.scheduler, args.store,
                         args.full, progress=not args.json and sys.stderr.isatty())
        if args.plot:
            from rfsim.plots.uncertainty import cohort_figure

            fig = cohort_figure(out["cord_fractions"], 0.10,
                                f"virtual cohort: {out['draws_ok']} patients (seed {out['seed']}, "
                                f"{out['model']} model)")
            fig.savefig(args.plot, dpi=130, bbox_inches="tight")
        if args.json:
            print(json.dumps({k: v for k, v in out.items() if k != "cord_fractions"}))
        else:
            print_cohort(out)
        return 0

    p.set_defaults(func=run)


def _rate(p, ci):
    from rfsim.uncertainty.summary import format_interval

    return format_interval(p, ci)


def print_cohort(o: dict) -> None:
    from rfsim.uncertainty.summary import format_percentiles

    print(f"rfsim {o['rfsim_version']} virtual cohort: {o['draws_ok']} of {o['patients']} patients ran "
          f"(seed {o['seed']}, leg share {o['leg_share']:g}, {o['model']} model)")
    print(f"  {'':10s} {'relief':>18s} {'CST reached':>18s} {'ventral horn':>18s}")
    rows = [("all", o)] + list(o["by_target"].items())
    for name, r in rows:
        print(f"  {name:10s} {_rate(r['p_relief'], r['p_relief_ci']):>18s} "
              f"{_rate(r['p_cst_reached'], r['p_cst_reached_ci']):>18s} "
              f"{_rate(r['p_ventral_horn'], r['p_ventral_horn_ci']):>18s}")
    print("  cord fraction (%)  " + format_percentiles(o["cord_area_fraction_percentiles"], 100, "{:.1f}"))
    print(f"  lesion >= 10 % of the cord: {o['share_at_least_10pct_cord']:.0%}; electrode advanced for the "
          f"impedance in {o['advanced']} patients")
    for reason, k in o["failed_reasons"].items():
        print(f"  failed      {k} x {reason}")
    print("  published series (relief / weakness), and the model's gap:")
    for s in o["series"]:
        rel = "-" if s["relief"] is None else f"{s['relief']:.0%}"
        wk = "-" if s["weakness"] is None else f"{s['weakness']:.1%}"
        gap_r = "" if s["relief"] is None else f"relief gap {o['p_relief'] - s['relief']:+.0%}"
        gap_w = "" if s["weakness"] is None else f"CST-vs-weakness gap {o['p_cst_reached'] - s['weakness']:+.0%}"
        print(f"    {s['series']:32s} n={s['n']:<4d} {rel:>5s} / {wk:>5s}  {gap_r}  {gap_w}")
    print(f"  ({o['runtime_s']:.1f} s)")

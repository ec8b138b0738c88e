"""``rfsim impedance``: impedance along the insertion path."""

from __future__ import annotations

from rfsim.cli.placement_flags import add_placement_flags, scenario_from_flags


def add_command(sub):
    """``rfsim impedance``: impedance along the insertion path."""
    p = sub.add_parser("impedance", help="impedance as the electrode advances from the CSF into the cord")
    add_placement_flags(p)
    p.add_argument("--start", type=float, default=-1.0, metavar="MM", help="first tip position (mm, < 0: in CSF)")
    p.add_argument("--step", type=float, default=0.25, metavar="MM", help="advance per reading (mm)")
    p.add_argument("--json", action="store_true", help="print a JSON list")

    def run(args):
        import json

        from rfsim.prediction import impedance_profile

        rows = impedance_profile(scenario_from_flags(args), args.start, args.step)
        if args.json:
            print(json.dumps(rows))
        else:
            print(f"{'depth (mm)':>10}  {'impedance (ohm)':>15}  tip in")
            for r in rows:
                print(f"{r['depth_mm']:10.2f}  {r['impedance_ohm']:15.0f}  {r['tissue']}")
        return 0

    p.set_defaults(func=run)

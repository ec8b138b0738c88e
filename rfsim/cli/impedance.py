"""``rfsim impedance``: impedance along the insertion path."""

from __future__ import annotations

from rfsim.cli.placement_flags import add_placement_flags, scenario_from_flags
from rfsim.cordotomy.placement import DEFAULT_OFFSET_MM


def add_command(sub):
    """``rfsim impedance``: impedance along the insertion path."""
    p = sub.add_parser("impedance", help="impedance as the electrode advances from the CSF into the cord")
    add_placement_flags(p)
    p.add_argument("--start", type=float, default=-1.0, metavar="MM", help="first tip position (mm, < 0: in CSF)")
    p.add_argument("--step", type=float, default=0.25, metavar="MM", help="advance per reading (mm)")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.add_argument("--plot", metavar="FILE.png", help="draw impedance against depth over the expected bands")

    def run(args):
        import json

        from rfsim.prediction import impedance_profile

        sc = scenario_from_flags(args)
        rows = impedance_profile(sc, args.start, args.step)
        if args.plot:
            from rfsim.plots import save_figure
            from rfsim.plots.impedance import plot_impedance

            ps, el = sc.placement, sc.electrode
            offset = DEFAULT_OFFSET_MM[ps.target] if ps.offset_mm is None else ps.offset_mm
            title = (f"{sc.model} model, {sc.anatomy.source} anatomy: {ps.side} side, {ps.target} target, "
                     f"offset {offset:g} mm; electrode {el.diameter_m * 1e3:g} x {el.tip_length_m * 1e3:g} mm")
            save_figure(plot_impedance(rows, title, tip_length_mm=el.tip_length_m * 1e3), args.plot)
        if args.json:
            print(json.dumps(rows))
        else:
            print(f"{'depth (mm)':>10}  {'impedance (ohm)':>15}  tip in")
            for r in rows:
                print(f"{r['depth_mm']:10.2f}  {r['impedance_ohm']:15.0f}  {r['tissue']}")
        return 0

    p.set_defaults(func=run)

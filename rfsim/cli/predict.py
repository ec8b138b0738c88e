"""``rfsim predict``: the planner's question."""

from __future__ import annotations

from rfsim.cli.common import emit, progress_printer, warn_printer
from rfsim.cli.placement_flags import add_placement_flags, scenario_from_flags
from rfsim.cli.uncertainty import add_uncertainty_flags
from rfsim.physics.generator import describe_protocol


def add_command(sub):
    """``rfsim predict``: the planner's question."""
    p = sub.add_parser("predict", help="predict the lesion of a cordotomy placement and protocol")
    add_placement_flags(p)
    p.add_argument("--temperature", type=float, metavar="C", help="set temperature of every lesion (C)")
    p.add_argument("--duration", type=float, metavar="S", help="time at the set temperature per lesion (s)")
    p.add_argument("--lesions", type=int, metavar="N", help="number of lesions at the spot (default 3)")
    p.add_argument("--json", action="store_true", help="print the results as one JSON object")
    p.add_argument("--out", metavar="FILE.h5", help="write scenario, grid, fields, series and metrics to HDF5")
    p.add_argument("--plot", metavar="FILE.png", help="draw the cross-section with the lesion and the traces")
    p.add_argument("--nifti", metavar="DIR", help="write the lesion, damage, peak temperature and needle as NIfTI "
                                                  "on the grid of the anatomy's image (pam50 or patient); with "
                                                  "--uncertainty also the lesion probability of the draws")
    add_uncertainty_flags(p)

    def run(args):
        if args.uncertainty is not None:
            from rfsim.cli.uncertainty import run_uncertainty

            return run_uncertainty(args, scenario_from_flags(args))
        from rfsim.prediction import predict

        sc = scenario_from_flags(args)
        if args.nifti:  # refuse before a run that could not be written
            from rfsim.nifti import check_nifti_request

            check_nifti_request(args.nifti, sc.anatomy.source)
        pr = predict(sc, progress=None if args.json else progress_printer(), warn=warn_printer())
        if args.nifti:
            from rfsim.nifti import write_nifti

            write_nifti(pr, args.nifti)
        if args.plot:
            from rfsim.plots import save_figure
            from rfsim.plots.prediction import plot_prediction
            from rfsim.prediction import cross_section

            save_figure(plot_prediction(pr, cross_section(pr)), args.plot, crop=True)
        return emit(args, pr, print_prediction)

    p.set_defaults(func=run)


def print_prediction(m: dict) -> None:
    print(f"rfsim {m['rfsim_version']} prediction ({m['model']} model, {m['anatomy']} anatomy)")
    print(f"  placement   {m['side']} side, target {m['target']}, offset {m['offset_mm']:g} mm, "
          f"depth {m['depth_mm']:g} mm; electrode {m['electrode_diameter_mm']:g} x {m['tip_length_mm']:g} mm")
    print(f"  protocol    {describe_protocol(m['set_temperature_c'], m['duration_s'])}")
    print(f"  impedance   {m['impedance_ohm']:.0f} ohm; peak power {m['peak_power_w']:.2f} W; "
          f"final voltage {m['final_voltage_v']:.1f} V; hottest tissue {m['max_tissue_temperature_c']:.1f} C")
    print(f"  lesion      {m['lesion_width_mm']:.2f} mm wide, {m['lesion_length_mm']:.2f} mm long, "
          f"{m['lesion_volume_mm3']:.1f} mm3, {m['lesion_depth_mm']:.2f} mm past the pia")
    print(f"  cord        {m['cord_area_fraction']:.1%} of the cross-section, "
          f"{m['cord_volume_fraction']:.1%} of the segment")
    z = m["stt_zone_coverage"]
    print("  STT zones   " + ", ".join(f"{k} {v:.0%}" for k, v in z.items()))
    print("  tracts      " + ", ".join(f"{k.replace('_', ' ')} {v:.0%}" for k, v in m["tract_coverage"].items()))
    margin = "n/a" if m["cst_margin_mm"] is None else f"{m['cst_margin_mm']:.2f} mm"
    print(f"  CST         {m['cst_lesioned_fraction']:.1%} lesioned, margin {margin}")
    for i, les in enumerate(m["per_lesion"]):
        print(f"  after lesion {i + 1}: cord {les['cord_area_fraction']:.1%}, {m['target']} zone "
              f"{les['stt_zone_coverage'][m['target']]:.0%}, CST {les['cst_lesioned_fraction']:.1%}, "
              f"volume {les['lesion_volume_mm3']:.1f} mm3")
    print(f"  verdict     relief {'PREDICTED' if m['relief_predicted'] else 'not predicted'}; "
          f"corticospinal tract {'spared' if m['cst_spared'] else 'REACHED'}")
    for w in m["warnings"]:
        print(f"  warning     {w}")
    print(f"  ({m['cells']} cells, {m['steps']} steps, {m['runtime_s']:.2f} s)")

"""``rfsim predict --uncertainty N``: the flags and the answer's printout
(the command itself is rfsim/cli/predict.py)."""

from __future__ import annotations

import json
import sys


def add_run_flags(p, draws_help: str = "draws per placement"):
    """--seed, --workers, --scheduler, --store, --full, shared by the uncertainty commands."""
    p.add_argument("--seed", type=int, default=0, metavar="S", help="seed of every draw (default 0)")
    p.add_argument("--workers", type=int, metavar="W", help="local worker processes (default: one per core; "
                                                              "0: in this process)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on the Dask cluster at tcp://host:8786")
    p.add_argument("--store", metavar="FILE.h5", help="keep the draws in this sweep store; an interrupted run "
                                                       "given the same store resumes")
    p.add_argument("--full", action="store_true", help="run every draw on the full model (default: the reduced "
                                                       "model, its measured error printed beside the answer)")


def add_uncertainty_flags(p):
    """The flags ``rfsim predict`` takes for an uncertainty answer."""
    g = p.add_argument_group("uncertainty (docs/uncertainty.md)")
    g.add_argument("--uncertainty", type=int, metavar="N", help="N draws over the declared uncertainties: "
                                                                 "probabilities of relief, CST and ventral horn")
    g.add_argument("--check", type=int, default=0, metavar="K", help="with --uncertainty: also run K draws on the "
                                                                     "full model and print the reduced model's error")
    add_run_flags(g)


def run_uncertainty(args, scenario) -> int:
    """Run ``rfsim predict --uncertainty N`` and print or write its answer."""
    from rfsim.uncertainty import predict_uncertainty

    if args.out:
        from rfsim.errors import ConfigError

        raise ConfigError("--out", args.out, "not with --uncertainty (use --store FILE.h5 for the draws)")
    if args.nifti:  # refuse before the draws what could not be written after them
        from rfsim.nifti import check_nifti_request

        check_nifti_request(args.nifti, scenario.anatomy.source)
    u = predict_uncertainty(scenario, n=args.uncertainty, seed=args.seed, workers=args.workers,
                            scheduler=args.scheduler, store=args.store, full=args.full, check=args.check,
                            progress=not args.json and sys.stderr.isatty(), volume_map=bool(args.nifti))
    if args.nifti:
        write_uncertainty_nifti(u, args.nifti)
    if args.plot:
        u.figure().savefig(args.plot, dpi=130, bbox_inches="tight")
    if args.json:
        print(json.dumps(u.summary))
    else:
        print_uncertainty(u.summary)
    return 0


def write_uncertainty_nifti(u, folder) -> dict:
    """``--nifti DIR`` with ``--uncertainty``: the nominal prediction's files
    and the lesion probability of the draws, on the anatomy's image."""
    from rfsim.nifti import write_nifti
    from rfsim.prediction import predict
    from rfsim.uncertainty.probability_map import VolumeProbability

    pr = predict(u.scenario)
    return write_nifti(pr, folder, probability=VolumeProbability(u.volume_probability, pr))


def print_uncertainty(s: dict) -> None:
    from rfsim.uncertainty import fidelity
    from rfsim.uncertainty.summary import format_interval, format_percentiles

    print(f"rfsim {s['rfsim_version']} uncertainty ({s['model']} model, {s['anatomy']} anatomy): "
          f"{s['side']} side, target {s['target']}, offset {s['offset_mm']:g} mm, depth {s['depth_mm']:g} mm")
    print(f"  draws       {s['draws_ok']} of {s['draws']} ran (seed {s['seed']}"
          + (f"; {s['resumed_draws']} from the store" if s["resumed_draws"] else "") + ")")
    print(f"  P(relief)               {format_interval(s['p_relief'], s['p_relief_ci'])}  (95 % Wilson interval)")
    print(f"  P(CST reached)          {format_interval(s['p_cst_reached'], s['p_cst_reached_ci'])}")
    print(f"  P(ventral horn)         {format_interval(s['p_ventral_horn'], s['p_ventral_horn_ci'])}")
    print("  cord fraction (%)       " + format_percentiles(s["cord_area_fraction_percentiles"], 100, "{:.1f}"))
    print("  CST margin (mm)         " + format_percentiles(s["cst_margin_mm_percentiles"]))
    print("  uncertainties drawn     " + ", ".join(u["name"] for u in s["uncertainties"]))
    first, *errors = fidelity.model_lines(s["reduced_model"])
    print(f"  model       {first}")
    for line in errors:
        print(f"    {line}")
    for r in s.get("failed_reasons", []):
        print(f"  failed      {r}")
    for n in s["notes"]:
        print(f"  note        {n}")
    print(f"  ({s['runtime_s']:.1f} s)")

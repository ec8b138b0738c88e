"""The ``rfsim`` command line.

Subcommands are registered by small ``_add_*`` functions, one per subcommand, each
adding its parser and the function that runs it.  Errors a user can cause
(:class:`~rfsim.errors.ConfigError`) print one line and exit with status 2;
numerical failures print one line and exit with status 3.  No traceback either way.
"""

from __future__ import annotations

import argparse
import sys

from rfsim.version import __version__
from rfsim.errors import ConfigError, NumericalError
from rfsim.cli.serve import add_command as add_serve


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own errors: one line, exit 2
        self.exit(2, f"rfsim: error: {message}\n")


def _add_anatomy(sub):
    """``rfsim anatomy``: the cross-section figure (issue 3)."""
    p = sub.add_parser("anatomy", help="draw the C1-C2 cross-section with tracts and the needle")
    p.add_argument("--plot", metavar="FILE.png", required=True, help="where to write the figure")
    p.add_argument("--source", choices=("parametric", "pam50"), default="parametric")
    p.add_argument("--pam50", metavar="DIR", help="PAM50 folder (default $SCT_DIR/data/PAM50)")
    p.add_argument("--mesh", metavar="FILE.toml", help="parametric anatomy file (default meshes/c1c2.toml)")
    p.add_argument("--level", choices=("C1", "C2"), default="C2", help="vertebral level (default C2)")
    p.add_argument("--side", choices=("right", "left"), default="right", help="side being lesioned")
    p.add_argument("--ap", type=float, metavar="MM", help="cord anteroposterior diameter (mm)")
    p.add_argument("--rl", type=float, metavar="MM", help="cord right-left diameter (mm)")
    p.add_argument("--csf-gap", dest="csf_gap", type=float, metavar="MM", help="lateral CSF gap (mm)")
    p.add_argument("--displacement", type=float, default=0.0, metavar="MM",
                   help="cord pushed away from the needle (mm, 0-5)")
    p.add_argument("--target", choices=("leg", "arm"), default="leg", help="somatotopic target")
    p.add_argument("--offset", type=float, metavar="MM",
                   help="entry anterior to the dentate ligament (mm; default leg 1.5, arm 2.5)")
    p.add_argument("--depth", type=float, metavar="MM", help="tip end past the pia (mm; default leg 2.0, arm 2.5)")
    p.add_argument("--tilt", type=float, default=0.0, metavar="DEG", help="cranio-caudal tilt (degrees)")
    p.add_argument("--tilt-in-plane", dest="tilt_in_plane", type=float, default=0.0, metavar="DEG",
                   help="in-plane (anteroposterior) tilt (degrees)")
    p.add_argument("--no-needle", dest="no_needle", action="store_true", help="draw the anatomy only")

    def run(args):
        from rfsim.anatomy.model import anatomy_command  # written with issue 3

        return anatomy_command(args)

    p.set_defaults(func=run)


def _progress_printer():
    """A one-line progress display on a terminal; nothing when output is piped."""
    if not sys.stderr.isatty():
        return None
    import time

    start = time.perf_counter()
    last = [0.0]

    def show(t, t_end):
        now = time.perf_counter() - start
        if now - last[0] > 0.2 or t >= t_end:
            last[0] = now
            eta = now * (t_end - t) / max(t, 1e-9)
            end = "\n" if t >= t_end else ""
            print(f"\r  simulated {t:7.1f} / {t_end:.1f} s   elapsed {now:5.1f} s   eta {eta:5.1f} s",
                  end=end, file=sys.stderr, flush=True)

    return show


def _emit(args, result, printer) -> int:
    """Write ``--out`` and print the summary as JSON (``--json``) or a table."""
    import json

    if args.out:
        from rfsim.io import write_result

        write_result(args.out, result)
    if args.json:
        print(json.dumps(result.summary))
    else:
        printer(result.summary)
    return 0


def _print_summary(summary: dict) -> None:
    width = max(len(k) for k in summary)
    for k, v in summary.items():
        if isinstance(v, float):
            v = f"{v:.6g}"
        elif isinstance(v, list):
            v = "; ".join(", ".join(f"{kk}={vv:.4g}" if isinstance(vv, float) else f"{kk}={vv}"
                                    for kk, vv in item.items()) for item in v)
        print(f"{k:<{width}}  {v}")


def _add_run(sub):
    """``rfsim run SCENARIO.toml``."""
    p = sub.add_parser("run", help="run a scenario file and print its results")
    p.add_argument("scenario", metavar="SCENARIO.toml")
    p.add_argument("--json", action="store_true", help="print the results as one JSON object")
    p.add_argument("--out", metavar="FILE.h5", help="write fields, time series and scenario to HDF5")

    def run(args):
        from rfsim.scenario.config import load_scenario
        from rfsim.run import run as run_scenario

        sc = load_scenario(args.scenario)
        r = run_scenario(sc, progress=None if args.json else _progress_printer())
        return _emit(args, r, _print_prediction if sc.kind == "cordotomy" else _print_summary)

    p.set_defaults(func=run)


def _placement_flags(p):
    """Flags shared by ``predict`` and ``impedance`` (they override --config)."""
    p.add_argument("--config", metavar="FILE.toml", help="cordotomy scenario (see: rfsim template cordotomy)")
    p.add_argument("--target", choices=("leg", "arm"), help="somatotopic target (default leg)")
    p.add_argument("--side", choices=("left", "right"), help="side of the cord lesioned (default right)")
    p.add_argument("--offset", type=float, metavar="MM", help="entry anterior to the dentate ligament (mm)")
    p.add_argument("--depth", type=float, metavar="MM", help="tip end past the pia (mm)")
    p.add_argument("--electrode-diameter", type=float, metavar="MM", help="electrode diameter (mm; default 0.40)")
    p.add_argument("--tip-length", type=float, metavar="MM", help="exposed tip length (mm; default 2)")
    p.add_argument("--model", choices=("axisymmetric", "3d"), help="layered axisymmetric (default) or 3-D model")


def _scenario_from_flags(args):
    """The cordotomy scenario of --config (or the default) with the flags applied."""
    from dataclasses import replace

    from rfsim.scenario.config import Scenario, load_scenario
    from rfsim.physics.electrode import Electrode
    from rfsim.physics.generator import Lesion, Protocol

    sc = load_scenario(args.config) if args.config else Scenario(kind="cordotomy", protocol=Protocol.clinical(3))
    if sc.kind != "cordotomy":
        raise ConfigError("scenario.kind", sc.kind, "rfsim predict needs a \"cordotomy\" scenario")
    ps = sc.placement
    changes = {k: v for k, v in (("target", args.target), ("side", args.side), ("offset_mm", args.offset),
                                 ("depth_mm", args.depth)) if v is not None}
    if args.target is not None and args.target != ps.target:  # the other target's defaults
        changes.setdefault("offset_mm", None)
        changes.setdefault("depth_mm", None)
    kw = {"placement": replace(ps, **changes) if changes else ps}
    el = sc.electrode
    if args.electrode_diameter is not None or args.tip_length is not None:
        d = el.diameter_m if args.electrode_diameter is None else args.electrode_diameter / 1e3
        t = el.tip_length_m if args.tip_length is None else args.tip_length / 1e3
        kw["electrode"] = Electrode(d, t, el.metal)
    if args.model:
        kw["model"] = args.model
    for key in ("temperature", "duration", "lesions"):
        if getattr(args, key, None) is not None:
            les = sc.protocol.lesions
            T = les[0].set_temperature_c if args.temperature is None else args.temperature
            D = les[0].duration_s if args.duration is None else args.duration
            n = len(les) if args.lesions is None else args.lesions
            if isinstance(n, int) and n < 1:
                raise ConfigError("--lesions", n, "must be a whole number >= 1")
            kw["protocol"] = Protocol(tuple(Lesion(T, D) for _ in range(n)), sc.protocol.cooling_s)
            break
    return replace(sc, **kw)


def _add_predict(sub):
    """``rfsim predict``: the planner's question."""
    p = sub.add_parser("predict", help="predict the lesion of a cordotomy placement and protocol")
    _placement_flags(p)
    p.add_argument("--temperature", type=float, metavar="C", help="set temperature of every lesion (C)")
    p.add_argument("--duration", type=float, metavar="S", help="time at the set temperature per lesion (s)")
    p.add_argument("--lesions", type=int, metavar="N", help="number of lesions at the spot (default 3)")
    p.add_argument("--json", action="store_true", help="print the results as one JSON object")
    p.add_argument("--out", metavar="FILE.h5", help="write scenario, grid, fields, series and metrics to HDF5")
    p.add_argument("--plot", metavar="FILE.png", help="draw the cross-section with the lesion and the traces")

    def run(args):
        from rfsim.predict import predict

        sc = _scenario_from_flags(args)
        pr = predict(sc, progress=None if args.json else _progress_printer())
        if args.plot:
            from rfsim.plots.core import plot_prediction

            plot_prediction(pr, args.plot)
        return _emit(args, pr, _print_prediction)

    p.set_defaults(func=run)


def _print_prediction(m: dict) -> None:
    print(f"rfsim {m['rfsim_version']} prediction ({m['model']} model, {m['anatomy']} anatomy)")
    print(f"  placement   {m['side']} side, target {m['target']}, offset {m['offset_mm']:g} mm, "
          f"depth {m['depth_mm']:g} mm; electrode {m['electrode_diameter_mm']:g} x {m['tip_length_mm']:g} mm")
    print(f"  protocol    {m['lesions']} x {m['set_temperature_c'][0]:g} C for {m['duration_s'][0]:g} s")
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


def _add_impedance(sub):
    """``rfsim impedance``: impedance along the insertion path."""
    p = sub.add_parser("impedance", help="impedance as the electrode advances from the CSF into the cord")
    _placement_flags(p)
    p.add_argument("--start", type=float, default=-1.0, metavar="MM", help="first tip position (mm, < 0: in CSF)")
    p.add_argument("--step", type=float, default=0.25, metavar="MM", help="advance per reading (mm)")
    p.add_argument("--json", action="store_true", help="print a JSON list")

    def run(args):
        import json

        from rfsim.predict import impedance_profile

        rows = impedance_profile(_scenario_from_flags(args), args.start, args.step)
        if args.json:
            print(json.dumps(rows))
        else:
            print(f"{'depth (mm)':>10}  {'impedance (ohm)':>15}  tip in")
            for r in rows:
                print(f"{r['depth_mm']:10.2f}  {r['impedance_ohm']:15.0f}  {r['tissue']}")
        return 0

    p.set_defaults(func=run)


def _add_template(sub):
    """``rfsim template NAME``."""
    p = sub.add_parser("template", help="print a commented example scenario")
    p.add_argument("name", help="homogeneous or cordotomy")

    def run(args):
        from rfsim.scenario.config import template

        print(template(args.name), end="")
        return 0

    p.set_defaults(func=run)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="rfsim", description="RF thermal lesions in the cervical spinal cord")
    parser.add_argument("--version", action="version", version=f"rfsim {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    for add in _COMMANDS:
        add(sub)
    return parser


def _add_plugins(sub):
    from rfsim.bench.core import add_command as add_bench
    from rfsim.sweep.core import add_command as add_sweep

    add_sweep(sub)
    add_bench(sub)


_COMMANDS = [_add_predict, _add_impedance, _add_run, _add_template, _add_anatomy, _add_plugins, add_serve]


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("rfsim: interrupted", file=sys.stderr)
        return 130
    except ConfigError as e:
        print(f"rfsim: error: {e}", file=sys.stderr)
        return 2
    except NumericalError as e:
        print(f"rfsim: numerical failure: {e}", file=sys.stderr)
        return 3
    except FileNotFoundError as e:
        print(f"rfsim: error: {e.filename or e}: file not found", file=sys.stderr)
        return 2

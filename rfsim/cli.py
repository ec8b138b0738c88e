"""The ``rfsim`` command line.

Subcommands are registered by small ``_add_*`` functions, one per subcommand, each
adding its parser and the function that runs it.  Errors a user can cause
(:class:`~rfsim.errors.ConfigError`) print one line and exit with status 2;
numerical failures print one line and exit with status 3.  No traceback either way.
"""

from __future__ import annotations

import argparse
import sys

from . import __version__
from .errors import ConfigError, NumericalError


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
        from .anatomy import anatomy_command  # written with issue 3

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
        import json

        from .config import load_scenario
        from .run import run as run_scenario

        sc = load_scenario(args.scenario)
        r = run_scenario(sc, progress=None if args.json else _progress_printer())
        if args.out:
            from .io import write_result

            write_result(args.out, r)
        if args.json:
            print(json.dumps(r.summary))
        else:
            _print_summary(r.summary)
        return 0

    p.set_defaults(func=run)


def _add_template(sub):
    """``rfsim template NAME``."""
    p = sub.add_parser("template", help="print a commented example scenario")
    p.add_argument("name", help="homogeneous (more as features land)")

    def run(args):
        from .config import template

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


_COMMANDS = [_add_run, _add_template, _add_anatomy]


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except ConfigError as e:
        print(f"rfsim: error: {e}", file=sys.stderr)
        return 2
    except NumericalError as e:
        print(f"rfsim: numerical failure: {e}", file=sys.stderr)
        return 3
    except FileNotFoundError as e:
        print(f"rfsim: error: {e.filename or e}: file not found", file=sys.stderr)
        return 2

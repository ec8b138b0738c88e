"""``rfsim run SCENARIO.toml``: any scenario."""

from __future__ import annotations

from rfsim.cli.common import emit, print_summary, progress_printer, warn_printer
from rfsim.cli.predict import print_prediction


def add_command(sub):
    """``rfsim run SCENARIO.toml``."""
    p = sub.add_parser("run", help="run a scenario file and print its results")
    p.add_argument("scenario", metavar="SCENARIO.toml")
    p.add_argument("--json", action="store_true", help="print the results as one JSON object")
    p.add_argument("--out", metavar="FILE.h5", help="write fields, time series and scenario to HDF5")

    def run(args):
        from rfsim.scenario.config import load_scenario
        from rfsim.runner import run as run_scenario

        sc = load_scenario(args.scenario)
        r = run_scenario(sc, progress=None if args.json else progress_printer(), warn=warn_printer())
        return emit(args, r, print_prediction if sc.kind == "cordotomy" else print_summary)

    p.set_defaults(func=run)

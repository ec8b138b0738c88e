"""``rfsim sweep-report F.h5``: per placement, the probabilities of relief and of
corticospinal involvement."""

from __future__ import annotations

import json
from pathlib import Path

from rfsim.plots.sweep import plot_summary
from rfsim.sweep.report import format_table, summarize


def add_command(sub) -> None:
    """Add ``rfsim sweep-report`` to the CLI's subparsers."""
    r = sub.add_parser("sweep-report", help="probabilities of relief and CST involvement per placement")
    r.add_argument("store", metavar="SWEEP.h5", help="results of rfsim sweep")
    r.add_argument("--plot", metavar="FILE.png", help="figure path (default: SWEEP.png next to the store)")
    r.add_argument("--no-plot", action="store_true", help="print the table only")
    r.add_argument("--json", action="store_true", help="print the summaries as JSON")

    def report(args):
        rows = summarize(args.store)
        print(json.dumps(rows) if args.json else format_table(rows))
        if not args.no_plot:
            path = args.plot or str(Path(args.store).with_suffix(".png"))
            plot_summary(rows).savefig(path, dpi=120)
            if not args.json:
                print(f"figure: {path}")
        return 0

    r.set_defaults(func=report)

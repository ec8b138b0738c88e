"""``rfsim bench``: solver performance, with FiPy side by side."""

from __future__ import annotations

import json
import os
from pathlib import Path

from rfsim.bench import FULL, QUICK, report
from rfsim.errors import ConfigError


def add_command(sub):
    """Register ``rfsim bench`` on the CLI's subparsers."""
    p = sub.add_parser("bench", help="solver performance, with FiPy side by side")
    p.add_argument("--quick", action="store_true", help="small sizes, under two minutes (CI)")
    p.add_argument("--sizes", type=int, nargs="+", metavar="N", help="peer-problem sizes, cells per side")
    p.add_argument("--repeats", type=int, help="potential solves per size (median)")
    p.add_argument("--no-fipy", dest="no_fipy", action="store_true", help="rfsim rows only")
    p.add_argument("--json", metavar="FILE", help="also write the raw figures to FILE")
    p.add_argument("--threads", type=int, metavar="N", help="threads for rfsim's kernels (default: all cores)")

    def run(args):
        if args.threads is not None:
            import numba

            if not 1 <= args.threads <= numba.config.NUMBA_NUM_THREADS:
                raise ConfigError("--threads", args.threads, f"must be 1 to {numba.config.NUMBA_NUM_THREADS}")
            os.environ["NUMBA_NUM_THREADS"] = str(args.threads)  # the workers
            numba.set_num_threads(args.threads)  # the operator and triad rows
        kw = dict(QUICK if args.quick else FULL)
        if args.sizes:
            kw["sizes"] = tuple(args.sizes)
        if args.repeats:
            kw["repeats"] = args.repeats
        table, fig = report(with_fipy=False if args.no_fipy else None, **kw)
        print(table)
        if args.json:
            Path(args.json).write_text(json.dumps(fig, indent=1, default=str))
        return 0 if all(r["agree"] is not False for r in fig["peer"]) else 1

    p.set_defaults(func=run)

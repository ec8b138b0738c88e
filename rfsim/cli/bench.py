"""``rfsim bench``: solver performance, with FiPy side by side."""

from __future__ import annotations

import json
import os
from pathlib import Path

from rfsim.bench import FULL, QUICK, report
from rfsim.errors import ConfigError
from rfsim.outputs import JSON_SUFFIXES, check_output

#: Peer-problem sizes (cells per side) and repeats ``rfsim bench`` accepts: 256^3
#: cells is 16.8 million, beyond what the FiPy peer solves on a workstation.
SIZES = (4, 256)
REPEATS = (1, 100)


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
        for n in args.sizes or ():
            if not SIZES[0] <= n <= SIZES[1]:
                raise ConfigError("--sizes", n, f"must be whole numbers from {SIZES[0]} to {SIZES[1]} (cells per side)")
        if args.repeats is not None and not REPEATS[0] <= args.repeats <= REPEATS[1]:
            raise ConfigError("--repeats", args.repeats, f"must be a whole number from {REPEATS[0]} to {REPEATS[1]}")
        if args.json is not None:
            check_output(args.json, "--json", JSON_SUFFIXES)
        if args.threads is not None:
            import numba

            if not 1 <= args.threads <= numba.config.NUMBA_NUM_THREADS:
                raise ConfigError("--threads", args.threads, f"must be 1 to {numba.config.NUMBA_NUM_THREADS}")
            os.environ["NUMBA_NUM_THREADS"] = str(args.threads)  # the workers
            numba.set_num_threads(args.threads)  # the operator and triad rows
        kw = dict(QUICK if args.quick else FULL)
        if args.sizes:
            kw["sizes"] = tuple(args.sizes)
        if args.repeats is not None:
            kw["repeats"] = args.repeats
        table, fig = report(with_fipy=False if args.no_fipy else None, **kw)
        print(table)
        if args.json:
            Path(args.json).write_text(json.dumps(fig, indent=1, default=str))
        return 0 if all(r["agree"] is not False for r in fig["peer"]) else 1

    p.set_defaults(func=run)

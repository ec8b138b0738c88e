"""``rfsim sweep SPEC.toml --out F.h5``: many predictions from one spec."""

from __future__ import annotations

import sys

from rfsim.errors import ConfigError
from rfsim.sweep.execute import check_scheduler, run_sweep
from rfsim.sweep.parse import load_sweep


def add_command(sub) -> None:
    """Add ``rfsim sweep`` to the CLI's subparsers."""
    p = sub.add_parser("sweep", help="run a parameter sweep / uncertainty study (see: rfsim template sweep)")
    p.add_argument("spec", metavar="SPEC.toml", help="sweep specification")
    p.add_argument("--out", metavar="FILE.h5", required=True, help="results store (one row per run)")
    p.add_argument("--workers", type=int, metavar="N", help="local worker processes (default: one per core)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on this Dask scheduler (tcp://host:8786)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted sweep in --out")
    p.add_argument("--log-every", type=float, default=10.0, metavar="S",
                   help="seconds between log lines when stderr is not a terminal (default 10)")
    p.add_argument("--dry-run", action="store_true", help="check the spec and its design points, print the number "
                                                          "of runs, run nothing")

    def run(args):
        if args.scheduler is not None:
            check_scheduler(args.scheduler)  # a typo is found before the spec is read
        spec = load_sweep(args.spec)
        if args.dry_run:
            spec.check()  # the design points; Monte Carlo draws are built as they run
            print(f"{spec.n_points} design points x {spec.n_samples} samples = {spec.n_runs} runs; "
                  f"varied: {', '.join(spec.design_keys + spec.uncertain_keys) or 'nothing'}")
            return 0
        if not args.log_every > 0:
            raise ConfigError("--log-every", args.log_every, "must be > 0 s")
        s = run_sweep(spec, args.out, args.workers, args.scheduler, args.resume, log_every_s=args.log_every)
        rate = f", {s['ran'] / s['seconds'] * 60:.0f} runs/min" if s["seconds"] > 0 else ""
        dropped = (f"; {s['dropped']} stored rows were damaged, duplicated or not of this spec, "
                   "left out and run again") if s["dropped"] else ""
        print(f"rfsim sweep: {s['runs']} runs in {args.out}: {s['ran']} run now ({s['failed']} failed), "
              f"{s['skipped']} already done{rate}{dropped}", file=sys.stderr)
        return 0

    p.set_defaults(func=run)

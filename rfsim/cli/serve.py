"""``rfsim serve``: the planning page (issue 15), a local web application."""

from __future__ import annotations

import importlib.util
import sys

from rfsim.errors import ConfigError

DEFAULT_PORT = 8050


def add_command(sub) -> None:
    """Add the ``serve`` subcommand to the ``rfsim`` subparsers ``sub``."""
    p = sub.add_parser("serve", help="start the planning page, a local web application (needs the app extra)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, metavar="P", help=f"port (default {DEFAULT_PORT})")
    p.add_argument("--host", default="127.0.0.1", metavar="ADDR",
                   help="address to bind (default 127.0.0.1: this machine only)")
    p.set_defaults(func=run)


def run(args) -> int:
    """Serve until Ctrl-C; exit status 2 when the app extra is missing."""
    if not 1 <= args.port <= 65535:
        raise ConfigError("--port", args.port, "must lie in [1, 65535]")
    if importlib.util.find_spec("dash") is None:
        print('rfsim: error: rfsim serve needs the app extra: pip install ".[app]"', file=sys.stderr)
        return 2
    from rfsim.app.server import serve

    serve(args.host, args.port, announce=lambda line: print(line, flush=True))
    return 0

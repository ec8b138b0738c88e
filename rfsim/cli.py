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

    def run(args):
        from .anatomy import anatomy_command  # written with issue 3

        return anatomy_command(args)

    p.set_defaults(func=run)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="rfsim", description="RF thermal lesions in the cervical spinal cord")
    parser.add_argument("--version", action="version", version=f"rfsim {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    for add in _COMMANDS:
        add(sub)
    return parser


_COMMANDS = [_add_anatomy]


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

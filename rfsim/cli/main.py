"""The ``rfsim`` command line: one module per command.

Each command module has ``add_command(subparsers)``, which adds its parser and the
function that runs it.  Errors a user can cause (:class:`~rfsim.errors.ConfigError`)
print one line and exit with status 2; numerical failures print one line and exit
with status 3.  No traceback either way.
"""

from __future__ import annotations

import sys

from rfsim.cli import (anatomy, bench, cohort, impedance, optimize, predict, run, sensitivity, sweep, sweep_report,
                       template, validate)
from rfsim.cli.common import Parser
from rfsim.errors import ConfigError, NumericalError
from rfsim.version import __version__

#: The commands, in the order ``rfsim --help`` lists them.
COMMANDS = (predict, impedance, run, template, anatomy, sweep, sweep_report, bench, validate,
            sensitivity, cohort, optimize)


def build_parser() -> Parser:
    """The parser of ``rfsim`` with every command."""
    parser = Parser(prog="rfsim", description="RF thermal lesions in the cervical spinal cord")
    parser.add_argument("--version", action="version", version=f"rfsim {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=Parser)
    for command in COMMANDS:
        command.add_command(sub)
    return parser


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
